/**
 * Embedding scheduled across requests (runs inside the knowledge worker): texts wait in one queue
 * per kind, queries first (a search never waits behind a 500-file import), and every batch takes
 * texts of similar token length (sorted by length, up to `maxBatch` texts and `maxBatchTokens`
 * padded tokens), so a batch is padded only to its own longest text.
 *
 * Up to `lanes` batches run at once (one per embedding lane, see embedLanes.ts). With a
 * `queryEmbedder`, queries do not take a lane at all: they run on that embedder (a single-thread
 * session in the knowledge worker) at once, even while every lane is busy with an import.
 *
 * Cancellation: a request whose signal fires is rejected at once and its texts leave the queues; a
 * request whose signal has already fired is refused before anything is queued (a file cancelled
 * while it was being parsed must not be embedded, nor wait forever for vectors that never come).
 */
import { AppError } from '../../../shared/ipc/result';
import type { EmbedKind, Embedder } from '../inference/embedder';

export interface EmbedSchedulerLimits {
  maxBatch: number;
  maxBatchTokens: number;
}

interface Pending {
  text: string;
  tokens: number;
  request: EmbedRequest;
  index: number;
}

interface EmbedRequest {
  seq: number;
  vectors: Float32Array[];
  remaining: number;
  settled: boolean;
  resolve(v: Float32Array[]): void;
  reject(e: unknown): void;
  signal?: AbortSignal;
}

function cancelled(): AppError {
  return new AppError('CANCELLED', 'Cancelled.');
}

export class EmbedScheduler {
  private readonly queues: Record<EmbedKind, Pending[]> = { query: [], document: [] };
  private seq = 0;
  /** Batches running on the lanes, and whether a query batch runs on the query embedder. */
  private active = 0;
  private queryRunning = false;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly lanes: number;
  private readonly queryEmbedder?: Pick<Embedder, 'embed'>;
  /** Texts sent through the model so far (tests read it to see that cancelled work was not done). */
  embeddedTexts = 0;

  constructor(
    private readonly embedder: Pick<Embedder, 'embed' | 'countTokens'>,
    private readonly limits: () => EmbedSchedulerLimits,
    options: { lanes?: number; queryEmbedder?: Pick<Embedder, 'embed'> } = {},
  ) {
    this.lanes = Math.max(1, Math.floor(options.lanes ?? 1));
    this.queryEmbedder = options.queryEmbedder;
  }

  /** Resolves when no batch is running (a cancelled request's batch may still be in a lane). */
  idle(): Promise<void> {
    if (this.active === 0 && !this.queryRunning) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Texts waiting for a batch. */
  get queued(): number {
    return this.queues.query.length + this.queues.document.length;
  }

  embed(texts: readonly string[], kind: EmbedKind, signal?: AbortSignal): Promise<Float32Array[]> {
    if (signal?.aborted) return Promise.reject(cancelled());
    if (texts.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        for (const k of ['query', 'document'] as const)
          this.queues[k] = this.queues[k].filter((p) => p.request !== request);
        request.reject(cancelled());
      };
      const request: EmbedRequest = {
        seq: this.seq++,
        vectors: new Array<Float32Array>(texts.length),
        remaining: texts.length,
        settled: false,
        resolve: (v) => {
          if (request.settled) return;
          request.settled = true;
          signal?.removeEventListener('abort', onAbort);
          resolve(v);
        },
        reject: (e) => {
          if (request.settled) return;
          request.settled = true;
          signal?.removeEventListener('abort', onAbort);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
        signal,
      };
      const tokens = this.embedder.countTokens(texts, kind);
      texts.forEach((text, index) =>
        this.queues[kind].push({ text, tokens: tokens[index]!, request, index }),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pump();
    });
  }

  private next(kind: EmbedKind): { kind: EmbedKind; batch: Pending[] } | undefined {
    if (this.queues[kind].length === 0) return undefined;
    const { maxBatch, maxBatchTokens } = this.limits();
    const queue = this.queues[kind].sort((a, b) => a.tokens - b.tokens);
    // Start from the oldest request's shortest text so no document waits forever, then take its
    // neighbours in length order.
    const oldest = Math.min(...queue.map((p) => p.request.seq));
    const start = Math.max(
      0,
      queue.findIndex((p) => p.request.seq === oldest),
    );
    const batch: Pending[] = [];
    let longest = 0;
    let i = start;
    while (i < queue.length && batch.length < maxBatch) {
      const p = queue[i]!;
      const width = Math.max(longest, p.tokens);
      if (batch.length > 0 && width * (batch.length + 1) > maxBatchTokens) break;
      longest = width;
      batch.push(p);
      i++;
    }
    queue.splice(start, batch.length);
    return { kind, batch };
  }

  /** Starts batches while there is work and a free lane (and the query embedder when it is free). */
  private pump(): void {
    if (this.queryEmbedder && !this.queryRunning) {
      const job = this.next('query');
      if (job) {
        this.queryRunning = true;
        void this.run(job, this.queryEmbedder).finally(() => {
          this.queryRunning = false;
          this.pump();
        });
      }
    }
    while (this.active < this.lanes) {
      // Without a query embedder, queries go first on the lanes.
      const job = (this.queryEmbedder ? undefined : this.next('query')) ?? this.next('document');
      if (!job) break;
      this.active++;
      void this.run(job, this.embedder).finally(() => {
        this.active--;
        this.pump();
      });
    }
    if (this.active === 0 && !this.queryRunning) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async run(
    job: { kind: EmbedKind; batch: Pending[] },
    embedder: Pick<Embedder, 'embed'>,
  ): Promise<void> {
    const live = job.batch.filter((p) => !p.request.settled && !p.request.signal?.aborted);
    if (live.length === 0) return;
    try {
      this.embeddedTexts += live.length;
      const vectors = await embedder.embed(
        live.map((p) => p.text),
        job.kind,
      );
      live.forEach((p, k) => {
        p.request.vectors[p.index] = vectors[k]!;
        if (--p.request.remaining === 0) p.request.resolve(p.request.vectors);
      });
    } catch (e) {
      for (const p of live) p.request.reject(e);
    }
  }
}
