/**
 * Embedding lanes (several single-thread sessions in worker threads, side by side) and the
 * scheduler that feeds them: the lanes give the same vectors as one in-process session, run batches
 * at the same time, survive a lane's thread dying, and do not end a thread while it is inside a run;
 * the scheduler keeps at most one batch per lane and runs queries on their own embedder while every
 * lane is busy.
 */
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { cosine, createEmbedder, type EmbedKind } from '../../../src/main/services/inference/embedder';
import { EmbedLanes, laneLayout } from '../../../src/main/services/knowledge/embedLanes';
import { EmbedScheduler } from '../../../src/main/services/knowledge/embedScheduler';
import { createWorker } from '../../../src/main/workers/createWorker';
import { testModel } from './ingestHarness';

const model = testModel();
if (!model.spec) console.warn(`[skip] embedding lane tests with the real model: ${model.missing}`);

function barrier(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const SPLIT =
  'Vitamin D supplementation did not change bone density in the trial. The authors call for larger studies.';
const CUT = SPLIT.indexOf('. ') + 1;
const SPANS = [[0, CUT] as const, [CUT + 1, SPLIT.length] as const];

const TEXTS = [
  'The lighthouse keeper logged every storm in the harbour ledger.',
  'Protein misfolding is linked to several neurodegenerative diseases.',
  'Short text.',
  SPLIT,
  'A compass, a lantern and a map were all the travellers carried through the mountain village.',
  'Firmware updates fixed the battery sensor, but the turbine valve still leaks.',
];

describe('laneLayout', () => {
  it('splits the cores into up to four lanes, the rest as threads per lane', () => {
    expect(laneLayout(1)).toEqual({ lanes: 1, threadsPerLane: 1 });
    expect(laneLayout(2)).toEqual({ lanes: 2, threadsPerLane: 1 });
    expect(laneLayout(3)).toEqual({ lanes: 3, threadsPerLane: 1 });
    expect(laneLayout(8)).toEqual({ lanes: 4, threadsPerLane: 2 });
    expect(laneLayout(16)).toEqual({ lanes: 4, threadsPerLane: 4 });
    expect(laneLayout(0)).toEqual({ lanes: 1, threadsPerLane: 1 });
  });
});

describe('EmbedScheduler with lanes (fake embedders)', () => {
  it('runs at most one batch per lane, and queries on their own embedder while every lane is busy', async () => {
    const gates: Array<{ open(): void }> = [];
    let running = 0;
    let most = 0;
    const docs = {
      countTokens: (texts: readonly string[]) => texts.map((t) => t.length),
      embed: async (texts: readonly string[]) => {
        running++;
        most = Math.max(most, running);
        const g = barrier();
        gates.push(g);
        await g.promise;
        running--;
        return texts.map((t) => new Float32Array([t.length, 1]));
      },
    };
    const queries: string[] = [];
    const queryEmbedder = {
      embed: async (texts: readonly string[], kind: EmbedKind) => {
        expect(kind).toBe('query');
        queries.push(...texts);
        return texts.map(() => new Float32Array([0, 2]));
      },
    };
    const s = new EmbedScheduler(docs, () => ({ maxBatch: 1, maxBatchTokens: 4096 }), {
      lanes: 2,
      queryEmbedder,
    });
    const d = s.embed(['aa', 'bbb', 'cccc', 'ddddd'], 'document');
    // Two batches (one per lane) run; the other two texts wait.
    expect(running).toBe(2);
    expect(s.queued).toBe(2);
    // A query does not wait for a lane.
    const q = await s.embed(['find me'], 'query');
    expect(q[0]).toEqual(new Float32Array([0, 2]));
    expect(queries).toEqual(['find me']);
    let idle = false;
    void s.idle().then(() => (idle = true));
    // Open the gates as batches arrive until all four texts went through.
    let opened = 0;
    while (opened < 4 || running > 0) {
      for (const g of gates.splice(0)) {
        g.open();
        opened++;
      }
      await new Promise((r) => setImmediate(r));
    }
    const v = await d;
    expect(v.map((x) => x[0])).toEqual([2, 3, 4, 5]);
    expect(most).toBe(2);
    await s.idle();
    expect(idle).toBe(true);
    expect(s.embeddedTexts).toBe(5);
  });
});

describe.skipIf(!model.spec)('EmbedLanes with the real model', () => {
  const spec = model.spec!;
  let lanes: EmbedLanes | undefined;
  afterEach(async () => {
    await lanes?.dispose();
    lanes = undefined;
  });

  it('gives the vectors of one in-process session, and runs two batches at the same time', async () => {
    const local = await createEmbedder({ ...spec, threads: 1 });
    try {
      lanes = new EmbedLanes(spec, 2, 1);
      await lanes.start();
      const a = lanes.embed(TEXTS.slice(0, 3), 'document');
      const b = lanes.embed(TEXTS.slice(3), 'query');
      // Both lanes took a batch at once; a third call waits for one of them.
      expect(lanes.busyLanes).toBe(2);
      const c = lanes.embedWithSpans([{ text: SPLIT, spans: SPANS }], 'document');
      const [va, vb, vc] = await Promise.all([a, b, c]);
      const want = await local.embed(TEXTS.slice(0, 3), 'document');
      const wantQ = await local.embed(TEXTS.slice(3), 'query');
      const wantC = await local.embedWithSpans([{ text: SPLIT, spans: SPANS }], 'document');
      va.forEach((v, i) => expect(cosine(v, want[i]!)).toBeGreaterThan(0.99999));
      vb.forEach((v, i) => expect(cosine(v, wantQ[i]!)).toBeGreaterThan(0.99999));
      expect(cosine(vc[0]!.vector, wantC[0]!.vector)).toBeGreaterThan(0.99999);
      expect(vc[0]!.spans).toHaveLength(2);
      expect(wantC[0]!.spans.every((v) => v !== null)).toBe(true);
      vc[0]!.spans.forEach((sv, i) => expect(cosine(sv!, wantC[0]!.spans[i]!)).toBeGreaterThan(0.99999));
      // Different texts, different vectors (the lanes did not answer one request twice).
      expect(cosine(va[0]!, va[1]!)).toBeLessThan(0.9);
      await lanes.idle();
      expect(lanes.busyLanes).toBe(0);
    } finally {
      await local.dispose();
    }
  }, 60_000);

  it('dispose waits for the batch in flight and then ends the lanes', async () => {
    lanes = new EmbedLanes(spec, 1, 1);
    await lanes.start();
    const running = lanes.embed(TEXTS, 'document');
    const disposed = lanes.dispose();
    const v = await running;
    expect(v).toHaveLength(TEXTS.length);
    await disposed;
    await expect(lanes.embed(['after'], 'document')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    lanes = undefined;
  }, 60_000);

  it('a lane whose thread dies fails its batch with UNAVAILABLE and is started again', async () => {
    let spawned = 0;
    lanes = new EmbedLanes(spec, 1, 1, false, (setup) => {
      spawned++;
      // The first thread says it is ready and dies on its first batch.
      if (spawned === 1)
        return new Worker(
          `const { parentPort } = require('node:worker_threads');
           parentPort.postMessage({ t: 'ready' });
           parentPort.on('message', () => process.exit(3));`,
          { eval: true },
        );
      return createWorker('embedWorker', { workerData: setup });
    });
    await lanes.start();
    await expect(lanes.embed(TEXTS.slice(0, 2), 'document')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const v = await lanes.embed(TEXTS.slice(0, 2), 'document');
    expect(v).toHaveLength(2);
    expect(v[0]!.length).toBe(spec.params.dimension);
    expect(spawned).toBe(2);
  }, 60_000);
});
