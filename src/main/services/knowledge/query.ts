/**
 * Query-side text handling for hybrid search: turning what the user typed into a safe FTS5
 * expression, fusing ranked lists, and highlighting query terms in text that FTS5 did not match.
 */
import type { TextSpan } from '../../../shared/types/library';

/** Words too common to help BM25 rank (and slow to match); dropped unless nothing else is left. */
const STOPWORDS = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have how i if in into is it its ' +
    'of on or our so such than that the their them then there these they this those to too was we were what ' +
    'when where which while who whom why will with would you your about after all also any before between both ' +
    'each few more most no nor not only other over same some through under until up very'
  ).split(' '),
);

/** Letters, digits and the joiners that hold codes together ("E-4012", "snake_case"). */
const WORD = /[\p{L}\p{N}]+(?:[-_.][\p{L}\p{N}]+)*/gu;
const MAX_TERMS = 32;

export interface ParsedQuery {
  /** The FTS5 MATCH expression ('' when the query has no searchable word). */
  fts: string;
  /** Lower-cased words to highlight (stopwords left out). */
  terms: string[];
  /** The OR-ed alternatives, each as its words (a phrase or code has several). */
  groups: string[][];
  /** The OR-ed alternatives as FTS5 expressions (`fts` is these joined by OR). */
  parts: string[];
}

/**
 * Builds an FTS5 expression from free text. Raw FTS5 syntax never reaches MATCH: every word becomes
 * a double-quoted string, so operators (AND, NEAR, *, ^, column filters, parentheses) in the input
 * are just words. A word with joiners ("E-4012") stays one quoted string, which the tokenizer reads
 * as the phrase "e 4012": it matches that code and nothing that merely contains "e" and "4012".
 * Text the user put in double quotes is kept as a phrase. Terms are OR-ed: BM25 ranks documents
 * that match more (and rarer) terms first.
 */
export function toFtsQuery(input: string): ParsedQuery {
  const parts: string[] = [];
  const terms: string[] = [];
  const groups: string[][] = [];
  const seen = new Set<string>();
  const add = (expr: string, words: string[]): void => {
    if (expr.length === 0 || seen.has(expr) || parts.length >= MAX_TERMS) return;
    seen.add(expr);
    parts.push(expr);
    groups.push(words.flatMap((w) => w.split(/[-_.]/)).filter((w) => w.length > 0));
    for (const w of words) if (!terms.includes(w)) terms.push(w);
  };
  // User phrases first.
  let rest = input;
  for (const m of input.matchAll(/"([^"]*)"/g)) {
    const words = (m[1]!.match(WORD) ?? []).map((w) => w.toLowerCase());
    if (words.length > 0) add(quote(words.join(' ')), words);
    rest = rest.replace(m[0], ' ');
  }
  const words = (rest.match(WORD) ?? []).map((w) => w.toLowerCase());
  const content = words.filter((w) => !STOPWORDS.has(w));
  for (const w of content.length > 0 ? content : words) add(quote(w), [w]);
  return { fts: parts.join(' OR '), terms, groups, parts };
}

function quote(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/**
 * Reciprocal rank fusion (Cormack et al. 2009): score = sum over lists of w / (k + rank). A list
 * may weigh each of its items (`weight(id)`, default 1); see `queryCoverage` for why the keyword
 * leg does.
 */
export function reciprocalRankFusion<T>(
  lists: ReadonlyArray<readonly T[] | { ids: readonly T[]; weight: (id: T) => number }>,
  k = 60,
): Map<T, number> {
  const scores = new Map<T, number>();
  for (const list of lists) {
    const ids = 'ids' in list ? list.ids : list;
    const weight = 'ids' in list ? list.weight : () => 1;
    ids.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + weight(id) / (k + i + 1)));
  }
  return scores;
}

/**
 * The items of a weighted list whose weight can change the top `topK` of `reciprocalRankFusion`,
 * when every weight lies in [0, 1] and the other lists weigh 1. An item's fused score is at least
 * what the other lists give it (weight 0) and at most that plus its own list's full share (weight 1).
 * At least `topK` items score at least the `topK`-th largest lower bound, so an item whose upper
 * bound is below it cannot reach the top, whatever its weight: computing its weight is wasted work.
 * The top `topK` (and their order) is the same whether the others get their weight or 1.
 */
export function weightsThatMatter<T>(
  weighted: readonly T[],
  others: ReadonlyArray<readonly T[]>,
  topK: number,
  k = 60,
): Set<T> {
  const lower = new Map<T, number>();
  for (const list of others) list.forEach((id, i) => lower.set(id, (lower.get(id) ?? 0) + 1 / (k + i + 1)));
  for (const id of weighted) if (!lower.has(id)) lower.set(id, 0);
  if (topK <= 0) return new Set();
  if (lower.size <= topK) return new Set(weighted);
  const bar = [...lower.values()].sort((a, b) => b - a)[topK - 1]!;
  const out = new Set<T>();
  weighted.forEach((id, i) => {
    // A margin for rounding: an item at the bar counts, so ties are decided with its true weight.
    if ((lower.get(id) ?? 0) + 1 / (k + i + 1) >= bar - 1e-12) out.add(id);
  });
  return out;
}

