/**
 * The vector service's choice of index and its rebuilds, with real parts: the embedded index in a
 * migrated database (the source of truth), a real QdrantSidecar running the stand-in executable
 * (whose process state drives up/down), and, as the mirror's index, a second EmbeddedIndex in another
 * database (no Qdrant server runs here; the Qdrant index itself is covered by the contract's Qdrant leg).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../src/main/services/storage/database';
import { EmbeddedIndex } from '../../../src/main/services/vectors/embeddedIndex';
import { QdrantSidecar } from '../../../src/main/services/vectors/qdrantSidecar';
import {
  VectorService,
  selectMirror,
  sidecarMirror,
  type RebuildEvent,
  type VectorMirror,
} from '../../../src/main/services/vectors/vectorService';
import type { VectorItem } from '../../../src/main/services/vectors/vectorIndex';
import { bruteForce, randomVector, rng } from './contract';
import { FAKE_QDRANT, LineLogger, MemorySecrets } from './helpers';
import { until } from '../helpers/wait';

const SPEC = { name: 'chunks', dimension: 8, distance: 'cosine' as const };

let dir: string;
let dbs: Database[] = [];
let cleanups: Array<() => Promise<void>> = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-selector-'));
});
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
  for (const db of dbs) if (db.open) db.close();
  dbs = [];
  fs.rmSync(dir, { recursive: true, force: true });
});

function db(name: string): Database {
  const d = openDatabase(path.join(dir, name));
  dbs.push(d);
  return d;
}

function items(from: number, n: number, seed: number): VectorItem[] {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: from + i,
    vector: randomVector(rand, 8),
    payload: { documentId: (from + i) % 7, tags: [(from + i) % 2 ? 'odd' : 'even'] },
  }));
}

function sidecarWith(overrides: { env?: NodeJS.ProcessEnv; maxRestarts?: number } = {}) {
  const sidecar = new QdrantSidecar({
    dataDir: path.join(dir, 'data'),
    secrets: new MemorySecrets(),
    logger: new LineLogger(),
    env: overrides.env ?? { PATH: process.env.PATH, QDRANT_BIN: FAKE_QDRANT },
    pollIntervalMs: 20,
    stopTimeoutMs: 2000,
    backoff: { initialMs: 50, maxRestarts: overrides.maxRestarts ?? 0 },
  });
  cleanups.push(() => sidecar.stop());
  return sidecar;
}

/** The service over a fresh source database, mirroring into `mirrorIndex` while `sidecar` is ready. */
function service(source: EmbeddedIndex, mirror?: VectorMirror) {
  const svc = new VectorService({
    embedded: source,
    logger: new LineLogger(),
    ...(mirror ? { mirror } : {}),
  });
  const rebuilds: RebuildEvent[] = [];
  svc.onDidRebuild((e) => rebuilds.push(e));
  cleanups.push(() => svc.dispose());
  return { svc, rebuilds };
}

