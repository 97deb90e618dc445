/**
 * Search text helpers without DOM or React, so they are unit-tested in Node
 * (test/renderer/searchText.test.ts): marking matched words, cleaning filters, citation lines.
 */
import type { SearchFilters, SearchHit, TextSpan } from '../../../../shared/types/library';

/** The distinct matched words of a snippet, for marking them elsewhere (the cited chunk). */
export function markedTerms(spans: readonly TextSpan[]): string[] {
  const out = new Set<string>();
  for (const s of spans) if (s.mark && s.text.trim()) out.add(s.text.trim().toLowerCase());
  return [...out];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Splits `text` into spans with every occurrence of `terms` (case-insensitive) marked. Terms are
 * matched literally (a query's `C++` or `(E-4012)` is no pattern); longer terms win over their prefixes.
 */
export function markTerms(text: string, terms: readonly string[]): TextSpan[] {
  const usable = [...new Set(terms.filter((t) => t.length > 0))]
    .sort((a, b) => b.length - a.length)
    .slice(0, 50);
  if (usable.length === 0 || text === '') return [{ text, mark: false }];
  const re = new RegExp(usable.map(escapeRegExp).join('|'), 'gi');
  const spans: TextSpan[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) spans.push({ text: text.slice(last, m.index), mark: false });
    spans.push({ text: m[0], mark: true });
    last = m.index + m[0].length;
  }
  if (last < text.length) spans.push({ text: text.slice(last), mark: false });
  return spans;
}

/** Drops empty filter fields so `{}` means "no filters" and the request stays small. */
export function cleanFilters(f: SearchFilters): SearchFilters | undefined {
  const out: SearchFilters = {};
  if (f.fileTypes?.length) out.fileTypes = f.fileTypes;
  if (f.folders?.length) out.folders = f.folders;
  if (f.tags?.length) out.tags = f.tags;
  if (f.dateFrom !== undefined) out.dateFrom = f.dateFrom;
  if (f.dateTo !== undefined) out.dateTo = f.dateTo;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A citation as people read it: "report.pdf (Title) · p. 4 · Results › Errors". */
export function citationText(hit: Pick<SearchHit, 'citation'>): string {
  const c = hit.citation;
  const parts = [c.title && c.title !== c.name ? `${c.name} (${c.title})` : c.name];
  if (c.page !== null) parts.push(`p. ${c.page}`);
  if (c.headingPath.length > 0) parts.push(c.headingPath.join(' › '));
  return parts.join(' · ');
}
