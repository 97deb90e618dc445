import type * as PdfJsModule from 'pdfjs-dist/legacy/build/pdf.mjs';
import { type ParsedDocument } from '../../../../shared/types/knowledge';
import { ParseError, errorMessage, throwIfAborted } from './errors';
import { type ParseLimits } from './limits';
import { SectionBuilder, cleanInline } from './sections';

// The legacy build is the one pdf.js supports in Node; its worker runs in this thread ("fake
// worker"), which is what we want inside the ingest worker thread.
type PdfJs = typeof PdfJsModule;
let pdfjsPromise: Promise<PdfJs> | undefined;
function loadPdfJs(): Promise<PdfJs> {
  pdfjsPromise ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjsPromise;
}

interface Line {
  text: string;
  /** Font size (text height in device space). */
  size: number;
  y: number;
}

interface RawItem {
  str: string;
  transform: number[];
  width: number;
  height: number;
  hasEOL: boolean;
}

/** Rebuilds lines from a page's positioned text items (pdf.js gives runs, not lines). */
function itemsToLines(items: RawItem[]): Line[] {
  const lines: Line[] = [];
  let cur: Line | undefined;
  let lastEnd = 0;
  let endLine = false;
  for (const it of items) {
    const size = Math.abs(it.height || it.transform[3] || 0);
    const x = it.transform[4] ?? 0;
    const y = it.transform[5] ?? 0;
    if (it.str === '') {
      if (it.hasEOL) endLine = true;
      continue;
    }
    if (cur && !endLine && Math.abs(y - cur.y) <= Math.max(size, cur.size) * 0.5) {
      // Same line: add a space where pdf.js left a visible gap without one.
      const gap = x - lastEnd;
      if (gap > Math.max(size, cur.size) * 0.15 && !cur.text.endsWith(' ') && !it.str.startsWith(' '))
        cur.text += ' ';
      cur.text += it.str;
      cur.size = Math.max(cur.size, size);
    } else {
      if (cur) lines.push(cur);
      cur = { text: it.str, size, y };
    }
    lastEnd = x + (it.width || 0);
    endLine = it.hasEOL;
  }
  if (cur) lines.push(cur);
  return lines.map((l) => ({ ...l, text: cleanInline(l.text) })).filter((l) => l.text.length > 0);
}

/** The font size most text is set in (character-weighted). */
function bodySize(pages: Line[][]): number {
  const weight = new Map<number, number>();
  for (const lines of pages) {
    for (const l of lines) {
      const k = Math.round(l.size * 2) / 2;
      weight.set(k, (weight.get(k) ?? 0) + l.text.length);
    }
  }
  let best = 0;
  let bestW = -1;
  for (const [k, w] of weight) {
    if (w > bestW) {
      best = k;
      bestW = w;
    }
  }
  return best;
}

function isHeading(l: Line, body: number): boolean {
  return body > 0 && l.size >= body * 1.2 && l.text.length <= 200 && /\p{L}/u.test(l.text);
}

/** Lines compared across pages with their numbers masked ("Page 3 of 9" ~ "Page 4 of 9"). */
const masked = (text: string): string => text.replace(/\d+/g, '#').toLowerCase();

/**
 * Running headers and footers (a title or "Page 3 of 9" repeated at the top or bottom of most
 * pages) are boilerplate: the first and last two lines of each page are dropped when the same line,
 * numbers masked, is there on at least 60% of the pages. Needs 3+ pages. Returns how many went.
 */
