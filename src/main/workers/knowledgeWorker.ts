/**
 * The knowledge worker: everything blocking about ingest runs here, off the main thread: hashing a
 * file, parsing it (H7's parsers), cutting it into chunks with the model's own tokenizer, and
 * embedding (onnxruntime-node). The main thread only writes SQLite.
 *
 * Embedding is scheduled across requests (embedScheduler.ts): length-bucketed batches, run side by
 * side on embedding lanes (embedLanes.ts: one worker thread and session each, the machine's cores
 * shared among them). Queries do not wait for a lane: they run here, on a single-thread session of
 * their own (a ~12-token query gains nothing from more threads, and a spinning thread pool would
 * take the core the main thread's keyword leg runs on).
 *
 * Cancellation: `{t:'cancel', id}` aborts the request's signal. An ingest checks it between every
 * stage and the parsers and the scheduler honour it inside theirs, so a cancelled file stops where
 * it is (no more parsing, chunking or embedding) and is answered CANCELLED. The main thread does not
 * wait for that answer (it discards whatever comes back for a cancelled request).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { AppError, isAppError } from '../../shared/ipc/result';
import type { Chunk } from '../../shared/types/knowledge';
import { int8DotProduct } from '../services/inference/cpuFeatures';
import { createEmbedder, type Embedder } from '../services/inference/embedder';
import { createDocumentChunker, type DocumentChunker } from '../services/knowledge/chunking';
import { EmbedLanes, laneLayout } from '../services/knowledge/embedLanes';
import { EmbedScheduler } from '../services/knowledge/embedScheduler';
import { withSentenceVectors, type SentenceVectors } from '../services/knowledge/sentenceVectors';
import { isParseError, parseFile } from '../services/knowledge/parsers';
import type {
  EmbeddedDocuments,
  FromWorker,
  IngestedFile,
  ModelSpec,
  ToWorker,
  WorkerFailure,
  WorkerStats,
} from './knowledgeProtocol';

const port = parentPort;
if (!port) throw new Error('knowledgeWorker must run in a worker thread');

let threads = 1;
let maxBatch = 32;
let maxBatchTokens = 8192;

interface LoadedModel {
  spec: ModelSpec;
  /** Single-thread session here: queries, and the tokenizer for the scheduler's token counts. */
  embedder: Embedder;
  lanes: EmbedLanes;
  chunker: DocumentChunker;
  scheduler: EmbedScheduler;
  /** The sentence vectors pooled along with a document vector the scheduler returned. */
  sentencesOf(vector: Float32Array): SentenceVectors | null;
}

const models = new Map<string, Promise<LoadedModel>>();
const controllers = new Map<number, AbortController>();
/** Texts embedded by models since unloaded (for `stats`). */
let retiredTexts = 0;

function send(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

function failure(e: unknown): WorkerFailure {
  if (isParseError(e)) return { code: e.code, message: e.message, reason: e.reason };
  if (isAppError(e)) return { code: e.code, message: e.message };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

function model(id: string): Promise<LoadedModel> {
  const m = models.get(id);
  if (!m) throw new AppError('UNAVAILABLE', `The embedding model ${id} is not loaded in the worker.`);
  return m;
}

async function load(spec: ModelSpec): Promise<LoadedModel> {
  // One answer for the query session and every lane, so queries and documents are embedded alike.
  const int8MatMul = int8DotProduct();
  const embedder = await createEmbedder({
    onnxPath: spec.onnxPath,
    tokenizerPath: spec.tokenizerPath,
    params: spec.params,
    // Our scheduler forms the batches; the embedder runs each one as one padded tensor.
    batchSize: Number.MAX_SAFE_INTEGER,
    threads: 1,
    int8MatMul,
  });
  const layout = laneLayout(threads);
  const lanes = new EmbedLanes(spec, layout.lanes, layout.threadsPerLane, int8MatMul);
  try {
    await lanes.start();
  } catch (e) {
    await lanes.dispose();
    await embedder.dispose();
    throw e;
  }
  const chunker = await createDocumentChunker(spec.tokenizerPath);
  // Document texts get their sentences' vectors from the same run (late pooling, no extra inference).
  const pooling = withSentenceVectors({
    countTokens: (texts, kind) => embedder.countTokens(texts, kind),
    embed: (texts, kind) => lanes.embed(texts, kind),
    embedWithSpans: (items, kind) => lanes.embedWithSpans(items, kind),
  });
  return {
    spec,
    embedder,
    lanes,
    chunker,
    scheduler: new EmbedScheduler(pooling.embedder, () => ({ maxBatch, maxBatchTokens }), {
      lanes: lanes.size,
      queryEmbedder: embedder,
    }),
    sentencesOf: (v) => pooling.take(v) ?? null,
  };
}

async function hashFile(
  path: string,
  signal: AbortSignal,
): Promise<{ hash: string; size: number; mtimeMs: number }> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AppError(
      'NOT_FOUND',
      code === 'ENOENT' ? 'The file no longer exists.' : `The file cannot be read (${code}).`,
    );
  }
  if (!st.isFile()) throw new AppError('INVALID_INPUT', 'Not a regular file.');
  const hash = createHash('sha256');
  try {
    for await (const chunk of fs.createReadStream(path, { signal })) hash.update(chunk as Buffer);
  } catch (e) {
    if (signal.aborted) throw new AppError('CANCELLED', 'Cancelled.');
    throw new AppError('NOT_FOUND', `The file cannot be read (${(e as Error).message}).`);
  }
  return { hash: hash.digest('hex'), size: st.size, mtimeMs: Math.floor(st.mtimeMs) };
}

function stopIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new AppError('CANCELLED', 'Cancelled.');
}