describe('VectorService: which index serves searches', () => {
  it('uses the embedded index when no Qdrant binary exists, and says so', async () => {
    const source = new EmbeddedIndex(db('a.db'));
    const sidecar = sidecarWith({ env: { PATH: path.join(dir, 'empty') } });
    const mirrorIndex = new EmbeddedIndex(db('mirror.db'));
    const { svc } = service(source, sidecarMirror(sidecar, mirrorIndex));
    svc.start();
    const h = await sidecar.start();
    expect(h.state).toBe('down');
    await svc.ensureCollection(SPEC);
    const data = items(1, 50, 1);
    await svc.upsert('chunks', data);
    const q = randomVector(rng(2), 8);
    const hits = await svc.search('chunks', q, { k: 5 });
    expect(hits.map((x) => x.id)).toEqual(bruteForce(data, q, 5).map((x) => x.id));
    expect(svc.lastSearchBackend).toBe('embedded');
    expect(svc.backendFor('chunks')).toBe('embedded');
    expect(svc.health()).toEqual({
      state: 'ok',
      detail: expect.stringMatching(/^Using the embedded index\. No Qdrant binary found/),
    });
    expect(svc.mirrorHealth().state).toBe('off');
    // Nothing was written to the mirror.
    expect(await mirrorIndex.describeCollection('chunks')).toBeUndefined();
  });

  it('with no mirror configured, everything runs on the embedded index', async () => {
    const source = new EmbeddedIndex(db('a.db'));
    expect(selectMirror({})).toBeUndefined();
    const { svc } = service(source);
    svc.start();
    await svc.ensureCollection(SPEC);
    await svc.upsert('chunks', items(1, 10, 3));
    expect(await svc.search('chunks', randomVector(rng(4), 8), { k: 3 })).toHaveLength(3);
    expect(svc.health()).toEqual({
      state: 'ok',
      detail: expect.stringContaining('Qdrant is not configured'),
    });
  });

  it('builds the mirror from SQLite when Qdrant comes up, then serves searches from it', async () => {
    const source = new EmbeddedIndex(db('a.db'));
    const mirrorIndex = new EmbeddedIndex(db('mirror.db'));
    await source.ensureCollection(SPEC);
    const data = items(1, 300, 5);
    await source.upsert('chunks', data);

    const sidecar = sidecarWith();
    const { svc, rebuilds } = service(source, sidecarMirror(sidecar, mirrorIndex));
    svc.start();
    expect(svc.backendFor('chunks')).toBe('embedded');
    await sidecar.start();
    await until(() => rebuilds.length === 1);
    await svc.whenIdle();
    expect(rebuilds[0]).toMatchObject({
      collection: 'chunks',
      count: 300,
      reason: 'the collection is missing',
    });
    expect(await mirrorIndex.count('chunks')).toBe(300);
    const st = source.state('chunks')!;
    expect(st.mirrorId).toBe(sidecar.mirrorId);
    expect(st.mirrorVersion).toBe(st.indexVersion);
    expect(svc.backendFor('chunks')).toBe('mirror');
    expect(svc.health()).toEqual({
      state: 'ok',
      detail: expect.stringMatching(/^Using Qdrant\. Qdrant is ready/),
    });

    // Writes go to SQLite and then to the mirror, in order.
    await svc.upsert('chunks', items(1000, 20, 6));
    await svc.deleteByDocument('chunks', 3);
    await svc.delete('chunks', [1000, 1001]);
    await svc.whenIdle();
    expect(await mirrorIndex.count('chunks')).toBe(await source.count('chunks'));
    const q = randomVector(rng(7), 8);
    const viaMirror = await svc.search('chunks', q, { k: 10, filter: { tags: ['odd'] } });
    expect(svc.lastSearchBackend).toBe('embedded'); // the mirror's index here is itself an EmbeddedIndex
    expect(svc.backendFor('chunks')).toBe('mirror');
    expect(viaMirror).toEqual(await source.search('chunks', q, { k: 10, filter: { tags: ['odd'] } }));
    expect(source.state('chunks')!.mirrorVersion).toBe(source.state('chunks')!.indexVersion);
  });

  it('notices a write that bypassed the service and serves from SQLite until the mirror caught up', async () => {
    const sourceDb = db('a.db');
    const source = new EmbeddedIndex(sourceDb);
    const mirrorIndex = new EmbeddedIndex(db('mirror.db'));
    const sidecar = sidecarWith();
    const { svc, rebuilds } = service(source, sidecarMirror(sidecar, mirrorIndex));
    svc.start();
    await sidecar.start();
    await svc.ensureCollection(SPEC);
    await svc.upsert('chunks', items(1, 50, 12));
    await svc.whenIdle();
    expect(svc.backendFor('chunks')).toBe('mirror');

    // Another connection to the same database (an ingest worker) writes directly.
    const workerDb = openDatabase(sourceDb.name);
    const fresh = items(900, 1, 13)[0]!;
    await new EmbeddedIndex(workerDb).upsert('chunks', [fresh]);
    workerDb.close();

    expect(svc.backendFor('chunks')).toBe('embedded');
    const [top] = await svc.search('chunks', fresh.vector, { k: 1 });
    expect(top!.id).toBe(900); // found at once, from SQLite
    expect(svc.lastSearchBackend).toBe('embedded');
    await until(() => rebuilds.length === 2);
    await svc.whenIdle();
    expect(await mirrorIndex.count('chunks')).toBe(51);
    expect(svc.backendFor('chunks')).toBe('mirror');
  });

  it('falls back to the embedded index when Qdrant goes down, and rebuilds what it missed when it is back', async () => {
    const source = new EmbeddedIndex(db('a.db'));
    const mirrorIndex = new EmbeddedIndex(db('mirror.db'));
    const sidecar = sidecarWith({ maxRestarts: 0 });
    const { svc, rebuilds } = service(source, sidecarMirror(sidecar, mirrorIndex));
    const healths: string[] = [];
    svc.onDidChangeHealth((h) => healths.push(`${h.state}: ${h.detail}`));
    svc.start();
    await sidecar.start();
    await svc.ensureCollection(SPEC);
    await svc.upsert('chunks', items(1, 100, 8));
    await svc.whenIdle();
    expect(svc.backendFor('chunks')).toBe('mirror');
    expect(await mirrorIndex.count('chunks')).toBe(100);

    // Qdrant crashes and (maxRestarts 0) stays down.
    const down = sidecar.once('down');
    const ep = sidecar.endpoint()!;
    await fetch(`${ep.url}/__crash`, { method: 'POST', headers: { 'api-key': ep.apiKey! } });
    await down;
    expect(svc.backendFor('chunks')).toBe('embedded');
    expect(svc.health().state).toBe('degraded');
    expect(svc.health().detail).toMatch(/^Qdrant is down; using the embedded index\./);
    expect(healths.some((h) => h.startsWith('degraded: Qdrant is down; using the embedded index'))).toBe(
      true,
    );
    expect(svc.mirrorHealth().state).toBe('down');

    // Writes while it is down land in SQLite only; searches are still complete.
    const more = items(500, 40, 9);
    await svc.upsert('chunks', more);
    await svc.whenIdle();
    expect(await mirrorIndex.count('chunks')).toBe(100);
    const q = more[0]!.vector;
    expect((await svc.search('chunks', q, { k: 1 }))[0]!.id).toBe(500);
    expect(svc.lastSearchBackend).toBe('embedded');

    // Back up: the mirror is found out of date (version) and rebuilt from SQLite.
    await sidecar.start();
    await until(() => rebuilds.length === 2);
    await svc.whenIdle();
    expect(rebuilds[1]!.reason).toMatch(/SQLite is at|last synced elsewhere/);
    expect(await mirrorIndex.count('chunks')).toBe(140);
    expect(svc.backendFor('chunks')).toBe('mirror');
    expect(svc.health().state).toBe('ok');
  });
});

