/**
 * The knowledge base: a persistent ingest queue (SQLite `ingest_jobs`), the worker that parses,
 * chunks and embeds off the main thread, crash-safe writes, hybrid search, soft delete with undo,
 * and re-embedding when the embedding model changes.
 *
 * Crash safety: a file's document row, chunks (FTS by trigger), chunk vectors, vector-sync marker
 * and its job's 'done' state are written in ONE transaction, so after a kill at any point a restart
 * finds the whole document or nothing. Jobs left 'running' are queued again on start. The derived
 * vector index is brought up to date from `vector_sync` markers (written in that same transaction)
 * on start and after every write.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError, isAppError } from '../../../shared/ipc/result';
import type { Disposable } from '../../../shared/lifecycle';
import {
  SearchInputSchema,
  type DocumentDetail,
  type DocumentSummary,
  type FileProgress,
  type ImportResult,
  type IngestJob,
  type IngestProgress,
  type IngestStatus,
  type IngestTotals,
  type KnowledgeChanged,
  type KnowledgeDiagnostics,
  type SearchFilters,
  type SearchHit,
  type SearchInput,
  type SearchResult,
} from '../../../shared/types/library';
import type { Database } from '../storage/database';
import type { VectorFilter, VectorIndex } from '../vectors/vectorIndex';
import { normalizeFolder } from '../vectors/vectorIndex';
import { extensionFormat } from './parsers/sniff';
import { keywordLeg, liveChunkIds, TermStats, type KeywordLegQuery, type ScoredChunk } from './keywordLeg';
import { KeywordThread, KeywordThreadGone } from './keywordThread';
import {
  bm25Idf,
  highlightTerms,
  markedToSpans,
  queryCoverage,
  reciprocalRankFusion,
  toFtsQuery,
  weightsThatMatter,
} from './query';
import {
  KnowledgeStore,
  toJob,
  toSummary,
  vectorToBlob,
  type ChunkRow,
  type DocumentRow,
  type JobRow,
} from './store';
import type { SentenceVectors } from './sentenceVectors';
import { WorkerError, type KnowledgeWorkerClient } from './workerClient';
import type { IngestStage, ModelSpec } from '../../workers/knowledgeProtocol';

/** Where the embedding model comes from (the model manager in the app; fixed files in tests). */
export interface EmbeddingModelSource {
  /** The model to index with now, files verified. Throws an AppError when none is usable. */
  current(): Promise<ModelSpec>;
  /** A model by id (the one still answering searches while another re-embeds); undefined if gone. */
  byId?(id: string): Promise<ModelSpec | undefined>;
}

export type KnowledgeVectors = Pick<
  VectorIndex,
  'ensureCollection' | 'upsert' | 'deleteByDocument' | 'search' | 'count' | 'dropCollection'
> &
  Partial<Pick<VectorIndex, 'kind'>>;

export interface KnowledgeEvents {
  emit(event: 'ingest.progress', payload: IngestProgress): void;
  emit(event: 'knowledge.changed', payload: KnowledgeChanged): void;
}

export interface KnowledgeLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface KnowledgeServiceOptions {
  db: Database;
  vectors: KnowledgeVectors;
  worker: KnowledgeWorkerClient;
  models: EmbeddingModelSource;
  events?: KnowledgeEvents;
  log?: KnowledgeLogger;
  /** Files processed at once (parsing overlaps embedding; their chunks share embedding batches). Default 4. */
  concurrency?: number;
  /** Chunk budget (special tokens included; default: the model's maxTokens) and overlap (default 32). */
  chunkMaxTokens?: number;
  chunkOverlapTokens?: number;
  /** Per-file size limit passed to the parsers. */
  maxBytes?: number;
  /** Minimum ms between two ingest.progress events (default 200: at most 5 a second). */
  progressIntervalMs?: number;
  /** How long a deleted document can be restored before it is purged (default 60 s). */
  purgeGraceMs?: number;
  /** Chunks embedded per step when re-embedding for a new model (default 128). */
  reembedBatch?: number;
  /**
   * Run the keyword leg of searches on a worker thread with its own read-only connection (default
   * true; a database without a file, such as `:memory:`, always answers on the service's connection).
   */
  keywordThread?: boolean;
  /** Start processing the queue at once (default true). */
  autoStart?: boolean;
  /**
   * Give chunks indexed before sentence vectors existed (migration 0110) their sentence vectors, in
   * the background once the model is loaded: one more forward pass per such chunk, once. Default
   * false (benchmarks write chunk rows by hand); the app turns it on.
   */
  backfillSentences?: boolean;
}

/** A search with what the extractive answer needs to rank sentences without running a model. */
export interface AnswerSearchResult extends SearchResult {
  /** The query's vector (normalised) and its model; null when the vector leg did not run. */
  queryVector: { modelId: string; vector: Float32Array } | null;
  /** Stored sentence vectors of the hits for the query vector's model (hits without are absent). */
  sentences: Map<number, SentenceVectors>;
}

const MAX_FILES_PER_IMPORT = 100_000;
const RRF_K = 60;
/** A query term in more than this share of the chunks is left out of a hit's coverage (IDF ~0). */
const COMMON_TERM_SHARE = 0.5;

type AbortReason = 'pause' | 'cancel' | 'dispose';

interface ActiveJob {
  controller: AbortController;
  reason?: AbortReason;
  done: Promise<void>;
}

interface Sample {
  t: number;
  chunks: number;
}

/**
 * Stops a job the worker has. A cancel wins over a pause or a quit that is still unwinding (the
 * file must end cancelled, not go back to the queue); a pause or quit never turns a cancel back.
 */
function abortJob(a: ActiveJob, reason: AbortReason): void {
  if (a.reason !== 'cancel') a.reason = reason;
  a.controller.abort();
}

/** knowledge_state key: every chunk vector of the model has its sentence vectors (see backfillSentences). */
function sentencesComplete(modelId: string): string {
  return `sentences.complete.${modelId}`;
}

/** Collection name for a model id: lower-case letters, digits and underscores. */
export function collectionFor(modelId: string): string {
  const base = modelId.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  let h = 0;
  for (const ch of modelId) h = (Math.imul(h, 31) + ch.codePointAt(0)!) >>> 0;
  const name = `kb_${base}`;
  return name.length <= 48 ? name : `${name.slice(0, 38)}_${h.toString(36)}`;
}

