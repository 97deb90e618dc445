import { open, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import {
  type DocumentFormat,
  type ParseFailure,
  type ParsedDocument,
} from '../../../../shared/types/knowledge';
import { csvToSections } from './csv';
import { parseDocx } from './docx';
import { decodeText } from './encoding';
import { parseEpub } from './epub';
import { ParseError, abortError, errorMessage, isParseError, throwIfAborted } from './errors';
import { declaredCharset, htmlPageToSections, stripTags } from './html';
import { jsonValueToSections } from './json';
import { DEFAULT_LIMITS, type ParseLimits, formatBytes } from './limits';
import { markdownToSections } from './markdown';
import { parsePdf } from './pdf';
import { SectionBuilder } from './sections';
import { sniff } from './sniff';

export { ParseError, isParseError } from './errors';
export { DEFAULT_LIMITS, type ParseLimits } from './limits';

export interface ParseOptions extends Partial<ParseLimits> {
  /** Cancels parsing (the error's reason is TIMEOUT, message "cancelled"). */
  signal?: AbortSignal;
}

const MIME: Record<DocumentFormat, string> = {
  text: 'text/plain',
  markdown: 'text/markdown',
  html: 'text/html',
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  epub: 'application/epub+zip',
  csv: 'text/csv',
  json: 'application/json',
};

type Body = Omit<ParsedDocument, 'mime' | 'format'>;

/**
 * Parses one file into sections of plain text with page numbers and heading paths.
 * Never reads more than `maxBytes`; throws `ParseError` (with a `reason`) for anything it cannot
 * read, and TIMEOUT past `timeoutMs` or when `signal` fires. Synchronous library work (the DOM
 * parser, the Markdown lexer) cannot be interrupted mid-call: the worker running this can be
 * terminated as the last resort.
 */
export async function parseFile(path: string, options: ParseOptions = {}): Promise<ParsedDocument> {
  const { signal: outer, ...overrides } = options;
  const limits: ParseLimits = { ...DEFAULT_LIMITS, ...definedOnly(overrides) };
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
  throwIfAborted(signal);
  try {
    return await raceAbort(parseInner(path, limits, signal), signal);
  } catch (e) {
    if (isParseError(e)) throw e;
    // A library choking on hostile input (a stack overflow in a parser, a malformed structure)
    // is still this one file's problem: typed, with the library's words as the reason.
    throw new ParseError('CORRUPT', `The file could not be parsed (${errorMessage(e)}).`);
  }
}

/** Parses files one after another; a file that fails becomes a failure entry and the batch goes on. */
export async function parseFiles(
  paths: readonly string[],
  options: ParseOptions = {},
): Promise<Array<{ path: string; ok: true; doc: ParsedDocument } | ({ ok: false } & ParseFailure)>> {
  const out: Array<{ path: string; ok: true; doc: ParsedDocument } | ({ ok: false } & ParseFailure)> = [];
  for (const path of paths) {
    try {
      out.push({ path, ok: true, doc: await parseFile(path, options) });
    } catch (e) {
      out.push({ ok: false, ...toParseFailure(path, e) });
    }
  }
  return out;
}

/** Any error from parsing as per-file data; an unexpected library exception becomes CORRUPT. */
export function toParseFailure(path: string, e: unknown): ParseFailure {
  if (isParseError(e)) return { path, reason: e.reason, message: e.message };
  return { path, reason: 'CORRUPT', message: `The file could not be parsed (${errorMessage(e)}).` };
}

function definedOnly(o: Partial<ParseLimits>): Partial<ParseLimits> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<ParseLimits>;
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

async function readBounded(path: string, maxBytes: number): Promise<Buffer> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw unreadable(e);
  }
  if (!st.isFile()) throw new ParseError('UNREADABLE', 'Not a regular file.');
  if (st.size === 0) throw new ParseError('EMPTY', 'The file is empty.');
  if (st.size > maxBytes) {
    throw new ParseError(
      'TOO_LARGE',
      `The file is ${formatBytes(st.size)}; the limit is ${formatBytes(maxBytes)}.`,
    );
  }
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw unreadable(e);
  }
  try {
    // One byte more than the size we saw: a file that grew past the limit since stat() is caught.
    const buf = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
    let n = 0;
    while (n < buf.length) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    if (n > maxBytes)
      throw new ParseError('TOO_LARGE', `The file grew past the limit of ${formatBytes(maxBytes)}.`);
    if (n === 0) throw new ParseError('EMPTY', 'The file is empty.');
    return buf.subarray(0, n);
  } catch (e) {
    if (isParseError(e)) throw e;
    throw unreadable(e);
  } finally {
    await fh.close();
  }
}

function unreadable(e: unknown): ParseError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === 'ENOENT'
      ? 'it does not exist'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a folder'
          : errorMessage(e);
  return new ParseError('UNREADABLE', `The file cannot be opened: ${why}.`);
}

