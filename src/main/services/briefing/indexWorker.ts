/**
 * The briefing's document analysis in a worker thread (src/main/workers/briefingWorker.ts), for the
 * app: the same BriefingIndex, on the worker's own database connection. Started on first use; if it
 * dies, pending calls fail and the next call starts a fresh one.
 */
import type { Worker } from 'node:worker_threads';
import { createWorker } from '../../workers/createWorker';
import type { CatchUpResult } from './briefingIndex';

export type BriefingWorkerRequest = { type: 'catchUp'; id: number; timeZone: string };
export type BriefingWorkerResponse =
  { type: 'done'; id: number; result: CatchUpResult } | { type: 'error'; id: number; message: string };

/** What the briefing service needs from an analyser (BriefingIndex inline, or this worker). */
export interface Analyser {
  catchUp(): Promise<CatchUpResult>;
  stop(): Promise<void>;
}

export class BriefingIndexWorker implements Analyser {
  private worker: Worker | undefined;
  private seq = 0;
  private running: Promise<CatchUpResult> | undefined;
  private readonly pending = new Map<number, { resolve(r: CatchUpResult): void; reject(e: Error): void }>();
  private stopped = false;

  constructor(
    private readonly dbPath: string,
    private readonly timeZone: () => string,
  ) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = createWorker('briefingWorker', { workerData: { dbPath: this.dbPath } });
    w.on('message', (m: BriefingWorkerResponse) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.type === 'done') p.resolve(m.result);
      else p.reject(new Error(m.message));
    });
    const fail = (e: Error) => {
      if (this.worker === w) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the briefing worker exited (${code})`)));
    this.worker = w;
    return w;
  }

  catchUp(): Promise<CatchUpResult> {
    if (this.stopped) return Promise.resolve({ documents: 0, dates: 0, ms: 0 });
    this.running ??= new Promise<CatchUpResult>((resolve, reject) => {
      const id = ++this.seq;
      this.pending.set(id, { resolve, reject });
      this.start().postMessage({
        type: 'catchUp',
        id,
        timeZone: this.timeZone(),
      } satisfies BriefingWorkerRequest);
    }).finally(() => (this.running = undefined));
    return this.running;
  }

  /** Lets a run in progress finish its batch, then ends the worker. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
