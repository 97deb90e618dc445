import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/main/rpc/eventBus';
import { SecretStore, type KeychainBackend } from '../../../src/main/services/secrets/secretStore';
import { openAiCompatibleTester } from '../../../src/main/services/secrets/testers';
import { routes } from '../../../src/shared/ipc/contract';
import { AppError } from '../../../src/shared/ipc/result';
import { KNOWN_SECRETS } from '../../../src/shared/types/secrets';
import { HAS_KEYCHAIN, clearService, keychain, testService } from '../helpers/keychain';
import { readLogs, tempDir, testLogger } from '../helpers/tmp';

const run = promisify(execFile);

/** A local OpenAI-compatible endpoint: GET /v1/models answers 200 only for the expected bearer key. */
function modelsServer(expectedKey: string) {
  const seen: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    if (req.method === 'GET' && req.url === '/v1/models') {
      if (req.headers.authorization === `Bearer ${expectedKey}`) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'model-a' }, { id: 'model-b' }] }));
      } else {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'Incorrect API key provided' } }));
      }
      return;
    }
    res.writeHead(404).end();
  });
  return {
    seen,
    start: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`),
        ),
      ),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.skipIf(!HAS_KEYCHAIN)('SecretStore against the real OS keychain', () => {
  let service: string;
  let events: EventBus;
  let emitted: { id: string; present: boolean }[];
  let store: SecretStore;
  const key = `sk-test-${crypto.randomBytes(12).toString('hex')}`;
  const server = modelsServer(key);
  let baseUrl = '';

  beforeAll(async () => {
    baseUrl = await server.start();
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    service = testService();
    events = new EventBus();
    emitted = [];
    events.on('secrets.changed', (e) => emitted.push(e));
    store = new SecretStore(keychain, events, { service, baseUrls: { openai: () => baseUrl } });
  });
  afterEach(() => clearService(service));

  it('sets, reports, lists and deletes a secret without ever returning its value', async () => {
    expect(await store.has('provider.openai')).toBe(false);
    await store.set('provider.openai', key);
    expect(await keychain.getPassword(service, 'provider.openai')).toBe(key); // really in the keychain
    expect(await store.has('provider.openai')).toBe(true);

    await store.set('custom.thing', 'another-secret-value');
    const list = await store.list();
    expect(JSON.stringify(list)).not.toContain(key);
    expect(JSON.stringify(list)).not.toContain('another-secret-value');
    expect(list.map((s) => s.id)).toEqual([...KNOWN_SECRETS.map((s) => s.id), 'custom.thing']);
    expect(list.find((s) => s.id === 'provider.openai')).toEqual({
      id: 'provider.openai',
      label: 'OpenAI API key',
      present: true,
      testable: true,
    });
    expect(list.find((s) => s.id === 'provider.gemini')?.present).toBe(false);
    expect(list.find((s) => s.id === 'custom.thing')).toMatchObject({
      label: 'custom.thing',
      present: true,
      testable: false,
    });

    await store.delete('provider.openai');
    expect(await store.has('provider.openai')).toBe(false);
    expect(await keychain.getPassword(service, 'provider.openai')).toBeNull();
    expect(emitted).toEqual([
      { id: 'provider.openai', present: true },
      { id: 'custom.thing', present: true },
      { id: 'provider.openai', present: false },
    ]);
    expect(store.keychainStatus().state).toBe('ok');
  });

  it('no route can read a value back; reveal() is for main-process services only', async () => {
    await store.set('provider.openai', key);
    expect(await store.reveal('provider.openai')).toBe(key);
    expect(Object.keys(routes).filter((r) => /reveal|get/.test(r) && r.startsWith('secrets.'))).toEqual([]);
    for (const r of Object.keys(routes).filter((r) => r.startsWith('secrets.'))) {
      const output = routes[r as keyof typeof routes].output;
      expect(output.safeParse(key).success, r).toBe(false); // no secrets route returns a bare string
    }
  });

  it('tests an OpenAI-compatible key against a local /models endpoint with the bearer header', async () => {
    await store.set('provider.openai', key);
    const good = await store.test('provider.openai');
    expect(good).toEqual({ ok: true, message: 'OpenAI accepted the key (2 models available).' });
    expect(server.seen.at(-1)).toBe(`Bearer ${key}`);

    await store.set('provider.openai', 'sk-wrong-key-0000');
    const bad = await store.test('provider.openai');
    expect(bad.ok).toBe(false);
    expect(bad.message).toContain('rejected the key (HTTP 401)');

    expect(await store.test('provider.gemini')).toEqual({
      ok: false,
      message: 'No secret is stored for provider.gemini.',
    });
  });

  it('picks the most specific tester and redacts whatever a tester says', async () => {
    store.registerTester('local.', openAiCompatibleTester({ name: 'Local server', baseUrl: () => baseUrl }));
    store.registerTester('local.echo', async (v) => ({ ok: false, message: `server said: bad key ${v}` }));
    await store.set('local.llm', key);
    await store.set('local.echo', key);
    expect((await store.test('local.llm')).ok).toBe(true);
    const echoed = await store.test('local.echo');
    expect(echoed.message).toBe('server said: bad key [REDACTED]');
    expect((await store.list()).find((s) => s.id === 'local.llm')?.testable).toBe(true);

    // Without a tester: only whether the keychain returns it.
    await store.set('other.plain', 'plain-secret-value');
    expect(await store.test('other.plain')).toEqual({
      ok: true,
      message: 'The secret is stored in the OS keychain (there is no online check for it).',
    });
  });

  it('reports an unreachable provider clearly', async () => {
    const closed = new SecretStore(keychain, events, {
      service,
      baseUrls: { openai: 'http://127.0.0.1:9/v1' },
    });
    await closed.set('provider.openai', key);
    const r = await closed.test('provider.openai');
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/Could not reach OpenAI at 127\.0\.0\.1:9/);
  });

  it('warmUp loads secrets stored in an earlier run into the redactor', async () => {
    await keychain.setPassword(service, 'provider.gemini', 'gemini-key-from-last-week');
    const fresh = new SecretStore(keychain, new EventBus(), { service });
    expect(fresh.redactor.redact('key=gemini-key-from-last-week')).toBe('key=gemini-key-from-last-week');
    const dir = tempDir('warmup');
    const log = testLogger(dir, fresh.redactor);
    await fresh.warmUp(log);
    log.info({ note: 'gemini-key-from-last-week' }, 'after warm-up');
    await log.close();
    expect(fresh.redactor.redact('key=gemini-key-from-last-week')).toBe('key=[REDACTED]');
    expect(readLogs(dir)).not.toContain('gemini-key-from-last-week');
    expect(readLogs(dir)).toContain('after warm-up');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rejects bad ids and empty values before touching the keychain', async () => {
    await expect(store.set('Not An Id', 'x')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(store.set('provider.openai', '')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await keychain.findCredentials(service)).toEqual([]);
  });
});

describe('SecretStore without a keychain', () => {
  it('fails every operation with KEYCHAIN_UNAVAILABLE and writes the value nowhere', async () => {
    const home = tempDir('nokeychain');
    const service = testService();
    const value = `sk-never-written-${crypto.randomBytes(8).toString('hex')}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(home, 'no-such-bus')}`,
      HOME: home,
      XDG_DATA_HOME: path.join(home, 'share'),
      XDG_CONFIG_HOME: path.join(home, 'config'),
      XDG_RUNTIME_DIR: path.join(home, 'run'),
    };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const tsx = path.resolve('node_modules/.bin/tsx');
    const child = path.resolve('test/services/secrets/fixtures/noKeychainChild.ts');
    const { stdout } = await run(tsx, [child, service, value], { env, cwd: home, timeout: 60_000 });
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<
      string,
      { code?: string; message: string }
    > & {
      status: { state: string };
      emitted: unknown[];
    };

    for (const op of ['set', 'has', 'list', 'test', 'del'] as const) {
      expect(out[op]!.code, `${op}: ${out[op]!.message}`).toBe('KEYCHAIN_UNAVAILABLE');
      expect(out[op]!.message).toMatch(/^The OS keychain is not reachable: /);
      expect(out[op]!.message).not.toContain(value);
    }
    expect(out.status.state).toBe('unavailable');
    expect(out.emitted).toEqual([]); // no secrets.changed: nothing was stored
    expect(stdout).not.toContain(value);

    // Nothing in the child's home/data dirs holds the value (no plaintext fallback).
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) files.push(p);
      }
    };
    walk(home);
    for (const f of files) expect(fs.readFileSync(f, 'utf8'), f).not.toContain(value);
    fs.rmSync(home, { recursive: true, force: true });

    // And the real keychain (where there is one) did not get it either.
    if (HAS_KEYCHAIN) expect(await keychain.findCredentials(service)).toEqual([]);
  });

  it('warm-up gives up waiting on a slow keychain but still redacts its values when it answers late', async () => {
    const slow: KeychainBackend = {
      getPassword: () => Promise.resolve(null),
      setPassword: () => Promise.resolve(),
      deletePassword: () => Promise.resolve(true),
      findCredentials: () =>
        new Promise((resolve) =>
          setTimeout(() => resolve([{ account: 'provider.openai', password: 'sk-late-value-1' }]), 150),
        ),
    };
    const store = new SecretStore(slow, new EventBus(), { timeoutMs: 30 });
    const dir = tempDir('late');
    const log = testLogger(dir, store.redactor);
    await store.warmUp(log);
    expect(store.keychainStatus().state).toBe('unavailable');
    expect(store.redactor.redact('sk-late-value-1')).toBe('sk-late-value-1');
    await new Promise((r) => setTimeout(r, 250));
    expect(store.redactor.redact('sk-late-value-1')).toBe('[REDACTED]');
    expect(store.keychainStatus().state).toBe('ok');
    await log.close();
    expect(readLogs(dir)).toContain('keychain answered late');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('treats a keychain that does not answer (a locked keyring prompting) as unavailable', async () => {
    const hanging: KeychainBackend = {
      getPassword: () => new Promise(() => undefined),
      setPassword: () => new Promise(() => undefined),
      deletePassword: () => new Promise(() => undefined),
      findCredentials: () => new Promise(() => undefined),
    };
    const store = new SecretStore(hanging, new EventBus(), { timeoutMs: 50 });
    const error = await store.set('provider.openai', 'sk-hanging-value').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('KEYCHAIN_UNAVAILABLE');
    expect((error as AppError).message).toMatch(/did not answer/);
    expect((await store.probe()).state).toBe('unavailable');
  });
});
