/**
 * The composition root picks the vector backend: the Qdrant sidecar when its binary is found, the
 * embedded sqlite-vec index otherwise, and the status bar says which. The stand-in Qdrant
 * (test/fixtures/fakeQdrant.mjs) answers /readyz but not Qdrant's API, so with it the sidecar comes
 * up and the embedded index keeps answering: exactly the "Qdrant cannot be synced" path.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../src/main/core';
import type { SystemStatus, ServiceHealth } from '../src/shared/types/system';
import { HAS_KEYCHAIN, clearService, testService } from './services/helpers/keychain';
import { tempDir } from './services/helpers/tmp';

const FAKE_QDRANT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/fakeQdrant.mjs');
const ctx = { transport: 'internal' as const };

let dir: string;
let service: string;
let core: Core | undefined;
const savedBin = process.env.QDRANT_BIN;
const savedPath = process.env.PATH;

beforeEach(() => {
  dir = tempDir('core-vectors');
  service = testService();
});
afterEach(async () => {
  await core?.dispose();
  core = undefined;
  if (savedBin === undefined) delete process.env.QDRANT_BIN;
  else process.env.QDRANT_BIN = savedBin;
  process.env.PATH = savedPath;
  if (HAS_KEYCHAIN) await clearService(service);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function health(c: Core, id: ServiceHealth['id']): Promise<ServiceHealth> {
  const r = await c.dispatcher.dispatch('system.status', {}, ctx);
  if (!r.ok) throw new Error(r.message);
  return (r.value as SystemStatus).services.find((s) => s.id === id)!;
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await fn();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    v = await fn();
  }
  return v;
}

describe.skipIf(!HAS_KEYCHAIN)('core: vector backend selection', () => {
  it('with no Qdrant binary the embedded index serves and the sidecar entry says why', async () => {
    delete process.env.QDRANT_BIN;
    process.env.PATH = '/nonexistent';
    core = await createCore({ mode: 'host', dataDir: dir, version: '0.0.1-test', secretStore: { service } });
    const sidecar = await health(core, 'sidecar');
    expect(sidecar.state).not.toBe('ok');
    expect(sidecar.detail.toLowerCase()).toMatch(/not found|no qdrant|missing/);
    expect((await health(core, 'vectors')).state).toBe('ok');
  });

  it('with vectors.qdrant off no sidecar is started', async () => {
    process.env.QDRANT_BIN = FAKE_QDRANT;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'settings.json'),
      JSON.stringify({ version: 1, vectors: { qdrant: 'off' } }),
    );
    core = await createCore({ mode: 'host', dataDir: dir, version: '0.0.1-test', secretStore: { service } });
    expect((await health(core, 'sidecar')).state).toBe('off');
    expect(fs.existsSync(path.join(dir, 'qdrant', 'sidecar.json'))).toBe(false);
  });

  it('with QDRANT_BIN set the core starts the sidecar in the data dir, keeps its key out of reach, and stops it on dispose', async () => {
    process.env.QDRANT_BIN = FAKE_QDRANT;
    core = await createCore({ mode: 'host', dataDir: dir, version: '0.0.1-test', secretStore: { service } });
    const info = await until(
      async () => {
        try {
          return JSON.parse(fs.readFileSync(path.join(dir, 'qdrant', 'sidecar.json'), 'utf8')) as {
            pid: number;
          };
        } catch {
          return null;
        }
      },
      (v) => v !== null,
    );
    expect(info?.pid).toBeGreaterThan(0);
    const pid = info!.pid;
    expect(() => process.kill(pid, 0)).not.toThrow();
    // The sidecar's generated key is Nook's own: no route may touch it.
    const del = await core.dispatcher.dispatch('secrets.delete', { id: 'qdrant.apiKey' }, ctx);
    expect(del).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    // Searches keep working on the embedded index whatever the mirror's state.
    expect((await health(core, 'vectors')).state).not.toBe('down');
    await core.dispose();
    core = undefined;
    const gone = await until(
      async () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      (v) => v,
      10_000,
    );
    expect(gone).toBe(true);
  });
});
