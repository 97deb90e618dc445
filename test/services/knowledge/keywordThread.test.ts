/**
 * The keyword leg on its worker thread (keywordThread.ts + workers/keywordWorker.ts): the same hits
 * as on the service's own connection; a worker that dies mid-query costs that query nothing (the
 * service answers it itself) and is replaced; one that cannot start is given up after three tries.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keywordLeg, TermStats } from '../../../src/main/services/knowledge/keywordLeg';
import { KeywordThread, KeywordThreadGone } from '../../../src/main/services/knowledge/keywordThread';
import { toFtsQuery } from '../../../src/main/services/knowledge/query';
import { tempDir } from '../helpers/tmp';
import { insertOneChunkDocuments, openKnowledge, testModel, type Knowledge } from './ingestHarness';
import { until } from '../helpers/wait';

const model = testModel();

describe.skipIf(!model.spec)('keyword thread', () => {
  let k: Knowledge;
  let dbPath: string;
  beforeAll(() => {
    const dir = path.join(tempDir('kwthread'), 'db');
    k = openKnowledge(dir, model.spec!);
    dbPath = path.join(dir, 'nook.db');
    const docs = Array.from({ length: 400 }, (_, i) => {
      const extra = i % 7 === 0 ? ' pump pressure' : i % 5 === 0 ? ' valve gasket' : '';
      return {
        name: `n${i}.txt`,
        text: `maintenance note ${i} about the boiler${extra} and error E-${4000 + (i % 50)}`,
      };
    });
    insertOneChunkDocuments(k.db, '/kt', docs);
  });
  afterAll(async () => {
    await k?.close();
  });

  it('answers as the service connection does, and the service searches on it once it is up', async () => {
    const thread = new KeywordThread(dbPath);
    try {
      thread.warm();
      await until(() => thread.ready, 30_000);
      for (const text of ['pump pressure boiler', 'E-4012', 'valve OR gasket "maintenance note"']) {
        const p = toFtsQuery(text);
        const query = { fts: p.fts, parts: p.parts, k: 25, generation: 1 };
        const answer = await thread.search(query);
        expect(answer.hits.length).toBeGreaterThan(0);
        expect(answer.hits).toEqual(keywordLeg(k.db, query, new TermStats(k.db)));
        // Term counts it hands back (for the service's coverage) are right.
        for (const [part, n] of answer.counts)
          expect(n).toBe(
            k.db.prepare('SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?').pluck().get(part),
          );
      }
    } finally {
      await thread.dispose();
    }

    // Through the service: the first search starts the thread and is answered here; later ones on it.
    const first = await k.service.search({ query: 'pump pressure', mode: 'keyword', k: 10 });
    const inService = (k.service as unknown as { keywordThread: KeywordThread }).keywordThread;
    await until(() => inService.ready, 30_000);
    const later = await k.service.search({ query: 'pump pressure', mode: 'keyword', k: 10 });
    expect(later.hits.map((h) => h.chunkId)).toEqual(first.hits.map((h) => h.chunkId));
    expect(later.hits).toHaveLength(10);
  });

  it('a worker that dies mid-query costs the query nothing and is replaced', async () => {
    const inService = (k.service as unknown as { keywordThread: KeywordThread }).keywordThread;
    inService.warm();
    await until(() => inService.ready, 30_000);
    const expected = (await k.service.search({ query: 'valve gasket', mode: 'keyword', k: 15 })).hits;
    // The request is posted before search() returns its promise; kill the worker under it.
    const pending = k.service.search({ query: 'valve gasket', mode: 'keyword', k: 15 });
    const inside = inService as unknown as {
      worker: { terminate(): Promise<number> };
      pending: Map<number, unknown>;
    };
    expect(inside.pending.size).toBe(1);
    await inside.worker.terminate();
    const r = await pending;
    expect(r.hits.map((h) => h.chunkId)).toEqual(expected.map((h) => h.chunkId));
    expect(inService.ready).toBe(false);
    // The next search starts a fresh worker.
    await k.service.search({ query: 'boiler', mode: 'keyword', k: 5 });
    await until(() => inService.ready, 30_000);
    expect(inService.usable).toBe(true);
  });

  it('never hands the worker term counts from before the chunks changed', async () => {
    const svc = k.service as unknown as { keywordThread: KeywordThread; chunkGeneration: number };
    const inService = svc.keywordThread;
    inService.warm();
    await until(() => inService.ready, 30_000);
    // A hybrid search counts the terms for coverage on the service's connection, and keeps them.
    await k.service.search({ query: 'pump pressure', mode: 'hybrid', k: 5 });
    const kept = (k.service as unknown as { terms: TermStats }).terms.known(['"pump"']);
    expect(kept).toHaveLength(1); // the count that would go stale
    insertOneChunkDocuments(k.db, '/kt', [{ name: 'more.txt', text: 'pump pump pressure' }]);
    svc.chunkGeneration++; // what an ingest does after writing chunks
    const sent: Array<Array<[string, number]>> = [];
    const search = inService.search.bind(inService);
    inService.search = (query, counts) => {
      sent.push(counts ?? []);
      return search(query, counts);
    };
    try {
      await k.service.search({ query: 'pump pressure', mode: 'keyword', k: 5 });
    } finally {
      inService.search = search;
    }
    const truth = (part: string) =>
      k.db.prepare('SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?').pluck().get(part);
    expect(sent).toHaveLength(1);
    for (const [part, n] of sent[0]!) expect(n).toBe(truth(part));
  });

  it('gives up, once, on a worker that cannot start', async () => {
    const reasons: string[] = [];
    const thread = new KeywordThread(path.join(tempDir('kwthread-missing'), 'absent.db'), (r) =>
      reasons.push(r),
    );
    for (let i = 0; i < 5 && thread.usable; i++) {
      thread.warm();
      await until(() => !(thread as unknown as { worker?: unknown }).worker, 30_000);
    }
    expect(thread.usable).toBe(false);
    expect(reasons).toHaveLength(1);
    await expect(thread.search({ fts: '"x"', k: 1 })).rejects.toBeInstanceOf(KeywordThreadGone);
    await thread.dispose();
  });
});
