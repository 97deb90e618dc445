import Papa from 'papaparse';
import { type ParseLimits } from './limits';
import { type SectionBuilder, cleanInline } from './sections';

/** Length of the longest line, without splitting the string (a 10 MB line stays one scan). */
export function longestLine(s: string): number {
  let max = 0;
  let start = 0;
  for (let i = s.indexOf('\n'); ; i = s.indexOf('\n', i + 1)) {
    const end = i === -1 ? s.length : i;
    if (end - start > max) max = end - start;
    if (i === -1) return max;
    start = i + 1;
  }
}

function looksLikeHeader(row: string[]): boolean {
  if (row.length === 0) return false;
  const seen = new Set<string>();
  for (const c of row) {
    const v = c.trim();
    if (!v || /^[-+]?[\d.,]+%?$/.test(v) || seen.has(v)) return false;
    seen.add(v);
  }
  return true;
}

/**
 * CSV/TSV as text: each row one paragraph of "column: value" lines, so a chunk carries its column
 * names. Bounded: rows, cell length and (via the builder) total characters.
 * Returns false when the file must be treated as plain text (a line too long to parse safely).
 */
export function csvToSections(
  text: string,
  limits: ParseLimits,
  builder: SectionBuilder,
  warnings: string[],
  delimiter?: string,
): { rows: number; columns: number } | false {
  if (longestLine(text) > limits.maxCsvLineChars) {
    warnings.push(
      `A CSV line is longer than ${limits.maxCsvLineChars.toLocaleString('en-US')} characters; indexed as plain text.`,
    );
    return false;
  }
  let cut = 0;
  const cell = (v: string): string => {
    const c = cleanInline(v);
    if (c.length <= limits.maxCsvCellChars) return c;
    cut++;
    return `${c.slice(0, limits.maxCsvCellChars)}…`;
  };
  let header: string[] | undefined;
  let first: string[] | undefined;
  let decided = false;
  let rows = 0;
  let columns = 0;
  let errors = 0;
  let firstError = '';
  const emit = (row: string[]): void => {
    rows++;
    columns = Math.max(columns, row.length);
    const lines: string[] = [];
    row.forEach((v, i) => {
      const value = cell(v);
      if (!value) return;
      lines.push(header?.[i] ? `${header[i]}: ${value}` : value);
    });
    if (lines.length > 0) builder.paragraph(header ? lines.join('\n') : lines.join(' | '));
  };
  // Row by row, stopping once the builder is full or the row limit is reached: memory stays
  // proportional to the text kept, not to the file.
  Papa.parse<string[]>(text, {
    skipEmptyLines: 'greedy',
    ...(delimiter ? { delimiter } : {}),
    step: (result, parser) => {
      if (result.errors.length > 0) {
        errors += result.errors.length;
        firstError ||= `row ${rows + (header ? 2 : 1)}: ${result.errors[0]!.message}`;
      }
      const row = result.data;
      if (!decided && first === undefined) {
        first = row; // decided when the second row arrives: header or data
        return;
      }
      if (!decided) {
        decided = true;
        if (looksLikeHeader(first!)) header = first!.map((h) => cleanInline(h));
        else emit(first!);
        first = undefined;
      }
      if (rows >= limits.maxCsvRows) {
        warnings.push(`Only the first ${limits.maxCsvRows.toLocaleString('en-US')} rows were read.`);
        parser.abort();
        return;
      }
      emit(row);
      if (builder.full) parser.abort();
    },
  });
  if (first !== undefined) emit(first); // a single row is data
  if (errors > 0) warnings.push(`CSV: ${errors} problem(s), first at ${firstError}.`);
  if (cut > 0) warnings.push(`${cut} cell(s) longer than ${limits.maxCsvCellChars} characters were cut.`);
  return { rows, columns };
}
