import type { TextSpan } from '../../../../shared/types/library';

/** Matched pieces as <mark>; everything is rendered as text, never as HTML. */
export function Highlight({ spans }: { spans: readonly TextSpan[] }) {
  return <>{spans.map((s, i) => (s.mark ? <mark key={i}>{s.text}</mark> : <span key={i}>{s.text}</span>))}</>;
}

/** The distinct matched words of a snippet, for marking them elsewhere (the cited chunk). */
export function markedTerms(spans: readonly TextSpan[]): string[] {
  const out = new Set<string>();
  for (const s of spans) if (s.mark && s.text.trim()) out.add(s.text.trim().toLowerCase());
  return [...out];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Splits `text` into spans with every occurrence of `terms` (case-insensitive) marked. */
export function markTerms(text: string, terms: readonly string[]): TextSpan[] {
  const usable = terms.filter((t) => t.length > 0).slice(0, 50);
  if (usable.length === 0) return [{ text, mark: false }];
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
