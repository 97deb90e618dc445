/**
 * Embedding lanes (used inside the knowledge worker): N worker threads (`workers/embedWorker.ts`),
 * each with its own onnxruntime session of the model, that run batches side by side. The scheduler
 * (embedScheduler.ts) hands out at most one batch per lane at a time; this class runs each call on
 * a lane that is free.
 *
 * Why lanes and not one session with more intra-op threads: onnxruntime-node's `session.run` blocks
 * its thread, and one session parallelises each operator across its threads with a barrier per
 * operator; for a model as small as MiniLM most operators are too short to split well. On 2 cores,
 * two single-thread lanes embed ~1.15x faster than one 2-thread session (see BENCHMARKS.md, Knowledge).
 *
 * A lane whose thread dies (a native crash) fails its batch with UNAVAILABLE and is started again on
 * the next call. `dispose` waits for the batches in flight: ending a thread while onnxruntime is
 * inside a run aborts the whole process.
 */
import type { Worker } from 'node:worker_threads';
import { AppError, type ErrorCode } from '../../../shared/ipc/result';
import type { EmbedKind, Embedder, SpanInput, SpanPooled } from '../inference/embedder';
import { createWorker } from '../../workers/createWorker';
import type { ModelSpec } from '../../workers/knowledgeProtocol';

/** workerData of an embedWorker. */
export interface LaneSetup {
  model: ModelSpec;
  /** onnxruntime intra-op threads of this lane's session. */
  threads: number;
  /** The embedder's `int8MatMul`: decided once by the knowledge worker for all its sessions. */
  int8MatMul: boolean;
}

export type LaneRequest =
  | {
      t: 'embed';
      id: number;
      texts: string[];
      kind: EmbedKind;
      /** Per text, character spans to late-pool (embedWithSpans); absent: plain vectors. */
      spans?: Array<ReadonlyArray<readonly [number, number]>>;
    }
  | { t: 'close' };

export type LaneReply =
  | { t: 'ready' }
  | { t: 'ok'; id: number; vectors: Float32Array; spans?: Array<Array<Float32Array | null>> }
  | { t: 'error'; id: number; code: ErrorCode; message: string };

/** How many lanes, and threads per lane, for `threads` cores' worth of embedding. */
export function laneLayout(threads: number): { lanes: number; threadsPerLane: number } {
  const t = Math.max(1, Math.floor(threads));
  // Up to 4 lanes: each holds its own session, ~200-270 MB RSS for MiniLM with its MatMuls in float
  // (weights dequantised at load) or in int8 (weights repacked), arena included. More cores go to each
  // lane's intra-op threads.
  const lanes = Math.min(4, t);
  return { lanes, threadsPerLane: Math.max(1, Math.floor(t / lanes)) };
}

interface Lane {
  worker: Worker;
  ready: Promise<void>;
  busy: boolean;
  pending?: { id: number; resolve(r: Extract<LaneReply, { t: 'ok' }>): void; reject(e: Error): void };
}

export type SpawnLane = (setup: LaneSetup) => Worker;

export class EmbedLanes implements Pick<Embedder, 'embed' | 'embedWithSpans'> {
  private readonly lanes: Array<Lane | undefined>;
  private readonly waiting: Array<(lane: number) => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private nextId = 1;
  private disposed = false;

  constructor(
    private readonly model: ModelSpec,
    readonly size: number,
    private readonly threadsPerLane: number,
    private readonly int8MatMul = false,
    private readonly spawn: SpawnLane = (setup) => createWorker('embedWorker', { workerData: setup }),
  ) {
    this.lanes = Array.from({ length: Math.max(1, size) }, () => undefined);
  }

  /** Starts every lane (loads the model in each); rejects if the model cannot be loaded. */
  async start(): Promise<void> {
    await Promise.all(this.lanes.map((_, i) => this.lane(i).ready));
  }

  async embed(texts: readonly string[], kind: EmbedKind): Promise<Float32Array[]> {
    const r = await this.run({ t: 'embed', id: 0, texts: [...texts], kind });
    return this.unpack(r.vectors, texts.length);
  }