describe('VectorService: when the mirror is rebuilt', () => {
  /** Builds an in-sync mirror, disposes the service (an app quit), and hands back the parts. */
  async function syncedSetup() {
    const sourceDb = db('a.db');
    const mirrorDb = db('mirror.db');
    const source = new EmbeddedIndex(sourceDb);
    const mirrorIndex = new EmbeddedIndex(mirrorDb);
    const sidecar = sidecarWith();
    await sidecar.start();
    const first = service(source, sidecarMirror(sidecar, mirrorIndex));
    first.svc.start();
    await first.svc.ensureCollection(SPEC);
    await first.svc.upsert('chunks', items(1, 60, 10));
    await first.svc.whenIdle();
    expect(first.svc.backendFor('chunks')).toBe('mirror');
    return { source, mirrorIndex, sidecar };
  }

  async function restart(parts: Awaited<ReturnType<typeof syncedSetup>>) {
    const again = service(parts.source, sidecarMirror(parts.sidecar, parts.mirrorIndex));
    again.svc.start(); // the sidecar is already up: sync runs now
    await until(() => again.svc.backendFor('chunks') === 'mirror' || again.rebuilds.length > 0);
    await again.svc.whenIdle();
    return again;
  }

  it('does not rebuild a mirror that is in sync', async () => {
    const parts = await syncedSetup();
    const again = await restart(parts);
    expect(again.rebuilds).toEqual([]);
    expect(again.svc.backendFor('chunks')).toBe('mirror');
  });

  it('rebuilds when the mirror collection is missing', async () => {
    const parts = await syncedSetup();
    await parts.mirrorIndex.dropCollection('chunks');
    const again = await restart(parts);
    expect(again.rebuilds.map((r) => r.reason)).toEqual(['the collection is missing']);
    expect(await parts.mirrorIndex.count('chunks')).toBe(60);
  });

  it('rebuilds when the mirror holds a different number of vectors', async () => {
    const parts = await syncedSetup();
    await parts.mirrorIndex.delete('chunks', [1, 2, 3]); // lost behind our back
    const again = await restart(parts);
    expect(again.rebuilds.map((r) => r.reason)).toEqual(['it holds 57 vectors, SQLite 60']);
    expect(await parts.mirrorIndex.count('chunks')).toBe(60);
  });

  it('rebuilds when SQLite moved on without the mirror (version mismatch)', async () => {
    const parts = await syncedSetup();
    await parts.source.upsert('chunks', items(100, 5, 11)); // written while the app ran without Qdrant
    const again = await restart(parts);
    expect(again.rebuilds).toHaveLength(1);
    expect(again.rebuilds[0]!.reason).toMatch(/SQLite is at/);
    expect(await parts.mirrorIndex.count('chunks')).toBe(65);
  });
});