async function parseInner(path: string, limits: ParseLimits, signal: AbortSignal): Promise<ParsedDocument> {
  const buf = await readBounded(path, limits.maxBytes);
  throwIfAborted(signal);
  const warnings: string[] = [];
  const { format, note } = sniff(path, buf);
  if (note) warnings.push(note);
  let body: Body;
  switch (format) {
    case 'pdf':
      body = await parsePdf(
        new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength),
        limits,
        warnings,
        signal,
      );
      break;
    case 'docx':
      body = await parseDocx(buf, limits, warnings, signal);
      break;
    case 'epub':
      body = await parseEpub(buf, limits, warnings, signal);
      break;
    default:
      body = parseTextual(path, format, buf, limits, warnings);
  }
  throwIfAborted(signal);
  if (body.sections.length === 0) throw new ParseError('EMPTY', 'The file has no text.');
  return {
    title: body.title || basename(path, extname(path)),
    mime: MIME[format],
    format,
    sections: body.sections,
    meta: { bytes: buf.length, ...body.meta },
    warnings: body.warnings,
  };
}

/** Text formats: decode (BOM, UTF-8, detection), then format-specific structure. */
function parseTextual(
  path: string,
  format: DocumentFormat,
  buf: Buffer,
  limits: ParseLimits,
  warnings: string[],
): Body {
  // No need to decode more bytes than can become text (4 bytes per character at most in UTF-8).
  const cap = limits.maxChars * 4;
  const bytes = buf.length > cap ? buf.subarray(0, cap) : buf;
  const decoded = decodeText(bytes, format === 'html' ? declaredCharset(bytes) : undefined);
  if (decoded.replaced > 0) {
    warnings.push(
      `${decoded.replaced} invalid ${decoded.encoding} byte sequence(s) were replaced with U+FFFD.`,
    );
  }
  const text = decoded.text;
  const meta: ParsedDocument['meta'] = { encoding: decoded.encoding };
  const builder = new SectionBuilder(limits.maxChars, warnings);
  let title = '';
  const ext = extname(path).toLowerCase();
  switch (format) {
    case 'markdown':
      title = markdownToSections(text, builder, warnings).title;
      break;
    case 'html': {
      let html = text;
      if (html.length > limits.maxHtmlBytes) {
        // Saved pages are mostly inlined images: drop data: URIs before judging the size.
        html = html.replace(/data:[^"'\s)]{256,}/g, '');
      }
      if (html.length > limits.maxHtmlBytes) {
        warnings.push(`HTML over ${formatBytes(limits.maxHtmlBytes)}: its text was read without structure.`);
        builder.paragraphs(stripTags(html));
        meta.article = false;
        break;
      }
      const r = htmlPageToSections(html, builder, warnings);
      title = r.title;
      meta.article = r.article;
      break;
    }
    case 'csv': {
      const r = csvToSections(text, limits, builder, warnings, ext === '.tsv' ? '\t' : undefined);
      if (r) {
        meta.rows = r.rows;
        meta.columns = r.columns;
      } else plainText(text, builder);
      break;
    }
    case 'json':
      jsonText(text, ext, limits, builder, warnings, buf.length);
      break;
    default:
      plainText(text, builder);
  }
  return { title, sections: builder.build(), meta, warnings };
}

/** Plain text: paragraphs at blank lines; form feeds (pdftotext, old manuals) are page breaks. */
function plainText(text: string, builder: SectionBuilder): void {
  if (!text.includes('\f')) {
    builder.paragraphs(text);
    return;
  }
  text.split('\f').forEach((page, i) => {
    builder.setPage(i + 1);
    builder.paragraphs(page);
  });
}

function jsonText(
  text: string,
  ext: string,
  limits: ParseLimits,
  builder: SectionBuilder,
  warnings: string[],
  bytes: number,
): void {
  const lines = ext === '.jsonl' || ext === '.ndjson';
  if (bytes > limits.maxJsonBytes) {
    warnings.push(`JSON over ${formatBytes(limits.maxJsonBytes)} is indexed as plain text.`);
    plainText(text, builder);
    return;
  }
  if (!lines) {
    try {
      jsonValueToSections(JSON.parse(text) as unknown, builder);
      return;
    } catch (e) {
      if (!(e instanceof SyntaxError) || !text.includes('\n')) {
        warnings.push(`Not valid JSON (${errorMessage(e)}); indexed as plain text.`);
        plainText(text, builder);
        return;
      }
      // Maybe JSON Lines without the extension: fall through.
    }
  }
  let bad = 0;
  let good = 0;
  let n = 0;
  for (const line of text.split('\n')) {
    n++;
    if (builder.full) break;
    if (!line.trim()) continue;
    try {
      jsonValueToSections(JSON.parse(line) as unknown, builder, `[${n - 1}]`, true);
      good++;
    } catch {
      bad++;
    }
  }
  if (good === 0) {
    warnings.push('Not valid JSON; indexed as plain text.');
    plainText(text, builder);
  } else if (bad > 0) warnings.push(`${bad} line(s) were not valid JSON and were skipped.`);
}
