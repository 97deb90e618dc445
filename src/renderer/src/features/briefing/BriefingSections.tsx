import { useId } from 'react';
import type {
  Briefing,
  BriefingItem,
  BriefingSection,
  BriefingSource,
} from '../../../../shared/types/briefing';
import { useLibraryStore } from '../library/useLibraryStore';
import { useNavStore } from '../../stores/useNavStore';
import { formatDue, sortSections } from './time';
import { useReminders } from './useReminders';

/**
 * Opens a source the way a search citation does: the Library's document pane, scrolled to the cited
 * passage (highlighting `terms` in it), from where the original file opens too.
 */
export function openSource(s: BriefingSource, terms?: string[]): void {
  useLibraryStore.getState().openDocument({
    id: s.documentId,
    ...(s.chunkOrdinal !== null ? { chunkOrdinal: s.chunkOrdinal } : {}),
    page: s.page,
    ...(terms && terms.length > 0 ? { terms } : {}),
  });
  useNavStore.getState().setView('library');
}

function sourceLabel(s: BriefingSource): string {
  const name = s.title || s.name;
  return s.page !== null ? `${name}, p. ${s.page}` : name;
}

function SourceList({ sources, terms }: { sources: readonly BriefingSource[]; terms?: string[] }) {
  if (sources.length === 0) return null;
  return (
    <ul className="briefing-sources" aria-label="Sources">
      {sources.map((s) => (
        <li key={`${s.documentId}:${s.chunkId ?? 'doc'}`}>
          <button
            type="button"
            className="briefing-source"
            data-testid="briefing-source"
            title={s.path}
            onClick={() => openSource(s, terms)}
          >
            {sourceLabel(s)}
          </button>
        </li>
      ))}
    </ul>
  );
}

function Item({ item, kind, now }: { item: BriefingItem; kind: BriefingSection['kind']; now: Date }) {
  const complete = useReminders((s) => s.complete);
  // The server's detail line usually says when already ("Overdue: Mon 23 Nov · Tax notes"): then
  // the badge alone flags it; a bare item gets its due time here.
  const detail = item.detail?.replace(/^Overdue:\s*/, '') ?? null;
  const dueText = item.due !== null && !detail ? formatDue(item.due, now, item.allDay).text : null;
  // A trending topic is marked in the passage it opens.
  const terms = kind === 'trending' ? [item.text] : undefined;
  return (
    <li className="briefing-item" data-testid="briefing-item" data-overdue={item.overdue || undefined}>
      <div className="briefing-item__main">
        <p className="briefing-item__text">{item.text}</p>
        {dueText || detail || item.overdue ? (
          <p className="briefing-item__when">
            {item.overdue ? <span className="badge badge--down">Overdue</span> : null}
            {dueText ? <time dateTime={new Date(item.due!).toISOString()}>{dueText}</time> : null}
            {detail ? <span className="briefing-item__detail">{detail}</span> : null}
          </p>
        ) : null}
        <SourceList sources={item.sources} {...(terms ? { terms } : {})} />
      </div>
      {item.reminderId !== null ? (
        <button
          type="button"
          className="button button--ghost"
          aria-label={`Mark “${item.text}” done`}
          onClick={() => void complete(item.reminderId!, true)}
        >
          Done
        </button>
      ) : null}
    </li>
  );
}

function Section({ section, now }: { section: BriefingSection; now: Date }) {
  const h = useId();
  const itemSources = new Set(section.items.flatMap((i) => i.sources.map((s) => s.documentId)));
  // Sources the items do not show already (a summary's documents), listed under the section.
  const extra = section.sources.filter((s) => !itemSources.has(s.documentId));
  return (
    <section
      className="briefing-section card"
      aria-labelledby={h}
      data-testid="briefing-section"
      data-kind={section.kind}
      data-priority={section.priority}
    >
      <h2 className="card__title" id={h}>
        {section.title}
      </h2>
      {section.summary ? (
        <p className="briefing-section__summary">
          {section.summary}
          {section.summarizer ? (
            <span className="briefing-section__by">
              {' '}
              —{' '}
              {section.summarizer === 'extractive' ? 'key sentences' : `summarised by ${section.summarizer}`}
            </span>
          ) : null}
        </p>
      ) : null}
      {section.items.length === 0 ? (
        <p className="muted">{section.emptyText ?? 'Nothing here today.'}</p>
      ) : (
        <ul className="briefing-items">
          {section.items.map((item) => (
            <Item key={item.key} item={item} kind={section.kind} now={now} />
          ))}
        </ul>
      )}
      {extra.length > 0 ? (
        <div className="briefing-section__sources">
          <span className="briefing-section__sources-label">Sources</span>
          <SourceList sources={extra} />
        </div>
      ) : null}
    </section>
  );
}

/** A briefing's sections by priority, or the plain empty-day message. */
export function BriefingSections({ briefing, now }: { briefing: Briefing; now: Date }) {
  if (briefing.empty) {
    return (
      <div className="briefing-empty" data-testid="briefing-empty">
        <p className="briefing-empty__title">{briefing.summary || 'Nothing new since yesterday'}</p>
        <p className="muted">Nook will list changed documents, coming deadlines and rising topics here.</p>
      </div>
    );
  }
  return (
    <div className="briefing-sections">
      {sortSections(briefing.sections).map((s) => (
        <Section key={s.id} section={s} now={now} />
      ))}
    </div>
  );
}
