import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  chunkDocument,
  createHfTokenCounter,
  type TokenCounter,
} from '../../../src/main/services/knowledge/chunker';
import { parseFile } from '../../../src/main/services/knowledge/parsers';
import {
  ChunkSchema,
  documentText,
  type Chunk,
  type DocumentSection,
  type ParsedDocument,
} from '../../../src/shared/types/knowledge';
import { makeDocuments, type SampleDocuments } from '../../fixtures/makeDocuments';

const MINILM = '../shared/fixtures/tokenizers/all-MiniLM-L6-v2/tokenizer.json';
const BGE = '../shared/fixtures/tokenizers/bge-small-en-v1.5/tokenizer.json';
/** Evaluation data (CC BY-NC), read in tests only. */
const SCIFACT = '../shared/fixtures/eval/scifact/corpus.jsonl';

let tk: TokenCounter;
let docs: SampleDocuments;

beforeAll(async () => {
  tk = createHfTokenCounter(MINILM);
  docs = await makeDocuments();
}, 180_000);

/** The invariants every chunking must keep, checked against the real tokenizer. */
function checkChunks(
  doc: Pick<ParsedDocument, 'sections'>,
  chunks: Chunk[],
  maxTokens: number,
  counter = tk,
): void {
  const full = documentText(doc);
  chunks.forEach((c, i) => {
    ChunkSchema.parse(c);
    expect(c.ordinal).toBe(i);
    expect(c.text.trim().length).toBeGreaterThan(0);
    expect(full.slice(c.charStart, c.charEnd)).toBe(c.text);
    expect(counter.count(c.text)).toBe(c.tokenCount);
    expect(c.tokenCount + (counter.specialTokens ?? 0)).toBeLessThanOrEqual(maxTokens);
    if (counter.encodeIds) expect(counter.encodeIds(c.text).length).toBe(c.tokenCount);
  });
}

function sectionsOf(
  doc: Pick<ParsedDocument, 'sections'>,
): Array<{ start: number; end: number; s: DocumentSection }> {
  let at = 0;
  return doc.sections.map((s) => {
    const r = { start: at, end: at + s.text.length, s };
    at = r.end + 2;
    return r;
  });
}

/** Every word of the document appears in some chunk (nothing is dropped). */
function expectCoverage(doc: Pick<ParsedDocument, 'sections'>, chunks: Chunk[]): void {
  const full = documentText(doc);
  const covered = new Uint8Array(full.length);
  for (const c of chunks) covered.fill(1, c.charStart, c.charEnd);
  for (let i = 0; i < full.length; i++) {
    if (!covered[i] && !/\s/.test(full[i]!))
      throw new Error(`character ${i} (${JSON.stringify(full.slice(i, i + 20))}) is in no chunk`);
  }
}

const para = (topic: string, n: number): string =>
  Array.from(
    { length: n },
    (_, i) => `Sentence ${i + 1} about ${topic} explains one more detail of the shore.`,
  ).join(' ');

describe('token counter', () => {
  it('counts with the model tokenizer, without padding or special tokens', () => {
    expect(tk.specialTokens).toBe(2);
    expect(tk.additive).toBe(true);
    // The stored tokenizer.json pads to 128: a count must not.
    expect(tk.count('hello world')).toBe(2);
    expect(tk.encodeIds!('hello world')).toEqual([7592, 2088]);
    expect(tk.count('')).toBe(0);
    // WordPiece splits rare words into pieces.
    expect(tk.count('nematocysts')).toBeGreaterThan(1);
  });
});

describe('word-cached counting equals the tokenizer', () => {
  it.each([
    ['all-MiniLM-L6-v2', MINILM],
    ['bge-small-en-v1.5', BGE],
  ])('%s: count(text) === encode(text).length on 500 SciFact abstracts and odd text', (_name, path) => {
    const counter = createHfTokenCounter(path);
    expect(counter.additive).toBe(true);
    const lines = readFileSync(SCIFACT, 'utf8').split('\n', 500);
    const texts = lines.map((l) => {
      const d = JSON.parse(l) as { title: string; text: string };
      return `${d.title}\n\n${d.text}`;
    });
    texts.push(
      'Ünïcödé façade — “quotes”, 日本語のテキスト, emoji 🌊🌊, tabs\tand\u00a0nbsp, x\u200by, 3.14e-10%',
    );
    texts.push('a'.repeat(500), ' leading and trailing ', '\n\n', "don't stop-believing (really)...");
    for (const t of texts) expect(counter.count(t), t.slice(0, 40)).toBe(counter.encodeIds!(t).length);
    // The cache does not change results on a second pass.
    for (const t of texts.slice(0, 50)) expect(counter.count(t)).toBe(counter.encodeIds!(t).length);
  });
});

