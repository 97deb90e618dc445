import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../../src/main/services/storage/database';
import { EmbeddedIndex } from '../../../src/main/services/vectors/embeddedIndex';
import { QuantizedScan } from '../../../src/main/services/vectors/quantizedScan';
import type {
  SearchOptions,
  VectorFilter,
  VectorHit,
  VectorItem,
} from '../../../src/main/services/vectors/vectorIndex';
import { bruteForce, describeVectorIndex, randomVector, rng } from './contract';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function tempDb(name = 'nook.db') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-q8-'));
  const file = path.join(dir, name);
  const db = openDatabase(file);
  cleanups.push(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { db, file };
}

function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  return v.map((x) => x / n);
}

/** Clustered unit vectors, the shape sentence embeddings have (topics, near-paraphrases). */
function clustered(count: number, dim: number, seed: number): VectorItem[] {
  const rand = rng(seed);
  const centres = Array.from({ length: 40 }, () => randomVector(rand, dim));
  return Array.from({ length: count }, (_, i) => {
    const c = centres[i % centres.length]!;
    const v = c.map((x) => x + (rand() * 2 - 1) * 0.6);
    return {
      id: i + 1,
      vector: unit(v),
      payload: { documentId: 1 + (i % 97), fileType: i % 2 ? 'md' : 'pdf' },
    };
  });
}

/** The embedded index, with the fast path warmed before every search (so the suite runs through it). */
class WarmedIndex extends EmbeddedIndex {
  override async search(
    collection: string,
    vector: Float32Array,
    options: SearchOptions,
  ): Promise<VectorHit[]> {
    await this.warmQuantizedScan(collection);
    return super.search(collection, vector, options);
  }
}