  async embedWithSpans(items: readonly SpanInput[], kind: EmbedKind): Promise<SpanPooled[]> {
    const r = await this.run({
      t: 'embed',
      id: 0,
      texts: items.map((i) => i.text),
      kind,
      spans: items.map((i) => i.spans),
    });
    const vectors = this.unpack(r.vectors, items.length);
    return vectors.map((vector, i) => ({ vector, spans: r.spans?.[i] ?? [] }));
  }

  /** Lanes running a batch now. */
  get busyLanes(): number {
    return this.lanes.filter((l) => l?.busy).length;
  }

  /** Resolves when no lane is running a batch. */
  idle(): Promise<void> {
    if (this.lanes.every((l) => !l?.busy)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Waits for the batches in flight, then closes every lane's session and thread. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.idle();
    await Promise.all(
      this.lanes.map(async (l) => {
        if (!l) return;
        await l.ready.catch(() => undefined);
        const exited = new Promise<void>((resolve) => l.worker.once('exit', () => resolve()));
        l.worker.postMessage({ t: 'close' } satisfies LaneRequest);
        await exited;
      }),
    );
  }

  private unpack(packed: Float32Array, n: number): Float32Array[] {
    const dim = this.model.params.dimension;
    if (packed.length !== n * dim)
      throw new AppError('INTERNAL', `an embedding lane returned ${packed.length} values for ${n} texts`);
    const out: Float32Array[] = [];
    for (let i = 0; i < n; i++) out.push(packed.subarray(i * dim, (i + 1) * dim));
    return out;
  }

  private lane(i: number): Lane {
    const existing = this.lanes[i];
    if (existing) return existing;
    const worker = this.spawn({
      model: this.model,
      threads: this.threadsPerLane,
      int8MatMul: this.int8MatMul,
    });
    worker.unref();
    const lane: Lane = { worker, busy: false, ready: Promise.resolve() };
    lane.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: LaneReply) => {
        if (m.t === 'ready') return resolve();
        if (m.t === 'error' && m.id === 0) {
          reject(new AppError(m.code, m.message));
          return;
        }
        const p = lane.pending;
        if (!p || m.id !== p.id) return;
        lane.pending = undefined;
        if (m.t === 'ok') p.resolve(m);
        else p.reject(new AppError(m.code, m.message));
      });
      const down = (e: Error): void => {
        if (this.lanes[i] === lane) this.lanes[i] = undefined;
        reject(e);
        const p = lane.pending;
        lane.pending = undefined;
        p?.reject(new AppError('UNAVAILABLE', `An embedding lane stopped (${e.message}).`));
      };
      worker.on('error', down);
      worker.on('exit', (code) => down(new Error(`exited with code ${code}`)));
    });
    lane.ready.catch(() => undefined);
    this.lanes[i] = lane;
    return lane;
  }

  /** A free lane's index: at once when one is free, else the first to finish. */
  private acquire(): Promise<number> {
    for (let i = 0; i < this.lanes.length; i++) {
      if (!this.lanes[i]?.busy) {
        this.lane(i).busy = true;
        return Promise.resolve(i);
      }
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(i: number): void {
    const next = this.waiting.shift();
    if (next) {
      // Hand the lane over (started again if its thread died).
      this.lane(i).busy = true;
      next(i);
      return;
    }
    const l = this.lanes[i];
    if (l) l.busy = false;
    if (this.lanes.every((x) => !x?.busy)) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async run(req: Extract<LaneRequest, { t: 'embed' }>): Promise<Extract<LaneReply, { t: 'ok' }>> {
    if (this.disposed) throw new AppError('UNAVAILABLE', 'The embedding lanes were stopped.');
    const i = await this.acquire();
    try {
      const lane = this.lane(i);
      lane.busy = true;
      await lane.ready;
      const id = this.nextId++;
      return await new Promise<Extract<LaneReply, { t: 'ok' }>>((resolve, reject) => {
        lane.pending = { id, resolve, reject };
        lane.worker.postMessage({ ...req, id } satisfies LaneRequest);
      });
    } finally {
      this.release(i);
    }
  }
}