export class KnowledgeService implements Disposable {
  readonly store: KnowledgeStore;
  private readonly db: Database;
  private readonly active = new Map<number, ActiveJob>();
  private paused: boolean;
  private disposed = false;
  private started = false;
  /**
   * The current run of the queue (what the import panel totals): jobs from `sessionStart` on, plus
   * older jobs retried during it. A run starts when work arrives at an idle queue.
   */
  private sessionStart = 0;
  private readonly sessionExtra = new Set<number>();
  private sessionStartedAt = 0;
  private pausedAt: number | undefined;
  private samples: Sample[] = [];
  private readonly dirty = new Map<number, FileProgress>();
  private lastEmit = 0;
  private emitTimer: NodeJS.Timeout | undefined;
  private purgeTimer: NodeJS.Timeout | undefined;
  private target: Promise<ModelSpec> | undefined;
  private targetSpec: ModelSpec | undefined;
  private readonly specs = new Map<string, ModelSpec>();
  private reembedState: { from: string | null; to: string; done: number; total: number } | undefined;
  private reembedRun: Promise<void> | undefined;
  private syncing: Promise<void> = Promise.resolve();
  /** Vectors in the search collection when last counted (for diagnostics; counting is async). */
  private indexCount: { collection: string; vectors: number } | undefined;
  private counting = false;
  /** Bumped whenever chunks are written or removed (keys the per-term document-frequency cache). */
  private chunkGeneration = 0;
  /** Per query term, how many chunks contain it (the keyword leg's pruning, coverage's IDF). */
  private readonly terms: TermStats;
  private idleWaiters: Array<() => void> = [];
  /** Where the keyword leg runs off the main thread (undefined: on the service's connection). */
  private readonly keywordThread: KeywordThread | undefined;
  /** The query vector of each search result still held by someone (for `searchForAnswer`). */
  private readonly queryVectors = new WeakMap<SearchResult, { modelId: string; vector: Float32Array }>();

  constructor(private readonly o: KnowledgeServiceOptions) {
    this.db = o.db;
    this.terms = new TermStats(o.db);
    if ((o.keywordThread ?? true) && !o.db.memory && o.db.name !== '')
      this.keywordThread = new KeywordThread(o.db.name, (reason) =>
        o.log?.warn({ reason }, 'keyword search thread gave up; searching on the main connection'),
      );
    this.store = new KnowledgeStore(o.db);
    this.paused = this.store.getState('ingest.paused') === '1';
  }

  // ---- lifecycle ---------------------------------------------------------------------------------

  /** Re-queues jobs a crash left running, repairs the vector index, purges expired deletions, starts the queue. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const requeued = this.db
      .prepare("UPDATE ingest_jobs SET state = 'queued', stage = NULL WHERE state = 'running'")
      .run().changes;
    if (requeued > 0)
      this.o.log?.info({ requeued }, 'knowledge: re-queued jobs interrupted by a crash or quit');
    this.newSession();
    void this.purgeExpired();
    void this.syncPendingVectors().then(
      () => this.countIndex(),
      () => undefined,
    );
    if (this.o.autoStart !== false) {
      // Load the model (and start the worker) only when there is something to do with it.
      if (this.hasContent()) {
        void this.ensureModel().catch((e: unknown) =>
          this.o.log?.warn({ err: e }, 'knowledge: no embedding model yet'),
        );
      }
      this.pump();
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.emitTimer) clearTimeout(this.emitTimer);
    if (this.purgeTimer) clearTimeout(this.purgeTimer);
    const running = [...this.active.values()];
    for (const a of running) abortJob(a, 'dispose');
    await Promise.allSettled(running.map((a) => a.done));
    await this.reembedRun?.catch(() => undefined);
    await this.syncing.catch(() => undefined);
    await this.keywordThread?.dispose();
  }

  /** Resolves when no job is queued or running (tests, benchmarks, the CLI). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return this.syncing.then(() => undefined);
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve)).then(() => this.syncing);
  }

  /** Resolves when a background re-embed (model change) has finished. */
  async whenReembedded(): Promise<void> {
    await this.reembedRun;
  }

  // ---- the embedding model -----------------------------------------------------------------------

  /** The model new files are embedded with; loaded into the worker, its collection created. */
  ensureModel(): Promise<ModelSpec> {
    if (!this.target) {
      const p = (async () => {
        const spec = await this.o.models.current();
        await this.loadSpec(spec);
        const activeId = this.store.getState('search.model');
        if (!activeId) this.store.setState('search.model', spec.id);
        else if (activeId !== spec.id) this.startReembed(spec, activeId);
        else if (this.o.backfillSentences) this.startReembed(spec, spec.id, 'sentences');
        this.targetSpec = spec;
        return spec;
      })();
      this.target = p;
      p.catch(() => {
        if (this.target === p) this.target = undefined;
      });
    }
    return this.target;
  }

  /** Call when the chosen embedding model may have changed: re-embeds in the background if it did. */
  async modelMaybeChanged(): Promise<void> {
    // Nothing is embedded yet and nobody used a model: the next use resolves the right one anyway.
    if (this.disposed || (!this.targetSpec && !this.hasContent())) return;
    let spec: ModelSpec;
    try {
      spec = await this.o.models.current();
    } catch {
      return;
    }
    if (this.targetSpec?.id === spec.id) return;
    this.target = undefined;
    await this.ensureModel();
  }

  /** True when any chunk or job exists (a fresh install has neither and needs no model yet). */
  private hasContent(): boolean {
    return (
      this.db.prepare('SELECT 1 FROM chunks LIMIT 1').get() !== undefined ||
      this.db.prepare("SELECT 1 FROM ingest_jobs WHERE state IN ('queued', 'running') LIMIT 1").get() !==
        undefined
    );
  }

  /** The model whose collection answers searches now. */
  get searchModelId(): string | null {
    return this.store.getState('search.model') ?? null;
  }

  private async loadSpec(spec: ModelSpec): Promise<void> {
    if (!this.o.worker.hasModel(spec.id)) await this.o.worker.load(spec);
    this.specs.set(spec.id, spec);
    await this.o.vectors.ensureCollection({
      name: collectionFor(spec.id),
      dimension: spec.params.dimension,
      distance: 'cosine',
    });
  }

  private async searchSpec(): Promise<ModelSpec | undefined> {
    const id = this.searchModelId;
    if (!id) {
      try {
        return await this.ensureModel();
      } catch {
        return undefined;
      }
    }
    const known = this.specs.get(id);
    if (known) return known;
    const target = await this.ensureModel().catch(() => undefined);
    if (target?.id === id) return target;
    const spec = await this.o.models.byId?.(id);
    if (!spec) return undefined;
    await this.loadSpec(spec);
    return spec;
  }

  /**
   * Embeds the stored chunks again in the background: for a new model (`from` is the old one), or,
   * with `only: 'sentences'`, just to give chunks of the current model that lack them their sentence
   * vectors (chunks indexed before those existed); searches go on meanwhile.
   */
  private startReembed(spec: ModelSpec, from: string, only?: 'sentences'): void {
    if (this.reembedState?.to === spec.id) return;
    if (only) {
      // Known complete: skip the count (a scan of every chunk vector on each start).
      if (this.store.getState(sentencesComplete(spec.id)) === '1') return;
      const lacking = this.db
        .prepare(
          `SELECT count(*) FROM chunk_vectors v WHERE v.model_id = ?
           AND NOT EXISTS (SELECT 1 FROM chunk_sentences s WHERE s.chunk_id = v.chunk_id AND s.model_id = v.model_id)`,
        )
        .pluck()
        .get(spec.id) as number;
      if (lacking === 0) {
        this.store.setState(sentencesComplete(spec.id), '1');
        return;
      }
      this.reembedState = { from, to: spec.id, done: 0, total: lacking };
      this.o.log?.info({ model: spec.id, chunks: lacking }, 'knowledge: adding sentence vectors');
    } else {
      const total = this.db.prepare('SELECT count(*) FROM chunks').pluck().get() as number;
      this.reembedState = { from, to: spec.id, done: 0, total };
      this.o.log?.info({ from, to: spec.id, chunks: total }, 'knowledge: re-embedding for a new model');
    }
    const previous = this.reembedRun ?? Promise.resolve();
    this.reembedRun = previous
      .then(() => this.reembed(spec, from, only))
      .catch((e: unknown) => this.o.log?.warn({ err: e }, 'knowledge: re-embedding stopped'));
  }

