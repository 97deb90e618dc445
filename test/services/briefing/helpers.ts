import fs from 'node:fs';
import path from 'node:path';
import { EventBus } from '../../../src/main/rpc/eventBus';
import type { EventName } from '../../../src/shared/ipc/channels';
import {
  BriefingService,
  type BriefingServiceOptions,
} from '../../../src/main/services/briefing/briefingService';
import type { Clock } from '../../../src/main/services/briefing/clock';
import { openDatabase, type Database } from '../../../src/main/services/storage/database';
import { tempDir } from '../helpers/tmp';

/** A clock whose time only moves when the test says so; timers fire as it passes them. */
export class ManualClock implements Clock {
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }
  /** Moves to `to`, firing every timer due on the way, in order. */
  advanceTo(to: number): void {
    for (;;) {
      const next = [...this.timers.entries()].sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!next || next[1].at > to) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = to;
  }
  pending(): number {
    return this.timers.size;
  }
}

export interface Harness {
  dir: string;
  db: Database;
  events: EventBus;
  seen: Array<{ event: EventName; payload: unknown }>;
  service: BriefingService;
  settings: { enabled: boolean; time: string; days: number[]; speakWhenReady: boolean };
  close(): Promise<void>;
}

export function harness(
  clock: Clock,
  timeZone: string,
  extra: Partial<BriefingServiceOptions> | ((dbPath: string) => Partial<BriefingServiceOptions>) = {},
): Harness {
  const dir = tempDir('briefing');
  const dbPath = path.join(dir, 'nook.db');
  const db = openDatabase(dbPath);
  const events = new EventBus();
  const seen: Harness['seen'] = [];
  events.onAny((event, payload) => seen.push({ event, payload }));
  const settings = { enabled: true, time: '07:30', days: [0, 1, 2, 3, 4, 5, 6], speakWhenReady: false };
  const service = new BriefingService({
    db,
    events,
    clock,
    timeZone: () => timeZone,
    settings: () => settings,
    ...(typeof extra === 'function' ? extra(dbPath) : extra),
  });
  return {
    dir,
    db,
    events,
    seen,
    service,
    settings,
    async close() {
      await service.dispose();
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
