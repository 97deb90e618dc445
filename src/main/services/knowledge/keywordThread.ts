/**
 * The main thread's handle on the keyword worker (src/main/workers/keywordWorker.ts), which runs the
 * keyword leg of hybrid search on its own read-only connection, so that FTS5's BM25 (10-40 ms of CPU
 * at 100k chunks, where a natural-language query matches a third of them) does not block the main
 * thread (the UI's IPC, the other services) and runs beside the query embedding.
 *
 * The worker starts on first use and takes queries once its connection is open (`ready`); until then
 * the service runs the leg itself, so a search after start-up never waits for a thread to boot. If
 * the worker dies, the searches it had fail with `KeywordThreadGone` (the service answers them
 * itself) and the next search starts a fresh one; after three deaths without an answer in between,
 * it is not started again and the service keeps answering on its own connection.
 *
 * One worker, not one per core: the leg runs beside the query embedding and the KNN, and on a 2-core
 * machine splitting it into rowid ranges on two workers was slower in the same run (58 against 53 ms
 * p50 at 100k chunks): they contend with the embedding and the KNN's scan for cores and cache.
 */
import type { Worker } from 'node:worker_threads';
import { createWorker } from '../../workers/createWorker';
import type { KeywordLegQuery, ScoredChunk } from './keywordLeg';

export type KeywordRequest = {
  t: 'search';
  id: number;
  query: KeywordLegQuery;
  /** Term counts the caller already has for `query.generation` (saves the worker counting them). */
  counts: Array<[string, number]>;
};
export type KeywordReply =
  | { t: 'ready' }
  | { t: 'hits'; id: number; hits: ScoredChunk[]; counts: Array<[string, number]> }
  | { t: 'error'; id: number; message: string };

/** The worker's answer: the hits, and the term counts it knows for the query's terms. */
export interface KeywordAnswer {
  hits: ScoredChunk[];
  counts: Array<[string, number]>;
}

/** A worker died (or could not start) before answering: the caller answers on its own connection. */
export class KeywordThreadGone extends Error {
  constructor(reason: string) {
    super(`The keyword search thread stopped: ${reason}`);
    this.name = 'KeywordThreadGone';
  }
}

const MAX_DEATHS = 3;

interface Pending {
  resolve(answer: KeywordAnswer): void;
  reject(e: Error): void;
}

export class KeywordThread {
  private worker: Worker | undefined;
  private live = false;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  /** Deaths since the last answer; at MAX_DEATHS the thread is given up for this session. */
  private deaths = 0;
  private disposed = false;

  constructor(
    private readonly dbPath: string,
    /** Called once when the thread is given up, with the last death's reason. */
    private readonly onGiveUp?: (reason: string) => void,
  ) {}

  /** True while the worker runs with its connection open. */
  get ready(): boolean {
    return this.live && !this.disposed;
  }

  /** False once the thread has been given up (or disposed): the caller answers on its own. */
  get usable(): boolean {
    return !this.disposed && this.deaths < MAX_DEATHS;
  }

  /** Starts the worker if none is running; returns at once. */
  warm(): void {
    if (this.worker || !this.usable) return;
    let w: Worker;
    try {
      w = createWorker('keywordWorker', { workerData: { dbPath: this.dbPath } });
    } catch (e) {
      this.died(undefined, e instanceof Error ? e.message : String(e));
      return;
    }
    this.worker = w;
    w.on('message', (m: KeywordReply) => {
      if (m.t === 'ready') {
        if (this.worker === w) this.live = true;
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      this.deaths = 0;
      if (m.t === 'hits') p.resolve({ hits: m.hits, counts: m.counts });
      else p.reject(new Error(m.message));
    });
    w.on('error', (e) => this.died(w, e.message));
    w.on('exit', (code) => this.died(w, `exit code ${code}`));
  }

  /** The keyword leg on the worker. Call when `ready`. */
  search(query: KeywordLegQuery, counts: Array<[string, number]> = []): Promise<KeywordAnswer> {
    const w = this.worker;
    if (!w || !this.ready) return Promise.reject(new KeywordThreadGone('not running'));
    const id = ++this.seq;
    return new Promise<KeywordAnswer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ t: 'search', id, query, counts } satisfies KeywordRequest);
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const w = this.worker;
    this.worker = undefined;
    this.live = false;
    this.failPending('disposed');
    await w?.terminate();
  }

  private died(w: Worker | undefined, reason: string): void {
    if (w && this.worker !== w) return; // an old worker's late exit, or disposed
    this.worker = undefined;
    this.live = false;
    this.failPending(reason);
    if (this.disposed) return;
    this.deaths++;
    if (this.deaths === MAX_DEATHS) this.onGiveUp?.(reason);
  }

  private failPending(reason: string): void {
    const gone = new KeywordThreadGone(reason);
    for (const p of this.pending.values()) p.reject(gone);
    this.pending.clear();
  }
}