  private async reembed(spec: ModelSpec, from: string, only?: 'sentences'): Promise<void> {
    const batch = this.o.reembedBatch ?? 128;
    const missing = this.db.prepare(
      only
        ? `SELECT c.id, c.text, c.document_id FROM chunk_vectors v JOIN chunks c ON c.id = v.chunk_id
           WHERE v.model_id = @model AND NOT EXISTS
             (SELECT 1 FROM chunk_sentences s WHERE s.chunk_id = v.chunk_id AND s.model_id = @model)
           ORDER BY v.chunk_id LIMIT @limit`
        : `SELECT c.id, c.text, c.document_id FROM chunks c
           WHERE NOT EXISTS (SELECT 1 FROM chunk_vectors v WHERE v.chunk_id = c.id AND v.model_id = @model)
           ORDER BY c.id LIMIT @limit`,
    );
    const ins = this.db.prepare(
      `INSERT OR REPLACE INTO chunk_vectors (chunk_id, model_id, vector)
       SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM chunks WHERE id = ?)`,
    );
    for (;;) {
      if (this.disposed || this.reembedState?.to !== spec.id) return;
      const rows = missing.all({ model: spec.id, limit: batch }) as Array<{
        id: number;
        text: string;
        document_id: number;
      }>;
      if (rows.length === 0) break;
      // The chunks' vectors and their sentences' vectors from one run, written together.
      const { vectors, sentences } = await this.o.worker.embedDocuments(
        spec.id,
        rows.map((r) => r.text),
      );
      if (this.disposed) return;
      const docs = new Set<number>();
      this.db.transaction(() => {
        rows.forEach((r, i) => {
          this.store.writeSentences(r.id, spec.id, sentences[i] ?? null);
          if (only) return; // the chunk's vector is already there
          ins.run(r.id, spec.id, vectorToBlob(vectors[i]!), r.id);
          docs.add(r.document_id);
          this.store.markVectorSync(r.document_id);
        });
      })();
      if (docs.size > 0) await this.syncDocuments([...docs]);
      this.reembedState.done += rows.length;
      this.scheduleEmit();
    }
    // Every chunk has sentence vectors of this model now, and new chunks get them as they are written.
    this.store.setState(sentencesComplete(spec.id), '1');
    if (only) {
      this.reembedState = undefined;
      this.o.log?.info({ model: spec.id }, 'knowledge: sentence vectors added');
      this.scheduleEmit();
      return;
    }
    // Complete: searches move to the new collection, the old vectors go.
    this.store.setState('search.model', spec.id);
    this.reembedState = undefined;
    this.o.events?.emit('knowledge.changed', { kind: 'model', documentIds: [] });
    if (from !== spec.id) {
      await this.o.vectors
        .dropCollection(collectionFor(from))
        .catch((e: unknown) => this.o.log?.warn({ err: e }, 'knowledge: could not drop the old collection'));
      this.db.prepare('DELETE FROM chunk_vectors WHERE model_id = ?').run(from);
      this.db.prepare('DELETE FROM chunk_sentences WHERE model_id = ?').run(from);
      this.store.setState(sentencesComplete(from), undefined);
      this.specs.delete(from);
      await this.o.worker.unload(from).catch(() => undefined);
    }
    this.o.log?.info({ model: spec.id }, 'knowledge: re-embedding complete; searches use the new model');
    this.scheduleEmit();
  }

  // ---- import and the queue ----------------------------------------------------------------------

