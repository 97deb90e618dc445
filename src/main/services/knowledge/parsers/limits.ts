/** Bounds that keep one hostile or huge file from taking the worker down. All overridable per call. */
export interface ParseLimits {
  /** Files above this are refused (TOO_LARGE) from their size alone, before any byte is read. */
  maxBytes: number;
  /** Extracted text is cut here (a warning says so). */
  maxChars: number;
  /** Per-file wall-clock limit (TIMEOUT). */
  timeoutMs: number;
  /** Zip containers (DOCX, EPUB): entry count, one entry's and all entries' inflated bytes. */
  maxZipEntries: number;
  maxZipEntryBytes: number;
  maxZipTotalBytes: number;
  /** HTML above this (in characters, after dropping data: URIs) is read as text without a DOM. */
  maxHtmlBytes: number;
  /** JSON above this is not given to JSON.parse; it is indexed as plain text instead. */
  maxJsonBytes: number;
  /** A CSV row longer than this makes the file plain text (a parser would build millions of cells). */
  maxCsvLineChars: number;
  maxCsvRows: number;
  maxCsvCellChars: number;
  /** PDF pages read at most. */
  maxPdfPages: number;
}

export const DEFAULT_LIMITS: ParseLimits = {
  maxBytes: 100 * 1024 * 1024,
  maxChars: 16 * 1024 * 1024,
  timeoutMs: 120_000,
  maxZipEntries: 10_000,
  maxZipEntryBytes: 64 * 1024 * 1024,
  maxZipTotalBytes: 256 * 1024 * 1024,
  maxHtmlBytes: 32 * 1024 * 1024,
  maxJsonBytes: 64 * 1024 * 1024,
  maxCsvLineChars: 1024 * 1024,
  maxCsvRows: 500_000,
  maxCsvCellChars: 10_000,
  maxPdfPages: 5_000,
};

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / (1024 * 1024)) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}
