/**
 * The knowledge worker decides once whether the embedding model runs its MatMuls in int8
 * (cpuFeatures.int8DotProduct) and holds to it for its query session and every lane: a query and
 * the same text as a document get the same bytes, whatever else is in the document's batch.
 * NOOK_INT8_MATMUL=0 turns it off, and `stats` says which way each model runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cosine } from '../../../src/main/services/inference/embedder';
import { int8DotProduct } from '../../../src/main/services/inference/cpuFeatures';
import { KnowledgeWorkerClient } from '../../../src/main/services/knowledge/workerClient';
import { testModel } from './ingestHarness';

const model = testModel();
if (!model.spec) console.warn(`[skip] int8 worker tests: ${model.missing}`);

const TEXT = 'Mitochondria produce most of the chemical energy needed to power the cell.';
const OTHERS = [
  'Error E-4012: the sync service could not reach the server before the timeout.',
  'Quarterly revenue grew by eleven percent, driven by subscriptions in Europe, while costs in every other region fell back.',
  'A short one.',
];

const bytes = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

describe.skipIf(!model.spec)('int8 MatMuls in the knowledge worker', () => {
  const saved = process.env.NOOK_INT8_MATMUL;
  let worker: KnowledgeWorkerClient | undefined;
  afterEach(async () => {
    await worker?.dispose();
    worker = undefined;
    if (saved === undefined) delete process.env.NOOK_INT8_MATMUL;
    else process.env.NOOK_INT8_MATMUL = saved;
  });

  const vectors = async (): Promise<{ query: Float32Array; doc: Float32Array; int8: string[] }> => {
    const spec = model.spec!;
    worker = new KnowledgeWorkerClient({ threads: 2 });
    await worker.load(spec);
    const [query] = await worker.embed(spec.id, [TEXT], 'query');
    const docs = await worker.embed(spec.id, [...OTHERS, TEXT], 'document');
    const { int8Models } = await worker.stats();
    await worker.dispose();
    worker = undefined;
    return { query: query!, doc: docs[3]!, int8: int8Models };
  };

  it('runs as this CPU allows, the query session and the lanes alike; NOOK_INT8_MATMUL=0 turns it off', async () => {
    delete process.env.NOOK_INT8_MATMUL;
    const auto = await vectors();
    expect(auto.int8).toEqual(int8DotProduct() ? [model.spec!.id] : []);
    // MiniLM has no query or document prefix: one text, one vector, from either session.
    expect(bytes(auto.query)).toEqual(bytes(auto.doc));

    process.env.NOOK_INT8_MATMUL = '0';
    const off = await vectors();
    expect(off.int8).toEqual([]);
    expect(bytes(off.query)).toEqual(bytes(off.doc));

    process.env.NOOK_INT8_MATMUL = '1';
    const on = await vectors();
    expect(on.int8).toEqual([model.spec!.id]);
    const c = cosine(on.doc, off.doc);
    expect(c).toBeLessThan(0.99999);
    expect(c).toBeGreaterThan(0.998);
  }, 120_000);
});
