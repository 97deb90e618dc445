import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { type Chunk, type ParsedDocument, SECTION_SEPARATOR } from '../../../shared/types/knowledge';

/**
 * Token counting by the embedding model's own tokenizer. The chunker only needs `count`.
 * `count` excludes the special tokens the model adds around every input; `specialTokens` says how
 * many those are, so the chunker keeps `count + specialTokens <= maxTokens`.
 */
export interface TokenCounter {
  count(text: string): number;
  encodeIds?(text: string): number[];
  /** Tokens the model adds to every input ([CLS] + [SEP] = 2 for BERT-style models). */
  readonly specialTokens?: number;
  /**
   * True when count(a + whitespace + b) === count(a) + count(b) (whitespace pre-tokenization, as
   * WordPiece/BERT does). The chunker then sums counts of pieces instead of re-counting each chunk.
   */
  readonly additive?: boolean;
}

const ADDITIVE_PRETOKENIZERS = new Set(['BertPreTokenizer', 'Whitespace', 'WhitespaceSplit']);

/**
 * A `TokenCounter` from a Hugging Face tokenizer.json (tokenizer_config.json beside it is used when
 * present). Stored padding and truncation are removed: a count must be the text's real length.
 */
export function createHfTokenCounter(tokenizerJsonPath: string): TokenCounter {
  const json = JSON.parse(readFileSync(tokenizerJsonPath, 'utf8')) as Record<string, unknown>;
  json.padding = null;
  json.truncation = null;
  let config: Record<string, unknown> = {};
  try {
    config = JSON.parse(
      readFileSync(join(dirname(tokenizerJsonPath), 'tokenizer_config.json'), 'utf8'),
    ) as Record<string, unknown>;
  } catch {
    // optional
  }
  const tokenizer = new Tokenizer(json, config);
  const ids = (text: string): number[] => tokenizer.encode(text, { add_special_tokens: false }).ids;
  const specialTokens = tokenizer.encode('a', { add_special_tokens: true }).ids.length - ids('a').length;
  const model = (json.model ?? {}) as { type?: string };
  const pre = (json.pre_tokenizer ?? {}) as { type?: string; pretokenizers?: Array<{ type?: string }> };
  const preTypes =
    pre.type === 'Sequence' ? (pre.pretokenizers ?? []).map((p) => p.type ?? '') : [pre.type ?? ''];
  const additive =
    model.type === 'WordPiece' &&
    preTypes.length > 0 &&
    preTypes.every((t) => ADDITIVE_PRETOKENIZERS.has(t) || t === 'Punctuation');
  if (!additive) return { count: (text) => ids(text).length, encodeIds: ids, specialTokens, additive };
  // Additive tokenizers split on whitespace before anything else, so a text's count is the sum of
  // its words' counts: count each distinct word once (word frequencies are Zipfian, so almost every
  // word is a cache hit). Only ASCII whitespace splits, which every such pre-tokenizer treats as a
  // boundary; other characters stay inside the word the real tokenizer sees.
  const memo = new Map<string, number>();
  const countWord = (w: string): number => {
    if (w.length > 48) return ids(w).length;
    let n = memo.get(w);
    if (n === undefined) {
      n = ids(w).length;
      if (memo.size >= 200_000) memo.clear();
      memo.set(w, n);
    }
    return n;
  };
  return {
    count: (text) => {
      let n = 0;
      for (const w of text.split(/[ \t\n\r]+/)) if (w) n += countWord(w);
      return n;
    },
    encodeIds: ids,
    specialTokens,
    additive,
  };
}

export interface ChunkOptions {
  tokenizer: TokenCounter;
  /** The embedding model's input limit, special tokens included (256 for all-MiniLM-L6-v2). */
  maxTokens?: number;
  /** Tokens repeated from the end of the previous chunk of the same section (at most half the budget). */
  overlapTokens?: number;
  /**
   * Consecutive sections on the same page under the same top-level heading may share a chunk (tiny
   * sub-sections would otherwise become tiny chunks). A new section still starts a new chunk once
   * the current one is half full. Default true.
   */
  mergeSections?: boolean;
}

/** A unit of text the packer places whole: a paragraph, a sentence, or a window of words. */
interface Atom {
  start: number;
  end: number;
  tokens: number;
  section: number;
  /** Cut inside a word (no whitespace at a boundary): placed in a chunk of its own, no overlap. */
  solo: boolean;
  /** First piece of a paragraph that did not fit whole: it starts a new chunk if the current one is half full. */
  opensSplit?: boolean;
}

const WHITESPACE = /\s/;
let sentenceSegmenter: Intl.Segmenter | undefined;

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/**
 * Cuts a document into chunks that fit the embedding model: never across pages or top-level
 * sections, paragraphs packed whole up to the budget, a long paragraph cut at sentence boundaries
 * (Intl.Segmenter), a long sentence between words, a huge word between characters. Each chunk
 * repeats up to `overlapTokens` of the previous one when both lie in the same section.
 * Each piece of text is tokenized about once; counts are summed when the tokenizer is additive.
 */
