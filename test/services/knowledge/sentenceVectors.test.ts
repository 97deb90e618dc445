/**
 * Sentence vectors without a model: the sentence split with spans (the one the extractive answer
 * uses and sentence vectors are stored for), int8 packing, and the SQLite BLOB round trip.
 */
import { describe, expect, it } from 'vitest';
import { sentenceSpans, sentences } from '../../../src/main/services/assistant/text';
import {
  packSentenceVectors,
  sentenceAt,
  sentenceBlobs,
  sentenceDot,
  sentenceVectorsFromBlobs,
} from '../../../src/main/services/knowledge/sentenceVectors';

function unit(dim: number, seed: number): Float32Array {
  const v = new Float32Array(dim);
  let s = seed;
  let norm = 0;
  for (let d = 0; d < dim; d++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    v[d] = s / 0x7fffffff - 0.5;
    norm += v[d]! * v[d]!;
  }
  for (let d = 0; d < dim; d++) v[d]! /= Math.sqrt(norm);
  return v;
}

describe('sentenceSpans', () => {
  it('gives each sentence with its span in the original text, whitespace collapsed in the text only', () => {
    const text = '  The ferry leaves   every\nhalf hour.  Bikes go free!\n\n- Dogs on a lead\n- No kites.';
    const spans = sentenceSpans(text);
    expect(spans.map((s) => s.text)).toEqual([
      'The ferry leaves every half hour.',
      'Bikes go free!',
      '- Dogs on a lead',
      '- No kites.',
    ]);
    for (const s of spans) expect(text.slice(s.start, s.end).replace(/\s+/g, ' ')).toBe(s.text);
    expect(sentences(text)).toEqual(spans.map((s) => s.text));
  });

  it('does not end a sentence inside a number or a word, nor drop what came before it', () => {
    expect(sentences('Tickets cost 2.50 pounds. Version 1.2.3 is out.')).toEqual([
      'Tickets cost 2.50 pounds.',
      'Version 1.2.3 is out.',
    ]);
    expect(sentences('A line without an end')).toEqual(['A line without an end']);
    expect(sentences('A. B. Go on.')).toEqual(['Go on.']); // shorter than 3 characters: left out
  });
});

describe('packed sentence vectors', () => {
  const dim = 384;
  const a = unit(dim, 1);
  const b = unit(dim, 2);
  const q = unit(dim, 3);
  const dot = (x: Float32Array, y: Float32Array): number => x.reduce((s, v, i) => s + v * y[i]!, 0);

  it('keeps the sentences that have a vector, int8 dot products within 0.01 of float', () => {
    const packed = packSentenceVectors(
      [
        [0, 10],
        [11, 20],
        [21, 30],
      ],
      [a, null, b],
      dim,
    );
    expect(packed.scales.length).toBe(2);
    expect([...packed.spans]).toEqual([0, 10, 21, 30]);
    expect(packed.vectors.length).toBe(2 * dim);
    expect(sentenceAt(packed, 21, 30)).toBe(1);
    expect(sentenceAt(packed, 11, 20)).toBe(-1);
    expect(Math.abs(sentenceDot(packed, 0, q) - dot(a, q))).toBeLessThan(0.01);
    expect(Math.abs(sentenceDot(packed, 1, q) - dot(b, q))).toBeLessThan(0.01);
    expect(Math.abs(sentenceDot(packed, 0, a) - 1)).toBeLessThan(0.01);
  });

  it('round-trips through SQLite BLOBs, also from unaligned buffers', () => {
    const packed = packSentenceVectors([[3, 9]], [a], dim);
    const blobs = sentenceBlobs(packed);
    const shift = (buf: Buffer): Buffer => Buffer.concat([Buffer.alloc(1), buf]).subarray(1);
    const back = sentenceVectorsFromBlobs({
      spans: shift(blobs.spans),
      vectors: shift(blobs.vectors),
      scales: shift(blobs.scales),
    });
    expect([...back.spans]).toEqual([3, 9]);
    expect([...back.vectors]).toEqual([...packed.vectors]);
    expect([...back.scales]).toEqual([...packed.scales]);
  });
});