describe('chunkDocument on the parsed sample documents', () => {
  it.each(['pdf', 'docx', 'epub', 'html', 'markdown', 'csv', 'json'] as const)(
    '%s: budgets, offsets, headings, pages',
    async (key) => {
      const doc = await parseFile(docs[key]);
      for (const [maxTokens, overlapTokens] of [
        [256, 32],
        [40, 8],
      ] as const) {
        const chunks = chunkDocument(doc, { tokenizer: tk, maxTokens, overlapTokens });
        expect(chunks.length).toBeGreaterThan(0);
        checkChunks(doc, chunks, maxTokens);
        expectCoverage(doc, chunks);
        const secs = sectionsOf(doc);
        for (const c of chunks) {
          // The chunk's heading path and page are those of a section it lies in.
          const inside = secs.filter((r) => r.start < c.charEnd && c.charStart < r.end);
          expect(inside.map((r) => r.s.headingPath)).toContainEqual(c.headingPath);
          // Never across pages.
          expect(new Set(inside.map((r) => r.s.page)).size).toBe(1);
          expect(c.page).toBe(inside[0]!.s.page);
        }
      }
    },
  );

  it('PDF chunks keep their page numbers and never mix pages', async () => {
    const doc = await parseFile(docs.pdf);
    const chunks = chunkDocument(doc, { tokenizer: tk, maxTokens: 256, overlapTokens: 32 });
    expect(chunks.map((c) => c.page)).toEqual([1, 2, 3, 4]);
    expect(chunks[1]!.text).toContain('nematocysts');
    expect(chunks[1]!.headingPath).toEqual(['Sea Anemones']);
    expect(chunks[3]!.headingPath).toEqual(['Barnacles']);
  });

  it('sub-sections under one top-level heading may share a chunk; top-level sections do not', async () => {
    const doc = await parseFile(docs.docx);
    const chunks = chunkDocument(doc, { tokenizer: tk, maxTokens: 256, overlapTokens: 32 });
    expect(chunks.map((c) => c.headingPath)).toEqual([['Getting Started'], ['Recording Species']]);
    expect(chunks[0]!.text).toContain('Timing');
    expect(chunks[0]!.text).not.toContain('Recording Species');
    const separate = chunkDocument(doc, {
      tokenizer: tk,
      maxTokens: 256,
      overlapTokens: 32,
      mergeSections: false,
    });
    expect(separate.map((c) => c.headingPath)).toEqual(doc.sections.map((s) => s.headingPath));
  });

  it('is deterministic', async () => {
    const doc = await parseFile(docs.html);
    const a = chunkDocument(doc, { tokenizer: tk, maxTokens: 64, overlapTokens: 16 });
    const b = chunkDocument(doc, {
      tokenizer: createHfTokenCounter(MINILM),
      maxTokens: 64,
      overlapTokens: 16,
    });
    expect(b).toEqual(a);
  });
});

