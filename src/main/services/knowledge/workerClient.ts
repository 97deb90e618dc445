/**
 * The main thread's handle on the knowledge worker (parse + chunk + embed off the main thread).
 * Requests are matched to replies by id; vectors come back as transferred Float32Arrays. If the
 * worker dies (a native crash, an out-of-memory file), every pending request fails with UNAVAILABLE
 * and the next request starts a fresh worker with the same models loaded.
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { AppError } from '../../../shared/ipc/result';
import type { EmbedKind } from '../inference/embedder';
import { createWorker } from '../../workers/createWorker';
import type { SentenceVectors } from './sentenceVectors';
import type {
  ChunkingOptions,
  EmbeddedDocuments,
  FromWorker,
  IngestStage,
  IngestedFile,
  ModelSpec,
  ToWorker,
  WorkerFailure,
  WorkerStats,
} from '../../workers/knowledgeProtocol';

export interface KnowledgeWorkerOptions {
  /**
   * Cores for embedding; default: every core (`os.availableParallelism()`). They are split into
   * embedding lanes (embedLanes.ts `laneLayout`: on 2 cores, two single-thread sessions side by side).
   */
  threads?: number;
  /**
   * Texts per embedding batch (default 32) and padded tokens per batch (default 512: measured with
   * two single-thread lanes on a 2-core machine, MiniLM runs ~10% faster with 256-640 than with 2048
   * padded tokens a batch: bigger batches lose cache locality).
   */
  maxBatch?: number;
  maxBatchTokens?: number;
}

export class WorkerError extends AppError {
  constructor(readonly failure: WorkerFailure) {
    super(failure.code, failure.message);
    this.name = 'WorkerError';
  }
}

interface PendingCall {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  onStage?: (stage: IngestStage, chunks?: number) => void;
}

export interface IngestRequest {
  modelId: string;
  path: string;
  knownHash?: string;
  maxBytes?: number;
  chunking: ChunkingOptions;
}

export class KnowledgeWorkerClient {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  /** The worker once it is ready with its models loaded (requests are posted to it at once). */
  private live: Worker | undefined;
  private readonly pending = new Map<number, PendingCall>();
  private readonly models = new Map<string, ModelSpec>();
  private nextId = 1;
  private disposed = false;
  /** Requests answered CANCELLED here whose worker side has not finished unwinding yet. */
  private readonly unwinding = new Set<number>();
  private unwound: Array<() => void> = [];

  constructor(private readonly options: KnowledgeWorkerOptions = {}) {}

  get threads(): number {
    return this.options.threads ?? Math.max(1, os.availableParallelism());
  }

  /** Loads an embedding model (and its tokenizer for chunking) into the worker. */
  async load(model: ModelSpec): Promise<void> {
    this.models.set(model.id, model);
    await this.call({ t: 'load', id: 0, model });
  }

  async unload(modelId: string): Promise<void> {
    this.models.delete(modelId);
    if (this.worker) await this.call({ t: 'unload', id: 0, modelId });
  }

  hasModel(modelId: string): boolean {
    return this.models.has(modelId);
  }

