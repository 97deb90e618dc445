/**
 * The one contract every VectorIndex implementation passes (embedded sqlite-vec, Qdrant).
 * Expected results come from a brute-force cosine scan over the same data with the reference
 * filter semantics (`payloadMatches`), never from the index under test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/shared/ipc/result';
import {
  cosineSimilarity,
  payloadMatches,
  type VectorFilter,
  type VectorIndex,
  type VectorItem,
  type VectorPayload,
} from '../../../src/main/services/vectors/vectorIndex';
import { mulberry32 } from '../helpers/random';

export interface IndexUnderTest {
  index: VectorIndex;
  cleanup(): Promise<void>;
}

export interface ContractOptions {
  /** Whether search is exact (brute force); an approximate index must still reach recall@10 >= 0.98. */
  exact: boolean;
}

/** Deterministic pseudo-random numbers (mulberry32). */
export const rng = mulberry32;

export function randomVector(rand: () => number, dim: number): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = rand() * 2 - 1;
  return v;
}

export function bruteForce(
  items: readonly VectorItem[],
  query: Float32Array,
  k: number,
  filter?: VectorFilter,
) {
  return items
    .filter((it) => payloadMatches(it.payload, filter))
    .map((it) => ({ id: it.id, score: cosineSimilarity(it.vector, query) }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, k);
}

async function expectAppError(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(isAppError(caught), `expected AppError ${code}, got ${String(caught)}`).toBe(true);
  expect((caught as { code: string }).code).toBe(code);
  if (message) expect((caught as Error).message).toMatch(message);
}

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

function filterItems(): VectorItem[] {
  const rand = rng(7);
  const types = ['pdf', 'md', 'txt'];
  const folders = ['/home/u/notes', '/home/u/notes/work', '/home/u/papers', 'C:\\Users\\u\\docs'];
  const tags = ['red', 'green', 'blue'];
  const out: VectorItem[] = [];
  for (let id = 1; id <= 400; id++) {
    const payload: VectorPayload = { documentId: 1 + (id % 40) };
    if (id % 7 !== 0) payload.fileType = types[id % 3]!;
    if (id % 11 !== 0) payload.folder = folders[id % 4]!;
    if (id % 5 !== 0) payload.date = T0 + (id % 30) * DAY;
    if (id % 3 !== 0) payload.tags = tags.filter((_, i) => (id >> i) % 2 === 1);
    out.push({ id, vector: randomVector(rand, 16), payload });
  }
  return out;
}

export function describeVectorIndex(
  name: string,
  make: () => Promise<IndexUnderTest>,
  options: ContractOptions,
): void {
  describe(`VectorIndex contract: ${name}`, () => {
    let sut: IndexUnderTest;
    let index: VectorIndex;
    let n = 0;
    const created: string[] = [];
    /** A fresh collection name per test, dropped first in case a remote server kept one. */
    async function fresh(dimension: number): Promise<string> {
      const c = `contract_${process.pid}_${++n}`;
      created.push(c);
      await index.dropCollection(c);
      await index.ensureCollection({ name: c, dimension, distance: 'cosine' });
      return c;
    }

    beforeAll(async () => {
      sut = await make();
      index = sut.index;
    });
    afterAll(async () => {
      // Leave nothing behind on a shared (remote) server.
      for (const c of created) await index?.dropCollection(c).catch(() => undefined);
      await sut?.cleanup();
    });

    it('creates a collection once and refuses another dimension for the same name', async () => {
      const c = await fresh(8);
      await index.ensureCollection({ name: c, dimension: 8, distance: 'cosine' });
      expect(await index.describeCollection(c)).toEqual({ name: c, dimension: 8, distance: 'cosine' });
      await expectAppError(
        index.ensureCollection({ name: c, dimension: 16, distance: 'cosine' }),
        'CONFLICT',
        /8 dimensions/,
      );
      expect(await index.describeCollection('contract_never_created')).toBeUndefined();
      await expectAppError(index.count('contract_never_created'), 'NOT_FOUND');
      await expectAppError(
        index.ensureCollection({ name: 'Bad-Name', dimension: 8, distance: 'cosine' }),
        'INVALID_INPUT',
      );
    });

    it('orders hits by cosine similarity, scores them, and honours k', async () => {
      const c = await fresh(3);
      const q = new Float32Array([1, 0, 0]);
      const items: VectorItem[] = [
        { id: 10, vector: new Float32Array([1, 0, 0]), payload: { documentId: 1 } }, // cos 1
        { id: 11, vector: new Float32Array([1, 1, 0]), payload: { documentId: 1 } }, // cos .707
        { id: 12, vector: new Float32Array([0, 1, 0]), payload: { documentId: 2 } }, // cos 0
        { id: 13, vector: new Float32Array([-1, 0.2, 0]), payload: { documentId: 2 } }, // cos -.98
        { id: 14, vector: new Float32Array([5, 1, 0]), payload: { documentId: 3 } }, // cos .981 (length does not matter)
      ];
      await index.upsert(c, items);
      const hits = await index.search(c, q, { k: 5 });
      expect(hits.map((h) => h.id)).toEqual([10, 14, 11, 12, 13]);
      for (const h of hits) {
        const it = items.find((i) => i.id === h.id)!;
        expect(h.score).toBeCloseTo(cosineSimilarity(it.vector, q), 4);
      }
      expect((await index.search(c, q, { k: 2 })).map((h) => h.id)).toEqual([10, 14]);
      expect(await index.count(c)).toBe(5);
      await expectAppError(index.search(c, q, { k: 0 }), 'INVALID_INPUT');
    });

    it('applies every filter like the reference semantics', async () => {
      const c = await fresh(16);
      const items = filterItems();
      await index.upsert(c, items);
      const rand = rng(99);
      const filters: VectorFilter[] = [
        { documentIds: [3, 4, 5] },
        { fileTypes: ['md'] },
        { fileTypes: ['pdf', 'txt'] },
        { folders: ['/home/u/notes'] }, // includes the work subfolder
        { folders: ['/home/u/notes/work/'] }, // trailing slash is the same folder
        { folders: ['C:/Users/u'] }, // Windows paths match by ancestors too
        { folders: ['/home/u/not'] }, // a name prefix is not a parent folder
        { tags: ['red'] },
        { tags: ['green', 'blue'] },
        { dateFrom: T0 + 10 * DAY },
        { dateTo: T0 + 3 * DAY },
        { dateFrom: T0 + 5 * DAY, dateTo: T0 + 6 * DAY },
        { fileTypes: ['pdf'], tags: ['blue'], folders: ['/home/u'], dateFrom: T0 + 2 * DAY },
        { documentIds: [1, 2, 3, 4, 5, 6, 7, 8], tags: ['red'], folders: ['/home/u/papers'] },
      ];
      for (const filter of filters) {
        const q = randomVector(rand, 16);
        const expected = bruteForce(items, q, 10, filter);
        const got = await index.search(c, q, { k: 10, filter });
        expect(
          got.map((h) => h.id),
          JSON.stringify(filter),
        ).toEqual(expected.map((h) => h.id));
      }
      // Sanity: the reference itself is not trivially empty or everything.
      expect(
        items.filter((i) => payloadMatches(i.payload, { folders: ['/home/u/notes'] })).length,
      ).toBeGreaterThan(100);
      expect(items.filter((i) => payloadMatches(i.payload, { folders: ['/home/u/not'] })).length).toBe(0);
      // An empty list selects nothing.
      expect(await index.search(c, randomVector(rand, 16), { k: 10, filter: { documentIds: [] } })).toEqual(
        [],
      );
      expect(await index.search(c, randomVector(rand, 16), { k: 10, filter: { tags: [] } })).toEqual([]);
    });

    it('deletes by id and by document, and counts what is left', async () => {
      const c = await fresh(4);
      const rand = rng(3);
      const items: VectorItem[] = Array.from({ length: 30 }, (_, i) => ({
        id: i + 1,
        vector: randomVector(rand, 4),
        payload: { documentId: 100 + (i % 3), tags: ['t'] },
      }));
      await index.upsert(c, items);
      expect(await index.count(c)).toBe(30);
      await index.delete(c, [1, 2, 3, 999]);
      expect(await index.count(c)).toBe(27);
      await index.deleteByDocument(c, 101); // ids 2, 5, ..., 29: 9 of them are still there
      expect(await index.count(c)).toBe(18);
      const left = await index.search(c, new Float32Array([1, 1, 1, 1]), { k: 100 });
      expect(left.map((h) => h.id).sort((a, b) => a - b)).toEqual(
        items.filter((i) => i.id > 3 && i.payload.documentId !== 101).map((i) => i.id),
      );
      // Deleted ids no longer match a term filter either.
      const tagged = await index.search(c, new Float32Array([1, 1, 1, 1]), {
        k: 100,
        filter: { tags: ['t'] },
      });
      expect(tagged).toHaveLength(18);
    });

    it('rejects a vector of the wrong dimension and writes nothing of that batch', async () => {
      const c = await fresh(4);
      await index.upsert(c, [{ id: 1, vector: new Float32Array([1, 0, 0, 0]), payload: { documentId: 1 } }]);
      await expectAppError(
        index.upsert(c, [
          { id: 2, vector: new Float32Array([0, 1, 0, 0]), payload: { documentId: 1 } },
          { id: 3, vector: new Float32Array([1, 2, 3]), payload: { documentId: 1 } },
        ]),
        'INVALID_INPUT',
        /4-dimensional.*3-dimensional/,
      );
      expect(await index.count(c)).toBe(1);
      await expectAppError(index.search(c, new Float32Array([1, 2]), { k: 1 }), 'INVALID_INPUT');
    });

    it('upserts the same id idempotently: the last vector and payload win', async () => {
      const c = await fresh(2);
      const a: VectorItem = {
        id: 5,
        vector: new Float32Array([1, 0]),
        payload: { documentId: 1, tags: ['old'] },
      };
      await index.upsert(c, [a]);
      await index.upsert(c, [a]);
      expect(await index.count(c)).toBe(1);
      await index.upsert(c, [
        { id: 5, vector: new Float32Array([0, 1]), payload: { documentId: 2, tags: ['new'] } },
      ]);
      expect(await index.count(c)).toBe(1);
      const [hit] = await index.search(c, new Float32Array([0, 1]), { k: 1 });
      expect(hit!.id).toBe(5);
      expect(hit!.score).toBeCloseTo(1, 4);
      expect(await index.search(c, new Float32Array([0, 1]), { k: 1, filter: { tags: ['old'] } })).toEqual(
        [],
      );
      expect(await index.search(c, new Float32Array([0, 1]), { k: 1, filter: { documentIds: [1] } })).toEqual(
        [],
      );
      expect(
        (await index.search(c, new Float32Array([0, 1]), { k: 1, filter: { tags: ['new'] } }))[0]!.id,
      ).toBe(5);
    });

    it('rebuilds a collection from a source and can drop it', async () => {
      const c = await fresh(4);
      await index.upsert(c, [{ id: 1, vector: new Float32Array([1, 0, 0, 0]), payload: { documentId: 1 } }]);
      const rand = rng(5);
      const batches = [0, 1, 2].map((b) =>
        Array.from({ length: 50 }, (_, i) => ({
          id: 1000 + b * 50 + i,
          vector: randomVector(rand, 4),
          payload: { documentId: b },
        })),
      );
      async function* source() {
        for (const b of batches) yield b;
      }
      expect(await index.rebuildFrom({ name: c, dimension: 4, distance: 'cosine' }, source())).toBe(150);
      expect(await index.count(c)).toBe(150);
      expect(
        await index.search(c, new Float32Array([1, 0, 0, 0]), { k: 1, filter: { documentIds: [1] } }),
      ).toHaveLength(1);
      await index.dropCollection(c);
      expect(await index.describeCollection(c)).toBeUndefined();
    });

    it(`finds the true top 10 among 10,000 vectors (recall@10 ${options.exact ? '= 1' : '>= 0.98'})`, async () => {
      const dim = 384;
      const c = await fresh(dim);
      const rand = rng(42);
      const items: VectorItem[] = Array.from({ length: 10_000 }, (_, i) => ({
        id: i + 1,
        vector: randomVector(rand, dim),
        payload: { documentId: i % 100 },
      }));
      for (let i = 0; i < items.length; i += 1000) await index.upsert(c, items.slice(i, i + 1000));
      expect(await index.count(c)).toBe(10_000);
      let found = 0;
      const queries = 20;
      for (let q = 0; q < queries; q++) {
        const query = randomVector(rand, dim);
        const truth = new Set(bruteForce(items, query, 10).map((h) => h.id));
        const got = await index.search(c, query, { k: 10 });
        expect(got).toHaveLength(10);
        found += got.filter((h) => truth.has(h.id)).length;
      }
      const recall = found / (queries * 10);
      if (options.exact) expect(recall).toBe(1);
      else expect(recall).toBeGreaterThanOrEqual(0.98);
    }, 120_000);
  });
}
