import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  highlightTerms,
  markedToSpans,
  queryCoverage,
  bm25Idf,
  reciprocalRankFusion,
  toFtsQuery,
  weightsThatMatter,
} from '../../../src/main/services/knowledge/query';

describe('query handling for hybrid search', () => {
  it('quotes every word, keeps codes and user phrases whole, drops stopwords and ORs the rest', () => {
    expect(toFtsQuery('What does error E-4012 mean?')).toMatchObject({
      fts: '"error" OR "e-4012" OR "mean"',
      groups: [['error'], ['e', '4012'], ['mean']],
    });
    expect(toFtsQuery('"inlet valve" stayed').fts).toBe('"inlet valve" OR "stayed"');
    // FTS5 syntax is inert: operators become words, stray quotes and brackets vanish.
    expect(toFtsQuery('NEAR(pump valve) AND col:x*').fts).toBe('"near" OR "pump" OR "valve" OR "col" OR "x"');
    expect(toFtsQuery('"').fts).toBe('');
    expect(toFtsQuery('(((*)))').fts).toBe('');
    // Only stopwords: they are kept rather than searching for nothing.
    expect(toFtsQuery('the of').fts).toBe('"the" OR "of"');
    expect(toFtsQuery('snake_case and v1.2.3').fts).toBe('"snake_case" OR "v1.2.3"');
  });

  it('fuses ranked lists by reciprocal rank (k = 60)', () => {
    const fused = reciprocalRankFusion([
      [1, 2, 3],
      [3, 4],
    ]);
    expect(fused.get(3)).toBeCloseTo(1 / 63 + 1 / 61, 12);
    expect(fused.get(1)).toBeCloseTo(1 / 61, 12);
    expect([...fused.entries()].sort((a, b) => b[1] - a[1])[0]![0]).toBe(3);
  });

  it('weighs a keyword hit by the share of the query it matched, by IDF', () => {
    // Terms: a rare code (df 1 of 1000 chunks) and a common word (df 400).
    const idf = [bm25Idf(1000, 1), bm25Idf(1000, 400)];
    expect(idf[0]).toBeGreaterThan(idf[1]! * 10);
    const cov = queryCoverage(
      new Map([
        [10, [0, 1]],
        [11, [0]],
        [12, [1]],
        [13, []],
      ]),
      idf,
    );
    expect(cov.get(10)).toBeCloseTo(1, 12);
    expect(cov.get(11)).toBeGreaterThan(0.9);
    expect(cov.get(12)).toBeLessThan(0.1);
    expect(cov.get(13)).toBe(0);
    // Keyword leg: the one-common-word hit first, the full match second; vector leg: its answer
    // first, the full match second. Unweighted, the weak hit ties with the vector leg's answer; weighted,
    // it falls below it, and the full match stays first.
    const plain = reciprocalRankFusion([
      [12, 10],
      [20, 10],
    ]);
    expect(plain.get(12)).toBeCloseTo(plain.get(20)!, 12);
    const fused = reciprocalRankFusion([{ ids: [12, 10], weight: (id) => cov.get(id) ?? 1 }, [20, 10]]);
    const order = [...fused.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id);
    expect(order).toEqual([10, 20, 12]);
  });

  it('turns FTS5 snippet markers into spans and highlights query words in plain text', () => {
    expect(markedToSpans('the \u0002pump\u0003 failed with \u0002E\u0003-\u00024012\u0003')).toEqual([
      { text: 'the ', mark: false },
      { text: 'pump', mark: true },
      { text: ' failed with ', mark: false },
      { text: 'E', mark: true },
      { text: '-', mark: false },
      { text: '4012', mark: true },
    ]);
    const spans = highlightTerms('Spent batteries go to a collection point.', ['battery', 'collection']);
    expect(spans.filter((s) => s.mark).map((s) => s.text)).toEqual(['batteries', 'collection']);
    const long = `${'filler '.repeat(100)}the lighthouse keeper ${'more '.repeat(100)}`;
    const cut = highlightTerms(long, ['lighthouse'], 120);
    expect(cut[0]!.text.startsWith('…')).toBe(true);
    expect(cut.some((s) => s.mark && s.text === 'lighthouse')).toBe(true);
    expect(cut.map((s) => s.text).join('').length).toBeLessThan(130);
  });

  it('works out only the weights that can change the top k, and the top k stays the same', () => {
    const topOf = (scores: Map<number, number>, k: number) =>
      [...scores.entries()]
        .sort((a, b) => b[1] - a[1] || a[0] - b[0])
        .slice(0, k)
        .map(([id]) => id);
    // Distinct ids for each list drawn from a small range, so the lists overlap often.
    const list = (max: number) => fc.uniqueArray(fc.integer({ min: 1, max: 120 }), { maxLength: max });
    fc.assert(
      fc.property(
        list(80),
        list(80),
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 120, maxLength: 120 }),
        (keyword, vector, topK, weights) => {
          const weight = (id: number) => weights[id - 1]!;
          const matter = weightsThatMatter(keyword, [vector], topK);
          for (const id of matter) expect(keyword).toContain(id);
          const exact = reciprocalRankFusion([{ ids: keyword, weight }, vector]);
          const bounded = reciprocalRankFusion([
            { ids: keyword, weight: (id) => (matter.has(id) ? weight(id) : 1) },
            vector,
          ]);
          expect(topOf(bounded, topK)).toEqual(topOf(exact, topK));
        },
      ),
      { numRuns: 500 },
    );
    // It does save work: with a long vector list, keyword hits far down that are not vector hits
    // cannot reach a top 10.
    const vector = Array.from({ length: 60 }, (_, i) => i + 1);
    const keyword = Array.from({ length: 60 }, (_, i) => 1000 + i);
    const matter = weightsThatMatter(keyword, [vector], 10);
    expect([...matter]).toEqual(keyword.slice(0, matter.size));
    expect(matter.size).toBeLessThan(15);
    // Too few items to fill the top: every weight matters.
    expect(weightsThatMatter([1, 2, 3], [[4]], 10)).toEqual(new Set([1, 2, 3]));
  });
});
