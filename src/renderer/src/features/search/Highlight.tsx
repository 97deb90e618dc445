import type { TextSpan } from '../../../../shared/types/library';

/** Matched pieces as <mark>; everything is rendered as text, never as HTML. */
export function Highlight({ spans }: { spans: readonly TextSpan[] }) {
  return <>{spans.map((s, i) => (s.mark ? <mark key={i}>{s.text}</mark> : <span key={i}>{s.text}</span>))}</>;
}