  async embed(
    modelId: string,
    texts: string[],
    kind: EmbedKind,
    signal?: AbortSignal,
  ): Promise<Float32Array[]> {
    const dim = this.models.get(modelId)?.params.dimension;
    if (!dim) throw new AppError('UNAVAILABLE', `The embedding model ${modelId} is not loaded.`);
    const packed = (await this.call({ t: 'embed', id: 0, modelId, texts, kind }, signal)) as Float32Array;
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i++) out.push(packed.subarray(i * dim, (i + 1) * dim));
    return out;
  }

  /** Document vectors of texts, each with its sentences' late-pooled vectors (null: none pooled). */
  async embedDocuments(
    modelId: string,
    texts: string[],
    signal?: AbortSignal,
  ): Promise<{ vectors: Float32Array[]; sentences: Array<SentenceVectors | null> }> {
    const dim = this.models.get(modelId)?.params.dimension;
    if (!dim) throw new AppError('UNAVAILABLE', `The embedding model ${modelId} is not loaded.`);
    const r = (await this.call({ t: 'embedDocuments', id: 0, modelId, texts }, signal)) as EmbeddedDocuments;
    const vectors: Float32Array[] = [];
    for (let i = 0; i < texts.length; i++) vectors.push(r.vectors.subarray(i * dim, (i + 1) * dim));
    return { vectors, sentences: r.sentences };
  }

  ingest(
    req: IngestRequest,
    onStage?: (stage: IngestStage, chunks?: number) => void,
    signal?: AbortSignal,
  ): Promise<IngestedFile> {
    return this.call({ t: 'ingest', id: 0, ...req }, signal, onStage) as Promise<IngestedFile>;
  }

  /** What the worker is doing: requests in flight, texts waiting for a batch, texts embedded so far, int8 models. */
  async stats(): Promise<WorkerStats> {
    if (!this.worker) return { requests: 0, queuedTexts: 0, embeddedTexts: 0, int8Models: [] };
    return (await this.call({ t: 'stats', id: 0 })) as WorkerStats;
  }

  /**
   * Stops the worker. Requests in flight are cancelled and the worker gets up to `graceMs` to unwind
   * them before it is terminated: ending a worker thread while onnxruntime is inside a run aborts
   * the whole process.
   */
  async dispose(graceMs = 10_000): Promise<void> {
    this.disposed = true;
    const w = this.worker;
    if (w) {
      for (const id of this.pending.keys()) {
        w.postMessage({ t: 'cancel', id } satisfies ToWorker);
        this.unwinding.add(id);
      }
    }
    this.failAll(new AppError('CANCELLED', 'The knowledge worker was stopped.'));
    if (w && this.unwinding.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.unwound.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
    }
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private call(
    msg: ToWorker & { id: number },
    signal?: AbortSignal,
    onStage?: PendingCall['onStage'],
  ): Promise<unknown> {
    if (signal?.aborted) return Promise.reject(new AppError('CANCELLED', 'Cancelled.'));
    // A running worker gets the request now, not a microtask later: a search posts its query
    // embedding and then runs the keyword leg synchronously, and the two must overlap.
    if (!this.disposed && this.live && this.live === this.worker)
      return this.post(this.live, msg, signal, onStage);
    return this.start().then((worker) => this.post(worker, msg, signal, onStage));
  }

  private post(
    worker: Worker,
    msg: ToWorker & { id: number },
    signal?: AbortSignal,
    onStage?: PendingCall['onStage'],
  ): Promise<unknown> {
    if (signal?.aborted) return Promise.reject(new AppError('CANCELLED', 'Cancelled.'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // A cancel reaches the worker (it stops the file where it is), and the caller is answered at
      // once: it does not wait for a file stuck in a long parse, and a late reply is dropped.
      const onAbort = (): void => {
        const p = this.pending.get(id);
        if (!p) return;
        worker.postMessage({ t: 'cancel', id } satisfies ToWorker);
        this.pending.delete(id);
        this.unwinding.add(id);
        p.reject(new AppError('CANCELLED', 'Cancelled.'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
        onStage,
      });
      worker.postMessage({ ...msg, id });
    });
  }

  private async start(): Promise<Worker> {
    if (this.disposed) throw new AppError('UNAVAILABLE', 'The knowledge worker was stopped.');
    if (this.worker && this.ready) {
      await this.ready;
      if (this.worker) return this.worker;
    }
    const worker = createWorker('knowledgeWorker');
    this.worker = worker;
    worker.unref();
    this.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: FromWorker): void => {
        if (m.t === 'ready') {
          resolve();
          return;
        }
        this.onMessage(m);
      };
      worker.on('message', onMessage);
      worker.on('error', (e) => {
        reject(e);
        this.onExit(worker, e);
      });
      worker.on('exit', (code) => {
        reject(new Error(`exited with code ${code}`));
        this.onExit(worker, new Error(`exited with code ${code}`));
      });
    });
    worker.postMessage({
      t: 'init',
      threads: this.threads,
      maxBatch: this.options.maxBatch ?? 32,
      maxBatchTokens: this.options.maxBatchTokens ?? 512,
    } satisfies ToWorker);
    await this.ready;
    // A restarted worker gets the models the previous one had.
    for (const model of this.models.values()) {
      const id = this.nextId++;
      await new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        worker.postMessage({ t: 'load', id, model } satisfies ToWorker);
      });
    }
    if (this.worker === worker) this.live = worker;
    return worker;
  }

  private onMessage(m: FromWorker): void {
    if (m.t === 'ready') return;
    if (m.t !== 'stage' && this.unwinding.delete(m.id) && this.unwinding.size === 0) {
      const waiters = this.unwound;
      this.unwound = [];
      for (const w of waiters) w();
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.t === 'stage') {
      p.onStage?.(m.stage, m.chunks);
      return;
    }
    this.pending.delete(m.id);
    if (m.t === 'ok') p.resolve(m.value);
    else p.reject(new WorkerError(m.error));
  }

  private onExit(worker: Worker, e: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.live = undefined;
    this.ready = undefined;
    this.unwinding.clear();
    for (const w of this.unwound.splice(0)) w();
    this.failAll(new AppError('UNAVAILABLE', `The knowledge worker stopped (${e.message}).`));
  }

  private failAll(e: Error): void {
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const c of calls) c.reject(e);
  }
}
