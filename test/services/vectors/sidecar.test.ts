/**
 * Supervision of the Qdrant sidecar, with test/fixtures/fakeQdrant.mjs standing in for the binary
 * (no Qdrant runs here). Real processes, real ports, real signals.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  QdrantSidecar,
  freeLoopbackPort,
  locateQdrantBinary,
  type QdrantSidecarOptions,
  type SidecarState,
} from '../../../src/main/services/vectors/qdrantSidecar';
import { FAKE_QDRANT, LineLogger, MemorySecrets } from './helpers';

interface StartRecord {
  pid: number;
  host: string;
  port: number;
  grpcPort: number;
  storage: string;
  cwd: string;
  telemetryDisabled: boolean;
  inheritedSecret: boolean;
  time: number;
}

let dir: string;
let record: string;
const sidecars: QdrantSidecar[] = [];
const strayPids: number[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-sidecar-'));
  record = path.join(dir, 'starts.jsonl');
});
afterEach(async () => {
  for (const s of sidecars.splice(0)) await s.stop();
  for (const pid of strayPids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

function starts(): StartRecord[] {
  if (!fs.existsSync(record)) return [];
  return fs
    .readFileSync(record, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StartRecord);
}

function make(overrides: Partial<QdrantSidecarOptions> = {}, extraEnv: Record<string, string> = {}) {
  const secrets = (overrides.secrets as MemorySecrets | undefined) ?? new MemorySecrets();
  const logger = (overrides.logger as LineLogger | undefined) ?? new LineLogger();
  const sidecar = new QdrantSidecar({
    dataDir: dir,
    secrets,
    logger,
    env: { PATH: process.env.PATH, QDRANT_BIN: FAKE_QDRANT, NOOK_TEST_PARENT_SECRET: 'parent-only' },
    extraEnv: { FAKE_QDRANT_RECORD: record, ...extraEnv },
    readyTimeoutMs: 5000,
    pollIntervalMs: 20,
    stopTimeoutMs: 2000,
    backoff: { initialMs: 100, factor: 2, maxMs: 2000, maxRestarts: 3, windowMs: 60_000 },
    ...overrides,
  });
  sidecars.push(sidecar);
  const states: SidecarState[] = [];
  sidecar.on('state', (h) => states.push(h.state));
  return { sidecar, secrets, logger, states };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function post(url: string, key: string) {
  const res = await fetch(url, { method: 'POST', headers: { 'api-key': key } });
  return res.status;
}

describe('locateQdrantBinary', () => {
  it('prefers the Settings path, then QDRANT_BIN, then resources/bin, then PATH', () => {
    const mk = (p: string) => {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, '#!/bin/sh\n');
      fs.chmodSync(p, 0o755);
      return p;
    };
    const setting = mk(path.join(dir, 'setting', 'qdrant'));
    const envBin = mk(path.join(dir, 'env', 'qdrant'));
    const resources = path.join(dir, 'resources');
    mk(path.join(resources, 'bin', 'qdrant'));
    const onPath = path.join(dir, 'onpath');
    mk(path.join(onPath, 'qdrant'));
    const env = { PATH: `/nonexistent${path.delimiter}${onPath}`, QDRANT_BIN: envBin };
    const base = { resourcesPath: resources, env, platform: 'linux' as const };
    expect(locateQdrantBinary({ ...base, binaryPath: setting })).toEqual({
      path: setting,
      source: 'setting',
    });
    expect(locateQdrantBinary(base)).toEqual({ path: envBin, source: 'env' });
    expect(locateQdrantBinary({ ...base, env: { PATH: env.PATH } })).toEqual({
      path: path.join(resources, 'bin', 'qdrant'),
      source: 'resources',
    });
    expect(locateQdrantBinary({ env: { PATH: env.PATH }, platform: 'linux' })).toEqual({
      path: path.join(onPath, 'qdrant'),
      source: 'path',
    });
    // A file that is not executable does not count.
    fs.chmodSync(path.join(onPath, 'qdrant'), 0o644);
    expect(locateQdrantBinary({ env: { PATH: env.PATH }, platform: 'linux' })).toHaveProperty('error');
    // An explicit path that is missing is an error, not a silent fallback to another binary.
    const missing = locateQdrantBinary({ ...base, binaryPath: path.join(dir, 'nope') });
    expect(missing).toEqual({ error: expect.stringContaining('Settings') });
    expect(locateQdrantBinary({ env: { QDRANT_BIN: '/no/such/qdrant' } })).toEqual({
      error: expect.stringContaining('QDRANT_BIN'),
    });
  });
});

describe('QdrantSidecar', () => {
  it('starts on free loopback ports with storage in the data dir and waits for /readyz', async () => {
    const { sidecar, secrets, states } = make({}, { FAKE_QDRANT_READY_DELAY_MS: '600' });
    const t0 = Date.now();
    const readyAt = sidecar.once('ready').then(() => Date.now());
    const health = await sidecar.start();
    expect(health.state).toBe('ready');
    expect(await readyAt).toBeGreaterThanOrEqual(t0 + 600);
    expect(states.slice(0, 2)).toEqual(['starting', 'ready']);

    const [rec] = starts();
    expect(rec).toBeDefined();
    expect(rec!.host).toBe('127.0.0.1');
    expect(rec!.port).toBeGreaterThan(0);
    expect(rec!.grpcPort).not.toBe(rec!.port);
    expect(health.url).toBe(`http://127.0.0.1:${rec!.port}`);
    expect(health.pid).toBe(rec!.pid);
    expect(health.binary).toEqual({ path: FAKE_QDRANT, source: 'env' });
    expect(rec!.storage).toBe(path.join(dir, 'qdrant', 'storage'));
    expect(fs.realpathSync(rec!.cwd)).toBe(fs.realpathSync(path.join(dir, 'qdrant')));
    expect(rec!.telemetryDisabled).toBe(true);
    expect(rec!.inheritedSecret).toBe(false); // the child gets a minimal environment

    // The API key was generated once and kept in the keychain; the endpoint carries it.
    const key = secrets.values.get('qdrant.apiKey')!;
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sidecar.endpoint()).toEqual({ url: health.url, apiKey: key });
    // Without the key Qdrant refuses requests.
    expect((await fetch(`${health.url}/collections`)).status).toBe(401);

    // A port picked now is free and on loopback.
    const p = await freeLoopbackPort();
    expect(p).toBeGreaterThan(1023);
  });

  it('restarts after a crash with growing backoff delays', async () => {
    const { sidecar, secrets } = make();
    await sidecar.start();
    const key = secrets.values.get('qdrant.apiKey')!;
    const delays: number[] = [];
    sidecar.on('restarting', (r) => delays.push(r.delayMs));

    for (let i = 0; i < 2; i++) {
      const before = sidecar.health();
      const crashed = sidecar.once('crashed');
      const ready = sidecar.once('ready');
      const crashAt = Date.now();
      expect(await post(`${before.url}/__crash`, key)).toBe(200);
      const [info] = await crashed;
      expect(info.code).toBe(70);
      expect(sidecar.state === 'crashed' || sidecar.state === 'starting').toBe(true);
      await ready;
      const after = sidecar.health();
      expect(after.state).toBe('ready');
      expect(after.pid).not.toBe(before.pid);
      const rec = starts().at(-1)!;
      expect(rec.pid).toBe(after.pid);
      // The new process started no earlier than the backoff delay after the crash.
      expect(rec.time - crashAt).toBeGreaterThanOrEqual(delays[i]! - 5);
    }
    expect(delays).toEqual([100, 200]);
    expect(sidecar.health().crashes).toBe(2);
    // The same key is reused across restarts.
    expect(sidecar.endpoint()!.apiKey).toBe(key);
  });

  it('kills and restarts a Qdrant that stays alive but stops answering /readyz', async () => {
    const { sidecar, secrets } = make({ healthIntervalMs: 100 });
    const first = await sidecar.start();
    const crashed = sidecar.once('crashed');
    expect(await post(`${first.url}/__hang`, secrets.values.get('qdrant.apiKey')!)).toBe(200);
    const [info] = await crashed;
    expect(info.reason).toBe('stopped answering /readyz');
    expect(info.signal).toBe('SIGKILL');
    await sidecar.once('ready');
    expect(sidecar.health().pid).not.toBe(first.pid);
    expect(alive(first.pid!)).toBe(false);
    expect(starts()).toHaveLength(2);
  });

  it('gives up and reports down after too many crashes in the window', async () => {
    const { sidecar, logger } = make({}, { FAKE_QDRANT_EXIT_CODE: '3' });
    const downs: string[] = [];
    sidecar.on('down', (m) => downs.push(m));
    const health = await sidecar.start();
    expect(health.state).toBe('down');
    expect(health.detail).toMatch(/failed 4 times.*giving up/);
    expect(health.detail).toContain('exited with code 3');
    expect(downs).toHaveLength(1);
    const times = starts().map((s) => s.time);
    expect(times).toHaveLength(4); // the first start and 3 restarts
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
    expect(gaps[2]).toBeGreaterThanOrEqual(395);
    expect(logger.lines.some((l) => l.startsWith('error qdrant:') && l.includes('giving up'))).toBe(true);
  });

  it('treats a Qdrant that never becomes ready as a crash', async () => {
    const { sidecar } = make(
      { readyTimeoutMs: 300, backoff: { maxRestarts: 0 } },
      { FAKE_QDRANT_READY_DELAY_MS: '60000' },
    );
    const health = await sidecar.start();
    expect(health.state).toBe('down');
    expect(health.detail).toContain('was not ready within 300 ms');
    const [rec] = starts();
    expect(alive(rec!.pid)).toBe(false);
  });

  it('stops with SIGTERM when Qdrant honours it', async () => {
    const { sidecar } = make();
    const { pid } = await sidecar.start();
    expect(fs.existsSync(path.join(dir, 'qdrant', 'sidecar.json'))).toBe(true);
    const stopped = sidecar.once('stopped');
    const t0 = Date.now();
    await sidecar.stop();
    expect(Date.now() - t0).toBeLessThan(2000); // under the stop timeout: SIGTERM was enough
    expect((await stopped)[0]).toEqual({ forced: false });
    expect(sidecar.state).toBe('stopped');
    expect(alive(pid!)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'qdrant', 'sidecar.json'))).toBe(false);
    // No restart after a deliberate stop.
    await new Promise((r) => setTimeout(r, 300));
    expect(starts()).toHaveLength(1);
  });

  it('kills Qdrant after the stop timeout when it ignores SIGTERM', async () => {
    const { sidecar, logger } = make({ stopTimeoutMs: 500 }, { FAKE_QDRANT_IGNORE_SIGTERM: '1' });
    const { pid } = await sidecar.start();
    const stopped = sidecar.once('stopped');
    const t0 = Date.now();
    await sidecar.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    expect((await stopped)[0]).toEqual({ forced: true });
    expect(alive(pid!)).toBe(false);
    expect(logger.lines.some((l) => l.includes('ignoring SIGTERM'))).toBe(true);
    expect(logger.lines.some((l) => l.includes('did not stop within 500 ms'))).toBe(true);
  });

  it('reuses a healthy Qdrant left running by an earlier run, and stops it on quit', async () => {
    // An earlier run: the same secrets (keychain) and data dir, its Qdrant still running.
    const secrets = new MemorySecrets();
    const key = 'k'.repeat(43);
    secrets.values.set('qdrant.apiKey', key);
    const port = await freeLoopbackPort();
    const storageDir = path.join(dir, 'qdrant');
    fs.mkdirSync(storageDir, { recursive: true });
    const orphan = spawn(process.execPath, [FAKE_QDRANT], {
      env: {
        QDRANT__SERVICE__HOST: '127.0.0.1',
        QDRANT__SERVICE__HTTP_PORT: String(port),
        QDRANT__SERVICE__GRPC_PORT: String(port + 1),
        QDRANT__SERVICE__API_KEY: key,
        QDRANT__STORAGE__STORAGE_PATH: path.join(storageDir, 'storage'),
      },
      stdio: 'ignore',
    });
    strayPids.push(orphan.pid!);
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`, { headers: { 'api-key': key } }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    fs.writeFileSync(
      path.join(storageDir, 'sidecar.json'),
      JSON.stringify({
        pid: orphan.pid,
        httpPort: port,
        grpcPort: port + 1,
        binary: FAKE_QDRANT,
        startedAt: '',
      }),
    );

    const { sidecar } = make({ secrets });
    const health = await sidecar.start();
    expect(health.state).toBe('ready');
    expect(health.adopted).toBe(true);
    expect(health.pid).toBe(orphan.pid);
    expect(health.url).toBe(`http://127.0.0.1:${port}`);
    expect(starts()).toHaveLength(0); // nothing new was spawned

    const exited = new Promise((r) => orphan.once('exit', r));
    await sidecar.stop();
    await exited;
    expect(alive(orphan.pid!)).toBe(false);
  });

  it('does not adopt a stale record or a Qdrant that does not know our key', async () => {
    const storageDir = path.join(dir, 'qdrant');
    fs.mkdirSync(storageDir, { recursive: true });
    // A record whose process is gone.
    fs.writeFileSync(
      path.join(storageDir, 'sidecar.json'),
      JSON.stringify({ pid: 2 ** 22 + 12345, httpPort: 1, grpcPort: 2, binary: 'x', startedAt: '' }),
    );
    const { sidecar } = make();
    const health = await sidecar.start();
    expect(health.adopted).toBe(false);
    expect(starts()).toHaveLength(1);
    await sidecar.stop();

    // A live Qdrant with a different key (another app's): left alone, a new one is spawned.
    const first = make();
    const running = await first.sidecar.start();
    const other = make({ secrets: new MemorySecrets() });
    // Same data dir, so it finds the first one's sidecar.json, but its key is not accepted there.
    const h2 = await other.sidecar.start();
    expect(h2.adopted).toBe(false);
    expect(h2.pid).not.toBe(running.pid);
    expect(alive(running.pid!)).toBe(true);
  });

  it('reports a missing binary clearly and stays down', async () => {
    const { sidecar } = make({ env: { PATH: path.join(dir, 'empty') } });
    const health = await sidecar.start();
    expect(health.state).toBe('down');
    expect(health.detail).toMatch(/No Qdrant binary found.*embedded index/);
    expect(sidecar.endpoint()).toBeUndefined();
    expect(starts()).toHaveLength(0);
  });

  it('never lets the API key reach the logs, the health report or the state file', async () => {
    const { sidecar, secrets, logger } = make({}, { FAKE_QDRANT_PRINT_KEY: '1' });
    await sidecar.start();
    const key = secrets.values.get('qdrant.apiKey')!;
    // Qdrant printed the key on stdout and stderr; the log got the lines without it.
    await new Promise((r) => setTimeout(r, 100));
    const printed = logger.lines.filter((l) => l.includes('[REDACTED]'));
    expect(printed.length).toBeGreaterThanOrEqual(2);
    expect(logger.lines.join('\n')).not.toContain(key);
    expect(sidecar.lastLines().join('\n')).not.toContain(key);
    expect(JSON.stringify(sidecar.health())).not.toContain(key);
    expect(fs.readFileSync(path.join(dir, 'qdrant', 'sidecar.json'), 'utf8')).not.toContain(key);
    // Crash and restart paths log too.
    const crashed = sidecar.once('crashed');
    await post(`${sidecar.health().url}/__crash`, key);
    await crashed;
    await sidecar.once('ready');
    await sidecar.stop();
    expect(logger.lines.join('\n')).not.toContain(key);
  });
});