async function ingest(msg: Extract<ToWorker, { t: 'ingest' }>, signal: AbortSignal): Promise<IngestedFile> {
  const m = await model(msg.modelId);
  stopIfCancelled(signal);
  send({ t: 'stage', id: msg.id, stage: 'hashing' });
  const file = await hashFile(msg.path, signal);
  stopIfCancelled(signal);
  if (msg.knownHash && msg.knownHash === file.hash) return { skipped: true, ...file };
  send({ t: 'stage', id: msg.id, stage: 'parsing' });
  let doc;
  try {
    doc = await parseFile(msg.path, { signal, ...(msg.maxBytes ? { maxBytes: msg.maxBytes } : {}) });
  } catch (e) {
    // The parsers report an aborted signal as TIMEOUT; a cancel is not a parse failure.
    stopIfCancelled(signal);
    throw e;
  }
  stopIfCancelled(signal);
  send({ t: 'stage', id: msg.id, stage: 'chunking' });
  const chunks: Chunk[] = m.chunker(doc, msg.chunking);
  if (chunks.length === 0) throw new AppError('INVALID_INPUT', 'The file has no text to index.');
  stopIfCancelled(signal);
  send({ t: 'stage', id: msg.id, stage: 'embedding', chunks: chunks.length });
  const vectors = await m.scheduler.embed(
    chunks.map((c) => c.text),
    'document',
    signal,
  );
  const dim = m.spec.params.dimension;
  const packed = new Float32Array(chunks.length * dim);
  vectors.forEach((v, i) => packed.set(v, i * dim));
  return {
    skipped: false,
    ...file,
    title: doc.title,
    mime: doc.mime,
    format: doc.format,
    meta: doc.meta,
    warnings: doc.warnings,
    chunks,
    vectors: packed,
    dimension: dim,
    sentences: vectors.map((v) => m.sentencesOf(v)),
  };
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.t) {
    case 'init':
      threads = msg.threads;
      maxBatch = msg.maxBatch;
      maxBatchTokens = msg.maxBatchTokens;
      return;
    case 'cancel':
      controllers.get(msg.id)?.abort();
      return;
    case 'stats':
      await reply(msg.id, async () => {
        const stats: WorkerStats = {
          requests: controllers.size,
          queuedTexts: 0,
          embeddedTexts: retiredTexts,
          int8Models: [],
        };
        for (const p of models.values()) {
          const m = await p.catch(() => undefined);
          if (!m) continue;
          stats.queuedTexts += m.scheduler.queued;
          stats.embeddedTexts += m.scheduler.embeddedTexts;
          if (m.embedder.int8MatMul) stats.int8Models.push(m.spec.id);
        }
        return stats;
      });
      return;
    case 'load': {
      if (!models.has(msg.model.id)) {
        const p = load(msg.model);
        models.set(msg.model.id, p);
        p.catch(() => models.delete(msg.model.id));
      }
      await reply(msg.id, async () => {
        await model(msg.model.id);
        return null;
      });
      return;
    }
    case 'unload':
      await reply(msg.id, async () => {
        const m = models.get(msg.modelId);
        models.delete(msg.modelId);
        if (m) {
          const loaded = await m;
          retiredTexts += loaded.scheduler.embeddedTexts;
          await loaded.scheduler.idle();
          await loaded.lanes.dispose();
          await loaded.embedder.dispose();
        }
        return null;
      });
      return;
    case 'embed': {
      const ac = new AbortController();
      controllers.set(msg.id, ac);
      await reply(msg.id, async () => {
        const m = await model(msg.modelId);
        const vectors = await m.scheduler.embed(msg.texts, msg.kind, ac.signal);
        const dim = m.spec.params.dimension;
        const packed = new Float32Array(vectors.length * dim);
        vectors.forEach((v, i) => packed.set(v, i * dim));
        return packed;
      });
      return;
    }
    case 'embedDocuments': {
      const ac = new AbortController();
      controllers.set(msg.id, ac);
      await reply(msg.id, async (): Promise<EmbeddedDocuments> => {
        const m = await model(msg.modelId);
        const vectors = await m.scheduler.embed(msg.texts, 'document', ac.signal);
        const dim = m.spec.params.dimension;
        const packed = new Float32Array(vectors.length * dim);
        vectors.forEach((v, i) => packed.set(v, i * dim));
        return { vectors: packed, sentences: vectors.map((v) => m.sentencesOf(v)) };
      });
      return;
    }
    case 'ingest': {
      const ac = new AbortController();
      controllers.set(msg.id, ac);
      await reply(msg.id, () => ingest(msg, ac.signal));
      return;
    }
  }
}

/** Resolves when no model runs a batch. */
async function quiesce(): Promise<void> {
  for (const p of models.values()) {
    const m = await p.catch(() => undefined);
    await m?.scheduler.idle();
  }
}

async function reply(id: number, work: () => Promise<unknown>): Promise<void> {
  try {
    const value = await work();
    const transfer: ArrayBuffer[] = [];
    if (value instanceof Float32Array) transfer.push(value.buffer as ArrayBuffer);
    else if (
      value &&
      typeof value === 'object' &&
      (value as { vectors?: unknown }).vectors instanceof Float32Array
    )
      transfer.push((value as IngestedFile).vectors!.buffer as ArrayBuffer);
    send({ t: 'ok', id, value }, transfer);
  } catch (e) {
    // A cancelled request's batch may still be running in a lane; the main thread ends this worker
    // once every cancelled request is answered, and ending it mid-run would abort the process.
    if (isAppError(e) && e.code === 'CANCELLED') await quiesce();
    send({ t: 'error', id, error: failure(e) });
  } finally {
    controllers.delete(id);
  }
}

port.on('message', (msg: ToWorker) => {
  void handle(msg);
});
send({ t: 'ready' });
