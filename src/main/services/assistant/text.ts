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

/** Splits prose into sentences (keeps the end punctuation; a long line without one is one sentence). */
export function sentences(text: string): string[] {
  const out: string[] = [];
  for (const block of text.split(/\n{2,}|\n(?=[-*•#]|\d+[.)] )/)) {
    const flat = block.replace(/\s+/g, ' ').trim();
    if (!flat) continue;
    const parts = flat.match(/[^.!?]+(?:[.!?]+(?=\s|$)|$)/g) ?? [flat];
    for (const p of parts) {
      const s = p.trim();
      if (s.length >= 3) out.push(s);
    }
  }
  return out;
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
