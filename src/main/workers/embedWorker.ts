/**
 * One embedding lane: a worker thread that owns one onnxruntime session of the embedding model and
 * runs the batches the knowledge worker's scheduler sends it (see services/knowledge/embedLanes.ts).
 *
 * onnxruntime-node's `session.run` blocks the thread it is called on, so sessions only run in
 * parallel from separate threads. On a 2-core machine two lanes of one intra-op thread each embed
 * about 1.15x faster than one session with two intra-op threads (no thread barrier per operator, no
 * spinning; measured on 256 SciFact chunks, see BENCHMARKS.md).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AppError, isAppError } from '../../shared/ipc/result';
import { createEmbedder, type Embedder } from '../services/inference/embedder';
import type { LaneReply, LaneRequest, LaneSetup } from '../services/knowledge/embedLanes';

const port = parentPort;
if (!port) throw new Error('embedWorker must run in a worker thread');
const setup = workerData as LaneSetup;

let embedder: Embedder | undefined;
let queue: Promise<unknown> = Promise.resolve();

function send(msg: LaneReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

async function run(req: Extract<LaneRequest, { t: 'embed' }>): Promise<void> {
  try {
    if (!embedder) throw new AppError('UNAVAILABLE', 'The embedding lane has no model.');
    const dim = embedder.dimension;
    const packed = new Float32Array(req.texts.length * dim);
    let spans: Array<Array<Float32Array | null>> | undefined;
    if (req.spans) {
      const out = await embedder.embedWithSpans(
        req.texts.map((text, i) => ({ text, spans: req.spans![i] ?? [] })),
        req.kind,
      );
      out.forEach((o, i) => packed.set(o.vector, i * dim));
      spans = out.map((o) => o.spans);
    } else {
      const out = await embedder.embed(req.texts, req.kind);
      out.forEach((v, i) => packed.set(v, i * dim));
    }
    send({ t: 'ok', id: req.id, vectors: packed, ...(spans ? { spans } : {}) }, [packed.buffer]);
  } catch (e) {
    send({
      t: 'error',
      id: req.id,
      code: isAppError(e) ? e.code : 'INTERNAL',
      message: e instanceof Error ? e.message : String(e),
    });
  }
}

port.on('message', (msg: LaneRequest) => {
  if (msg.t === 'close') {
    // Finish what is running, free the session, then let the thread end.
    queue = queue.then(async () => {
      await embedder?.dispose();
      embedder = undefined;
      port.close();
    });
    return;
  }
  queue = queue.then(() => run(msg));
});

async function start(): Promise<void> {
  try {
    embedder = await createEmbedder({
      onnxPath: setup.model.onnxPath,
      tokenizerPath: setup.model.tokenizerPath,
      params: setup.model.params,
      // The scheduler forms the batches; each arrives here as one padded tensor.
      batchSize: Number.MAX_SAFE_INTEGER,
      threads: setup.threads,
      int8MatMul: setup.int8MatMul,
    });
    send({ t: 'ready' });
  } catch (e) {
    send({
      t: 'error',
      id: 0,
      code: isAppError(e) ? e.code : 'UNAVAILABLE',
      message: e instanceof Error ? e.message : String(e),
    });
  }
}

// Requests wait for the model: they are chained after the start.
queue = start();
