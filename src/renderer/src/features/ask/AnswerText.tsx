import type { AnswerCitation } from '../../../../shared/types/assistant';
import { openCitation } from './useAnswers';

/** Answer text with each [n] rendered as a link to its source (text only, never HTML). */
export function AnswerText({
  text,
  citations,
  onError,
}: {
  text: string;
  citations: readonly AnswerCitation[];
  onError?: (message: string) => void;
}) {
  const parts = text.split(/(\[\d{1,3}\])/);
  return (
    <p className="answer__text">
      {parts.map((p, i) => {
        const m = /^\[(\d{1,3})\]$/.exec(p);
        const c = m ? citations.find((x) => x.n === Number(m[1])) : undefined;
        if (!c) return <span key={i}>{p}</span>;
        const where = `${c.name}${c.page !== null ? `, page ${c.page}` : ''}`;
        return (
          <a
            key={i}
            href="#"
            className="answer__cite"
            title={`${where}\n\n${c.excerpt}`}
            aria-label={`Source ${c.n}: ${where}`}
            data-testid="citation-link"
            onClick={(e) => {
              e.preventDefault();
              void openCitation(c).then((err) => err && onError?.(err));
            }}
          >
            [{c.n}]
          </a>
        );
      })}
    </p>
  );
}

export function Sources({ citations }: { citations: readonly AnswerCitation[] }) {
  const used = citations.filter((c) => c.cited);
  if (used.length === 0) return null;
  return (
    <ol className="answer__sources" aria-label="Sources">
      {used.map((c) => (
        <li key={c.n} value={c.n}>
          <button type="button" className="answer__source" onClick={() => void openCitation(c)}>
            {c.name}
            {c.page !== null ? `, page ${c.page}` : ''}
            {c.headingPath.length ? ` · ${c.headingPath.join(' › ')}` : ''}
          </button>
        </li>
      ))}
    </ol>
  );
}
