/**
 * The one contract test suite every binding runs (Electron IPC in ipc.test.ts, the host's WebSocket
 * in ws.test.ts). A binding supplies `makeClient(backend)`: how to put a dispatcher behind its
 * transport and call it. The suite supplies the backends (the real core, and one whose handlers all
 * throw), so both bindings are held to exactly the same expectations:
 *
 * (a) for every route, inputs that fail the route's input schema give INVALID_INPUT (fast-check);
 *     valid inputs give `{ ok: true }` with output matching the output schema, or the typed error
 *     the example names; no call throws across the boundary or hangs;
 * (b) unknown route names give UNKNOWN_ROUTE;
 * (c) inputs over MAX_PAYLOAD_BYTES give PAYLOAD_TOO_LARGE (and exactly MAX_PAYLOAD_BYTES does not);
 * (d) a handler that throws gives INTERNAL without leaking its message.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRouteName, MAX_PAYLOAD_BYTES, ROUTES, type RouteName } from '../../src/shared/ipc/channels';
import { routes } from '../../src/shared/ipc/contract';
import { ERROR_CODES, type ErrorCode } from '../../src/shared/ipc/result';
import { createCore, type Core } from '../../src/main/core';
import type { Dispatcher } from '../../src/main/rpc/dispatcher';
import type { EventBus } from '../../src/main/rpc/eventBus';
import { clearService, keychainAvailable, testService } from '../services/helpers/keychain';
import { createThrowingDispatcher, LEAKY_MESSAGE } from './testBackend';
import { memoryKeychain } from '../services/helpers/memoryKeychain';

export interface ContractClient {
  /** Calls a route over the binding; resolves with whatever crossed the boundary. */
  invoke(route: string, input: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export interface ContractBackend {
  dispatcher: Dispatcher;
  events: EventBus;
}

export type MakeClient = (backend: ContractBackend) => Promise<ContractClient>;

/** A valid input and what it must produce: `ok` (output matches the schema) or a typed error code. */
interface Example {
  input: unknown;
  outcome?: 'ok' | ErrorCode;
}

/**
 * At least one valid example per route. `Record<RouteName, ...>`: adding a route to the contract
 * without an example here fails the typecheck. Order matters within a route (set before test).
 */
export const VALID_EXAMPLES: Record<RouteName, Example[]> = {
  'system.status': [{ input: {} }],
  'system.diagnostics': [{ input: {} }],
  'system.metrics': [{ input: {} }],
  'settings.get': [{ input: {} }],
  'settings.update': [
    { input: {} },
    { input: { appearance: { theme: 'dark' } } },
    { input: { general: { closeToTray: false, launchAtLogin: false } } },
    { input: { hotkeys: { quickAsk: 'Ctrl+Alt+J' } } },
    { input: { privacy: { allowCloudProviders: true }, logging: { level: 'warn' } } },
  ],
  'settings.reset': [{ input: {} }],
  'secrets.list': [{ input: {} }],
  'secrets.has': [{ input: { id: 'provider.openai' } }, { input: { id: 'custom.contract-test' } }],
  'secrets.set': [{ input: { id: 'custom.contract-test', value: 'contract-test-value' } }],
  'secrets.delete': [{ input: { id: 'custom.contract-test' } }, { input: { id: 'custom.never-set' } }],
  'secrets.test': [{ input: { id: 'custom.never-set' } }],
  'hotkeys.list': [{ input: {} }],
  'models.list': [{ input: {} }],
  'models.download': [{ input: { id: 'no-such-model' }, outcome: 'NOT_FOUND' }],
  'models.cancel': [{ input: { id: 'no-such-model' }, outcome: 'NOT_FOUND' }],
  'models.import': [{ input: { path: '/nonexistent/nook-contract/model.onnx' }, outcome: 'NOT_FOUND' }],
  'models.delete': [{ input: { id: 'no-such-model' }, outcome: 'NOT_FOUND' }],
  'models.setActive': [{ input: { task: 'embedding', id: null } }, { input: { task: 'stt', id: null } }],
  'knowledge.import': [{ input: { paths: ['/nonexistent/nook-contract/notes.txt'] } }],
  'knowledge.search': [
    { input: { query: 'tide tables' } },
    { input: { query: 'E-4012 OR NEAR(" *', mode: 'keyword', k: 5, filters: { fileTypes: ['pdf'] } } },
  ],
  'knowledge.documents': [{ input: {} }, { input: { offset: 0, limit: 10, sort: 'name', query: 'x' } }],
  'knowledge.document': [{ input: { id: 999_999 }, outcome: 'NOT_FOUND' }],
  'knowledge.delete': [{ input: { ids: [999_999] } }],
  'knowledge.restore': [{ input: { ids: [999_999] } }],
  'knowledge.reindex': [{ input: {} }],
  'ingest.status': [{ input: {} }],
  'ingest.pause': [{ input: {} }],
  'ingest.resume': [{ input: {} }],
  'ingest.cancel': [{ input: {} }, { input: { jobId: 999_999 } }],
  'ingest.retry': [{ input: { jobId: 999_999 }, outcome: 'NOT_FOUND' }],
  'knowledge.openOriginal': [{ input: { id: 999_999 }, outcome: 'NOT_FOUND' }],
  'app.pickFiles': [
    { input: {}, outcome: 'UNAVAILABLE' },
    { input: { folders: true }, outcome: 'UNAVAILABLE' },
  ],
  'app.openConversation': [{ input: { id: 1 }, outcome: 'UNAVAILABLE' }],
  'assistant.ask': [
    { input: { text: 'What does the contract say about payloads?' } },
    { input: { conversationId: 999_999, text: 'hello' }, outcome: 'NOT_FOUND' },
  ],
  'assistant.stop': [{ input: { messageId: 999_999 } }],
  'conversations.list': [{ input: {} }],
  'conversations.get': [{ input: { id: 999_999 }, outcome: 'NOT_FOUND' }],
  'conversations.rename': [{ input: { id: 999_999, title: 'x' }, outcome: 'NOT_FOUND' }],
  'conversations.delete': [{ input: { id: 999_999 } }],
  'conversations.search': [{ input: { query: 'payloads' } }],
  'memory.list': [{ input: {} }],
  'memory.update': [{ input: { id: 999_999, text: 'x' }, outcome: 'NOT_FOUND' }],
  'memory.delete': [{ input: { id: 999_999 } }],
  'providers.list': [{ input: {} }],
  'providers.save': [
    { input: { id: 'contract-extractive', kind: 'extractive', name: 'Contract extractive', enabled: false } },
  ],
  'providers.test': [{ input: { id: 'extractive' } }, { input: { id: 'nope' }, outcome: 'NOT_FOUND' }],
  'providers.remove': [{ input: { id: 'contract-extractive' } }],
  'providers.reorder': [{ input: { ids: ['local', 'extractive'] } }],
  'voice.devices': [{ input: {} }],
  // The contract's core has no models: listening cannot start.
  'voice.start': [{ input: {}, outcome: 'UNAVAILABLE' }],
  'voice.stop': [{ input: {} }],
  'voice.cancel': [{ input: {} }],
  'voice.pushToTalk': [{ input: {}, outcome: 'UNAVAILABLE' }],
  'voice.transcribe': [{ input: { path: '/nonexistent/nook-contract/a.wav' }, outcome: 'NOT_FOUND' }],
  // Three zero bytes are no audio.
  'voice.transcribeAudio': [{ input: { name: 'a.wav', data: 'AAAA' }, outcome: 'INVALID_INPUT' }],
  'voice.history': [{ input: {} }, { input: { limit: 5 } }],
  'voice.speak': [{ input: { text: 'Hello from the contract.', play: false } }],
  'voice.stopSpeaking': [{ input: {} }],
  // espeak-ng is installed wherever voice.speak above answers.
  'voice.ttsVoices': [{ input: {} }],
  // No microphone on a test machine.
  'voice.testMicrophone': [{ input: {}, outcome: 'UNAVAILABLE' }],
  'plugins.list': [{ input: {} }],
  'plugins.inspect': [{ input: { path: '/nonexistent/nook-contract/plugin' }, outcome: 'NOT_FOUND' }],
  'plugins.install': [
    {
      input: { path: '/nonexistent/nook-contract/plugin.zip', approvedPermissions: [] },
      outcome: 'NOT_FOUND',
    },
  ],
  'plugins.enable': [{ input: { id: 'nope.plugin' }, outcome: 'NOT_FOUND' }],
  'plugins.disable': [{ input: { id: 'nope.plugin' }, outcome: 'NOT_FOUND' }],
  'plugins.uninstall': [{ input: { id: 'nope.plugin' }, outcome: 'NOT_FOUND' }],
  'plugins.run': [{ input: { id: 'nope.plugin', command: 'go', input: 'x' }, outcome: 'NOT_FOUND' }],
  'plugins.logs': [{ input: { id: 'nope.plugin' }, outcome: 'NOT_FOUND' }],
  'plugins.commands': [{ input: {} }],
  'plugins.briefingSections': [{ input: {} }],
  'apiTokens.list': [{ input: {} }],
  'apiTokens.create': [{ input: { name: 'contract test', scopes: ['read'] } }],
  'apiTokens.revoke': [{ input: { id: 'tok_0000000000000000' }, outcome: 'NOT_FOUND' }],
  'briefing.generate': [{ input: {} }],
  'briefing.get': [{ input: {} }, { input: { date: '2020-01-01' } }, { input: { id: 999_999 } }],
  'briefing.list': [{ input: {} }, { input: { offset: 0, limit: 5 } }],
  'briefing.export': [{ input: { id: 999_999 }, outcome: 'NOT_FOUND' }],
  'briefing.speak': [{ input: { id: 999_999, play: false }, outcome: 'NOT_FOUND' }],
  'reminders.list': [{ input: {} }, { input: { status: 'all', limit: 10 } }],
  'reminders.create': [
    { input: { text: 'call mum next Tuesday at 9' } },
    { input: { text: 'Water the plants', due: null, source: 'text' } },
  ],
  'reminders.parse': [{ input: { text: 'call mum next Tuesday at 9' } }, { input: { text: '' } }],
  'reminders.update': [{ input: { id: 999_999, title: 'x' }, outcome: 'NOT_FOUND' }],
  'reminders.complete': [{ input: { id: 999_999 }, outcome: 'NOT_FOUND' }],
  'reminders.snooze': [{ input: { id: 999_999, minutes: 10 }, outcome: 'NOT_FOUND' }],
  'reminders.delete': [{ input: { id: 999_999 }, outcome: 'NOT_FOUND' }],
  'reminders.restore': [{ input: { id: 999_999 }, outcome: 'NOT_FOUND' }],
};

/** Arbitrary valid settings patches (generated from the patch schema's shape). */
const settingsPatch = fc.record(
  {
    appearance: fc.record({ theme: fc.constantFrom('system', 'light', 'dark') }, { requiredKeys: [] }),
    general: fc.record(
      { closeToTray: fc.boolean(), launchAtLogin: fc.constant(false) },
      { requiredKeys: [] },
    ),
    hotkeys: fc.record(
      {
        pushToTalk: fc.constantFrom('CommandOrControl+Alt+Space', 'Ctrl+Shift+P', 'Alt+F9'),
        quickAsk: fc.constantFrom('CommandOrControl+Alt+K', 'Ctrl+Alt+J', 'Alt+F10'),
      },
      { requiredKeys: [] },
    ),
    privacy: fc.record({ allowCloudProviders: fc.boolean() }, { requiredKeys: [] }),
    logging: fc.record({ level: fc.constantFrom('debug', 'info', 'warn', 'error') }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

/** What the transports carry is JSON (WebSocket) or structured clones of JSON values (IPC). */
function roundTrip(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

function failsSchema(route: RouteName, value: unknown): boolean {
  return !routes[route].input.safeParse(roundTrip(value)).success;
}

/** Invalid inputs for a route: any JSON, plus near-misses made from its valid examples. */
function invalidInput(route: RouteName): fc.Arbitrary<unknown> {
  const examples = VALID_EXAMPLES[route]
    .map((e) => e.input)
    .filter((v) => typeof v === 'object' && v !== null);
  const nearMisses = examples.map((ex) => {
    const keys = Object.keys(ex as object);
    return fc
      .tuple(
        fc.constantFrom(...(keys.length > 0 ? keys : ['extra'])),
        fc.jsonValue({ maxDepth: 2 }),
        fc.boolean(),
      )
      .map(([key, value, rename]) => ({ ...(ex as object), [rename ? `${key}_x` : key]: value }));
  });
  return fc.oneof(fc.jsonValue({ maxDepth: 3 }), ...nearMisses).filter((v) => failsSchema(route, v));
}

const CALL_TIMEOUT_MS = 10_000;

/** Calls through the binding; fails the test if the call throws or hangs instead of returning a Result. */
async function call(client: ContractClient, route: string, input: unknown): Promise<Record<string, unknown>> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${route} did not answer within ${CALL_TIMEOUT_MS} ms`)),
      CALL_TIMEOUT_MS,
    );
  });
  try {
    const result = await Promise.race([client.invoke(route, input), hung]);
    expect(result, `${route} must answer with a Result object`).toBeTypeOf('object');
    const r = result as Record<string, unknown>;
    if (r.ok === true) {
      expect(Object.keys(r).sort()).toEqual(['ok', 'value']);
    } else {
      expect(r.ok).toBe(false);
      expect(ERROR_CODES).toContain(r.code);
      expect(r.message).toBeTypeOf('string');
    }
    return r;
  } finally {
    clearTimeout(timer);
  }
}

export function describeContract(name: string, makeClient: MakeClient): void {
  describe(`contract: ${name}`, () => {
    let core: Core;
    let client: ContractClient;
    let dataDir: string;
    const service = testService();
    let realKeychain = false;

    beforeAll(async () => {
      realKeychain = await keychainAvailable();
      if (!realKeychain)
        console.warn(`[${name}] no OS keychain: the core runs over an in-memory keychain double`);
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-contract-'));
      core = await createCore({
        mode: 'host',
        dataDir,
        version: '0.0.0-contract',
        secretStore: { service, defaultTesters: false },
        models: { dir: path.join(dataDir, 'models'), cacheDir: path.join(dataDir, 'cache') },
        ...(realKeychain ? {} : { keychain: memoryKeychain() }),
      });
      client = await makeClient({ dispatcher: core.dispatcher, events: core.events });
    });

    afterAll(async () => {
      await client?.close();
      await core?.dispose();
      if (realKeychain) await clearService(service);
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    describe('(a) valid inputs', () => {
      it.each(ROUTES.map((r) => [r] as const))(
        '%s answers its examples as the contract says',
        async (route) => {
          for (const example of VALID_EXAMPLES[route]) {
            const r = await call(client, route, example.input);
            const outcome = example.outcome ?? 'ok';
            if (outcome === 'ok') {
              expect(r, `${route} ${JSON.stringify(example.input)}`).toMatchObject({ ok: true });
              const checked = routes[route].output.safeParse(r.value);
              expect(checked.success, `${route} output matches its schema`).toBe(true);
            } else {
              expect(r).toMatchObject({ ok: false, code: outcome });
            }
          }
        },
      );

      it('settings.update: any valid patch is applied and returned whole (property)', async () => {
        await fc.assert(
          fc.asyncProperty(settingsPatch, async (patch) => {
            const r = await call(client, 'settings.update', patch);
            expect(r.ok).toBe(true);
            expect(routes['settings.update'].output.safeParse(r.value).success).toBe(true);
            const value = r.value as Record<string, Record<string, unknown>>;
            for (const [section, fields] of Object.entries(patch)) {
              for (const [field, v] of Object.entries(fields as object))
                expect(value[section]![field]).toEqual(v);
            }
          }),
          { numRuns: 40 },
        );
        expect(await call(client, 'settings.reset', {})).toMatchObject({ ok: true });
      });

      it('secrets: a value that was set is reported present and is never returned', async () => {
        const secret = 'contract-secret-value-1234';
        expect(await call(client, 'secrets.set', { id: 'custom.contract-b', value: secret })).toEqual({
          ok: true,
          value: { present: true },
        });
        expect(await call(client, 'secrets.has', { id: 'custom.contract-b' })).toEqual({
          ok: true,
          value: { present: true },
        });
        const list = await call(client, 'secrets.list', {});
        expect(JSON.stringify(list)).not.toContain(secret);
        expect(JSON.stringify(await call(client, 'secrets.test', { id: 'custom.contract-b' }))).not.toContain(
          secret,
        );
        expect(await call(client, 'secrets.delete', { id: 'custom.contract-b' })).toEqual({
          ok: true,
          value: { present: false },
        });
      });
    });

    describe('(a) invalid inputs', () => {
      it.each(ROUTES.map((r) => [r] as const))(
        '%s rejects any input outside its schema with INVALID_INPUT',
        async (route) => {
          await fc.assert(
            fc.asyncProperty(invalidInput(route), async (input) => {
              const r = await call(client, route, input);
              expect(r).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
            }),
            { numRuns: 60 },
          );
        },
      );
    });

    describe('(b) unknown routes', () => {
      it('named routes outside the contract give UNKNOWN_ROUTE', async () => {
        for (const route of [
          '',
          'constructor',
          '__proto__',
          'toString',
          'settings',
          'SETTINGS.GET',
          'settings.get ',
          'system.status.x',
        ]) {
          expect(await call(client, route, {})).toMatchObject({ ok: false, code: 'UNKNOWN_ROUTE' });
        }
      });

      it('any string that is not a route gives UNKNOWN_ROUTE (property)', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.string({ maxLength: 80 }).filter((s) => !isRouteName(s)),
            fc.jsonValue({ maxDepth: 2 }),
            async (route, input) => {
              expect(await call(client, route, input)).toMatchObject({ ok: false, code: 'UNKNOWN_ROUTE' });
            },
          ),
          { numRuns: 100 },
        );
      });
    });

    describe('(c) payload size', () => {
      const padTo = (bytes: number) => {
        const overhead = JSON.stringify({ pad: '' }).length;
        return { pad: 'x'.repeat(bytes - overhead) };
      };

      it('inputs over MAX_PAYLOAD_BYTES give PAYLOAD_TOO_LARGE on every route', async () => {
        const big = padTo(MAX_PAYLOAD_BYTES + 1);
        for (const route of ROUTES) {
          expect(await call(client, route, big)).toMatchObject({ ok: false, code: 'PAYLOAD_TOO_LARGE' });
        }
        // Multi-byte characters count as bytes, not characters.
        const wide = { pad: '€'.repeat(Math.ceil(MAX_PAYLOAD_BYTES / 3) + 1) };
        expect(await call(client, 'settings.update', wide)).toMatchObject({
          ok: false,
          code: 'PAYLOAD_TOO_LARGE',
        });
      });

      it('an input of exactly MAX_PAYLOAD_BYTES is not refused for size', async () => {
        const r = await call(client, 'settings.get', padTo(MAX_PAYLOAD_BYTES));
        expect(r).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
      });
    });

    describe('(d) handler failures', () => {
      let failing: ContractClient;
      beforeAll(async () => {
        failing = await makeClient({ dispatcher: createThrowingDispatcher(), events: core.events });
      });
      afterAll(async () => {
        await failing?.close();
      });

      it('a handler that throws gives INTERNAL and never leaks its message', async () => {
        for (const route of ROUTES) {
          const input = VALID_EXAMPLES[route][0]!.input;
          const r = await call(failing, route, input);
          expect(r).toMatchObject({ ok: false, code: 'INTERNAL' });
          expect(JSON.stringify(r)).not.toContain('hunter2');
          expect(JSON.stringify(r)).not.toContain(LEAKY_MESSAGE);
        }
      });
    });

    it('keeps working after all of the above', async () => {
      expect(await call(client, 'system.status', {})).toMatchObject({ ok: true, value: { mode: 'host' } });
    });
  });
}
