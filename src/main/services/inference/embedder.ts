import { readFile } from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { AppError } from '../../../shared/ipc/result';
import { dropNanGuards, int8MatMuls } from './onnxSimplify';

/**
 * Sentence embeddings with a BERT-style ONNX encoder (all-MiniLM-L6-v2, bge-small, ...).
 *
 * The ONNX graph returns `last_hidden_state` [batch, tokens, hidden]; pooling and normalisation are
 * done here, as the model's manifest entry says (`params`), so one runner serves every such model.
 * This is blocking native work: in the app it runs inside a worker thread (see services/knowledge).
 */
export interface EmbeddingRuntimeParams {
  dimension: number;
  pooling: 'mean' | 'cls';
  normalize: boolean;
  /** Longest input in tokens, [CLS] and [SEP] included; longer texts are truncated. */
  maxTokens: number;
  queryPrefix?: string;
  documentPrefix?: string;
}

export type EmbedKind = 'query' | 'document';

export interface EmbedderOptions {
  onnxPath: string;
  tokenizerPath: string;
  params: EmbeddingRuntimeParams;
  /** Texts run through the model at once (padded to the longest of them). Default 32. */
  batchSize?: number;
  /** onnxruntime intra-op threads; default: onnxruntime's choice (all cores). */
  threads?: number;
  /**
   * Run the model's int8-weight MatMuls in int8 (onnxSimplify.ts `int8MatMuls`): 1.34x the
   * throughput of MiniLM int8 on one thread, vectors within cosine 0.9987 of the fp32 model's. Only
   * where `int8DotProduct()` says the CPU does it well. Default false: the float path.
   */
  int8MatMul?: boolean;
}

/** A text and character spans of it ([start, end), sorted, not overlapping) to pool vectors for. */
export interface SpanInput {
  text: string;
  spans: ReadonlyArray<readonly [number, number]>;
}

export interface SpanPooled {
  /** The text's vector, exactly as `embed` gives it. */
  vector: Float32Array;
  /**
   * Per span: the mean of the text's token states over the span's tokens (normalised when the model
   * is), from the same forward pass ("late pooling": contextual, and no extra inference). Null when
   * the span's tokens were cut by truncation, hold no token, or cannot be located exactly (a
   * tokenizer whose tokens cross the span's edges).
   */
  spans: Array<Float32Array | null>;
}

export interface Embedder {
  readonly dimension: number;
  /** Whether the model's MatMuls run in int8 (asked for with `int8MatMul`, and the runtime took it). */
  readonly int8MatMul: boolean;
  /** One vector per text, in input order. */
  embed(texts: readonly string[], kind: EmbedKind): Promise<Float32Array[]>;
  /** Like `embed`, plus one vector per span of each text from the same run (see SpanPooled). */
  embedWithSpans(items: readonly SpanInput[], kind: EmbedKind): Promise<SpanPooled[]>;
  /** Token counts (after truncation) as the model sees them, [CLS]/[SEP] included. */
  countTokens(texts: readonly string[], kind: EmbedKind): number[];
  dispose(): Promise<void>;
}

interface Encoded {
  ids: number[];
  /** Token ranges [from, to) in `ids` to pool separately (embedWithSpans); null: none located. */
  tokenSpans?: Array<readonly [number, number] | null>;
  /** Filled by runBatch when `tokenSpans` is set. */
  spanVectors?: Array<Float32Array | null>;
}

