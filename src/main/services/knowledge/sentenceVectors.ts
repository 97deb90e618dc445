/**
 * Sentence vectors of a chunk, made at ingest by "late pooling": the chunk's own forward pass gives
 * a state for every token; the mean over each sentence's tokens (normalised) is that sentence's
 * vector, in the context of its chunk, at no extra inference (see `Embedder.embedWithSpans`). The
 * extractive answer ranks a passage's sentences by their dot product with the query vector the
 * search already computed, so answering runs no model.
 *
 * A late-pooled sentence vector carries its chunk's topic as well as its own content, so the
 * sentences of one chunk sit close together. Half of the chunk's vector is taken out of each before
 * it is normalised again (`CHUNK_CONTEXT_REMOVED`): on a labelled set of paraphrased questions
 * (test/services/assistant/storedSentences.test.ts) that turned 13 of 14 right sentences ranked
 * first into 14 of 14 and halved the best wrong sibling's score relative to the right one.
 *
 * Sentences are the extractive answer's own split (`sentenceSpans`), identified by their character
 * span in the chunk text. Vectors are stored as int8 with one float scale per sentence (a quarter of
 * float32; dot products stay within ~0.01 of the float ones for normalised MiniLM vectors).
 */
import { sentenceSpans } from '../assistant/text';
import type { EmbedKind, Embedder } from '../inference/embedder';

export interface SentenceVectors {
  /** [start, end) character offsets in the chunk text, two per sentence. */
  spans: Uint32Array;
  /** count x dimension int8 values, row-major; row i times scales[i] is sentence i's vector. */
  vectors: Int8Array;
  scales: Float32Array;
}

/** Share of the chunk's vector taken out of each late-pooled sentence vector (see above). */
export const CHUNK_CONTEXT_REMOVED = 0.5;

/**
 * Packs the sentences that got a vector (null: none; such a sentence is left out). With `chunk`
 * (the chunk's normalised vector), `CHUNK_CONTEXT_REMOVED` of it is subtracted from each first.
 */
export function packSentenceVectors(
  spans: ReadonlyArray<readonly [number, number]>,
  pooled: ReadonlyArray<Float32Array | null>,
  dimension: number,
  chunk?: Float32Array,
): SentenceVectors {
  const kept = pooled.flatMap((v, i) => (v && v.length === dimension ? [i] : []));
  const out: SentenceVectors = {
    spans: new Uint32Array(kept.length * 2),
    vectors: new Int8Array(kept.length * dimension),
    scales: new Float32Array(kept.length),
  };
  kept.forEach((i, k) => {
    let v = pooled[i]!;
    if (chunk && chunk.length === dimension) {
      const r = new Float32Array(dimension);
      let norm = 0;
      for (let d = 0; d < dimension; d++) {
        r[d] = v[d]! - CHUNK_CONTEXT_REMOVED * chunk[d]!;
        norm += r[d]! * r[d]!;
      }
      if (norm > 0) for (let d = 0; d < dimension; d++) r[d]! /= Math.sqrt(norm);
      v = r;
    }
    let max = 0;
    for (let d = 0; d < dimension; d++) max = Math.max(max, Math.abs(v[d]!));
    const scale = max > 0 ? max / 127 : 1;
    for (let d = 0; d < dimension; d++) out.vectors[k * dimension + d] = Math.round(v[d]! / scale);
    out.scales[k] = scale;
    out.spans[k * 2] = spans[i]![0];
    out.spans[k * 2 + 1] = spans[i]![1];
  });
  return out;
}

/** The dot product of stored sentence `i` with a float vector of the same dimension. */
export function sentenceDot(s: SentenceVectors, i: number, query: Float32Array): number {
  const dim = query.length;
  const base = i * dim;
  let dot = 0;
  for (let d = 0; d < dim; d++) dot += s.vectors[base + d]! * query[d]!;
  return dot * s.scales[i]!;
}

/** The stored sentence with exactly this span, or -1. */
export function sentenceAt(s: SentenceVectors, start: number, end: number): number {
  for (let i = 0; i < s.scales.length; i++)
    if (s.spans[2 * i] === start && s.spans[2 * i + 1] === end) return i;
  return -1;
}

/** SQLite BLOBs of a SentenceVectors (little-endian, like `chunk_vectors`). */
export function sentenceBlobs(s: SentenceVectors): { spans: Buffer; vectors: Buffer; scales: Buffer } {
  const b = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return { spans: b(s.spans), vectors: b(s.vectors), scales: b(s.scales) };
}

export function sentenceVectorsFromBlobs(r: {
  spans: Buffer;
  vectors: Buffer;
  scales: Buffer;
}): SentenceVectors {
  // Copy: a Buffer from SQLite may sit at an unaligned offset of a shared pool.
  const spans = new Uint32Array(r.spans.byteLength / 4);
  new Uint8Array(spans.buffer).set(r.spans);
  const scales = new Float32Array(r.scales.byteLength / 4);
  new Uint8Array(scales.buffer).set(r.scales);
  const vectors = new Int8Array(r.vectors.byteLength);
  vectors.set(new Int8Array(r.vectors.buffer, r.vectors.byteOffset, r.vectors.byteLength));
  return { spans, vectors, scales };
}

/**
 * An embedder for the embedding scheduler that also late-pools sentence vectors for every document
 * text it embeds. The scheduler hands each text's vector object through unchanged, so the sentence
 * vectors are found afterwards by that object (`take`); a vector nobody asks about is simply
 * collected with it. Queries are embedded as before.
 */
export function withSentenceVectors(embedder: Pick<Embedder, 'embed' | 'embedWithSpans' | 'countTokens'>): {
  embedder: Pick<Embedder, 'embed' | 'countTokens'>;
  take(vector: Float32Array): SentenceVectors | undefined;
} {
  const pooled = new WeakMap<Float32Array, SentenceVectors>();
  return {
    embedder: {
      countTokens: (texts, kind) => embedder.countTokens(texts, kind),
      async embed(texts: readonly string[], kind: EmbedKind) {
        if (kind !== 'document') return embedder.embed(texts, kind);
        const spans = texts.map((t) => sentenceSpans(t).map((s) => [s.start, s.end] as const));
        const out = await embedder.embedWithSpans(
          texts.map((text, i) => ({ text, spans: spans[i]! })),
          kind,
        );
        return out.map((o, i) => {
          pooled.set(o.vector, packSentenceVectors(spans[i]!, o.spans, o.vector.length, o.vector));
          return o.vector;
        });
      },
    },
    take(vector) {
      const s = pooled.get(vector);
      pooled.delete(vector);
      return s;
    },
  };
}
