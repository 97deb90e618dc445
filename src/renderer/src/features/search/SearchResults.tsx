import { useState, type KeyboardEvent } from 'react';
import { DOCUMENT_FORMATS } from '../../../../shared/types/knowledge';
import type { SearchFilters, SearchMode } from '../../../../shared/types/library';
import { useLibraryStore } from '../library/useLibraryStore';
import { Highlight } from './Highlight';
import { citationText, cleanFilters, markedTerms } from './text';
import { useSearch } from './useSearch';

const MODES: { id: SearchMode; label: string }[] = [
  { id: 'hybrid', label: 'Both' },
  { id: 'keyword', label: 'Exact words' },
  { id: 'vector', label: 'Meaning' },
];

const FORMAT_LABEL: Record<string, string> = {
  text: 'Text',
  markdown: 'Markdown',
  html: 'HTML',
  pdf: 'PDF',
  docx: 'Word',
  epub: 'EPUB',
  csv: 'CSV',
  json: 'JSON',
};

function toDateInput(ms: number | undefined): string {
  if (ms === undefined) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function fromDateInput(v: string, endOfDay: boolean): number | undefined {
  if (!v) return undefined;
  const [y, m, d] = v.split('-').map(Number);
  if (!y || !m || !d) return undefined;
  return endOfDay ? new Date(y, m - 1, d, 23, 59, 59, 999).getTime() : new Date(y, m - 1, d).getTime();
}

export function SearchFiltersBar() {
  const filters = useLibraryStore((s) => s.filters);
  const setFilters = useLibraryStore((s) => s.setFilters);
  const mode = useLibraryStore((s) => s.mode);
  const setMode = useLibraryStore((s) => s.setMode);
  const [open, setOpen] = useState(false);
  const active = Object.keys(cleanFilters(filters) ?? {}).length;
  const patch = (p: Partial<SearchFilters>) => {
    const next: SearchFilters = { ...filters, ...p };
    for (const k of Object.keys(next) as (keyof SearchFilters)[]) if (next[k] === undefined) delete next[k];
    setFilters(next);
  };
  const types = new Set(filters.fileTypes ?? []);

  return (
    <div className="search-filters">
      <div className="search-filters__row">
        <div className="segmented" role="radiogroup" aria-label="Search by">
          {MODES.map((m) => (
            <label key={m.id} className="segmented__option">
              <input type="radio" name="search-mode" checked={mode === m.id} onChange={() => setMode(m.id)} />
              <span>{m.label}</span>
            </label>
          ))}
        </div>
        <button
          type="button"
          className="button button--ghost"
          aria-expanded={open}
          aria-controls="search-filter-fields"
          onClick={() => setOpen((o) => !o)}
        >
          Filters{active > 0 ? ` (${active})` : ''}
        </button>
        {active > 0 ? (
          <button type="button" className="button button--ghost" onClick={() => setFilters({})}>
            Clear filters
          </button>
        ) : null}
      </div>
      {open ? (
        <div className="search-filters__fields" id="search-filter-fields">
          <fieldset className="search-filters__types">
            <legend>File type</legend>
            {DOCUMENT_FORMATS.map((f) => (
              <button
                key={f}
                type="button"
                className="chip"
                aria-pressed={types.has(f)}
                onClick={() => {
                  const next = new Set(types);
                  if (next.has(f)) next.delete(f);
                  else next.add(f);
                  patch({ fileTypes: next.size > 0 ? [...next] : undefined });
                }}
              >
                {FORMAT_LABEL[f] ?? f}
              </button>
            ))}
          </fieldset>
          <label className="search-filters__field">
            <span>Folder</span>
            <input
              className="input"
              placeholder="/home/me/Documents/work"
              value={filters.folders?.[0] ?? ''}
              onChange={(e) =>
                patch({ folders: e.target.value.trim() ? [e.target.value.trim()] : undefined })
              }
            />
          </label>
          <label className="search-filters__field">
            <span>Modified from</span>
            <input
              className="input"
              type="date"
              value={toDateInput(filters.dateFrom)}
              onChange={(e) => patch({ dateFrom: fromDateInput(e.target.value, false) })}
            />
          </label>
          <label className="search-filters__field">
            <span>to</span>
            <input
              className="input"
              type="date"
              value={toDateInput(filters.dateTo)}
              onChange={(e) => patch({ dateTo: fromDateInput(e.target.value, true) })}
            />
          </label>
          <label className="search-filters__field">
            <span>Tags</span>
            <input
              className="input"
              placeholder="work, 2026"
              value={(filters.tags ?? []).join(', ')}
              onChange={(e) => {
                const tags = e.target.value
                  .split(',')
                  .map((t) => t.trim())
                  .filter(Boolean);
                patch({ tags: tags.length > 0 ? tags : undefined });
              }}
            />
          </label>
        </div>
      ) : null}
    </div>
  );
}

/** Results of the Library's search box: highlighted passages, each with a citation that opens the document there. */
/**
 * Moves focus between the results' citations with the arrow keys (Home/End for the first/last);
 * ArrowUp on the first goes back to the search box. Tab still walks every control in order.
 */
function onResultsKey(e: KeyboardEvent<HTMLOListElement>): void {
  if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key)) return;
  const buttons = Array.from(e.currentTarget.querySelectorAll<HTMLButtonElement>('[data-testid="citation"]'));
  const i = buttons.findIndex((b) => b === document.activeElement);
  if (i < 0) return;
  e.preventDefault();
  if (e.key === 'ArrowUp' && i === 0) {
    document.querySelector<HTMLInputElement>('input[aria-label="Search your documents"]')?.focus();
    return;
  }
  const next =
    e.key === 'Home' ? 0 : e.key === 'End' ? buttons.length - 1 : i + (e.key === 'ArrowDown' ? 1 : -1);
  buttons[Math.max(0, Math.min(buttons.length - 1, next))]?.focus();
}