describeVectorIndex(
  'embedded (sqlite-vec) through the int8 fast path',
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-q8c-'));
    const db = openDatabase(path.join(dir, 'nook.db'));
    const index = new WarmedIndex(db, { quantizedScanMinVectors: 0 });
    return {
      index,
      async cleanup() {
        await index.dispose();
        db.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { exact: true },
);

describe('QuantizedScan', () => {
  it('ranks int8 codes like the float vectors and keeps ids right when slots move on delete', () => {
    const items = clustered(600, 64, 3);
    const scan = QuantizedScan.create(64, 1, items.length, 0);
    for (const it of items) scan.set(it.id, it.vector);
    for (const id of [1, 300, 600, 42]) scan.delete(id);
    expect(scan.size).toBe(596);
    const left = items.filter((it) => ![1, 300, 600, 42].includes(it.id));
    const rand = rng(9);
    for (let q = 0; q < 10; q++) {
      const query = unit(randomVector(rand, 64));
      const exact = bruteForce(left, query, 10).map((h) => h.id);
      const got = scan.candidates(query, 40).map((c) => c.id);
      expect(new Set(got).size).toBe(got.length);
      for (const id of exact) expect(got).toContain(id);
      expect(got).not.toContain(300);
    }
  });
});

describe('EmbeddedIndex int8 fast path', () => {
  async function seeded(count: number, options: ConstructorParameters<typeof EmbeddedIndex>[1] = {}) {
    const { db, file } = tempDb();
    const index = new EmbeddedIndex(db, { quantizedScanMinVectors: 0, ...options });
    cleanups.push(() => void index.dispose());
    index.ensureCollectionSync({ name: 'c', dimension: 384, distance: 'cosine' });
    const items = clustered(count, 384, 11);
    for (let i = 0; i < items.length; i += 500) index.upsertSync('c', items.slice(i, i + 500));
    return { db, file, index, items };
  }

  it('answers like the exact scan (recall@10 = 1 on clustered 384-d vectors) once built', async () => {
    const { index, items } = await seeded(4000);
    expect(index.quantizedScanState('c').state).toBe('off');
    // The first query starts the build and is answered by the exact scan.
    const rand = rng(5);
    const first = unit(randomVector(rand, 384));
    expect(index.searchSync('c', first, { k: 10 }).map((h) => h.id)).toEqual(
      bruteForce(items, first, 10).map((h) => h.id),
    );
    expect(index.quantizedScanState('c').state).toBe('building');
    const state = await index.warmQuantizedScan('c');
    expect(state).toMatchObject({ state: 'ready', vectors: 4000 });
    expect(state.bytes).toBeGreaterThanOrEqual(4000 * 384);
    let hits = 0;
    for (let q = 0; q < 30; q++) {
      const query = unit(items[(q * 131) % items.length]!.vector.map((x) => x + (rand() - 0.5) * 0.1));
      const exact = bruteForce(items, query, 10);
      const got = index.searchSync('c', query, { k: 10 });
      hits += got.filter((h) => exact.some((e) => e.id === h.id)).length;
      // Scores are sqlite-vec's exact cosine, not the int8 estimate.
      for (const h of got) {
        const e = exact.find((x) => x.id === h.id);
        if (e) expect(h.score).toBeCloseTo(e.score, 5);
      }
    }
    expect(hits / 300).toBe(1);
  });

  it('follows upserts and deletes made through the index after it is built', async () => {
    const { index, items } = await seeded(1500);
    await index.warmQuantizedScan('c');
    const target = unit(randomVector(rng(77), 384));
    index.upsertSync('c', [{ id: 99_999, vector: target, payload: { documentId: 5000 } }]);
    expect(index.searchSync('c', target, { k: 3 })[0]).toMatchObject({ id: 99_999 });
    expect(index.quantizedScanState('c')).toMatchObject({ state: 'ready', vectors: 1501 });
    await index.deleteByDocument('c', 5000);
    expect(index.searchSync('c', target, { k: 3 }).map((h) => h.id)).not.toContain(99_999);
    // Replacing a vector moves it: item 7 now sits on the target.
    index.upsertSync('c', [{ id: 7, vector: target, payload: items[6]!.payload }]);
    expect(index.searchSync('c', target, { k: 1 })[0]!.id).toBe(7);
    await index.delete('c', [7]);
    expect(index.searchSync('c', target, { k: 5 }).map((h) => h.id)).not.toContain(7);
    expect(index.quantizedScanState('c')).toMatchObject({ state: 'ready', vectors: 1499 });
  });

  it('replays writes made while it was being built', async () => {
    const { index } = await seeded(1200, { quantizedScanBuildSlice: 100 });
    const target = unit(randomVector(rng(8), 384));
    const done = index.warmQuantizedScan('c');
    // The build yields between slices of 100 rows: these land in the middle of it.
    await new Promise<void>((r) => setImmediate(r));
    expect(index.quantizedScanState('c').state).toBe('building');
    index.upsertSync('c', [{ id: 50_000, vector: target, payload: { documentId: 1 } }]);
    await index.delete('c', [3, 1100]);
    await done;
    expect(index.quantizedScanState('c')).toMatchObject({ state: 'ready', vectors: 1199 });
    const hits = index.searchSync('c', target, { k: 1200 }).map((h) => h.id);
    expect(hits[0]).toBe(50_000);
    expect(hits).not.toContain(3);
    expect(hits).not.toContain(1100);
  });

  it('drops its copy when another connection writes, and stays correct', async () => {
    const { file, index } = await seeded(1000);
    await index.warmQuantizedScan('c');
    const other = openDatabase(file);
    cleanups.push(() => other.close());
    const writer = new EmbeddedIndex(other);
    const target = unit(randomVector(rng(21), 384));
    writer.upsertSync('c', [{ id: 70_000, vector: target, payload: { documentId: 2 } }]);
    // The copy does not have 70_000; the version check sends the query to the exact scan.
    expect(index.searchSync('c', target, { k: 1 })[0]!.id).toBe(70_000);
    expect(index.quantizedScanState('c').state).not.toBe('ready');
    const rebuilt = await index.warmQuantizedScan('c');
    expect(rebuilt).toMatchObject({ state: 'ready', vectors: 1001 });
    expect(index.searchSync('c', target, { k: 1 })[0]!.id).toBe(70_000);
  });

  it('answers filtered queries from the copy when the filter allows enough, else by the exact scan', async () => {
    const { db } = tempDb();
    const index = new EmbeddedIndex(db, { quantizedScanMinVectors: 0 });
    cleanups.push(() => void index.dispose());
    index.ensureCollectionSync({ name: 'c', dimension: 384, distance: 'cosine' });
    // Item i is in cluster i % 40; its payload varies with j = i / 40, so a cluster's neighbours
    // pass a filter at about its share of the collection.
    const items = clustered(4000, 384, 13).map((it, i) => {
      const j = Math.floor(i / 40);
      return {
        ...it,
        payload: {
          documentId: 1 + (i % 400),
          fileType: ['pdf', 'md', 'docx'][j % 3]!,
          folder: `/f${j % 4}/s${j % 5}`,
          ...(j % 10 === 9 ? {} : { date: 1000 * Math.floor(i / 8) }),
          tags: [`t${j % 7}`, `u${j % 2}`],
        },
      };
    });
    for (let i = 0; i < items.length; i += 500) index.upsertSync('c', items.slice(i, i + 500));
    await index.warmQuantizedScan('c');
    const prepare = vi.spyOn(db, 'prepare');
    const exactScans = (): number =>
      prepare.mock.calls.filter(([sql]) => String(sql).includes('embedding MATCH')).length;
    const filters: Array<[VectorFilter, 'copy' | 'exact']> = [
      [{ fileTypes: ['pdf', 'md'] }, 'copy'],
      [{ dateFrom: 100_000 }, 'copy'], // a boundary: date 100000 is in, undated vectors are out
      [{ dateFrom: 100_000, dateTo: 300_000 }, 'copy'],
      [{ tags: ['u1'] }, 'copy'],
      [{ folders: ['/f1', '/f2/s3', '/f3'] }, 'copy'],
      [{ tags: ['u1', 't0'], fileTypes: ['docx', 'pdf'] }, 'copy'],
      [{ tags: ['t3'], fileTypes: ['docx'] }, 'exact'], // about 5%: the nearest 4 x 74 hold too few
      [{ documentIds: [3, 4] }, 'exact'], // 20 of 4000 vectors
      [{ dateTo: 2000 }, 'exact'], // dates 0-2000: about 0.5%
    ];
    const rand = rng(17);
    for (const [filter, path] of filters) {
      for (let q = 0; q < 6; q++) {
        const query = unit(items[(q * 577) % items.length]!.vector.map((x) => x + (rand() - 0.5) * 0.1));
        const before = exactScans();
        const got = index.searchSync('c', query, { k: 10, filter });
        expect(got.map((h) => h.id)).toEqual(bruteForce(items, query, 10, filter).map((h) => h.id));
        expect(exactScans() - before, JSON.stringify(filter)).toBe(path === 'exact' ? 1 : 0);
      }
    }
  });

  it('builds no copy for a small collection by itself, and answers filtered queries from one built on request', async () => {
    const { index, items } = await seeded(800, { quantizedScanMinVectors: 5000 });
    const query = unit(randomVector(rng(4), 384));
    index.searchSync('c', query, { k: 5 });
    index.searchSync('c', query, { k: 5, filter: { fileTypes: ['md'] } });
    expect(index.quantizedScanState('c').state).toBe('off');
    await index.warmQuantizedScan('c');
    const filtered = index.searchSync('c', query, { k: 5, filter: { fileTypes: ['md'] } });
    expect(filtered.map((h) => h.id)).toEqual(
      bruteForce(items, query, 5, { fileTypes: ['md'] }).map((h) => h.id),
    );
  });
});
