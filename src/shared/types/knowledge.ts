import { z } from 'zod';

/**
 * Knowledge base: what a parser makes of one file, and the chunks the chunker cuts from it.
 * Plain data shared by the ingest worker, the indexes and (later) the IPC contract.
 */

export const DOCUMENT_FORMATS = ['text', 'markdown', 'html', 'pdf', 'docx', 'epub', 'csv', 'json'] as const;
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

/** Why a file could not be parsed. One per file: a batch reports it and goes on. */
export const PARSE_ERROR_REASONS = [
  /** Zero bytes, or no extractable text (a PDF without a text layer, a document with no words). */
  'EMPTY',
  /** The bytes are not a valid instance of the format they claim (truncated PDF, broken zip). */
  'CORRUPT',
  /** A format Nook does not read (images, spreadsheets, a .doc, a zip that is neither DOCX nor EPUB). */
  'UNSUPPORTED',
  /** Over the size limit; refused before the file is read into memory. */
  'TOO_LARGE',
  /** Binary data where text was expected (for example junk named .txt). */
  'BINARY',
  /** A zip (DOCX/EPUB) that declares or inflates to more than the limits, or has too many entries. */
  'ZIP_BOMB',
  /** Password protected (encrypted PDF, encrypted Office file). */
  'ENCRYPTED',
  /** Parsing took longer than the per-file time limit, or was cancelled. */
  'TIMEOUT',
  /** The file cannot be opened (gone, no permission, not a regular file, I/O error). */
  'UNREADABLE',
] as const;
export type ParseErrorReason = (typeof PARSE_ERROR_REASONS)[number];

export const DocumentSectionSchema = z.object({
  /** Plain text; paragraphs separated by a blank line. The section's heading, if any, is its first paragraph. */
  text: z.string(),
  /** 1-based page number, where the format has pages (PDF, text with form feeds). */
  page: z.number().int().positive().optional(),
  /** Headings from the top level down to this section, e.g. ['Setup', 'Linux']. Empty before any heading. */
  headingPath: z.array(z.string()),
});
export type DocumentSection = z.infer<typeof DocumentSectionSchema>;

export const ParsedDocumentSchema = z.object({
  title: z.string(),
  mime: z.string(),
  format: z.enum(DOCUMENT_FORMATS),
  sections: z.array(DocumentSectionSchema),
  /** Format-specific facts: pageCount, encoding, author, rows, ... (JSON values only). */
  meta: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  /** Non-fatal problems (invalid bytes replaced, rows truncated, a chapter skipped). */
  warnings: z.array(z.string()),
});
export type ParsedDocument = z.infer<typeof ParsedDocumentSchema>;

/** A per-file failure as data (what crosses the worker / IPC boundary). */
export const ParseFailureSchema = z.object({
  path: z.string(),
  reason: z.enum(PARSE_ERROR_REASONS),
  message: z.string(),
});
export type ParseFailure = z.infer<typeof ParseFailureSchema>;

export const ChunkSchema = z.object({
  /** 0-based position of the chunk in its document. */
  ordinal: z.number().int().nonnegative(),
  text: z.string().min(1),
  /** Tokens by the embedding model's own tokenizer, special tokens ([CLS]/[SEP]) not included. */
  tokenCount: z.number().int().positive(),
  page: z.number().int().positive().optional(),
  headingPath: z.array(z.string()),
  /**
   * Offsets (UTF-16 code units, end exclusive) into the document's full text, which is its sections'
   * texts joined by a blank line (`documentText`). `text === documentText(doc).slice(charStart, charEnd)`.
   */
  charStart: z.number().int().nonnegative(),
  charEnd: z.number().int().nonnegative(),
});
export type Chunk = z.infer<typeof ChunkSchema>;

/** The separator between sections in a document's full text; chunk offsets count it. */
export const SECTION_SEPARATOR = '\n\n';

/** The document's full text, the frame of reference for chunk offsets. */
export function documentText(doc: Pick<ParsedDocument, 'sections'>): string {
  return doc.sections.map((s) => s.text).join(SECTION_SEPARATOR);
}
