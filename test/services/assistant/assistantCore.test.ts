/**
 * The assistant inside the real core: the knowledge service imports a real document (parsed,
 * chunked and embedded by the worker with the real MiniLM model), the extractive provider and the
 * REAL local GGUF model (SmolLM2-135M-Instruct, llama.cpp in a worker thread) answer from it with
 * citations, an OpenAI-compatible endpoint that times out fails over to the local model with a
 * notice, and a provider key never reaches the logs, the database, settings or events.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../src/main/core';
import type { EventName } from '../../../src/shared/ipc/channels';
import type { AssistantDone } from '../../../src/shared/types/assistant';
import { HAS_KEYCHAIN, clearService, testService } from '../helpers/keychain';
import { tempDir } from '../helpers/tmp';
import { startFaultServer, type FaultServer } from './faultServer';

const MODELS_DIR = path.resolve('models');
const GGUF = path.join(MODELS_DIR, 'smollm2-135m-instruct', 'SmolLM2-135M-Instruct.Q4_1.gguf');
const HAS_GGUF = fs.existsSync(GGUF);
if (!HAS_GGUF) console.warn(`Skipping the local-model tests: ${GGUF} is absent (npm run models:fetch).`);
const KEY = 'sk-nook-LEAKCHECK-7f3a9c2e51d04b';

let dir: string;
let service: string;
let core: Core;
let server: FaultServer;
const seen: Array<[EventName, unknown]> = [];
const ctx = { transport: 'internal' as const };

const DOC = `# Kerrera harbour handbook

## Lighthouse

The Hutcheson lighthouse on Kerrera is painted bright red so that fishermen can see it in fog.
It was built in 1904 and its lamp turns every twelve seconds.

## Ferry

The passenger ferry to Kerrera leaves Gallanach pier every half hour between 8am and 6pm.
Bicycles travel free of charge. Dogs must be kept on a lead.
`;

async function ask(text: string, conversationId?: number): Promise<AssistantDone & { streamed: string }> {
  const res = await core.dispatcher.dispatch(
    'assistant.ask',
    { text, ...(conversationId ? { conversationId } : {}) },
    ctx,
  );
  if (!res.ok) throw new Error(res.message);
  const { messageId } = res.value as { messageId: number };
  await core.assistant.idle();
  const done = seen.find(([e, p]) => e === 'assistant.done' && (p as AssistantDone).messageId === messageId);
  const streamed = seen
    .filter(([e, p]) => e === 'assistant.delta' && (p as { messageId: number }).messageId === messageId)
    .map(([, p]) => (p as { delta: string }).delta)
    .join('');
  return { ...(done![1] as AssistantDone), streamed };
}

async function setProviders(providers: unknown[], extra: Record<string, unknown> = {}): Promise<void> {
  const r = await core.dispatcher.dispatch('settings.update', { assistant: { providers, ...extra } }, ctx);
  if (!r.ok) throw new Error(r.message);
}

describe.skipIf(!HAS_KEYCHAIN)('assistant in the real core', () => {
  let docId: number;

  beforeAll(async () => {
    dir = tempDir('assistant-core');
    service = testService();
    server = await startFaultServer();
    core = await createCore({
      mode: 'host',
      dataDir: dir,
      version: '0.0.1-test',
      secretStore: { service },
      models: { dir: MODELS_DIR },
    });
    core.events.onAny((e, p) => seen.push([e, p]));
    const file = path.join(dir, 'kerrera-handbook.md');
    fs.writeFileSync(file, DOC);
    await core.knowledge.import([file]);
    await core.knowledge.whenIdle();
    docId = core.knowledge.documents({}).items[0]!.id;
  }, 120_000);

  afterAll(async () => {
    await core?.dispose();
    await server?.close();
    await clearService(service);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('extractive provider (no model): answers from the imported document with a citation', async () => {
    await setProviders([{ id: 'extractive', kind: 'extractive', name: 'Extractive (no model)' }]);
    const a = await ask('What colour is the lighthouse on Kerrera?');
    expect(a.status).toBe('done');
    expect(a.provider).toBe('Extractive (no model)');
    expect(a.content).toMatch(/painted bright red.*\[1\]/);
    expect(a.streamed).toBe(a.content);
    expect(a.citations[0]).toMatchObject({
      n: 1,
      documentId: docId,
      name: 'kerrera-handbook.md',
      cited: true,
    });
    expect(a.citations[0]!.headingPath[0]).toBe('Kerrera harbour handbook');

    const none = await ask('Who won the 1966 World Cup?');
    expect(none.content).toBe('I could not find this in your documents.');
  });

  it.skipIf(!HAS_GGUF)(
    'the REAL local GGUF model answers about the document and cites it',
    async () => {
      await setProviders([{ id: 'local', kind: 'local-gguf', name: 'Local model' }]);
      const a = await ask('What colour is the Hutcheson lighthouse on Kerrera?');
      expect(a.status).toBe('done');
      expect(a.provider).toBe('Local model');
      expect(a.notice).toBeNull();
      expect(a.content.length).toBeGreaterThan(5);
      expect(a.streamed).toBe(a.content);
      // Token counts from the model's own tokenizer.
      expect(a.usage?.source).toBe('tokenizer');
      expect(a.usage!.completionTokens).toBeGreaterThan(0);
      expect(a.usage!.promptTokens).toBeGreaterThan(20);
      const cited = a.citations.filter((c) => c.cited);
      expect(cited.length).toBeGreaterThan(0);
      expect(cited[0]).toMatchObject({ documentId: docId, name: 'kerrera-handbook.md' });
      expect(a.content).toMatch(/\[\d\]/);
      console.info(`local model answered: ${JSON.stringify(a.content)}`);
    },
    180_000,
  );

  it.skipIf(!HAS_GGUF)(
    'an endpoint that times out fails over to the local model, with the notice',
    async () => {
      server.setMode('timeout');
      await setProviders(
        [
          {
            id: 'openai',
            kind: 'openai-compatible',
            name: 'OpenAI',
            baseUrl: server.url,
            model: 'fault',
            order: 0,
          },
          { id: 'local', kind: 'local-gguf', name: 'Local model', order: 1 },
        ],
        { firstTokenTimeoutMs: 500 },
      );
      const a = await ask('When does the ferry to Kerrera leave?');
      expect(a.provider).toBe('Local model');
      expect(a.notice).toBe('Answered by the local model: OpenAI timed out.');
      expect(a.content.length).toBeGreaterThan(5);
      const changed = seen.filter(([e]) => e === 'assistant.providerChanged').at(-1)?.[1];
      expect(changed).toMatchObject({ task: 'chat', providerId: 'local', notice: a.notice });
      const stored = core.assistant.conversations.get(a.conversationId).messages.at(-1);
      expect(stored).toMatchObject({ notice: a.notice, provider: 'Local model' });
    },
    180_000,
  );

  it('a provider key is used for requests but never reaches logs, database, settings or events', async () => {
    server.setMode('healthy');
    server.requests.length = 0;
    const saved = await core.dispatcher.dispatch(
      'providers.save',
      {
        id: 'lmstudio',
        kind: 'openai-compatible',
        name: 'LM Studio',
        baseUrl: server.url,
        model: 'fault',
        apiKey: KEY,
      },
      ctx,
    );
    expect(saved.ok).toBe(true);
    expect(JSON.stringify(saved)).not.toContain(KEY);
    await core.dispatcher.dispatch('providers.reorder', { ids: ['lmstudio'] }, ctx);
    core.log.info({ note: `debug dump ${KEY}` }, `provider key ${KEY} in a message`);
    const a = await ask('When does the ferry to Kerrera leave?');
    expect(a.provider).toBe('LM Studio');
    expect(server.requests.find((r) => r.path.endsWith('/chat/completions'))?.authorization).toBe(
      `Bearer ${KEY}`,
    );
    const listed = await core.dispatcher.dispatch('providers.list', {}, ctx);
    expect(JSON.stringify(listed)).toContain('"hasKey":true');

    await core.dispose();
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(dir);
    expect(files.some((f) => f.endsWith('nook.db'))).toBe(true);
    expect(files.some((f) => f.includes(`${path.sep}logs${path.sep}`))).toBe(true);
    for (const f of files) expect(fs.readFileSync(f).includes(KEY), f).toBe(false);
    expect(JSON.stringify(seen)).not.toContain(KEY);
  }, 60_000);
});