/** Focuses the first result's citation (ArrowDown in the search box). */
export function focusFirstResult(): boolean {
  const first = document.querySelector<HTMLButtonElement>('.search-results__list [data-testid="citation"]');
  first?.focus();
  return first !== null;
}

export function SearchResults() {
  const query = useLibraryStore((s) => s.query);
  const filters = useLibraryStore((s) => s.filters);
  const mode = useLibraryStore((s) => s.mode);
  const openDocument = useLibraryStore((s) => s.openDocument);
  const openId = useLibraryStore((s) => s.open);
  const state = useSearch(query, filters, mode);
  const result = state.status === 'idle' ? null : state.result;

  return (
    <section className="search-results" aria-label="Search results" aria-busy={state.status === 'loading'}>
      <SearchFiltersBar />
      <p className="search-results__meta" role="status" data-testid="search-meta">
        {state.status === 'error'
          ? `Search failed: ${state.message}`
          : result
            ? `${result.hits.length} ${result.hits.length === 1 ? 'passage' : 'passages'} for “${result.query}” in ${Math.round(result.timings.totalMs)} ms`
            : 'Searching…'}
      </p>
      {result && result.notes.length > 0 ? (
        <ul className="search-results__notes" data-testid="search-notes">
          {result.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      ) : null}
      {result && result.hits.length === 0 && state.status === 'done' ? (
        <p className="search-results__empty">
          No passage matches. Try other words, “Meaning” to search by sense, or fewer filters.
        </p>
      ) : null}
      <ol className="search-results__list" onKeyDown={onResultsKey}>
        {result?.hits.map((hit) => {
          const c = hit.citation;
          const current = openId?.id === c.documentId && openId.chunkOrdinal === c.chunkOrdinal;
          return (
            <li
              key={hit.chunkId}
              className="hit"
              data-testid="search-hit"
              aria-current={current || undefined}
            >
              <p className="hit__snippet">
                <Highlight spans={hit.snippet} />
              </p>
              <button
                type="button"
                className="hit__citation"
                data-testid="citation"
                onClick={() =>
                  openDocument({
                    id: c.documentId,
                    chunkOrdinal: c.chunkOrdinal,
                    page: c.page,
                    terms: markedTerms(hit.snippet),
                  })
                }
              >
                <span className="hit__format">
                  {c.format ? (FORMAT_LABEL[c.format] ?? c.format) : 'File'}
                </span>
                <span>{citationText(hit)}</span>
              </button>
              <span className="hit__legs" title="Rank in the keyword and meaning searches">
                {hit.ranks.keyword !== null ? `words #${hit.ranks.keyword}` : ''}
                {hit.ranks.keyword !== null && hit.ranks.vector !== null ? ' · ' : ''}
                {hit.ranks.vector !== null ? `meaning #${hit.ranks.vector}` : ''}
              </span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
