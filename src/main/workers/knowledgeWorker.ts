/**
 * The knowledge worker: everything blocking about ingest runs here, off the main thread: hashing a
 * file, parsing it (H7's parsers), cutting it into chunks with the model's own tokenizer, and
 * embedding (onnxruntime-node, intra-op threads = the machine's cores). The main thread only writes
 * SQLite.
 *
 * Embedding is scheduled across requests: texts wait in one queue per kind, queries first (a search
 * never waits behind a 500-file import), and every batch takes texts of similar token length
 * (sorted by length, up to `maxBatch` texts and `maxBatchTokens` padded tokens), so a batch is
 * padded only to its own longest text.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { AppError, isAppError } from '../../shared/ipc/result';
import type { Chunk } from '../../shared/types/knowledge';
import { createEmbedder, type EmbedKind, type Embedder } from '../services/inference/embedder';
import { createDocumentChunker, type DocumentChunker } from '../services/knowledge/chunking';
import { isParseError, parseFile } from '../services/knowledge/parsers';
import type { FromWorker, IngestedFile, ModelSpec, ToWorker, WorkerFailure } from './knowledgeProtocol';

const port = parentPort;
if (!port) throw new Error('knowledgeWorker must run in a worker thread');

let threads = 1;
let maxBatch = 32;
let maxBatchTokens = 8192;

interface LoadedModel {
  spec: ModelSpec;
  embedder: Embedder;
  chunker: DocumentChunker;
  scheduler: EmbedScheduler;
}

const models = new Map<string, Promise<LoadedModel>>();
const controllers = new Map<number, AbortController>();

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
  const embedder = await createEmbedder({
    onnxPath: spec.onnxPath,
    tokenizerPath: spec.tokenizerPath,
    params: spec.params,
    // Our scheduler forms the batches; the embedder runs each one as one padded tensor.
    batchSize: Number.MAX_SAFE_INTEGER,
    threads,
  });
  const chunker = await createDocumentChunker(spec.tokenizerPath);
  return { spec, embedder, chunker, scheduler: new EmbedScheduler(embedder) };
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
  resolve(v: Float32Array[]): void;
  reject(e: unknown): void;
  signal?: AbortSignal;
}

class EmbedScheduler {
  private readonly queues: Record<EmbedKind, Pending[]> = { query: [], document: [] };
  private running = false;
  private seq = 0;

  constructor(private readonly embedder: Embedder) {}

  embed(texts: readonly string[], kind: EmbedKind, signal?: AbortSignal): Promise<Float32Array[]> {
    if (texts.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const request: EmbedRequest = {
        seq: this.seq++,
        vectors: new Array(texts.length),
        remaining: texts.length,
        resolve,
        reject,
        signal,
      };
      const tokens = this.embedder.countTokens(texts, kind);
      texts.forEach((text, index) =>
        this.queues[kind].push({ text, tokens: tokens[index]!, request, index }),
      );
      signal?.addEventListener(
        'abort',
        () => {
          for (const k of ['query', 'document'] as const)
            this.queues[k] = this.queues[k].filter((p) => p.request !== request);
          reject(new AppError('CANCELLED', 'Cancelled.'));
        },
        { once: true },
      );
      void this.pump();
    });
  }

  private next(): { kind: EmbedKind; batch: Pending[] } | undefined {
    const kind: EmbedKind | undefined =
      this.queues.query.length > 0 ? 'query' : this.queues.document.length > 0 ? 'document' : undefined;
    if (!kind) return undefined;
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
        const live = job.batch.filter((p) => !p.request.signal?.aborted);
        if (live.length === 0) continue;
        try {
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

async function ingest(msg: Extract<ToWorker, { t: 'ingest' }>, signal: AbortSignal): Promise<IngestedFile> {
  const m = await model(msg.modelId);
  send({ t: 'stage', id: msg.id, stage: 'hashing' });
  const file = await hashFile(msg.path, signal);
  if (msg.knownHash && msg.knownHash === file.hash) return { skipped: true, ...file };
  send({ t: 'stage', id: msg.id, stage: 'parsing' });
  const doc = await parseFile(msg.path, { signal, ...(msg.maxBytes ? { maxBytes: msg.maxBytes } : {}) });
  send({ t: 'stage', id: msg.id, stage: 'chunking' });
  const chunks: Chunk[] = m.chunker(doc, msg.chunking);
  if (chunks.length === 0) throw new AppError('INVALID_INPUT', 'The file has no text to index.');
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
        if (m) await (await m).embedder.dispose();
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
    case 'ingest': {
      const ac = new AbortController();
      controllers.set(msg.id, ac);
      await reply(msg.id, () => ingest(msg, ac.signal));
      return;
    }
  }
}

async function reply(id: number, work: () => Promise<unknown>): Promise<void> {
  try {
    const value = await work();
    const transfer: ArrayBuffer[] = [];
    if (value instanceof Float32Array) transfer.push(value.buffer as ArrayBuffer);
    else if (value && typeof value === 'object' && (value as IngestedFile).vectors instanceof Float32Array)
      transfer.push((value as IngestedFile).vectors!.buffer as ArrayBuffer);
    send({ t: 'ok', id, value }, transfer);
  } catch (e) {
    send({ t: 'error', id, error: failure(e) });
  } finally {
    controllers.delete(id);
  }
}

port.on('message', (msg: ToWorker) => {
  void handle(msg);
});
send({ t: 'ready' });