export function chunkDocument(doc: Pick<ParsedDocument, 'sections'>, options: ChunkOptions): Chunk[] {
  const counter = options.tokenizer;
  const maxTokens = options.maxTokens ?? 256;
  const budget = maxTokens - (counter.specialTokens ?? 0);
  if (!Number.isInteger(budget) || budget < 8)
    throw new RangeError(`maxTokens ${maxTokens} leaves no room for text.`);
  const overlap = Math.max(0, Math.min(Math.floor(options.overlapTokens ?? 32), Math.floor(budget / 2)));
  /** Room for new text in a chunk that starts with a full overlap: every atom fits in it. */
  const cap = budget - overlap;
  const merge = options.mergeSections ?? true;
  const additive = counter.additive === true;

  const full = doc.sections.map((s) => s.text).join(SECTION_SEPARATOR);
  const sectionStart: number[] = [];
  let at = 0;
  for (const s of doc.sections) {
    sectionStart.push(at);
    at += s.text.length + SECTION_SEPARATOR.length;
  }

  // Running characters-per-token of this document: sizes the word windows of over-long sentences.
  let seenChars = 0;
  let seenTokens = 0;
  const count = (start: number, end: number): number => {
    const n = counter.count(full.slice(start, end));
    seenChars += end - start;
    seenTokens += n;
    return n;
  };
  const ratio = (): number => (seenTokens > 50 ? Math.max(1, seenChars / seenTokens) : 4);

  // ----- atoms --------------------------------------------------------------------------------

  const atoms: Atom[] = [];
  const push = (start: number, end: number, tokens: number, section: number, solo = false): void => {
    if (tokens > 0) atoms.push({ start, end, tokens, section, solo });
  };

  /** Trims [start, end) to non-whitespace; returns undefined when nothing is left. */
  const trim = (start: number, end: number): [number, number] | undefined => {
    while (start < end && WHITESPACE.test(full[start]!)) start++;
    while (end > start && WHITESPACE.test(full[end - 1]!)) end--;
    return start < end ? [start, end] : undefined;
  };

  /** Windows of whole words (or, inside a huge word, of characters) that each fit `cap`. */
  const windows = (start: number, end: number, section: number): void => {
    let pos = start;
    let prevHard = false;
    while (pos < end) {
      let target = Math.max(16, Math.floor(cap * ratio() * 0.9));
      for (;;) {
        let cut = Math.min(end, pos + target);
        let hard = false;
        if (cut < end) {
          let ws = cut;
          while (ws > pos && !WHITESPACE.test(full[ws]!)) ws--;
          if (ws > pos) cut = ws;
          else {
            hard = true; // no whitespace in the window: cut inside the word
            if (isHighSurrogate(full.charCodeAt(cut - 1))) cut--;
          }
        }
        const range = trim(pos, cut);
        const n = range ? count(range[0], range[1]) : 0;
        if (n > cap && target > 1) {
          // Shrink in proportion to the overshoot (and at least by one character).
          target = Math.max(1, Math.min(target - 1, Math.floor(((cut - pos) * cap * 0.95) / n)));
          continue;
        }
        if (range) push(range[0], range[1], n, section, hard || prevHard);
        prevHard = hard;
        pos = cut;
        break;
      }
    }
  };

  const sentences = (start: number, end: number, section: number): void => {
    sentenceSegmenter ??= new Intl.Segmenter('en', { granularity: 'sentence' });
    for (const seg of sentenceSegmenter.segment(full.slice(start, end))) {
      const range = trim(start + seg.index, start + seg.index + seg.segment.length);
      if (!range) continue;
      const [s, e] = range;
      if (e - s <= cap * ratio() * 1.3) {
        const n = count(s, e);
        if (n <= cap) {
          push(s, e, n, section);
          continue;
        }
      }
      windows(s, e, section);
    }
  };

  const paragraph = (start: number, end: number, section: number): void => {
    const range = trim(start, end);
    if (!range) return;
    const [s, e] = range;
    // A paragraph far longer (in characters) than the room at this document's chars-per-token
    // cannot fit: split it without counting it whole first.
    if (e - s <= cap * ratio() * 1.3) {
      const n = count(s, e);
      if (n <= cap) {
        push(s, e, n, section);
        return;
      }
    }
    const first = atoms.length;
    sentences(s, e, section);
    if (atoms[first]) atoms[first].opensSplit = true;
  };

  doc.sections.forEach((sec, i) => {
    const base = sectionStart[i]!;
    const text = sec.text;
    const re = /\n\s*\n/g;
    let from = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      paragraph(base + from, base + m.index, i);
      from = m.index + m[0].length;
    }
    paragraph(base + from, base + text.length, i);
  });

  // ----- packing ------------------------------------------------------------------------------

  const sameGroup = (a: number, b: number): boolean => {
    if (a === b) return true;
    if (!merge) return false;
    const sa = doc.sections[a]!;
    const sb = doc.sections[b]!;
    return sa.page === sb.page && (sa.headingPath[0] ?? '') === (sb.headingPath[0] ?? '');
  };

  /** Up to `overlap` tokens from the end of the previous chunk, within `section`: whole atoms,
   * else trailing sentences, else trailing words. */
  const tail = (prev: Atom[], section: number): { start: number; tokens: number } | undefined => {
    if (overlap === 0) return undefined;
    let tokens = 0;
    let start = -1;
    for (let k = prev.length - 1; k >= 0; k--) {
      const a = prev[k]!;
      if (a.section !== section || a.solo) break;
      if (tokens + a.tokens <= overlap) {
        tokens += a.tokens;
        start = a.start;
        continue;
      }
      // Part of this atom: its last sentences, then its last words.
      sentenceSegmenter ??= new Intl.Segmenter('en', { granularity: 'sentence' });
      const segs = [...sentenceSegmenter.segment(full.slice(a.start, a.end))];
      for (let j = segs.length - 1; j >= 0; j--) {
        const seg = segs[j]!;
        const range = trim(a.start + seg.index, a.start + seg.index + seg.segment.length);
        if (!range) continue;
        // The whole atom is one sentence: its count is known (and too big). A sentence far longer
        // than the room left cannot fit either: go to words without counting it.
        const whole = range[0] === a.start && range[1] === a.end;
        const hopeless = range[1] - range[0] > (overlap - tokens) * 12;
        const n = whole || hopeless ? Infinity : counter.count(full.slice(range[0], range[1]));
        if (tokens + n <= overlap) {
          tokens += n;
          start = range[0];
          continue;
        }
        // Trailing words: guess a suffix from the chars-per-token ratio, count it, shrink until it fits.
        const left = overlap - tokens;
        let len = Math.floor(left * ratio());
        for (let tries = 0; tries < 8 && len > 0; tries++) {
          let from = Math.max(range[0], range[1] - len);
          while (from < range[1] && from > range[0] && !WHITESPACE.test(full[from - 1]!)) from++; // word start
          const r = trim(from, range[1]);
          if (!r) break;
          const c = counter.count(full.slice(r[0], r[1]));
          if (c <= left) {
            if (c > 0) {
              tokens += c;
              start = r[0];
            }
            break;
          }
          len = Math.floor(((r[1] - r[0]) * left) / c) - 1;
        }
        break;
      }
      break;
    }
    return tokens > 0 ? { start, tokens } : undefined;
  };

  const chunks: Chunk[] = [];
  /** Atoms a non-additive re-count gave back; they are placed again before any new atom. */
  const pending: Atom[] = [];
  let cur: Atom[] = [];
  let used = 0;
  let ov: { start: number; tokens: number } | undefined;
  let prev: Atom[] = [];

  const emit = (): void => {
    if (cur.length === 0) return;
    let start = ov ? ov.start : cur[0]!.start;
    let end = cur[cur.length - 1]!.end;
    let tokens = (ov?.tokens ?? 0) + used;
    if (!additive) {
      // Sums are estimates for this tokenizer: measure, and give atoms back until the chunk fits.
      tokens = counter.count(full.slice(start, end));
      while (tokens > budget) {
        if (ov) {
          ov = undefined;
          start = cur[0]!.start;
        } else if (cur.length > 1) {
          pending.unshift(cur.pop()!);
          end = cur[cur.length - 1]!.end;
        } else break;
        tokens = counter.count(full.slice(start, end));
      }
    }
    const first = doc.sections[cur[0]!.section]!;
    const chunk: Chunk = {
      ordinal: chunks.length,
      text: full.slice(start, end),
      tokenCount: tokens,
      headingPath: first.headingPath,
      charStart: start,
      charEnd: end,
    };
    if (first.page !== undefined) chunk.page = first.page;
    if (tokens > 0) chunks.push(chunk);
    prev = cur;
    cur = [];
    used = 0;
    ov = undefined;
  };

  let idx = 0;
  const next = (): Atom | undefined => pending.shift() ?? atoms[idx++];
  for (;;) {
    const a = next();
    if (!a) {
      emit();
      if (pending.length === 0) break;
      continue;
    }
    const last = cur[cur.length - 1];
    if (last) {
      const room = budget - (ov?.tokens ?? 0) - used;
      const newSection = a.section !== last.section;
      if (
        a.solo ||
        last.solo ||
        a.tokens > room ||
        // Prefer chunk ends at section and paragraph boundaries once a chunk is half full.
        (newSection && (!sameGroup(last.section, a.section) || used + (ov?.tokens ?? 0) >= budget / 2)) ||
        (a.opensSplit === true && used + (ov?.tokens ?? 0) >= budget / 2)
      ) {
        emit();
        if (pending.length > 0) {
          pending.push(a); // keep document order: the given-back atoms come first
          continue;
        }
      }
    }
    if (cur.length === 0) {
      const p = prev[prev.length - 1];
      // Overlap only continues the same section, right after the previous chunk.
      ov =
        p && p.section === a.section && !a.solo && !p.solo && chunks.length > 0
          ? tail(prev, a.section)
          : undefined;
    }
    cur.push(a);
    used += a.tokens;
  }
  return chunks;
}
