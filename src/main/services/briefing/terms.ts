/**
 * Terms for trending topics: lowercase words (letters, 3-30 long, no stopwords, no numbers) and
 * bigrams of adjacent kept words, counted per document; and Dunning's log-likelihood ratio (G²) of
 * a term's frequency in recent documents against the older baseline (Dunning 1993; the "keyness"
 * statistic of corpus linguistics): large when the recent count is far above what the baseline
 * rate predicts, and, unlike a plain ratio, not fooled by a term seen twice.
 */

// A standard English stopword list (the snowball/NLTK set) plus words of every document's boilerplate.
const STOPWORDS = new Set(
  `a about above after again against all also am an and any are aren't as at be because been before being
  below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during
  each few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers
  herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more
  most mustn't my myself no nor not of off on once only or other ought our ours ourselves out over own same
  shan't she she'd she'll she's should shouldn't so some such than that that's the their theirs them
  themselves then there there's these they they'd they'll they're they've this those through to too under
  until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where where's which
  while who who's whom why why's with won't would wouldn't you you'd you'll you're you've your yours yourself
  yourselves will just get got one two three may might must shall us per via etc new use used using like
  also well back even still way many much make made see said says say within without upon yet however
  thus therefore page pages chapter section figure table note notes document documents file files`
    .split(/\s+/)
    .filter(Boolean),
);

const WORD = /[\p{L}][\p{L}'’]*/gu;

export function isStopword(w: string): boolean {
  return STOPWORDS.has(w);
}

/** Kept words of a text in order; null marks a break (a stopword or short word) between them. */
function words(text: string): Array<string | null> {
  const out: Array<string | null> = [];
  for (const m of text.toLowerCase().matchAll(WORD)) {
    const w = m[0].replace(/['’]s$/, '').replace(/['’]/g, '');
    if (w.length < 3 || w.length > 30 || STOPWORDS.has(w)) {
      if (out.length && out[out.length - 1] !== null) out.push(null);
      continue;
    }
    out.push(w);
  }
  return out;
}

export interface TermCounts {
  /** Term -> count (unigrams and "w1 w2" bigrams). */
  counts: Map<string, number>;
  /** Unigram tokens counted (the denominator of rates). */
  tokens: number;
}

/**
 * Unigram and bigram counts of a document's texts, kept to the `maxUnigrams` and `maxBigrams` most
 * frequent of each (ties by first appearance) so long documents stay bounded.
 */
export function countTerms(texts: readonly string[], maxUnigrams = 120, maxBigrams = 40): TermCounts {
  const uni = new Map<string, number>();
  const bi = new Map<string, number>();
  let tokens = 0;
  for (const text of texts) {
    const ws = words(text);
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i];
      if (w === null || w === undefined) continue;
      tokens++;
      uni.set(w, (uni.get(w) ?? 0) + 1);
      const next = ws[i + 1];
      if (next) {
        const b = `${w} ${next}`;
        bi.set(b, (bi.get(b) ?? 0) + 1);
      }
    }
  }
  const top = (m: Map<string, number>, n: number, min: number) =>
    [...m.entries()]
      .filter(([, c]) => c >= min)
      .sort((a, b) => b[1] - a[1])
      .slice(0, n);
  // A phrase counts where a document repeats it: bigrams seen once are mostly chance neighbours, and
  // they would be most of the rows.
  return { counts: new Map([...top(uni, maxUnigrams, 1), ...top(bi, maxBigrams, 2)]), tokens };
}

/**
 * Dunning's G² for a term seen `a` times in `recentTokens` recent tokens and `b` times in
 * `baselineTokens` older ones; signed: negative when the term is rarer recently than before.
 */
export function logLikelihood(a: number, b: number, recentTokens: number, baselineTokens: number): number {
  const total = recentTokens + baselineTokens;
  if (a + b === 0 || recentTokens === 0 || baselineTokens === 0) return 0;
  const e1 = (recentTokens * (a + b)) / total;
  const e2 = (baselineTokens * (a + b)) / total;
  const g2 = 2 * ((a > 0 ? a * Math.log(a / e1) : 0) + (b > 0 ? b * Math.log(b / e2) : 0));
  return a / recentTokens >= b / baselineTokens ? g2 : -g2;
}

/** The content words of a text (lowercase, stopwords and short words left out). */
export function contentWords(text: string): string[] {
  return words(text).filter((w): w is string => w !== null);
}