export function dropRunningLines(pages: Line[][]): number {
  const withText = pages.filter((p) => p.length > 0);
  if (withText.length < 3) return 0;
  const edges = (p: Line[]): Line[] => [...new Set([...p.slice(0, 2), ...p.slice(-2)])];
  const seen = new Map<string, number>();
  for (const p of withText) {
    for (const key of new Set(edges(p).map((l) => masked(l.text)))) seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const running = new Set(
    [...seen].filter(([, n]) => n >= Math.max(3, withText.length * 0.6)).map(([k]) => k),
  );
  if (running.size === 0) return 0;
  let removed = 0;
  for (const p of pages) {
    const drop = new Set(edges(p).filter((l) => running.has(masked(l.text))));
    removed += drop.size;
    if (drop.size > 0) p.splice(0, p.length, ...p.filter((l) => !drop.has(l)));
  }
  return removed;
}

function joinLines(a: string, b: string): string {
  // "exam-" + "ple" -> "example"; a real hyphenated compound keeps its hyphen only if the next word is capitalised.
  if (/\p{Ll}-$/u.test(a) && /^\p{Ll}/u.test(b)) return a.slice(0, -1) + b;
  return `${a} ${b}`;
}

/**
 * PDF text layer, one section per page (and per heading within a page), page numbers kept.
 * Headings are recovered from font size: lines clearly larger than the body text, ranked by size.
 */
export async function parsePdf(
  data: Uint8Array,
  limits: ParseLimits,
  warnings: string[],
  signal?: AbortSignal,
): Promise<Omit<ParsedDocument, 'mime' | 'format'>> {
  const pdfjs = await loadPdfJs();
  const task = pdfjs.getDocument({
    data,
    disableFontFace: true,
    useSystemFonts: false,
    isEvalSupported: false,
    disableAutoFetch: true,
    disableStream: true,
    stopAtErrors: false,
    verbosity: 0,
  });
  const onAbort = (): void => void task.destroy();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let pdf;
    try {
      pdf = await task.promise;
    } catch (e) {
      throwIfAborted(signal);
      const name = e instanceof Error ? e.name : '';
      if (name === 'PasswordException') throw new ParseError('ENCRYPTED', 'The PDF is password-protected.');
      throw new ParseError('CORRUPT', `The PDF cannot be read (${errorMessage(e)}).`);
    }
    const pageCount = pdf.numPages;
    const meta: Record<string, number> = {};
    const readPages = Math.min(pageCount, limits.maxPdfPages);
    if (readPages < pageCount) warnings.push(`Only the first ${readPages} of ${pageCount} pages were read.`);
    const pages: Line[][] = [];
    let chars = 0;
    let failedPages = 0;
    for (let n = 1; n <= readPages; n++) {
      throwIfAborted(signal);
      try {
        const page = await pdf.getPage(n);
        const content = await page.getTextContent();
        pages.push(
          itemsToLines(
            content.items.filter((it): it is RawItem & (typeof content.items)[number] => 'str' in it),
          ),
        );
        page.cleanup();
      } catch (e) {
        throwIfAborted(signal);
        failedPages++;
        pages.push([]);
        if (failedPages <= 3) warnings.push(`Page ${n} could not be read (${errorMessage(e)}).`);
      }
      for (const l of pages[pages.length - 1]!) chars += l.text.length;
      if (chars > limits.maxChars) break; // the builder cuts exactly and warns
    }
    if (failedPages > 0 && failedPages === pages.length)
      throw new ParseError('CORRUPT', 'No page of the PDF could be read.');

    const removed = dropRunningLines(pages);
    if (removed > 0) meta.runningLinesRemoved = removed;
    const body = bodySize(pages);
    const headingSizes = [
      ...new Set(
        pages
          .flat()
          .filter((l) => isHeading(l, body))
          .map((l) => Math.round(l.size * 2) / 2),
      ),
    ].sort((a, b) => b - a);
    const levelOf = (size: number): number => Math.min(6, headingSizes.indexOf(Math.round(size * 2) / 2) + 1);

    const builder = new SectionBuilder(limits.maxChars, warnings);
    pages.forEach((lines, i) => {
      builder.setPage(i + 1);
      let para = '';
      let heading: Line | undefined;
      let prev: Line | undefined;
      const flush = (): void => {
        if (heading) builder.heading(levelOf(heading.size), heading.text);
        else if (para) builder.paragraph(para);
        heading = undefined;
        para = '';
      };
      for (const l of lines) {
        if (isHeading(l, body)) {
          // A heading wrapped over lines of the same size is one heading.
          if (heading && Math.abs(heading.size - l.size) < 0.5)
            heading = { ...heading, text: `${heading.text} ${l.text}` };
          else {
            flush();
            heading = l;
          }
        } else {
          const gap = prev ? Math.abs(prev.y - l.y) : 0;
          if (heading || (para && prev && gap > Math.max(l.size, prev.size) * 1.6)) flush();
          para = para ? joinLines(para, l.text) : l.text;
        }
        prev = l;
      }
      flush();
    });
    const sections = builder.build();
    if (sections.length === 0) {
      throw new ParseError(
        'EMPTY',
        'The PDF has no text layer (scanned pages need OCR, which is not supported).',
      );
    }
    let title = '';
    let author = '';
    try {
      const md = await pdf.getMetadata();
      const info = md.info as Record<string, unknown>;
      title = typeof info.Title === 'string' ? cleanInline(info.Title) : '';
      author = typeof info.Author === 'string' ? cleanInline(info.Author) : '';
    } catch {
      // metadata is optional
    }
    return {
      title,
      sections,
      meta: { pageCount, ...meta, ...(author ? { author } : {}) },
      warnings,
    };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await task.destroy();
  }
}