export async function createEmbedder(options: EmbedderOptions): Promise<Embedder> {
  const { params } = options;
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new AppError('INVALID_INPUT', 'batchSize must be a positive integer');

  const tokenizerJson = JSON.parse(await readFile(options.tokenizerPath, 'utf8')) as Record<string, unknown>;
  const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfigFrom(tokenizerJson));
  const padId = padTokenId(tokenizerJson);

  const sessionOptions: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
    // onnxruntime's fused SkipLayerNormalization kernel is slower than the Add + LayerNormalization
    // it replaces: without that one fusion MiniLM runs ~7% faster (1-thread CPU time over 256
    // SciFact chunks, AMD EPYC with AVX-512; same outputs).
    extra: { optimization: { disable_specified_optimizers: 'SkipLayerNormFusion' } },
  };
  let session: ort.InferenceSession | undefined;
  let int8 = false;
  try {
    // The same model file, minus the softmax NaN guards onnxruntime keeps (onnxSimplify.ts), and with
    // its int8 weights multiplied in int8 where asked.
    const model = dropNanGuards(await readFile(options.onnxPath)).bytes;
    const rewritten = options.int8MatMul ? int8MatMuls(model) : { bytes: model, rewritten: 0 };
    if (rewritten.rewritten > 0) {
      // A runtime without the int8 kernel refuses the rewritten graph at load; the float path still runs.
      session = await ort.InferenceSession.create(rewritten.bytes, sessionOptions).catch(() => undefined);
      int8 = session !== undefined;
    }
    session ??= await ort.InferenceSession.create(model, sessionOptions);
  } catch (e) {
    throw new AppError('UNAVAILABLE', `cannot load the embedding model: ${(e as Error).message}`);
  }
  const inputNames = new Set(session.inputNames);
  const outputName = session.outputNames.includes('last_hidden_state')
    ? 'last_hidden_state'
    : session.outputNames[0];
  if (!inputNames.has('input_ids') || !outputName)
    throw new AppError('UNAVAILABLE', 'the embedding model has no input_ids input or no output');

  const prefixFor = (kind: EmbedKind): string =>
    (kind === 'query' ? params.queryPrefix : params.documentPrefix) ?? '';

  const encode = (text: string, kind: EmbedKind): Encoded => {
    const { ids } = tokenizer.encode(prefixFor(kind) + text);
    if (ids.length <= params.maxTokens) return { ids };
    // Keep the leading special token(s) and the final [SEP]: truncate the middle-right content.
    return { ids: [...ids.slice(0, params.maxTokens - 1), ids[ids.length - 1]!] };
  };

  // Where a text's own tokens start and how many special tokens close it ([CLS] ... [SEP]: 1 and 1).
  const bare = tokenizer.encode('a', { add_special_tokens: false }).ids;
  const full = tokenizer.encode('a').ids;
  const lead = Math.max(0, full.indexOf(bare[0]!));
  const trail = Math.max(0, full.length - lead - bare.length);

  /**
   * The token range of each span: the text is cut at the spans' edges and each piece tokenized on
   * its own; when the pieces' tokens put together are exactly the whole text's tokens (always so for
   * tokenizers that split at whitespace and punctuation first, like BERT's WordPiece, as spans at
   * sentence edges are), each span's tokens are known. Otherwise (or past truncation): null.
   */
  const locate = (text: string, kind: EmbedKind, ids: number[], spans: SpanInput['spans']) => {
    const none = spans.map(() => null);
    const prefix = prefixFor(kind);
    const input = prefix + text;
    // The text's own tokens: from `ids` when nothing was truncated, else tokenized again.
    const content =
      ids.length < params.maxTokens
        ? ids.slice(lead, ids.length - trail)
        : tokenizer.encode(input, { add_special_tokens: false }).ids;
    const cuts: number[] = [0];
    for (const [s, e] of spans) {
      if (!(s >= cuts.at(-1)! - prefix.length && e >= s && e <= text.length)) return none;
      cuts.push(s + prefix.length, e + prefix.length);
    }
    cuts.push(input.length);
    const at: number[] = [0];
    const pieces: number[] = [];
    for (let c = 0; c + 1 < cuts.length; c++) {
      const piece =
        cuts[c + 1]! > cuts[c]!
          ? tokenizer.encode(input.slice(cuts[c], cuts[c + 1]), { add_special_tokens: false }).ids
          : [];
      pieces.push(...piece);
      at.push(pieces.length);
    }
    if (pieces.length !== content.length || pieces.some((id, i) => id !== content[i])) return none;
    // After truncation the text's own tokens are ids[lead, ids.length - trail).
    const end = ids.length - trail;
    return spans.map((_, k): readonly [number, number] | null => {
      const from = lead + at[2 * k + 1]!;
      const to = lead + at[2 * k + 2]!;
      return to > from && to <= end ? [from, to] : null;
    });
  };

  const runBatch = async (batch: Encoded[]): Promise<Float32Array[]> => {
    const n = batch.length;
    const seq = Math.max(...batch.map((b) => b.ids.length));
    const ids = new BigInt64Array(n * seq).fill(BigInt(padId));
    const mask = new BigInt64Array(n * seq);
    batch.forEach((b, i) => {
      b.ids.forEach((id, t) => {
        ids[i * seq + t] = BigInt(id);
        mask[i * seq + t] = 1n;
      });
    });
    const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', ids, [n, seq]) };
    if (inputNames.has('attention_mask')) feeds.attention_mask = new ort.Tensor('int64', mask, [n, seq]);
    if (inputNames.has('token_type_ids'))
      feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(n * seq), [n, seq]);
    const out = await session.run(feeds, [outputName]);
    const hidden = out[outputName]!;
    const data = hidden.data as Float32Array;
    const dim = hidden.dims[2] ?? 0;
    if (hidden.dims.length !== 3 || dim !== params.dimension)
      throw new AppError(
        'INTERNAL',
        `embedding output has shape [${hidden.dims.join(',')}], expected [*,*,${params.dimension}]`,
      );
    const vectors: Float32Array[] = [];
    for (let i = 0; i < n; i++) {
      const v = new Float32Array(dim);
      const len = batch[i]!.ids.length;
      if (params.pooling === 'cls') {
        v.set(data.subarray(i * seq * dim, i * seq * dim + dim));
      } else {
        for (let t = 0; t < len; t++) {
          const base = (i * seq + t) * dim;
          for (let d = 0; d < dim; d++) v[d]! += data[base + d]!;
        }
        for (let d = 0; d < dim; d++) v[d]! /= len;
      }
      if (params.normalize) normalizeInPlace(v);
      vectors.push(v);
      const spans = batch[i]!.tokenSpans;
      if (spans)
        batch[i]!.spanVectors = spans.map((r) => {
          if (!r) return null;
          const sv = new Float32Array(dim);
          for (let t = r[0]; t < r[1]; t++) {
            const base = (i * seq + t) * dim;
            for (let d = 0; d < dim; d++) sv[d]! += data[base + d]!;
          }
          for (let d = 0; d < dim; d++) sv[d]! /= r[1] - r[0];
          return params.normalize ? normalizeInPlace(sv) : sv;
        });
    }
    return vectors;
  };

  let disposed = false;
  return {
    dimension: params.dimension,
    int8MatMul: int8,
    countTokens: (texts, kind) => texts.map((t) => encode(t, kind).ids.length),
    async embed(texts, kind) {
      if (disposed) throw new AppError('UNAVAILABLE', 'the embedder was disposed');
      const encoded = texts.map((t) => encode(t, kind));
      // Batch texts of similar length together so little compute goes to padding.
      const order = encoded.map((_, i) => i).sort((a, b) => encoded[a]!.ids.length - encoded[b]!.ids.length);
      const result = new Array<Float32Array>(texts.length);
      for (let start = 0; start < order.length; start += batchSize) {
        const idx = order.slice(start, start + batchSize);
        const vectors = await runBatch(idx.map((i) => encoded[i]!));
        idx.forEach((i, k) => (result[i] = vectors[k]!));
      }
      return result;
    },
    async embedWithSpans(items, kind) {
      if (disposed) throw new AppError('UNAVAILABLE', 'the embedder was disposed');
      const encoded = items.map((it) => {
        const e = encode(it.text, kind);
        return { ...e, tokenSpans: locate(it.text, kind, e.ids, it.spans) };
      });
      const order = encoded.map((_, i) => i).sort((a, b) => encoded[a]!.ids.length - encoded[b]!.ids.length);
      const result = new Array<SpanPooled>(items.length);
      for (let start = 0; start < order.length; start += batchSize) {
        const idx = order.slice(start, start + batchSize);
        const vectors = await runBatch(idx.map((i) => encoded[i]!));
        idx.forEach((i, k) => (result[i] = { vector: vectors[k]!, spans: encoded[i]!.spanVectors ?? [] }));
      }
      return result;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await session.release();
    },
  };
}

export function normalizeInPlace(v: Float32Array): Float32Array {
  let sum = 0;
  for (let d = 0; d < v.length; d++) sum += v[d]! * v[d]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let d = 0; d < v.length; d++) v[d]! /= norm;
  return v;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let d = 0; d < a.length; d++) {
    dot += a[d]! * b[d]!;
    na += a[d]! * a[d]!;
    nb += b[d]! * b[d]!;
  }
  return dot / Math.sqrt(na * nb);
}

/**
 * tokenizers.js wants the tokenizer_config.json as well; the fields it reads are derivable from
 * tokenizer.json for BERT-style WordPiece tokenizers, so the manifest needs one file, not two.
 */
function tokenizerConfigFrom(json: Record<string, unknown>): Record<string, unknown> {
  const normalizer = json.normalizer as { lowercase?: boolean } | null | undefined;
  return {
    do_lower_case: normalizer?.lowercase ?? false,
    clean_up_tokenization_spaces: true,
    model_max_length: 512,
  };
}

function padTokenId(json: Record<string, unknown>): number {
  const padding = json.padding as { pad_id?: number } | null | undefined;
  return padding?.pad_id ?? 0;
}
