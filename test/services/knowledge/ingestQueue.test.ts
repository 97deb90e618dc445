import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectionFor } from '../../../src/main/services/knowledge/knowledgeService';
import type { ModelSpec } from '../../../src/main/workers/knowledgeProtocol';
import { tempDir } from '../helpers/tmp';
import { consistencyProblems, openKnowledge, testModel, type Knowledge } from './ingestHarness';
import { until as waitUntil } from '../helpers/wait';

const model = testModel();
const other = testModel('all-minilm-l6-v2-converted');
if (!model.spec) console.warn(`[skip] ingest queue tests: ${model.missing}`);

function writeFiles(dir: string, n: number, prefix: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return Array.from({ length: n }, (_, i) => {
    const f = path.join(dir, `${prefix}${i}.txt`);
    fs.writeFileSync(
      f,
      `Note ${prefix}${i} about lighthouses, tides and harbour code H-${100 + i}.\n\n`.repeat(8),
    );
    return f;
  });
}

const until = (cond: () => boolean, ms = 60_000): Promise<void> => waitUntil(cond, ms);

describe.skipIf(!model.spec)('the persistent ingest queue', () => {
  let dir: string;
  const open: Knowledge[] = [];
  const start = (spec: ModelSpec = model.spec!, opts = {}): Knowledge => {
    const k = openKnowledge(dir, spec, opts);
    open.push(k);
    return k;
  };
  afterEach(async () => {
    for (const k of open.splice(0)) await k.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('pauses (across a restart), resumes, and puts the file in progress back in the queue', async () => {
    dir = tempDir('queue-pause');
    const files = writeFiles(path.join(dir, 'docs'), 8, 'p');
    let k = start();
    k.service.pause();
    const res = await k.service.import([path.join(dir, 'docs')]);
    expect(res.queued).toBe(8);
    await new Promise((r) => setTimeout(r, 300));
    expect(k.service.status().totals).toMatchObject({ queued: 8, done: 0, running: 0 });
    await k.close();
    open.length = 0;

    k = start();
    expect(k.service.status().paused).toBe(true);
    k.service.resume();
    await until(() => k.service.status().totals.running > 0);
    const st = k.service.pause();
    expect(st.paused).toBe(true);
    await until(() => k.service.status().totals.running === 0);
    // Paused mid-file: nothing failed or was cancelled, the interrupted file waits again.
    const t = k.service.status().totals;
    expect(t.failed + t.cancelled).toBe(0);
    expect(t.queued).toBeGreaterThan(0);
    k.service.resume();
    await k.service.whenIdle();
    expect(k.service.status().totals).toMatchObject({ done: files.length, queued: 0, failed: 0 });
    expect(await consistencyProblems(k, model.spec!.id)).toEqual([]);
  }, 180_000);

  it('cancels one batch, retries a cancelled job, and retries a failed file once it is fixed', async () => {
    dir = tempDir('queue-cancel');
    const a = writeFiles(path.join(dir, 'a'), 3, 'a');
    const b = writeFiles(path.join(dir, 'b'), 3, 'b');
    const broken = path.join(dir, 'b', 'broken.txt');
    fs.writeFileSync(broken, '');
    const k = start();
    k.service.pause();
    const ra = await k.service.import([path.join(dir, 'a')]);
    const rb = await k.service.import([path.join(dir, 'b')]);
    expect(k.service.cancel({ batchId: ra.batchId })).toEqual({ cancelled: 3 });
    k.service.resume();
    await k.service.whenIdle();
    const jobs = k.service.status().jobs;
    expect(jobs.filter((j) => j.batchId === ra.batchId).map((j) => j.state)).toEqual([
      'cancelled',
      'cancelled',
      'cancelled',
    ]);
    const bJobs = jobs.filter((j) => j.batchId === rb.batchId);
    expect(bJobs.filter((j) => j.state === 'done')).toHaveLength(b.length);
    const failed = bJobs.find((j) => j.path === broken)!;
    expect(failed).toMatchObject({ state: 'failed', errorReason: 'EMPTY' });
    expect(
      k.service
        .documents({ limit: 50 })
        .items.map((d) => d.path)
        .sort(),
    ).toEqual([...b, broken].sort());

    const cancelled = jobs.find((j) => j.path === a[0])!;
    expect(k.service.retry(cancelled.id)).toMatchObject({ state: 'queued' });
    fs.writeFileSync(broken, 'Now the file has words about storms.');
    k.service.retry(failed.id);
    expect(() => k.service.retry(failed.id)).toThrow(/only failed or cancelled/);
    await k.service.whenIdle();
    expect(k.service.status().jobs.find((j) => j.id === failed.id)).toMatchObject({
      state: 'done',
      outcome: 'indexed',
      attempts: 2,
    });
    expect(k.service.documents({ query: 'broken.txt' }).items[0]).toMatchObject({ status: 'indexed' });
    expect(k.service.status().jobs.find((j) => j.id === cancelled.id)).toMatchObject({ state: 'done' });
    expect(await consistencyProblems(k, model.spec!.id)).toEqual([]);
  }, 180_000);

  it('leaves the time spent paused out of the ETA', async () => {
    dir = tempDir('queue-eta');
    writeFiles(path.join(dir, 'docs'), 12, 'e');
    const k = start(model.spec!, { concurrency: 1 });
    await k.service.import([path.join(dir, 'docs')]);
    await until(() => k.service.status().totals.done >= 2);
    k.service.pause();
    await until(() => k.service.status().totals.running === 0);
    // An hour passes while the import is paused (the clock only: nothing else waits for it).
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    try {
      vi.setSystemTime(Date.now() + 3_600_000);
      k.service.resume();
      const t = k.service.status().totals;
      expect(t.queued + t.running).toBeGreaterThan(0);
      // Ten files left at the pace of the first two: seconds, not hours.
      expect(t.etaMs).not.toBeNull();
      expect(t.etaMs!).toBeLessThan(10 * 60_000);
      await k.service.whenIdle();
    } finally {
      vi.useRealTimers();
    }
    expect(k.service.status().totals.done).toBe(12);
  }, 120_000);

  it('re-queues a job a crash left running', async () => {
    dir = tempDir('queue-crash');
    const files = writeFiles(path.join(dir, 'docs'), 2, 'c');
    let k = start();
    k.service.pause();
    await k.service.import([path.join(dir, 'docs')]);
    k.db
      .prepare("UPDATE ingest_jobs SET state = 'running', stage = 'embedding' WHERE path = ?")
      .run(files[0]);
    await k.close();
    open.length = 0;
    k = start();
    expect(k.service.status().jobs.map((j) => j.state)).toEqual(['queued', 'queued']);
    k.service.resume();
    await k.service.whenIdle();
    expect(k.service.status().totals.done).toBe(2);
  }, 120_000);

  it.skipIf(!other.spec)(
    'changing the embedding model re-embeds in the background while the old model keeps answering',
    async () => {
      dir = tempDir('queue-model');
      writeFiles(path.join(dir, 'docs'), 6, 'm');
      let spec = model.spec!;
      const k = openKnowledge(dir, spec, {});
      open.push(k);
      // The service asks its source for the current model: switch what the source returns.
      (k.service as unknown as { o: { models: { current(): Promise<ModelSpec> } } }).o.models = {
        current: async () => spec,
      };
      await k.service.import([path.join(dir, 'docs')]);
      await k.service.whenIdle();
      const before = await k.service.search({ query: 'harbour code H-103', mode: 'hybrid' });
      expect(before.modelId).toBe(model.spec!.id);

      spec = other.spec!;
      await k.service.modelMaybeChanged();
      // Until the new collection is complete, searches still use the old model.
      const during = await k.service.search({ query: 'lighthouses and tides', mode: 'vector' });
      expect(during.hits.length).toBeGreaterThan(0);
      await k.service.whenReembedded();
      expect(k.service.searchModelId).toBe(other.spec!.id);
      const after = await k.service.search({ query: 'harbour code H-103', mode: 'hybrid' });
      expect(after.modelId).toBe(other.spec!.id);
      expect(after.hits[0]!.citation.name).toBe('m3.txt');
      const models = k.db.prepare('SELECT DISTINCT model_id FROM chunk_vectors').pluck().all();
      expect(models).toEqual([other.spec!.id]);
      expect(await k.index.describeCollection(collectionFor(model.spec!.id))).toBeUndefined();
      expect(await consistencyProblems(k, other.spec!.id)).toEqual([]);
    },
    240_000,
  );
});
