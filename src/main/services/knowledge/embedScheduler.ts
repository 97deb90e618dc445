/**
 * Embedding scheduled across requests (runs inside the knowledge worker): texts wait in one queue
 * per kind, queries first (a search never waits behind a 500-file import), and every batch takes
 * texts of similar token length (sorted by length, up to `maxBatch` texts and `maxBatchTokens`
 * padded tokens), so a batch is padded only to its own longest text.
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
  private running = false;
  private seq = 0;
  /** Texts sent through the model so far (tests read it to see that cancelled work was not done). */
  embeddedTexts = 0;

  constructor(
    private readonly embedder: Pick<Embedder, 'embed' | 'countTokens'>,
    private readonly limits: () => EmbedSchedulerLimits,
  ) {}

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
      void this.pump();
    });
  }

  private next(): { kind: EmbedKind; batch: Pending[] } | undefined {
    const kind: EmbedKind | undefined =
      this.queues.query.length > 0 ? 'query' : this.queues.document.length > 0 ? 'document' : undefined;
    if (!kind) return undefined;
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

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let job = this.next(); job; job = this.next()) {
        const live = job.batch.filter((p) => !p.request.settled && !p.request.signal?.aborted);
        if (live.length === 0) continue;
        try {
          this.embeddedTexts += live.length;
          const vectors = await this.embedder.embed(
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
    } finally {
      this.running = false;
    }
  }
}