describe('structure and overlap', () => {
  const doc = {
    sections: [
      {
        text: `Tides\n\n${para('tides', 6)}\n\n${para('waves', 6)}\n\n${para('currents', 40)}`,
        headingPath: ['Tides'],
      },
      { text: `Rocks\n\n${para('rocks', 2)}`, headingPath: ['Rocks'] },
    ],
  };

  it('packs whole paragraphs when they fit, and ends such chunks at paragraph ends', () => {
    const chunks = chunkDocument(doc, { tokenizer: tk, maxTokens: 256, overlapTokens: 0 });
    checkChunks(doc, chunks, 256);
    const full = documentText(doc);
    // The first chunk holds the heading and the two short paragraphs (over half the budget), and
    // the long paragraph starts a chunk of its own rather than filling the rest.
    expect(chunks[0]!.text).toBe(`Tides\n\n${para('tides', 6)}\n\n${para('waves', 6)}`);
    expect(chunks[1]!.text.startsWith('Sentence 1 about currents')).toBe(true);
    for (const c of chunks) {
      const after = full.slice(c.charEnd, c.charEnd + 2);
      const isSentenceEnd = /[.!?]$/.test(c.text);
      expect(after === '' || after === '\n\n' || isSentenceEnd).toBe(true);
    }
    // The long paragraph is cut at sentence boundaries.
    const long = chunks.filter((c) => c.text.includes('about currents'));
    expect(long.length).toBeGreaterThan(1);
    for (const c of long) expect(c.text).toMatch(/^Sentence \d+ about currents[\s\S]*shore\.$/);
    // The second top-level section starts its own chunk.
    expect(chunks.at(-1)!.text.startsWith('Rocks')).toBe(true);
    expect(chunks.at(-1)!.headingPath).toEqual(['Rocks']);
  });

  it('carries up to overlapTokens from the previous chunk of the same section, never across sections', () => {
    const chunks = chunkDocument(doc, { tokenizer: tk, maxTokens: 64, overlapTokens: 16 });
    checkChunks(doc, chunks, 64);
    expectCoverage(doc, chunks);
    let overlaps = 0;
    for (let i = 1; i < chunks.length; i++) {
      const a = chunks[i - 1]!;
      const b = chunks[i]!;
      if (b.charStart < a.charEnd) {
        overlaps++;
        expect(b.headingPath).toEqual(a.headingPath);
        const shared = documentText(doc).slice(b.charStart, a.charEnd);
        expect(a.text.endsWith(shared)).toBe(true);
        expect(tk.count(shared)).toBeGreaterThan(0);
        expect(tk.count(shared)).toBeLessThanOrEqual(16);
        // New text follows the overlap.
        expect(b.charEnd).toBeGreaterThan(a.charEnd);
      }
    }
    expect(overlaps).toBeGreaterThan(3);
    const rocks = chunks.findIndex((c) => c.headingPath[0] === 'Rocks');
    expect(chunks[rocks]!.charStart).toBeGreaterThanOrEqual(chunks[rocks - 1]!.charEnd);
  });

  it('a sentence longer than the budget is cut between words', () => {
    const words = Array.from({ length: 3000 }, (_, i) => `word${i % 97}`).join(' ');
    const d = { sections: [{ text: words, headingPath: [] }] };
    const chunks = chunkDocument(d, { tokenizer: tk, maxTokens: 128, overlapTokens: 16 });
    checkChunks(d, chunks, 128);
    expectCoverage(d, chunks);
    for (const c of chunks) expect(c.text).toMatch(/^word\d+( word\d+)*$/);
    // Packed, not one word per chunk (the last chunk takes what is left).
    for (const c of chunks.slice(0, -1)) expect(c.tokenCount).toBeGreaterThan(60);
  });

  it('a word longer than the budget is cut between characters, each piece alone', () => {
    const blob = 'Zq9'.repeat(20_000); // 60k characters, no whitespace
    const d = { sections: [{ text: `before ${blob} after`, headingPath: ['Blob'] }] };
    const chunks = chunkDocument(d, { tokenizer: tk, maxTokens: 64, overlapTokens: 8 });
    checkChunks(d, chunks, 64);
    expectCoverage(d, chunks);
    expect(chunks.length).toBeLessThan(60_000 / 16);
  });

  it('keeps the budget with a tokenizer whose counts do not add up (re-counts each chunk)', () => {
    // Not additive: ceil(len/4) of a join is not the sum of the parts' ceilings.
    const rough: TokenCounter = { count: (t) => Math.ceil(t.length / 4), additive: false };
    const chunks = chunkDocument(doc, { tokenizer: rough, maxTokens: 50, overlapTokens: 10 });
    checkChunks(doc, chunks, 50, rough);
    expectCoverage(doc, chunks);
  });

  it('works with another model tokenizer (bge-small)', () => {
    const bge = createHfTokenCounter(BGE);
    const chunks = chunkDocument(doc, { tokenizer: bge, maxTokens: 128, overlapTokens: 16 });
    checkChunks(doc, chunks, 128, bge);
  });

  it('an empty document gives no chunks; a budget too small is refused', () => {
    expect(chunkDocument({ sections: [] }, { tokenizer: tk })).toEqual([]);
    expect(chunkDocument({ sections: [{ text: '  \n\n  ', headingPath: [] }] }, { tokenizer: tk })).toEqual(
      [],
    );
    expect(() => chunkDocument(doc, { tokenizer: tk, maxTokens: 4 })).toThrow(RangeError);
  });
});

describe('the 10 MB single line', () => {
  it('chunks within budget with bounded memory', async () => {
    const before = process.memoryUsage().rss;
    const doc = await parseFile(docs.longLineTxt);
    const chunks = chunkDocument(doc, { tokenizer: tk, maxTokens: 256, overlapTokens: 32 });
    const grown = (process.memoryUsage().rss - before) / (1024 * 1024);
    expect(grown).toBeLessThan(300);
    expect(chunks.length).toBeGreaterThan(5_000);
    const full = documentText(doc);
    // Check a sample against the real tokenizer (all of them would re-tokenize 10 MB).
    for (let i = 0; i < chunks.length; i += 499) {
      const c = chunks[i]!;
      expect(full.slice(c.charStart, c.charEnd)).toBe(c.text);
      expect(tk.count(c.text)).toBe(c.tokenCount);
      expect(c.tokenCount).toBeLessThanOrEqual(254);
      expect(c.tokenCount).toBeGreaterThan(150);
    }
    expect(chunks.at(-1)!.charEnd).toBe(full.length);
  }, 180_000);
});