  async import(paths: readonly string[], tags: readonly string[] = []): Promise<ImportResult> {
    this.assertOpen();
    const batchId = randomUUID();
    const files = new Map<string, number>();
    const missing: string[] = [];
    let ignored = 0;
    const walk = async (dir: string, depth: number): Promise<void> => {
      if (depth > 64 || files.size >= MAX_FILES_PER_IMPORT) return;
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(dir, { withFileTypes: true });
      } catch {
        missing.push(dir);
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        if (e.name.startsWith('.')) continue;
        const full = path.join(dir, e.name);
        if (e.isDirectory()) await walk(full, depth + 1);
        else if (e.isFile() || e.isSymbolicLink()) {
          if (!extensionFormat(full)) {
            ignored++;
            continue;
          }
          const st = await fs.promises.stat(full).catch(() => undefined);
          if (st?.isFile() && files.size < MAX_FILES_PER_IMPORT) files.set(full, st.size);
        }
      }
    };
    for (const raw of paths) {
      if (!path.isAbsolute(raw)) throw new AppError('INVALID_INPUT', `Paths must be absolute: ${raw}`);
      const p = path.resolve(raw);
      const st = await fs.promises.stat(p).catch(() => undefined);
      if (!st) missing.push(raw);
      else if (st.isDirectory()) await walk(p, 0);
      else if (st.isFile()) files.set(p, st.size);
      else missing.push(raw);
    }
    const now = Date.now();
    const ins = this.db.prepare(
      `INSERT OR IGNORE INTO ingest_jobs (path, batch_id, state, bytes, tags, enqueued_at)
       VALUES (?, ?, 'queued', ?, ?, ?)`,
    );
    let queued = 0;
    const tagJson = JSON.stringify([...new Set(tags)]);
    const wasIdle = this.isIdle();
    this.db.transaction(() => {
      for (const [p, size] of files) queued += ins.run(p, batchId, size, tagJson, now).changes;
    })();
    if (wasIdle && queued > 0) this.newSession();
    this.pump();
    this.scheduleEmit();
    return { batchId, queued, alreadyQueued: files.size - queued, ignored, missing };
  }

  pause(): IngestStatus {
    if (!this.paused) this.pausedAt = Date.now();
    this.paused = true;
    this.store.setState('ingest.paused', '1');
    for (const a of this.active.values()) abortJob(a, 'pause');
    this.scheduleEmit();
    return this.status();
  }

  resume(): IngestStatus {
    // The time spent paused is not time spent importing: the ETA (bytes left at the rate so far)
    // must not grow with it.
    if (this.paused) this.sessionStartedAt += Date.now() - (this.pausedAt ?? Date.now());
    this.pausedAt = undefined;
    this.paused = false;
    this.store.setState('ingest.paused', undefined);
    this.pump();
    this.scheduleEmit();
    return this.status();
  }

  /** Cancels one job, one batch, or (neither given) everything queued or running. */
  cancel(target: { batchId?: string; jobId?: number } = {}): { cancelled: number } {
    const where =
      target.jobId !== undefined ? 'id = ?' : target.batchId !== undefined ? 'batch_id = ?' : '1 = 1';
    const args =
      target.jobId !== undefined ? [target.jobId] : target.batchId !== undefined ? [target.batchId] : [];
    const now = Date.now();
    const queued = this.db
      .prepare(`SELECT * FROM ingest_jobs WHERE state IN ('queued', 'paused') AND ${where}`)
      .all(...args) as JobRow[];
    this.db
      .prepare(
        `UPDATE ingest_jobs SET state = 'cancelled', stage = NULL, finished_at = ?
         WHERE state IN ('queued', 'paused') AND ${where}`,
      )
      .run(now, ...args);
    for (const j of queued) this.markDirty({ ...j, state: 'cancelled', stage: null });
    const running = this.db
      .prepare(`SELECT id FROM ingest_jobs WHERE state = 'running' AND ${where}`)
      .pluck()
      .all(...args) as number[];
    for (const id of running) {
      const a = this.active.get(id);
      if (a) abortJob(a, 'cancel');
    }
    this.scheduleEmit();
    this.checkIdle();
    return { cancelled: queued.length + running.length };
  }

  /** Queues a failed or cancelled job again. */
  retry(jobId: number): IngestJob {
    const j = this.store.job(jobId);
    if (!j) throw new AppError('NOT_FOUND', `No ingest job ${jobId}.`);
    if (j.state !== 'failed' && j.state !== 'cancelled')
      throw new AppError(
        'CONFLICT',
        `Job ${jobId} is ${j.state}; only failed or cancelled jobs can be retried.`,
      );
    const wasIdle = this.isIdle();
    try {
      this.db
        .prepare(
          `UPDATE ingest_jobs SET state = 'queued', stage = NULL, error = NULL, error_reason = NULL,
             finished_at = NULL, enqueued_at = ? WHERE id = ?`,
        )
        .run(Date.now(), jobId);
    } catch (e) {
      if (String(e).includes('UNIQUE')) throw new AppError('CONFLICT', 'This file is already queued.');
      throw e;
    }
    if (wasIdle) {
      // A retry on an idle queue is a run of its own: one file, not every job since this one.
      this.newSession();
      this.sessionStart = this.lastJobId() + 1;
      this.sessionExtra.add(jobId);
    } else if (jobId < this.sessionStart) this.sessionExtra.add(jobId);
    const row = this.store.job(jobId)!;
    this.markDirty(row);
    this.pump();
    return toJob(row);
  }

  status(): IngestStatus {
    const jobs = this.db
      .prepare(
        `SELECT * FROM ingest_jobs j WHERE id >= ? OR id IN (SELECT value FROM json_each(?))
           OR (state = 'failed' AND NOT EXISTS (SELECT 1 FROM ingest_jobs k WHERE k.path = j.path AND k.id > j.id))
         ORDER BY id LIMIT 5000`,
      )
      .all(this.sessionStart, JSON.stringify([...this.sessionExtra])) as JobRow[];
    return {
      paused: this.paused,
      active: this.active.size > 0,
      totals: this.totals(),
      jobs: jobs.map(toJob),
      modelId: this.searchModelId,
      reembed: this.reembedStatus(),
    };
  }

  private reembedStatus(): IngestStatus['reembed'] {
    const r = this.reembedState;
    return r ? { fromModel: r.from, toModel: r.to, done: r.done, total: r.total } : null;
  }

  private totals(): IngestTotals {
    const rows = this.db
      .prepare(
        `SELECT state, outcome, count(*) AS n, sum(bytes) AS bytes, sum(chunks) AS chunks
         FROM ingest_jobs WHERE id >= ? OR id IN (SELECT value FROM json_each(?)) GROUP BY state, outcome`,
      )
      .all(this.sessionStart, JSON.stringify([...this.sessionExtra])) as Array<{
      state: string;
      outcome: string | null;
      n: number;
      bytes: number;
      chunks: number;
    }>;
    const t: IngestTotals = {
      files: 0,
      queued: 0,
      running: 0,
      done: 0,
      skipped: 0,
      failed: 0,
      cancelled: 0,
      bytesTotal: 0,
      bytesDone: 0,
      chunks: 0,
      chunksPerSecond: 0,
      etaMs: null,
      lastJobId: this.lastJobId(),
    };
    for (const r of rows) {
      t.files += r.n;
      t.bytesTotal += r.bytes;
      t.chunks += r.chunks;
      if (r.state === 'queued' || r.state === 'paused') t.queued += r.n;
      else if (r.state === 'running') t.running += r.n;
      else {
        t.bytesDone += r.bytes;
        if (r.state === 'done' && r.outcome === 'skipped') t.skipped += r.n;
        else if (r.state === 'done') t.done += r.n;
        else if (r.state === 'failed') t.failed += r.n;
        else if (r.state === 'cancelled') t.cancelled += r.n;
      }
    }
    const now = Date.now();
    this.samples = this.samples.filter((s) => now - s.t <= 10_000);
    if (this.samples.length > 0) {
      const span = Math.max(1000, now - Math.max(this.samples[0]!.t - 1000, this.sessionStartedAt));
      t.chunksPerSecond = (this.samples.reduce((n, s) => n + s.chunks, 0) * 1000) / span;
    }
    const elapsed =
      (this.paused && this.pausedAt !== undefined ? this.pausedAt : now) - this.sessionStartedAt;
    if (t.bytesDone > 0 && elapsed > 0 && t.queued + t.running > 0) {
      t.etaMs = Math.round(((t.bytesTotal - t.bytesDone) * elapsed) / t.bytesDone);
    } else if (t.queued + t.running === 0) t.etaMs = 0;
    return t;
  }

  private newSession(): void {
    const first = this.db
      .prepare("SELECT min(id) FROM ingest_jobs WHERE state IN ('queued', 'running', 'paused')")
      .pluck()
      .get() as number | null;
    const max = (this.db.prepare('SELECT max(id) FROM ingest_jobs').pluck().get() as number | null) ?? 0;
    this.sessionStart = first ?? max + 1;
    this.sessionExtra.clear();
    this.sessionStartedAt = Date.now();
    this.pausedAt = this.paused ? this.sessionStartedAt : undefined;
    this.samples = [];
  }

  private lastJobId(): number {
    return (this.db.prepare('SELECT max(id) FROM ingest_jobs').pluck().get() as number | null) ?? 0;
  }

  private isIdle(): boolean {
    if (this.active.size > 0) return false;
    return (
      this.db.prepare("SELECT 1 FROM ingest_jobs WHERE state IN ('queued', 'running') LIMIT 1").get() ===
      undefined
    );
  }

  private checkIdle(): void {
    if (!this.isIdle() && !(this.paused && this.active.size === 0)) return;
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private pump(): void {
    if (this.disposed || !this.started || this.paused || this.o.autoStart === false) {
      this.checkIdle();
      return;
    }
    const concurrency = Math.max(1, this.o.concurrency ?? 4);
    const claim = this.db.prepare(
      "UPDATE ingest_jobs SET state = 'running', stage = 'queued', attempts = attempts + 1, started_at = ? WHERE id = ?",
    );
    while (this.active.size < concurrency) {
      const activeIds = JSON.stringify([...this.active.keys()]);
      const job = this.db
        .prepare(
          `SELECT * FROM ingest_jobs WHERE state = 'queued' AND id NOT IN (SELECT value FROM json_each(?))
           ORDER BY id LIMIT 1`,
        )
        .get(activeIds) as JobRow | undefined;
      if (!job) break;
      claim.run(Date.now(), job.id);
      const controller = new AbortController();
      const entry: ActiveJob = { controller, done: Promise.resolve() };
      this.active.set(job.id, entry);
      const row = { ...job, state: 'running' as const, stage: 'queued', attempts: job.attempts + 1 };
      this.markDirty(row);
      entry.done = this.runJob(row, entry)
        .catch((e: unknown) => this.o.log?.warn({ err: e, path: job.path }, 'knowledge: job crashed'))
        .finally(() => {
          this.active.delete(job.id);
          this.pump();
        });
    }
    if (this.active.size === 0) {
      this.flushEmit();
      this.checkIdle();
    }
  }

  private async runJob(job: JobRow, entry: ActiveJob): Promise<void> {
    const signal = entry.controller.signal;
    let spec: ModelSpec;
    try {
      spec = await this.ensureModel();
    } catch (e) {
      this.finishFailed(job, e);
      return;
    }
    const existing = this.store.documentByPath(job.path);
    const knownHash =
      existing && existing.status === 'indexed' && existing.deleted_at === null && existing.content_hash
        ? existing.content_hash
        : undefined;
    const onStage = (stage: IngestStage, chunks?: number): void => {
      if (signal.aborted) return;
      job.stage = stage;
      if (chunks !== undefined) job.chunks = chunks;
      this.db.prepare('UPDATE ingest_jobs SET stage = ? WHERE id = ?').run(stage, job.id);
      this.markDirty(job);
    };
    try {
      const res = await this.o.worker.ingest(
        {
          modelId: spec.id,
          path: job.path,
          knownHash,
          maxBytes: this.o.maxBytes,
          chunking: {
            maxTokens: this.o.chunkMaxTokens ?? spec.params.maxTokens,
            overlapTokens: this.o.chunkOverlapTokens ?? 32,
          },
        },
        onStage,
        signal,
      );
      if (signal.aborted) throw new AppError('CANCELLED', 'Cancelled.');
      const now = Date.now();
      const finish = this.db.prepare(
        `UPDATE ingest_jobs SET state = 'done', stage = 'done', outcome = ?, chunks = ?, document_id = ?,
           bytes = ?, error = NULL, error_reason = NULL, finished_at = ? WHERE id = ?`,
      );
      let documentId: number;
      if (res.skipped) {
        documentId = existing!.id;
        finish.run('skipped', existing!.chunk_count, documentId, res.size, now, job.id);
        job.outcome = 'skipped';
        job.chunks = existing!.chunk_count;
      } else {
        const tags = JSON.parse(job.tags) as string[];
        documentId = this.db
          .transaction(() => {
            const id = this.store.writeDocument(
              { path: job.path, size: res.size, mtimeMs: res.mtimeMs, hash: res.hash },
              {
                title: res.title ?? path.basename(job.path),
                mime: res.mime ?? 'text/plain',
                format: res.format ?? 'text',
                meta: res.meta ?? {},
                warnings: res.warnings ?? [],
                chunks: res.chunks ?? [],
                vectors: res.vectors ?? new Float32Array(),
                dimension: res.dimension ?? spec.params.dimension,
                ...(res.sentences ? { sentences: res.sentences } : {}),
              },
              spec.id,
              tags,
              now,
            );
            finish.run('indexed', res.chunks?.length ?? 0, id, res.size, now, job.id);
            return id;
          })
          .immediate();
        this.chunkGeneration++;
        job.outcome = 'indexed';
        job.chunks = res.chunks?.length ?? 0;
        this.samples.push({ t: now, chunks: job.chunks });
      }
      job.state = 'done';
      job.stage = 'done';
      job.document_id = documentId;
      this.markDirty(job);
      if (!res.skipped) {
        await this.syncDocuments([documentId]);
        this.o.events?.emit('knowledge.changed', { kind: 'indexed', documentIds: [documentId] });
      }
    } catch (e) {
      if (signal.aborted) {
        const reason = entry.reason ?? 'cancel';
        const state = reason === 'cancel' ? 'cancelled' : 'queued';
        this.db
          .prepare(
            `UPDATE ingest_jobs SET state = ?, stage = NULL, finished_at = ?,
               attempts = CASE WHEN ? = 'queued' THEN max(0, attempts - 1) ELSE attempts END WHERE id = ?`,
          )
          .run(state, state === 'cancelled' ? Date.now() : null, state, job.id);
        this.markDirty({ ...job, state, stage: null });
        return;
      }
      this.finishFailed(job, e);
    }
  }

  private finishFailed(job: JobRow, e: unknown): void {
    const message = isAppError(e) ? e.message : `Unexpected error: ${(e as Error)?.message ?? String(e)}`;
    const reason = e instanceof WorkerError && e.failure.reason ? e.failure.reason : 'OTHER';
    if (!isAppError(e)) this.o.log?.warn({ err: e, path: job.path }, 'knowledge: file failed unexpectedly');
    const now = Date.now();
    this.db.transaction(() => {
      const docId = this.store.writeFailure(job.path, job.bytes, message, reason, now);
      this.db
        .prepare(
          `UPDATE ingest_jobs SET state = 'failed', stage = NULL, error = ?, error_reason = ?, document_id = ?,
             finished_at = ? WHERE id = ?`,
        )
        .run(message, reason, docId, now, job.id);
    })();
    this.markDirty({ ...job, state: 'failed', stage: null, error: message });
  }

  // ---- vector index sync -------------------------------------------------------------------------

  /** Brings the derived vector index up to date for every document marked in `vector_sync`. */
  syncPendingVectors(): Promise<void> {
    return this.syncDocuments(this.store.pendingVectorSync());
  }

  private syncDocuments(ids: readonly number[]): Promise<void> {
    const run = this.syncing.then(async () => {
      const models = new Set<string>();
      const active = this.searchModelId;
      if (active) models.add(active);
      if (this.targetSpec) models.add(this.targetSpec.id);
      if (this.reembedState) models.add(this.reembedState.to);
      for (const id of ids) {
        try {
          for (const m of models) {
            const coll = collectionFor(m);
            const items = this.store.vectorItems(id, m);
            if (items.length > 0) {
              await this.o.vectors.ensureCollection({
                name: coll,
                dimension: items[0]!.vector.length,
                distance: 'cosine',
              });
            }
            await this.o.vectors.deleteByDocument(coll, id).catch((e: unknown) => {
              if (!(isAppError(e) && e.code === 'NOT_FOUND')) throw e;
            });
            if (items.length > 0) await this.o.vectors.upsert(coll, items);
          }
          this.store.clearVectorSync(id);
        } catch (e) {
          this.o.log?.warn(
            { err: e, documentId: id },
            'knowledge: vector index update failed; retried on next start',
          );
        }
      }
    });
    this.syncing = run.catch(() => undefined);
    return run;
  }

  // ---- diagnostics -------------------------------------------------------------------------------

  /**
   * Counts for `system.diagnostics`, read from SQLite now. The index's own vector count is the last
   * one taken (counting asks the index, which may be a Qdrant sidecar); each call starts a new count
   * for the next.
   */
  diagnostics(): KnowledgeDiagnostics {
    const one = (sql: string, ...args: unknown[]): number =>
      (this.db
        .prepare(sql)
        .pluck()
        .get(...args) as number | null) ?? 0;
    const counts = this.store.counts();
    const model = this.searchModelId;
    const collection = model ? collectionFor(model) : null;
    void this.countIndex(collection);
    return {
      documents: counts.documents,
      failedDocuments: one("SELECT count(*) FROM documents WHERE status = 'error' AND deleted_at IS NULL"),
      deletedDocuments: counts.deleted,
      chunks: counts.chunks,
      tokens: one('SELECT sum(token_count) FROM documents WHERE deleted_at IS NULL'),
      searchModel: model,
      storedVectors: model ? this.store.vectorCount(model) : 0,
      index: {
        kind: this.o.vectors.kind ?? 'embedded',
        collection,
        vectors:
          this.indexCount && this.indexCount.collection === collection ? this.indexCount.vectors : null,
        pendingSync: one('SELECT count(*) FROM vector_sync'),
      },
      queue: {
        paused: this.paused,
        queued: one("SELECT count(*) FROM ingest_jobs WHERE state IN ('queued', 'paused')"),
        running: one("SELECT count(*) FROM ingest_jobs WHERE state = 'running'"),
        failed: this.db
          .prepare(
            `SELECT count(*) FROM ingest_jobs j WHERE state = 'failed'
             AND NOT EXISTS (SELECT 1 FROM ingest_jobs k WHERE k.path = j.path AND k.id > j.id)`,
          )
          .pluck()
          .get() as number,
        reembed: this.reembedStatus(),
      },
    };
  }

  /** Counts the vectors in the search collection (for the next diagnostics). */
  async countIndex(
    collection = this.searchModelId ? collectionFor(this.searchModelId) : null,
  ): Promise<void> {
    if (!collection || this.counting || this.disposed) return;
    this.counting = true;
    try {
      this.indexCount = { collection, vectors: await this.o.vectors.count(collection) };
    } catch {
      // no collection yet, or the index is down: keep the last count
    } finally {
      this.counting = false;
    }
  }

  // ---- library -----------------------------------------------------------------------------------

  documents(q: {
    offset?: number;
    limit?: number;
    sort?: 'name' | 'updated' | 'size' | 'status' | 'chunks' | 'type';
    order?: 'asc' | 'desc';
    query?: string;
  }): { total: number; items: DocumentSummary[] } {
    const column = {
      name: 'name COLLATE NOCASE',
      updated: 'updated_at',
      size: 'size',
      status: 'status',
      chunks: 'chunk_count',
      type: 'format',
    }[q.sort ?? 'updated'];
    const order =
      (q.order ?? (q.sort === 'name' || q.sort === 'type' ? 'asc' : 'desc')) === 'asc' ? 'ASC' : 'DESC';
    const where = ['deleted_at IS NULL'];
    const args: unknown[] = [];
    if (q.query?.trim()) {
      where.push(
        "(instr(lower(name), ?) > 0 OR instr(lower(coalesce(title, '')), ?) > 0 OR instr(lower(path), ?) > 0)",
      );
      const s = q.query.trim().toLowerCase();
      args.push(s, s, s);
    }
    const w = where.join(' AND ');
    const total = this.db
      .prepare(`SELECT count(*) FROM documents WHERE ${w}`)
      .pluck()
      .get(...args) as number;
    const rows = this.db
      .prepare(`SELECT * FROM documents WHERE ${w} ORDER BY ${column} ${order}, id ${order} LIMIT ? OFFSET ?`)
      .all(...args, q.limit ?? 50, q.offset ?? 0) as DocumentRow[];
    return { total, items: rows.map(toSummary) };
  }

  document(id: number): DocumentDetail {
    const d = this.store.detail(id);
    if (!d) throw new AppError('NOT_FOUND', `No document ${id}.`);
    return d;
  }

  /** Soft delete: hidden from search and the Library at once, restorable until the grace period ends. */
  delete(ids: readonly number[]): { deleted: number; purgeAt: number } {
    const now = Date.now();
    const grace = this.o.purgeGraceMs ?? 60_000;
    let deleted = 0;
    const paths: string[] = [];
    this.db.transaction(() => {
      const upd = this.db.prepare('UPDATE documents SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL');
      for (const id of ids) {
        if (upd.run(now, id).changes > 0) {
          deleted++;
          paths.push(this.store.document(id)!.path);
        }
      }
    })();
    // A file still waiting in the queue would bring the document back: cancel it.
    for (const p of paths) {
      const j = this.db
        .prepare("SELECT id FROM ingest_jobs WHERE path = ? AND state IN ('queued', 'running')")
        .pluck()
        .get(p) as number | undefined;
      if (j !== undefined) this.cancel({ jobId: j });
    }
    if (deleted > 0) {
      this.o.events?.emit('knowledge.changed', { kind: 'deleted', documentIds: [...ids] });
      this.schedulePurge(grace + 50);
    }
    return { deleted, purgeAt: now + grace };
  }

  restore(ids: readonly number[]): { restored: number } {
    let restored = 0;
    this.db.transaction(() => {
      const upd = this.db.prepare(
        'UPDATE documents SET deleted_at = NULL WHERE id = ? AND deleted_at IS NOT NULL',
      );
      for (const id of ids) restored += upd.run(id).changes;
    })();
    if (restored > 0) this.o.events?.emit('knowledge.changed', { kind: 'restored', documentIds: [...ids] });
    return { restored };
  }

  /** Removes documents deleted longer ago than the grace period (chunks, vectors and FTS go with them). */
  async purgeExpired(now = Date.now()): Promise<number> {
    const grace = this.o.purgeGraceMs ?? 60_000;
    const ids = this.db
      .prepare('SELECT id FROM documents WHERE deleted_at IS NOT NULL AND deleted_at <= ?')
      .pluck()
      .all(now - grace) as number[];
    if (ids.length > 0) {
      this.db.transaction(() => {
        const del = this.db.prepare('DELETE FROM documents WHERE id = ?');
        for (const id of ids) {
          del.run(id);
          this.store.markVectorSync(id);
        }
      })();
      this.chunkGeneration++;
      await this.syncDocuments(ids);
      this.o.events?.emit('knowledge.changed', { kind: 'purged', documentIds: ids });
    }
    const next = this.db
      .prepare('SELECT min(deleted_at) FROM documents WHERE deleted_at IS NOT NULL')
      .pluck()
      .get() as number | null;
    if (next !== null) this.schedulePurge(Math.max(50, next + grace - Date.now() + 50));
    return ids.length;
  }

  private schedulePurge(ms: number): void {
    if (this.disposed) return;
    if (this.purgeTimer) clearTimeout(this.purgeTimer);
    this.purgeTimer = setTimeout(() => {
      this.purgeTimer = undefined;
      void this.purgeExpired();
    }, ms);
    this.purgeTimer.unref();
  }

  /** Indexes documents again (all when no ids are given), even if their files did not change. */
  async reindex(ids?: readonly number[]): Promise<ImportResult> {
    const rows = (
      ids
        ? ids.map((id) => this.store.document(id)).filter((d): d is DocumentRow => d !== undefined)
        : (this.db.prepare('SELECT * FROM documents').all() as DocumentRow[])
    ).filter((d) => d.deleted_at === null);
    if (ids && rows.length === 0) throw new AppError('NOT_FOUND', 'None of these documents exists.');
    // Forget the content hash so the unchanged-file shortcut does not apply.
    this.db.transaction(() => {
      const upd = this.db.prepare('UPDATE documents SET content_hash = NULL WHERE id = ?');
      for (const d of rows) upd.run(d.id);
    })();
    return this.import(rows.map((d) => d.path));
  }

  // ---- search ------------------------------------------------------------------------------------

  /**
   * Starts the keyword thread now rather than on the first search, and resolves once it takes
   * queries (at once where there is none, or it was given up). Searches never wait for it: until it
   * is up they run the keyword leg on the service's connection.
   */
  async warmSearch(timeoutMs = 30_000): Promise<void> {
    const thread = this.keywordThread;
    if (!thread) return;
    const end = Date.now() + timeoutMs;
    while (thread.usable && !thread.ready && Date.now() < end) {
      thread.warm();
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * The hybrid search for a grounded answer: the hits, plus the query vector the vector leg computed
   * and the hits' stored sentence vectors of that same model, so the extractive answer ranks
   * sentences by meaning without running the model again. It goes through `search` (so whatever
   * observes searches sees this one too); the query vector is kept beside that search's result.
   */
  async searchForAnswer(input: SearchInput): Promise<AnswerSearchResult> {
    const result = await this.search(input);
    const queryVector = this.queryVectors.get(result) ?? null;
    const sentences =
      queryVector && result.hits.length > 0
        ? this.store.sentenceVectors(
            result.hits.map((h) => h.chunkId),
            queryVector.modelId,
          )
        : new Map<number, SentenceVectors>();
    return { ...result, queryVector, sentences };
  }

  async search(input: SearchInput): Promise<SearchResult> {
    const t0 = performance.now();
    const q = SearchInputSchema.parse(input);
    const parsed = toFtsQuery(q.query);
    const legK = Math.min(1000, Math.max(60, q.k * 4));
    const notes: string[] = [];
    const filters = q.filters;

    // Start the query embedding first: it runs in the worker while the keyword leg runs here.
    let embedMs = 0;
    let vectorMs = 0;
    let spec: ModelSpec | undefined;
    let vectorHits: Promise<Array<{ id: number; score: number }>> = Promise.resolve([]);
    let queryVector: AnswerSearchResult['queryVector'] = null;
    const empty = this.db.prepare('SELECT 1 FROM chunks LIMIT 1').get() === undefined;
    if (q.mode !== 'keyword' && !empty) {
      spec = await this.searchSpec();
      if (!spec) notes.push('No embedding model is available: only the keyword leg ran.');
      else {
        const first = spec;
        vectorHits = (async () => {
          for (let s = first; ;) {
            try {
              const te = performance.now();
              const [vec] = await this.o.worker.embed(s.id, [q.query], 'query');
              embedMs = performance.now() - te;
              queryVector = { modelId: s.id, vector: vec! };
              const tv = performance.now();
              const hits = await this.o.vectors.search(collectionFor(s.id), vec!, {
                k: legK,
                filter: toVectorFilter(filters),
              });
              vectorMs = performance.now() - tv;
              spec = s;
              return hits;
            } catch (e) {
              // A re-embed finished while this query was in flight: the old model's collection is
              // gone (or the old model unloaded). Ask the new one.
              const now = this.searchModelId;
              if (now === s.id || !now) throw e;
              const next = await this.searchSpec();
              if (!next || next.id === s.id) throw e;
              s = next;
            }
          }
        })();
      }
    }
    // The keyword leg: on the keyword thread when it runs, beside the embedding and the KNN.
    const tk = performance.now();
    let keywordMs = 0;
    let keywordHits: Promise<ScoredChunk[]> = Promise.resolve([]);
    if (q.mode !== 'vector') {
      if (parsed.fts)
        keywordHits = this.keywordHits({
          fts: parsed.fts,
          parts: parsed.parts,
          filters,
          k: legK,
          generation: this.chunkGeneration,
        }).then((hits) => {
          keywordMs = performance.now() - tk;
          return hits;
        });
      else notes.push('The query has no searchable words for the keyword leg.');
    }
    // Both at once, so that a failure of either is handled whichever settles first.
    const [keyword, vectorAll] = await Promise.all([keywordHits, vectorHits]);
    let vector = vectorAll;

    // Drop vector hits whose chunk is gone or whose document is deleted (a derived index may lag).
    if (vector.length > 0) {
      const live = liveChunkIds(
        this.db,
        vector.map((h) => h.id),
      );
      vector = vector.filter((h) => live.has(h.id));
    }

    const kwRank = new Map(keyword.map((h, i) => [h.id, i + 1]));
    const vecRank = new Map(vector.map((h, i) => [h.id, i + 1]));
    const bm25 = new Map(keyword.map((h) => [h.id, h.score]));
    const cos = new Map(vector.map((h) => [h.id, h.score]));
    let ranked: Array<{ id: number; score: number }>;
    if (q.mode === 'keyword') ranked = keyword.map((h) => ({ id: h.id, score: -h.score }));
    else if (q.mode === 'vector') ranked = vector;
    else {
      // RRF, with each keyword hit weighted by how much of the query it matched (queryCoverage):
      // worked out for the hits whose weight can change the top k (the rest keep weight 1).
      const kwIds = keyword.map((h) => h.id);
      const matter = weightsThatMatter(kwIds, [vector.map((h) => h.id)], q.k, RRF_K);
      const coverage = this.keywordCoverage(
        parsed.parts,
        kwIds.filter((id) => matter.has(id)),
      );
      const fused = reciprocalRankFusion(
        [{ ids: kwIds, weight: (id) => coverage.get(id) ?? 1 }, vector.map((h) => h.id)],
        RRF_K,
      );
      ranked = [...fused.entries()]
        .map(([id, score]) => ({ id, score }))
        .sort((a, b) => b.score - a.score || a.id - b.id);
    }
    const top = ranked.slice(0, q.k);
    const hits = this.hydrate(top, parsed, kwRank, vecRank, bm25, cos);
    const result: SearchResult = {
      query: q.query,
      mode: q.mode,
      hits,
      ftsQuery: parsed.fts,
      modelId: spec?.id ?? null,
      timings: { keywordMs, embedMs, vectorMs, totalMs: performance.now() - t0 },
      notes,
    };
    const qv = queryVector as AnswerSearchResult['queryVector'];
    if (qv) this.queryVectors.set(result, qv);
    return result;
  }

  /**
   * For each of these keyword hits, the share of the query's IDF mass it matched (see
   * `queryCoverage`). Per query term: its document frequency (`TermStats`: usually counted already
   * by the keyword leg, on whichever connection ran it) and which of the hits contain it, looked up
   * for just those hits.
   */
  private keywordCoverage(parts: readonly string[], ids: readonly number[]): Map<number, number> {
    if (parts.length <= 1 || ids.length === 0) return new Map();
    this.terms.sync(this.chunkGeneration);
    const chunks = this.terms.chunks();
    const idf: number[] = [];
    const hitTerms = new Map<number, number[]>(ids.map((id) => [id, []]));
    parts.forEach((part, t) => {
      const df = this.terms.count(part);
      // A term in half the chunks or more has no weight in BM25 (its IDF is floored to ~0): it counts
      // neither for nor against a hit, and costs no lookup (a corpus of few distinct words has many).
      if (df > chunks * COMMON_TERM_SHARE) {
        idf.push(0);
        return;
      }
      idf.push(bm25Idf(chunks, df));
      for (const id of this.terms.containing(part, ids)) hitTerms.get(id)?.push(t);
    });
    return queryCoverage(hitTerms, idf);
  }

  /**
   * The keyword leg on the keyword thread when it is up (started on first use), else here on the
   * service's own connection: while the thread boots, if it died mid-query, or when the database has
   * no file another connection could open. Term counts travel both ways, so each term is counted
   * once per generation of the chunks whichever connection met it first.
   */
  private keywordHits(query: KeywordLegQuery): Promise<ScoredChunk[]> {
    const thread = this.keywordThread;
    const parts = query.parts ?? [];
    if (thread?.ready) {
      // Counts from an older generation of the chunks must not travel as this one's.
      this.terms.sync(query.generation);
      return thread.search(query, this.terms.known(parts)).then(
        (answer) => {
          this.terms.learn(query.generation, answer.counts);
          return answer.hits;
        },
        (e: unknown) => {
          if (e instanceof KeywordThreadGone) return keywordLeg(this.db, query, this.terms);
          throw e;
        },
      );
    }
    if (thread?.usable) thread.warm();
    try {
      return Promise.resolve(keywordLeg(this.db, query, this.terms));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private hydrate(
    top: Array<{ id: number; score: number }>,
    parsed: { fts: string; terms: string[] },
    kwRank: Map<number, number>,
    vecRank: Map<number, number>,
    bm25: Map<number, number>,
    cos: Map<number, number>,
  ): SearchHit[] {
    if (top.length === 0) return [];
    const ids = JSON.stringify(top.map((t) => t.id));
    const rows = this.db
      .prepare(
        `SELECT c.*, d.name AS d_name, d.title AS d_title, d.path AS d_path, d.format AS d_format
         FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN (SELECT value FROM json_each(?))`,
      )
      .all(ids) as Array<
      ChunkRow & { d_name: string; d_title: string | null; d_path: string; d_format: string | null }
    >;
    const byId = new Map(rows.map((r) => [r.id, r]));
    const snippets = new Map<number, string>();
    const kwIds = top.filter((t) => kwRank.has(t.id)).map((t) => t.id);
    if (kwIds.length > 0 && parsed.fts) {
      const sn = this.db
        .prepare(
          `SELECT rowid AS id, snippet(chunks_fts, 0, char(2), char(3), '…', 40) AS s FROM chunks_fts
           WHERE chunks_fts MATCH ? AND rowid IN (SELECT value FROM json_each(?))`,
        )
        .all(parsed.fts, JSON.stringify(kwIds)) as Array<{ id: number; s: string }>;
      for (const r of sn) snippets.set(r.id, r.s);
    }
    const hits: SearchHit[] = [];
    for (const t of top) {
      const r = byId.get(t.id);
      if (!r) continue;
      const marked = snippets.get(t.id);
      hits.push({
        chunkId: r.id,
        score: t.score,
        snippet: marked !== undefined ? markedToSpans(marked) : highlightTerms(r.text, parsed.terms),
        text: r.text,
        citation: {
          documentId: r.document_id,
          name: r.d_name,
          title: r.d_title,
          path: r.d_path,
          format: (r.d_format as SearchHit['citation']['format']) ?? null,
          page: r.page,
          headingPath: JSON.parse(r.heading_path) as string[],
          chunkOrdinal: r.ordinal,
          charStart: r.char_start,
          charEnd: r.char_end,
        },
        ranks: { keyword: kwRank.get(t.id) ?? null, vector: vecRank.get(t.id) ?? null },
        legScores: { bm25: bm25.get(t.id) ?? null, cosine: cos.get(t.id) ?? null },
      });
    }
    return hits;
  }

  // ---- progress events ---------------------------------------------------------------------------

  private markDirty(
    j: Pick<JobRow, 'id' | 'path' | 'state' | 'stage' | 'chunks' | 'outcome' | 'error'>,
  ): void {
    this.dirty.set(j.id, {
      jobId: j.id,
      path: j.path,
      state: j.state,
      stage: j.stage,
      chunks: j.chunks,
      outcome: j.outcome,
      error: j.error,
    });
    this.scheduleEmit();
  }

  private scheduleEmit(): void {
    if (!this.o.events || this.emitTimer || this.disposed) return;
    const interval = this.o.progressIntervalMs ?? 200;
    const wait = Math.max(0, this.lastEmit + interval - Date.now());
    this.emitTimer = setTimeout(() => {
      this.emitTimer = undefined;
      this.flushEmit();
    }, wait);
    this.emitTimer.unref();
  }

  private flushEmit(): void {
    if (!this.o.events || this.disposed) return;
    if (this.emitTimer) {
      clearTimeout(this.emitTimer);
      this.emitTimer = undefined;
    }
    const files = [...this.dirty.values()];
    this.dirty.clear();
    this.lastEmit = Date.now();
    this.o.events.emit('ingest.progress', {
      files,
      totals: this.totals(),
      paused: this.paused,
      active: this.active.size > 0,
      reembed: this.reembedStatus(),
    });
  }

  private assertOpen(): void {
    if (this.disposed) throw new AppError('UNAVAILABLE', 'The knowledge base is closed.');
  }
}

function toVectorFilter(f: SearchFilters | undefined): VectorFilter | undefined {
  if (!f) return undefined;
  const out: VectorFilter = {};
  if (f.fileTypes) out.fileTypes = f.fileTypes;
  if (f.folders) out.folders = f.folders.map(normalizeFolder);
  if (f.dateFrom !== undefined) out.dateFrom = f.dateFrom;
  if (f.dateTo !== undefined) out.dateTo = f.dateTo;
  if (f.tags) out.tags = f.tags;
  return Object.keys(out).length > 0 ? out : undefined;
}
