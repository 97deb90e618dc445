/** A real database, settings held in memory (parsed by the real schema), secrets in a map. */
import fs from 'node:fs';
import path from 'node:path';
import { toDisposable } from '../../../src/shared/lifecycle';
import { SettingsSchema, type Settings, type SettingsPatch } from '../../../src/shared/types/settings';
import type { EventName } from '../../../src/shared/ipc/channels';
import { EventBus } from '../../../src/main/rpc/eventBus';
import { openDatabase, type Database } from '../../../src/main/services/storage/database';
import {
  AssistantService,
  type AssistantServiceOptions,
  type SecretsPort,
  type SettingsPort,
} from '../../../src/main/services/assistant/assistantService';
import type { AssistantDone } from '../../../src/shared/types/assistant';
import { tempDir, testLogger } from '../helpers/tmp';

export class MemorySettings implements SettingsPort {
  private s: Settings;
  private readonly listeners = new Set<(s: Settings) => void>();
  constructor(initial: Partial<Record<keyof Settings, unknown>> = {}) {
    this.s = SettingsSchema.parse(initial);
  }
  get(): Settings {
    return this.s;
  }
  update(patch: SettingsPatch): Settings {
    const next = structuredClone(this.s) as unknown as Record<string, Record<string, unknown>>;
    for (const [k, v] of Object.entries(patch)) Object.assign(next[k]!, v);
    this.s = SettingsSchema.parse(next);
    for (const l of this.listeners) l(this.s);
    return this.s;
  }
  onDidChange(l: (s: Settings) => void) {
    this.listeners.add(l);
    return toDisposable(() => void this.listeners.delete(l));
  }
}

export class MapSecrets implements SecretsPort {
  readonly values = new Map<string, string>();
  async reveal(id: string) {
    return this.values.get(id) ?? null;
  }
  async has(id: string) {
    return this.values.has(id);
  }
  async set(id: string, v: string) {
    this.values.set(id, v);
  }
  async delete(id: string) {
    this.values.delete(id);
  }
}

export interface Harness {
  dir: string;
  db: Database;
  events: EventBus;
  seen: Array<[EventName, unknown]>;
  settings: MemorySettings;
  secrets: MapSecrets;
  assistant: AssistantService;
  /** Asks and waits for assistant.done. */
  ask(
    text: string,
    conversationId?: number,
    grounded?: boolean,
  ): Promise<AssistantDone & { streamed: string }>;
  close(): Promise<void>;
}

export function makeHarness(
  extra: Partial<AssistantServiceOptions> = {},
  settingsInit: Partial<Record<keyof Settings, unknown>> = {},
): Harness {
  const dir = tempDir('assistant');
  const db = openDatabase(path.join(dir, 'nook.db'));
  const events = new EventBus();
  const seen: Array<[EventName, unknown]> = [];
  events.onAny((e, p) => seen.push([e, p]));
  const settings = new MemorySettings(settingsInit);
  const secrets = new MapSecrets();
  const log = testLogger(dir);
  const assistant = new AssistantService({ db, settings, secrets, events, log, ...extra });
  return {
    dir,
    db,
    events,
    seen,
    settings,
    secrets,
    assistant,
    async ask(text, conversationId, grounded = true) {
      const ids = assistant.ask({ text, grounded, ...(conversationId ? { conversationId } : {}) });
      await assistant.idle();
      const done = seen.find(
        ([e, p]) => e === 'assistant.done' && (p as AssistantDone).messageId === ids.messageId,
      )?.[1] as AssistantDone;
      const streamed = seen
        .filter(
          ([e, p]) => e === 'assistant.delta' && (p as { messageId: number }).messageId === ids.messageId,
        )
        .map(([, p]) => (p as { delta: string }).delta)
        .join('');
      return { ...done, streamed };
    },
    async close() {
      await assistant.dispose();
      db.close();
      await log.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
