/**
 * The two races behind the Library e2e, made deterministic with hooks on the real worker (no
 * sleeps): the import panel's totals must be right from the first event (a batch is enqueued in one
 * transaction and announced after it), and Cancel must reach a file the worker already took (the
 * worker stops it mid-way, a result already on its way back is discarded, the job ends cancelled and
 * nothing of it is indexed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IngestProgress } from '../../../src/shared/types/library';
import { createEmbedder } from '../../../src/main/services/inference/embedder';
import { EmbedScheduler } from '../../../src/main/services/knowledge/embedScheduler';
import { KnowledgeWorkerClient, type IngestRequest } from '../../../src/main/services/knowledge/workerClient';
import type { IngestStage, IngestedFile } from '../../../src/main/workers/knowledgeProtocol';
import { tempDir } from '../helpers/tmp';
import { consistencyProblems, openKnowledge, testModel, type Knowledge } from './ingestHarness';

const model = testModel();
if (!model.spec) console.warn(`[skip] ingest race tests: ${model.missing}`);

/** The real worker client, with taps: every stage it reports, and a gate before a result is handed over. */
class TappedWorker extends KnowledgeWorkerClient {
  onStage?: (path: string, stage: IngestStage) => void;
  beforeResult?: (path: string) => Promise<void>;
  /** Chunk counts the worker reported per file (with its 'embedding' stage). */
  readonly chunks = new Map<string, number>();

  override async ingest(
    req: IngestRequest,
    onStage?: (stage: IngestStage, chunks?: number) => void,
    signal?: AbortSignal,
  ): Promise<IngestedFile> {
    const res = await super.ingest(
      req,
      (stage, chunks) => {
        onStage?.(stage, chunks);
        if (chunks !== undefined) this.chunks.set(req.path, chunks);
        this.onStage?.(req.path, stage);
      },
      signal,
    );
    await this.beforeResult?.(req.path);
    return res;
  }
}

/** A promise with its resolver, to hold one side of a race until the test lets it go. */
function barrier(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** A long text file: with 40-token chunks it makes about `n` chunks. */
function writeLong(file: string, n: number): void {
  const words = ['harbour', 'lantern', 'granite', 'tide', 'keeper', 'signal', 'northern', 'ledger'];
  const paras: string[] = [];
  for (let i = 0; i < n; i++)
    paras.push(
      `Entry ${i}: the ${words[i % 8]} ${words[(i * 3) % 8]} was logged at mark ${i * 7} by the ${words[(i * 5) % 8]} crew.`,
    );
  fs.writeFileSync(file, paras.join('\n\n'));
}

function writeNotes(dir: string, n: number): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return Array.from({ length: n }, (_, i) => {
    const f = path.join(dir, `note-${String(i).padStart(4, '0')}.txt`);
    fs.writeFileSync(f, `Note ${i}: item ${(i * 7919) % 10007} on shelf ${i % 97}.`);
    return f;
  });
}

async function until(cond: () => Promise<boolean> | boolean): Promise<void> {
  // Waits on a condition, not on time: each turn yields to the event loop (and the worker).
  for (;;) {
    if (await cond()) return;
    await new Promise((r) => setImmediate(r));
  }
}