/** BM25's inverse document frequency as FTS5 computes it (floored just above zero). */
export function bm25Idf(documents: number, containing: number): number {
  return Math.max(1e-6, Math.log((documents - containing + 0.5) / (containing + 0.5)));
}

/**
 * How much of the query a keyword hit matched: the IDF mass of the query's terms (the OR-ed
 * alternatives of `toFtsQuery`) that the hit contains, over the IDF mass of all of them, in 0..1.
 *
 * Why fusion needs it: the keyword leg is an OR query, so for a question worded differently from
 * its answer ("tips for insomnia") BM25 still returns whatever shares one weak word with it, and
 * plain RRF gives that hit the same credit as an exact match of a rare code. Weighing each keyword
 * hit by its coverage keeps exact matches (a code alone, a rare name plus the words around it) at
 * full weight and turns one-common-word matches into the weak evidence they are. A one-term query
 * has coverage 1 for every hit.
 */
export function queryCoverage(
  hitTerms: ReadonlyMap<number, readonly number[]>,
  idf: readonly number[],
): Map<number, number> {
  const total = idf.reduce((a, b) => a + b, 0);
  const out = new Map<number, number>();
  for (const [id, terms] of hitTerms) {
    const mass = terms.reduce((a, t) => a + (idf[t] ?? 0), 0);
    out.set(id, total > 0 ? Math.min(1, mass / total) : 1);
  }
  return out;
}

/** FTS5 snippet() output with \u0002 / \u0003 around matches, as spans. */
export function markedToSpans(marked: string): TextSpan[] {
  const spans: TextSpan[] = [];
  // FTS5 snippet() marks matches with the control characters STX (U+0002) and ETX (U+0003).
  // eslint-disable-next-line no-control-regex
  const re = /\u0002([\s\S]*?)\u0003/g;
  let last = 0;
  for (const m of marked.matchAll(re)) {
    if (m.index > last) spans.push({ text: marked.slice(last, m.index), mark: false });
    if (m[1]!.length > 0) spans.push({ text: m[1]!, mark: true });
    last = m.index + m[0].length;
  }
  if (last < marked.length) spans.push({ text: marked.slice(last), mark: false });
  // eslint-disable-next-line no-control-regex
  return mergeSpans(spans.map((s) => ({ ...s, text: s.text.replace(/[\u0002\u0003]/g, '') })));
}

/**
 * Highlights the query's words in `text` (for hits the keyword leg did not return) and cuts a window
 * of about `width` characters around the first match. A word matches its inflections by a shared
 * stem-like prefix ("batteries" highlights "battery").
 */
export function highlightTerms(text: string, terms: readonly string[], width = 240): TextSpan[] {
  const stems = terms
    .filter((t) => t.length > 0)
    .map((t) => (t.length > 5 ? t.slice(0, Math.max(4, t.length - 3)) : t))
    .map(escapeRegExp);
  const ranges: Array<[number, number]> = [];
  if (stems.length > 0) {
    const re = new RegExp(`(?<![\\p{L}\\p{N}])(?:${stems.join('|')})[\\p{L}\\p{N}]*`, 'giu');
    for (const m of text.matchAll(re)) ranges.push([m.index, m.index + m[0].length]);
  }
  let start = 0;
  let end = Math.min(text.length, width);
  if (ranges.length > 0 && ranges[0]![0] > width / 3) {
    start = Math.max(0, ranges[0]![0] - Math.floor(width / 3));
    const space = text.lastIndexOf(' ', start);
    if (space > start - 20 && space >= 0) start = space + 1;
    end = Math.min(text.length, start + width);
  }
  const spans: TextSpan[] = [];
  if (start > 0) spans.push({ text: '…', mark: false });
  let pos = start;
  for (const [a, b] of ranges) {
    if (b <= pos || a >= end) continue;
    const s = Math.max(a, pos);
    if (s > pos) spans.push({ text: text.slice(pos, s), mark: false });
    spans.push({ text: text.slice(s, Math.min(b, end)), mark: true });
    pos = Math.min(b, end);
  }
  if (pos < end) spans.push({ text: text.slice(pos, end), mark: false });
  if (end < text.length) spans.push({ text: '…', mark: false });
  return mergeSpans(spans);
}

function mergeSpans(spans: TextSpan[]): TextSpan[] {
  const out: TextSpan[] = [];
  for (const s of spans) {
    if (s.text.length === 0) continue;
    const prev = out.at(-1);
    if (prev && prev.mark === s.mark) prev.text += s.text;
    else out.push({ ...s });
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
