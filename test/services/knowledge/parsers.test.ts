import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ParseError, parseFile, parseFiles } from '../../../src/main/services/knowledge/parsers';
import { ParsedDocumentSchema, documentText, type ParsedDocument } from '../../../src/shared/types/knowledge';
import {
  HTML_MARKERS,
  PDF_RUNNING_HEADER,
  SIZES,
  UTF16BE_TEXT,
  UTF16_TEXT,
  WIN1252_TEXT,
  makeDocuments,
  type SampleDocuments,
} from '../../fixtures/makeDocuments';

let docs: SampleDocuments;
let scratch: string;

beforeAll(async () => {
  docs = await makeDocuments();
  scratch = await mkdtemp(join(tmpdir(), 'nook-parse-'));
}, 180_000);

async function parsed(path: string, opts?: Parameters<typeof parseFile>[1]): Promise<ParsedDocument> {
  const doc = await parseFile(path, opts);
  // Every result satisfies the shared schema the IPC contract will use.
  expect(ParsedDocumentSchema.parse(doc)).toEqual(doc);
  return doc;
}

async function failure(path: string, opts?: Parameters<typeof parseFile>[1]): Promise<ParseError> {
  try {
    await parseFile(path, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    expect((e as ParseError).message.length).toBeGreaterThan(5);
    return e as ParseError;
  }
  throw new Error(`${path} parsed without error`);
}

const mb = (n: number): number => Math.round(n / (1024 * 1024));

describe('real documents', () => {
  it('PDF: text layer per page, page numbers kept, headings from font size, metadata title', async () => {
    const doc = await parsed(docs.pdf);
    expect(doc.format).toBe('pdf');
    expect(doc.mime).toBe('application/pdf');
    expect(doc.title).toBe('Life on the Rocky Shore');
    expect(doc.meta.pageCount).toBe(4);
    expect(doc.sections.map((s) => [s.page, s.headingPath])).toEqual([
      [1, ['Tide Pools']],
      [2, ['Sea Anemones']],
      [2, ['Sea Anemones', 'Feeding']],
      [3, ['Barnacles']],
      // Page 4 has no heading: it continues the last one.
      [4, ['Barnacles']],
    ]);
    const onPage = (p: number): string =>
      doc.sections
        .filter((s) => s.page === p)
        .map((s) => s.text)
        .join('\n');
    expect(onPage(1)).toContain('The aardvark-free shore hosts urchins, crabs and small fish.');
    expect(onPage(2)).toContain('stinging tentacles called nematocysts. A bison would be an unusual meal.');
    expect(onPage(3)).toContain('Cormorants ignore them.');
    expect(onPage(4)).toContain('Dolphins are mentioned here.');
    expect(onPage(1)).not.toContain('Dolphins');
    // The running header and the "Page n of 4" footer are gone from every page.
    expect(documentText(doc)).not.toContain(PDF_RUNNING_HEADER);
    expect(documentText(doc)).not.toMatch(/Page \d of 4/);
    expect(doc.meta.runningLinesRemoved).toBe(8);
    // Lines wrapped on the page are joined back into one paragraph; paragraphs stay apart.
    expect(onPage(1).split('\n\n')).toHaveLength(3);
  });

  it('DOCX: Word heading styles become the heading path, tables keep their rows', async () => {
    const doc = await parsed(docs.docx);
    expect(doc.format).toBe('docx');
    expect(doc.title).toBe('Field Handbook');
    expect(doc.meta.author).toBe('Nook test suite');
    expect(doc.sections.map((s) => s.headingPath)).toEqual([
      ['Getting Started'],
      ['Getting Started', 'Equipment'],
      ['Getting Started', 'Timing'],
      ['Recording Species'],
      ['Recording Species', 'Difficult Groups'],
    ]);
    expect(doc.sections[1]!.text).toBe('Equipment\n\nBring a quadrat, a clipboard and waterproof boots.');
    expect(doc.sections[4]!.text).toContain('Species | Count\n\nLimpet | 14');
  });

  it('EPUB: chapters in spine order (not zip order), per-chapter heading paths, navigation skipped', async () => {
    const doc = await parsed(docs.epub);
    expect(doc.format).toBe('epub');
    expect(doc.title).toBe('The Keeper & the Storm');
    expect(doc.meta).toMatchObject({ chapters: 3, author: 'Nook test suite', language: 'en' });
    expect(doc.sections.map((s) => s.headingPath)).toEqual([
      ['The Lighthouse'],
      ['The Storm'],
      ['The Storm', 'Night'],
      ['Epilogue'],
    ]);
    const text = documentText(doc);
    const order = [
      'one hundred and twelve steps',
      'The storm arrived at midnight',
      'Waves broke over',
      'Years later the keeper',
    ].map((s) => text.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).not.toContain('NAVENTRY');
  });

  it('HTML: the article without navigation, header, sidebar, footer or scripts', async () => {
    const doc = await parsed(docs.html);
    expect(doc.format).toBe('html');
    expect(doc.meta.article).toBe(true);
    expect(doc.title).toContain('Rock Pools Explained');
    const text = documentText(doc);
    for (const marker of [...Object.values(HTML_MARKERS), 'SCRIPTTEXT', 'Popular posts', 'Privacy']) {
      expect(text, marker).not.toContain(marker);
    }
    expect(text).toContain('Periwinkles graze the algae film');
    expect(text).toContain('put every rock back the way you found it');
    expect(text).toContain('- Common prawn');
    const paths = doc.sections.map((s) => s.headingPath);
    expect(paths).toContainEqual(['Who lives there']);
    expect(paths).toContainEqual(['Who lives there', 'Predators']);
    expect(paths).toContainEqual(['Visiting safely']);
    const predators = doc.sections.find((s) => s.headingPath.at(-1) === 'Predators')!;
    expect(predators.text).toContain('Gulls and oystercatchers');
  });

  it('Markdown: nested headings, front-matter title, markup dropped', async () => {
    const doc = await parsed(docs.markdown);
    expect(doc.format).toBe('markdown');
    expect(doc.title).toBe('Field Guide');
    expect(doc.sections.map((s) => s.headingPath)).toEqual([
      [],
      ['Field Guide'],
      ['Field Guide', 'Installation'],
      ['Field Guide', 'Installation', 'Linux'],
      ['Field Guide', 'Installation', 'macOS'],
      ['Field Guide', 'Usage'],
    ]);
    const text = documentText(doc);
    expect(text).toContain('A short guide to rocky shores with links and code.');
    expect(text).not.toMatch(/\*\*|\]\(|`|^---/m);
    expect(text).toContain('nook --version');
    expect(text).toContain('Command: ask; Meaning: Ask a question');
    expect(text).toContain('- nested item');
    expect(text).not.toContain('tags:');
  });

  it('CSV: one paragraph per row as "column: value" lines, quoted fields intact', async () => {
    const doc = await parsed(docs.csv);
    expect(doc.format).toBe('csv');
    expect(doc.meta).toMatchObject({ rows: 3, columns: 4 });
    const rows = documentText(doc).split('\n\n');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toBe(
      'name: Carla\nspecies: Carcinus maenas\nhabitat: middle shore\nnotes: green shore crab; "aggressive"',
    );
    expect(rows[0]).toContain('notes: clings hard, grazes algae');
  });

  it('JSON and JSON Lines: values with key paths; a bad JSONL line is skipped with a warning', async () => {
    const doc = await parsed(docs.json);
    const text = documentText(doc);
    expect(text).toContain('project.name: Shore Survey');
    expect(text).toContain('project.tags[1]: ecology');
    expect(text).toContain('entries[1].notes: Anemones in every deep pool.');
    // Each top-level entry is one paragraph.
    expect(text.split('\n\n')).toHaveLength(2);

    const lines = await parsed(docs.jsonl);
    expect(documentText(lines)).toContain('[1].site: South Reef\n[1].species: 19');
    expect(lines.warnings.join(' ')).toMatch(/1 line\(s\) were not valid JSON/);
  });
});

describe('encodings', () => {
  it('Windows-1252 text is detected and decoded', async () => {
    const doc = await parsed(docs.win1252);
    expect(doc.meta.encoding).toBe('windows-1252');
    expect(documentText(doc)).toBe(`${WIN1252_TEXT}\n\n${WIN1252_TEXT}`);
  });

  it('UTF-16 LE with a BOM and UTF-16 BE without one', async () => {
    const le = await parsed(docs.utf16le);
    expect(le.meta.encoding).toBe('utf-16le');
    expect(documentText(le)).toBe(UTF16_TEXT);
    const be = await parsed(docs.utf16beNoBom);
    expect(be.meta.encoding).toBe('utf-16be');
    expect(documentText(be)).toBe(UTF16BE_TEXT);
  });

  it('invalid UTF-8: bad bytes become U+FFFD with a warning, the valid text survives', async () => {
    const doc = await parsed(docs.invalidUtf8);
    expect(doc.meta.encoding).toBe('utf-8');
    const text = documentText(doc);
    expect(text).toContain('Valid UTF-8 first: café and naïve.');
    expect(text).toContain('Zoë’s tide table.');
    expect(text).toContain('\ufffd');
    expect(doc.warnings.join(' ')).toMatch(/invalid utf-8 byte sequence/);
  });
});

describe('content sniffing beats the extension', () => {
  it('a PDF named .txt is read as a PDF; a DOCX named .pdf as a DOCX', async () => {
    const pdfAsTxt = join(scratch, 'really-a-pdf.txt');
    await copyFile(docs.pdf, pdfAsTxt);
    const a = await parsed(pdfAsTxt);
    expect(a.format).toBe('pdf');
    expect(a.sections[0]!.page).toBe(1);
    expect(a.warnings.join(' ')).toMatch(/named as text but holds pdf/);

    const docxAsPdf = join(scratch, 'really-a-docx.pdf');
    await copyFile(docs.docx, docxAsPdf);
    const b = await parsed(docxAsPdf);
    expect(b.format).toBe('docx');
    expect(b.sections[0]!.headingPath).toEqual(['Getting Started']);
  });

  it('an EPUB named .docx is read as an EPUB; an unknown extension with text is plain text', async () => {
    const epubAsDocx = join(scratch, 'book.docx');
    await copyFile(docs.epub, epubAsDocx);
    expect((await parsed(epubAsDocx)).format).toBe('epub');
    const noExt = join(scratch, 'README');
    await copyFile(docs.win1252, noExt);
    expect((await parsed(noExt)).format).toBe('text');
  });
});

describe('bad input gives a per-file reason, never a crash', () => {
  it.each([
    ['empty file', 'empty', 'EMPTY'],
    ['garbled PDF', 'corruptPdf', 'CORRUPT'],
    ['truncated PDF', 'truncatedPdf', 'CORRUPT'],
    ['password-protected PDF', 'encryptedPdf', 'ENCRYPTED'],
    ['DOCX zip bomb (declared 300 MB)', 'zipBombDocx', 'ZIP_BOMB'],
    ['DOCX zip bomb whose headers lie about the size', 'lyingZipBombDocx', 'ZIP_BOMB'],
    ['password-protected DOCX', 'encryptedDocx', 'ENCRYPTED'],
    ['DRM-protected EPUB', 'drmEpub', 'ENCRYPTED'],
    ['binary junk named .txt', 'binaryJunkTxt', 'BINARY'],
    ['200 MB file', 'huge', 'TOO_LARGE'],
  ] as const)('%s -> %s', async (_name, key, reason) => {
    const e = await failure(docs[key]);
    expect(e.reason).toBe(reason);
  });

  it('a missing file and a folder are UNREADABLE', async () => {
    expect((await failure(join(scratch, 'nope.txt'))).reason).toBe('UNREADABLE');
    expect((await failure(scratch)).reason).toBe('UNREADABLE');
  });

  it('the 200 MB file is refused from its size alone: nothing is read into memory', async () => {
    const before = process.memoryUsage().rss;
    const e = await failure(docs.huge);
    expect(e.reason).toBe('TOO_LARGE');
    expect(e.message).toMatch(/200 MB; the limit is 100 MB/);
    expect(mb(process.memoryUsage().rss - before)).toBeLessThan(50);
  });

  it('zip bombs are stopped without inflating them', async () => {
    const before = process.memoryUsage().rss;
    const honest = await failure(docs.zipBombDocx);
    expect(honest.message).toMatch(/declares 300 MB \(limit 64 MB\)/);
    const lying = await failure(docs.lyingZipBombDocx);
    expect(lying.message).toMatch(/inflates past/);
    expect(mb(process.memoryUsage().rss - before)).toBeLessThan(100);
    // Lower caps apply to real documents too (entry count and per-entry size).
    expect((await failure(docs.docx, { maxZipEntries: 3 })).reason).toBe('ZIP_BOMB');
    expect((await failure(docs.epub, { maxZipEntryBytes: 200 })).reason).toBe('ZIP_BOMB');
  });

  it('cancelling and the time limit give TIMEOUT', async () => {
    const ac = new AbortController();
    const pending = parseFile(docs.pdf, { signal: ac.signal });
    ac.abort();
    await expect(pending).rejects.toMatchObject({ reason: 'TIMEOUT', message: 'Parsing was cancelled.' });

    const expired = AbortSignal.timeout(1);
    await new Promise((r) => setTimeout(r, 20));
    await expect(parseFile(docs.docx, { signal: expired })).rejects.toMatchObject({
      reason: 'TIMEOUT',
      message: 'Parsing took too long and was stopped.',
    });
  });

  it('a batch reports each failure and goes on', async () => {
    const results = await parseFiles([
      docs.markdown,
      docs.binaryJunkTxt,
      docs.empty,
      docs.zipBombDocx,
      docs.csv,
    ]);
    expect(results.map((r) => (r.ok ? r.doc.format : r.reason))).toEqual([
      'markdown',
      'BINARY',
      'EMPTY',
      'ZIP_BOMB',
      'csv',
    ]);
    const junk = results[1]!;
    expect(junk.ok).toBe(false);
    if (!junk.ok) expect(junk.path).toBe(docs.binaryJunkTxt);
  });
});

describe('a single 10 MB line stays bounded', () => {
  it('text: the whole line, memory growth under 300 MB', async () => {
    const before = process.memoryUsage().rss;
    const doc = await parsed(docs.longLineTxt);
    expect(doc.sections).toHaveLength(1);
    // The whole line (less a trailing space the generator may leave).
    expect(doc.sections[0]!.text.length).toBeGreaterThanOrEqual(SIZES.longLine - 1);
    expect(mb(process.memoryUsage().rss - before)).toBeLessThan(300);
  }, 60_000);

  it('CSV: a line too long to split into cells safely is indexed as plain text', async () => {
    const doc = await parsed(docs.longLineCsv);
    expect(doc.format).toBe('csv');
    expect(doc.warnings.join(' ')).toMatch(/indexed as plain text/);
    expect(documentText(doc).startsWith(doc.sections[0]!.text.slice(0, 20))).toBe(true);
  }, 60_000);

  it('JSON: a minified 10 MB array on one line becomes key-path lines, one paragraph per record', async () => {
    const before = process.memoryUsage().rss;
    const doc = await parsed(docs.longLineJson);
    const text = doc.sections[0]!.text;
    expect(text.startsWith('[0].id: 0\n[0].text: record 0 about the tide and the shore\n\n[1].id: 1')).toBe(
      true,
    );
    expect(mb(process.memoryUsage().rss - before)).toBeLessThan(300);
  }, 60_000);

  it('maxChars cuts the text with a warning', async () => {
    const doc = await parsed(docs.longLineTxt, { maxChars: 1000 });
    expect(documentText(doc).length).toBeLessThanOrEqual(1000);
    expect(doc.warnings.join(' ')).toMatch(/cut at 1,000 characters/);
  });
});

describe('hostile structure is read in bounded time', () => {
  it('HTML nested 100,000 elements deep: text without structure, a warning', async () => {
    const path = join(scratch, 'deep.html');
    await writeFile(
      path,
      `<html><body>${'<div>'.repeat(100_000)}deep text${'</div>'.repeat(100_000)}</body></html>`,
    );
    const doc = await parsed(path);
    expect(documentText(doc)).toBe('deep text');
    expect(doc.warnings.join(' ')).toMatch(/nests elements more than 500 deep/);
  });

  it('an HTML fragment without <html>/<body> is still read', async () => {
    const path = join(scratch, 'fragment.html');
    await writeFile(path, `<h2>Notes</h2><p>${'A fragment paragraph about kelp forests. '.repeat(3)}</p>`);
    const doc = await parsed(path);
    expect(documentText(doc)).toContain('A fragment paragraph about kelp forests.');
  });

  it('Markdown nested 2,000 lists deep or quoted 100,000 times: plain text, a warning', async () => {
    const lists = join(scratch, 'lists.md');
    await writeFile(
      lists,
      Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i * 2)}- item ${i}`).join('\n'),
    );
    const a = await parsed(lists);
    expect(documentText(a)).toContain('- item 1999');
    expect(a.warnings.join(' ')).toMatch(/nest too deeply\); indexed as plain text/);

    const quotes = join(scratch, 'quotes.md');
    await writeFile(quotes, `${'>'.repeat(100_000)} quoted`);
    const b = await parsed(quotes);
    expect(documentText(b).endsWith('quoted')).toBe(true);
    expect(b.warnings.join(' ')).toMatch(/indexed as plain text/);
  });

  it('JSON nested 100,000 deep keeps its value with a bounded key path', async () => {
    const path = join(scratch, 'deep.json');
    await writeFile(path, `${'['.repeat(100_000)}"bottom"${']'.repeat(100_000)}`);
    const doc = await parsed(path);
    expect(documentText(doc)).toBe(`${'[0]'.repeat(33)}: bottom`);
  });
});

