/**
 * createVectorStack as the composition root builds it: embedded index, sidecar, service.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../src/main/services/storage/database';
import { createVectorStack, type VectorStack } from '../../../src/main/services/vectors';
import { bruteForce, randomVector, rng } from './contract';
import { FAKE_QDRANT, LineLogger, MemorySecrets } from './helpers';
import { until } from '../helpers/wait';

let dir: string;
let db: Database;
let stack: VectorStack | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-stack-'));
  db = openDatabase(path.join(dir, 'nook.db'));
});
afterEach(async () => {
  await stack?.dispose();
  stack = undefined;
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function fill(s: VectorStack) {
  const spec = { name: 'chunks', dimension: 16, distance: 'cosine' as const };
  await s.service.ensureCollection(spec);
  const rand = rng(21);
  const data = Array.from({ length: 200 }, (_, i) => ({
    id: i + 1,
    vector: randomVector(rand, 16),
    payload: { documentId: i % 10, folder: i % 2 ? '/a/x' : '/b' },
  }));
  await s.service.upsert('chunks', data);
  const q = randomVector(rand, 16);
  const hits = await s.service.search('chunks', q, { k: 5, filter: { folders: ['/a'] } });
  expect(hits.map((h) => h.id)).toEqual(bruteForce(data, q, 5, { folders: ['/a'] }).map((h) => h.id));
}

describe('createVectorStack', () => {
  it("with Qdrant 'off' runs on the embedded index alone", async () => {
    stack = createVectorStack({ db, dataDir: dir, secrets: new MemorySecrets(), qdrant: { mode: 'off' } });
    stack.start();
    expect(stack.sidecar).toBeUndefined();
    await fill(stack);
    expect(stack.service.kind).toBe('embedded');
    expect(stack.service.health().detail).toContain('Qdrant is not configured');
  });

  it('without a Qdrant binary falls back to the embedded index and says why', async () => {
    stack = createVectorStack({
      db,
      dataDir: dir,
      secrets: new MemorySecrets(),
      env: { PATH: path.join(dir, 'nothing-here') },
      resourcesPath: path.join(dir, 'resources'),
    });
    stack.start();
    await until(() => stack!.sidecar!.state === 'down');
    await fill(stack);
    expect(stack.service.health()).toEqual({
      state: 'ok',
      detail: expect.stringContaining('No Qdrant binary found'),
    });
    expect(stack.service.mirrorHealth().state).toBe('off');
  });

  it('a Qdrant that is up but rejects the rebuild is reported, searches stay correct, quit stops it', async () => {
    // The stand-in answers /readyz but not Qdrant's collection API: the mirror cannot be built.
    const logger = new LineLogger();
    stack = createVectorStack({
      db,
      dataDir: dir,
      secrets: new MemorySecrets(),
      logger,
      env: { PATH: process.env.PATH, QDRANT_BIN: FAKE_QDRANT },
    });
    stack.start();
    await until(() => stack!.sidecar!.state === 'ready');
    const pid = stack.sidecar!.health().pid!;
    await fill(stack);
    await stack.service.whenIdle();
    expect(stack.service.backendFor('chunks')).toBe('embedded');
    expect(stack.service.health()).toEqual({
      state: 'degraded',
      detail: expect.stringMatching(/^Qdrant could not be brought in step with SQLite \(Qdrant: not found/),
    });
    expect(logger.lines.some((l) => l.startsWith('warn vectors: could not sync chunks'))).toBe(true);
    await stack.dispose();
    stack = undefined;
    expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe('remote Qdrant (the scale-out option)', () => {
  it('is up while its /readyz answers 200 with our key, and wins over the sidecar when configured', async () => {
    const http = await import('node:http');
    let healthy = true;
    const seenKeys: Array<string | undefined> = [];
    const server = http.createServer((req, res) => {
      seenKeys.push(req.headers['api-key'] as string | undefined);
      res.writeHead(req.url === '/readyz' && healthy ? 200 : 503).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    try {
      const s = createVectorStack({
        db,
        dataDir: dir,
        secrets: new MemorySecrets(),
        qdrant: { url, apiKey: 'remote-key', binaryPath: '/never/used' },
      });
      stack = s;
      expect(s.sidecar).toBeUndefined();
      const mirror = s.mirror as NonNullable<typeof s.mirror> & { probe(): Promise<boolean> };
      expect(mirror.id).toBe(`remote:${url.slice(0, -1)}`);
      const changes: boolean[] = [];
      mirror.onChange((up) => changes.push(up));
      expect(await mirror.probe()).toBe(true);
      expect(mirror.isUp()).toBe(true);
      healthy = false;
      expect(await mirror.probe()).toBe(false);
      expect(mirror.health()).toEqual({ state: 'down', detail: expect.stringContaining('answered 503') });
      expect(changes).toEqual([true, false]);
      expect(seenKeys.every((k) => k === 'remote-key')).toBe(true);
      s.start();
      expect(s.service.health()).toEqual({
        state: 'degraded',
        detail: expect.stringMatching(/^Qdrant \(remote\) is down; using the embedded index\./),
      });
    } finally {
      await stack?.dispose();
      stack = undefined;
      await new Promise((r) => server.close(r));
    }
  });
});