describe.skipIf(!model.spec)('ingest races', () => {
  let dir: string;
  const open: Knowledge[] = [];
  afterEach(async () => {
    for (const k of open.splice(0)) await k.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  const start = (opts: Parameters<typeof openKnowledge>[2] = {}): Knowledge => {
    const k = openKnowledge(dir, model.spec!, { progressIntervalMs: 0, ...opts });
    open.push(k);
    return k;
  };
  const progress = (k: Knowledge): IngestProgress[] =>
    k.events.filter((e) => e.event === 'ingest.progress').map((e) => e.payload as IngestProgress);

  it('announces a batch only when all of it is queued: every event counts the whole batch', async () => {
    dir = tempDir('race-enqueue');
    writeNotes(path.join(dir, 'many'), 299);
    const [earlierFile] = writeNotes(path.join(dir, 'earlier'), 1);
    const k = start({ concurrency: 4 });
    // Something already finished in an earlier run: the new run's totals must not count it.
    await k.service.import([earlierFile!]);
    await k.service.whenIdle();
    const earlier = k.db.prepare('SELECT max(id) FROM ingest_jobs').pluck().get() as number;

    const res = await k.service.import([path.join(dir, 'many')]);
    expect(res).toMatchObject({ queued: 299, alreadyQueued: 0 });
    const lastJobId = k.db.prepare('SELECT max(id) FROM ingest_jobs').pluck().get() as number;
    expect(lastJobId).toBe(earlier + 299);
    await k.service.whenIdle();
    // Every event that knows of any new job knows of all of them, and counts only this run.
    const events = progress(k).filter((e) => e.totals.lastJobId > earlier);
    expect(events.length).toBeGreaterThan(2);
    expect(events.map((e) => e.totals.lastJobId).filter((n) => n !== lastJobId)).toEqual([]);
    expect(events.map((e) => e.totals.files).filter((n) => n !== 299)).toEqual([]);
    expect(events[0]!.totals.queued + events[0]!.totals.running).toBeGreaterThan(0);
    expect(events.at(-1)!.totals).toMatchObject({ files: 299, done: 299, queued: 0, running: 0 });
    // Done counts only ever grow (an event never shows an older state than the one before it).
    const done = events.map((e) => e.totals.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
  }, 240_000);

  it('a retry on an idle queue is a run of one file, not every job since that one', async () => {
    dir = tempDir('race-retry');
    const files = writeNotes(path.join(dir, 'a'), 3);
    fs.writeFileSync(files[1]!, '');
    const k = start();
    await k.service.import([path.join(dir, 'a')]);
    await k.service.whenIdle();
    const failed = k.service.status().jobs.find((j) => j.state === 'failed')!;
    expect(failed.path).toBe(files[1]);
    writeNotes(path.join(dir, 'b'), 4);
    await k.service.import([path.join(dir, 'b')]);
    await k.service.whenIdle();
    expect(k.service.status().totals.files).toBe(4);

    fs.writeFileSync(files[1]!, 'Now it has words about storms.');
    k.service.retry(failed.id);
    const t = k.service.status().totals;
    expect(t.files).toBe(1);
    expect(t.queued + t.running).toBe(1);
    await k.service.whenIdle();
    expect(k.service.status().totals).toMatchObject({ files: 1, done: 1, failed: 0 });
  }, 120_000);

  it('Cancel all reaches a file the worker is embedding: the worker stops it and nothing of it is indexed', async () => {
    dir = tempDir('race-cancel-worker');
    const long = path.join(dir, 'long.txt');
    writeLong(long, 1000);
    const worker = new TappedWorker({ threads: 1 });
    const k = start({ worker, chunkMaxTokens: 40, chunkOverlapTokens: 0, concurrency: 1 });
    const embedding = barrier();
    worker.onStage = (p, stage) => {
      if (p === long && stage === 'embedding') embedding.open();
    };
    await k.service.import([long]);
    await embedding.promise;

    // The worker took the file and is embedding it. Cancel everything.
    expect(k.service.cancel()).toEqual({ cancelled: 1 });
    await k.service.whenIdle();
    const job = k.service.status().jobs.find((j) => j.path === long)!;
    expect(job.state).toBe('cancelled');
    expect(k.service.store.documentByPath(long)).toBeUndefined();
    expect(k.db.prepare('SELECT count(*) FROM chunks').pluck().get()).toBe(0);
    expect(k.db.prepare('SELECT count(*) FROM chunk_vectors').pluck().get()).toBe(0);

    // The worker let go of it: no request in flight, nothing left queued, and it stopped part-way.
    let stats = await worker.stats();
    await until(async () => {
      stats = await worker.stats();
      return stats.requests === 0;
    });
    expect(stats.queuedTexts).toBe(0);
    const total = worker.chunks.get(long)!;
    expect(total).toBeGreaterThan(250);
    expect(stats.embeddedTexts).toBeLessThan(total);

    // The queue carries on: a retry indexes the file in full.
    k.service.retry(job.id);
    await k.service.whenIdle();
    expect(k.service.store.documentByPath(long)).toMatchObject({ status: 'indexed' });
    expect(await consistencyProblems(k, model.spec!.id)).toEqual([]);
  }, 300_000);

  it('a result already on its way back when Cancel comes is discarded, not written', async () => {
    dir = tempDir('race-cancel-result');
    const files = writeNotes(path.join(dir, 'few'), 3);
    const worker = new TappedWorker();
    const k = start({ worker, concurrency: 1 });
    const arrived = barrier();
    const release = barrier();
    worker.beforeResult = async (p) => {
      if (p !== files[0]) return;
      arrived.open();
      await release.promise;
    };
    await k.service.import([path.join(dir, 'few')]);
    // The worker has parsed, chunked and embedded note-0000 and sent it back; the service has not
    // written it yet. Cancel all now, then let the result through.
    await arrived.promise;
    expect(k.service.cancel()).toEqual({ cancelled: 3 });
    release.open();
    await k.service.whenIdle();
    expect(k.service.status().jobs.map((j) => j.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(k.service.documents({}).total).toBe(0);
    expect(k.db.prepare('SELECT count(*) FROM chunks').pluck().get()).toBe(0);
    expect(await consistencyProblems(k, model.spec!.id)).toEqual([]);
  }, 120_000);

  it('a cancel followed at once by a pause stays a cancel (the file does not go back to the queue)', async () => {
    dir = tempDir('race-cancel-pause');
    const long = path.join(dir, 'long.txt');
    writeLong(long, 300);
    const worker = new TappedWorker();
    const k = start({ worker, chunkMaxTokens: 40, chunkOverlapTokens: 0, concurrency: 1 });
    const parsing = barrier();
    worker.onStage = (p, stage) => {
      if (p === long && stage === 'parsing') parsing.open();
    };
    await k.service.import([long]);
    await parsing.promise;
    // Both in the same turn: the cancelled job has not unwound when the pause comes.
    k.service.cancel();
    k.service.pause();
    await until(() => k.service.status().totals.running === 0);
    expect(k.service.status().jobs.find((j) => j.path === long)!.state).toBe('cancelled');
    k.service.resume();
    await k.service.whenIdle();
    expect(k.service.store.documentByPath(long)).toBeUndefined();
  }, 120_000);
});

describe.skipIf(!model.spec)('the embedding scheduler', () => {
  it('refuses a request cancelled before it is queued, and drops one cancelled while it waits', async () => {
    const spec = model.spec!;
    const real = await createEmbedder({
      onnxPath: spec.onnxPath,
      tokenizerPath: spec.tokenizerPath,
      params: spec.params,
      batchSize: Number.MAX_SAFE_INTEGER,
      threads: 1,
    });
    // The real model, behind a gate: the first batch waits until the test opens it.
    const gate = barrier();
    let batches = 0;
    const gated = {
      countTokens: real.countTokens.bind(real),
      embed: async (texts: readonly string[], kind: 'query' | 'document') => {
        if (batches++ === 0) await gate.promise;
        return real.embed(texts, kind);
      },
    };
    const s = new EmbedScheduler(gated, () => ({ maxBatch: 4, maxBatchTokens: 4096 }));
    try {
      // Cancelled before it reaches the scheduler (a file cancelled while it was parsed): refused at
      // once, nothing embedded. Before the fix this promise never settled.
      const early = new AbortController();
      early.abort();
      await expect(s.embed(['a cancelled file'], 'document', early.signal)).rejects.toMatchObject({
        code: 'CANCELLED',
      });
      expect(s.embeddedTexts).toBe(0);

      // One request takes the first batch (held at the gate); a second one waits in the queue and
      // is cancelled there: it is rejected, leaves the queue, and none of its texts is embedded.
      const first = s.embed(['one', 'two', 'three', 'four'], 'document');
      const waiting = new AbortController();
      const second = s.embed(
        Array.from({ length: 8 }, (_, i) => `waiting text ${i}`),
        'document',
        waiting.signal,
      );
      expect(s.queued).toBe(8);
      waiting.abort();
      await expect(second).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(s.queued).toBe(0);
      gate.open();
      const v = await first;
      expect(v).toHaveLength(4);
      expect(v[0]!.length).toBe(spec.params.dimension);
      expect(s.embeddedTexts).toBe(4);
    } finally {
      await real.dispose();
    }
  }, 60_000);
});