describe('CSV without a header row', () => {
  it('numeric first row: every row is data, joined with " | "', async () => {
    const path = join(scratch, 'numbers.csv');
    await writeFile(path, '1,2.5,3\n4,5,6\n7,8,9\n');
    const doc = await parsed(path);
    expect(documentText(doc)).toBe('1 | 2.5 | 3\n\n4 | 5 | 6\n\n7 | 8 | 9');
    expect(doc.meta.rows).toBe(3);
  });

  it('a TSV with a header stops at maxCsvRows with a warning', async () => {
    const path = join(scratch, 'rows.tsv');
    await writeFile(
      path,
      `site\tcount\n${Array.from({ length: 50 }, (_, i) => `cove ${i}\t${i}`).join('\n')}\n`,
    );
    const doc = await parsed(path, { maxCsvRows: 10 });
    expect(doc.meta.rows).toBe(10);
    expect(documentText(doc).split('\n\n')[9]).toBe('site: cove 9\ncount: 9');
    expect(doc.warnings.join(' ')).toMatch(/first 10 rows/);
  });
});

describe('large HTML', () => {
  it('a saved page heavy with data: URI images keeps its structure; beyond the limit, text only', async () => {
    const path = join(scratch, 'saved.html');
    const img = `<img src="data:image/png;base64,${'iVBORw0KGgo'.repeat(2000)}">`;
    await writeFile(path, `<html><body><h1>Saved</h1>${img}<p>Kelp grows fast.</p>${img}</body></html>`);
    const a = await parsed(path, { maxHtmlBytes: 10_000 });
    expect(a.sections[0]!.headingPath).toEqual(['Saved']);
    expect(documentText(a)).toBe('Saved\n\nKelp grows fast.');
    const b = await parsed(path, { maxHtmlBytes: 20 });
    expect(documentText(b)).toBe('Saved\n\nKelp grows fast.');
    expect(b.sections[0]!.headingPath).toEqual([]);
    expect(b.warnings.join(' ')).toMatch(/read without structure/);
  });
});
