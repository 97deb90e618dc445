/** Small text helpers shared by the extractive provider, grounding and memory (no model needed). */

const STOP = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have how i if in into is it its ' +
    'me my mine myself of on or our so than that the their them then there these they this those to was we ' +
    'were what when where which who whom why will with would you your yours about tell please do does know ' +
    'remember forget whats s t d ll re ve m'
  ).split(' '),
);

/** Lowercase content words with light stemming (plural and possessive endings), stop words removed. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const raw of text
    .toLowerCase()
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}]+/u)) {
    if (!raw || STOP.has(raw)) continue;
    out.push(stem(raw));
  }
  return out;
}

export function stem(w: string): string {
  if (w.length > 4 && w.endsWith('ies')) return w.slice(0, -3) + 'y';
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) return w.slice(0, -1);
  return w;
}

/** A sentence of a text: its words with whitespace collapsed, and where it lies in the original. */
export interface SentenceSpan {
  text: string;
  /** Character offsets in the original text: [start, end). */
  start: number;
  end: number;
}

const BLOCK_BREAK = /\n{2,}|\n(?=[-*•#]|\d+[.)] )/g;
/**
 * A sentence runs to a run of end punctuation followed by whitespace (or to the end of its block);
 * punctuation inside a word or number ("2.5", "e.g.") does not end it.
 */
const SENTENCE = /(?:[^.!?]|[.!?]+(?=[^\s.!?]))+(?:[.!?]+(?=\s|$)|$)|[.!?]+(?=\s|$)/g;

/**
 * Splits prose into sentences (keeps the end punctuation; a long line without one is one sentence),
 * with each sentence's span in `text`. Blocks are paragraphs and list items. The split is the one the
 * extractive answer uses AND the one sentence vectors are stored for at ingest (they are matched by
 * span), so a change here makes stored sentence vectors miss until the chunks are embedded again.
 */
export function sentenceSpans(text: string): SentenceSpan[] {
  const out: SentenceSpan[] = [];
  let from = 0;
  const blocks: Array<[number, number]> = [];
  for (const m of text.matchAll(BLOCK_BREAK)) {
    blocks.push([from, m.index]);
    from = m.index + m[0].length;
  }
  blocks.push([from, text.length]);
  for (const [bs, be] of blocks) {
    // The block with whitespace runs collapsed to one space and trimmed; at[i] is where flat[i] was.
    let flat = '';
    const at: number[] = [];
    let space = false;
    for (let i = bs; i < be; i++) {
      const ch = text[i]!;
      if (/\s/.test(ch)) {
        space = flat.length > 0;
        continue;
      }
      if (space) {
        flat += ' ';
        at.push(i - 1);
        space = false;
      }
      flat += ch;
      at.push(i);
    }
    if (!flat) continue;
    for (const m of flat.matchAll(SENTENCE)) {
      let s = m.index;
      let e = s + m[0].length;
      while (s < e && flat[s] === ' ') s++;
      while (e > s && flat[e - 1] === ' ') e--;
      if (e - s < 3) continue;
      out.push({ text: flat.slice(s, e), start: at[s]!, end: at[e - 1]! + 1 });
    }
  }
  return out;
}

/** Splits prose into sentences (see `sentenceSpans`). */
export function sentences(text: string): string[] {
  return sentenceSpans(text).map((s) => s.text);
}

/** Share of the query's distinct content terms that occur in `text`. */
export function termCoverage(query: readonly string[], text: string): number {
  const q = new Set(query);
  if (q.size === 0) return 0;
  const t = new Set(terms(text));
  let hit = 0;
  for (const w of q) if (t.has(w)) hit++;
  return hit / q.size;
}

/** Turns a fact the user said about themself into what the assistant says back ("my" -> "your"). */
export function toSecondPerson(fact: string): string {
  return fact
    .replace(/\bI am\b/g, 'you are')
    .replace(/\bI'm\b/gi, "you're")
    .replace(/\bI was\b/g, 'you were')
    .replace(/\bI\b/g, 'you')
    .replace(/\bmy\b/g, 'your')
    .replace(/\bMy\b/g, 'Your')
    .replace(/\bmine\b/g, 'yours')
    .replace(/\bme\b/g, 'you')
    .replace(/\bmyself\b/g, 'yourself');
}
