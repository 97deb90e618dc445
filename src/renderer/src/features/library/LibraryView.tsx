import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import { transportKind } from '../../api';
import { EmptyState } from '../../components/EmptyState';
import { Icon } from '../../components/Icon';
import { useIngestStore } from '../../stores/useIngestStore';
import { SearchResults, focusFirstResult } from '../search/SearchResults';
import { deleteWithUndo, openOriginal, reindex } from './actions';
import { DocumentPane } from './DocumentPane';
import { DocumentTable } from './DocumentTable';
import { useDocuments, type DocSort, type SortOrder } from './useDocuments';
import { useLibraryStore } from './useLibraryStore';
import './library.css';

const DEFAULT_ORDER: Record<DocSort, SortOrder> = {
  name: 'asc',
  type: 'asc',
  updated: 'desc',
  size: 'desc',
  chunks: 'desc',
  status: 'asc',
};

/** "Add files" / "Add folder": the system picker on the desktop, a file input (upload) in a browser. */
function AddButtons() {
  const files = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);
  const desktop = transportKind() === 'ipc';
  const { importFiles, pickAndImport } = useIngestStore.getState();
  const onPicked = (e: ChangeEvent<HTMLInputElement>) => {
    const list = Array.from(e.target.files ?? []);
    e.target.value = '';
    if (list.length > 0)
      void importFiles({
        kind: 'files',
        files: list,
        names: list.map((f) => f.name),
        relativePaths: list.map((f) => f.webkitRelativePath || f.name),
      });
  };
  return (
    <div className="library__add">
      <button
        type="button"
        className="button button--primary"
        onClick={() => (desktop ? void pickAndImport(false) : files.current?.click())}
      >
        <Icon name="upload" size={14} /> Add files
      </button>
      <button
        type="button"
        className="button"
        onClick={() => (desktop ? void pickAndImport(true) : folder.current?.click())}
      >
        Add folder
      </button>
      {desktop ? null : (
        <>
          <input ref={files} type="file" multiple hidden onChange={onPicked} data-testid="file-input" />
          <input
            ref={folder}
            type="file"
            multiple
            hidden
            onChange={onPicked}
            // Not in React's typings, but every engine Nook runs in supports it.
            {...{ webkitdirectory: '' }}
          />
        </>
      )}
    </div>
  );
}

/**
 * The Library: every document Nook has indexed (virtualised table: sort, filter, multi-select,
 * delete with undo, re-index, open original) and, when the search box has text, search results in
 * its place. A document pane on the right shows a document's passages, the cited one in view.
 */
export function LibraryView() {
  const query = useLibraryStore((s) => s.query);
  const setQuery = useLibraryStore((s) => s.setQuery);
  const open = useLibraryStore((s) => s.open);
  const openDocument = useLibraryStore((s) => s.openDocument);
  const focusTick = useLibraryStore((s) => s.focusSearchTick);
  const [sort, setSort] = useState<DocSort>('updated');
  const [order, setOrder] = useState<SortOrder>('desc');
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const docs = useDocuments(sort, order, filter);
  const searchBox = useRef<HTMLInputElement>(null);
  const searching = query.trim() !== '';

  useEffect(() => {
    if (focusTick > 0) searchBox.current?.focus();
  }, [focusTick]);

  const onSort = (s: DocSort) => {
    if (s === sort) setOrder((o) => (o === 'asc' ? 'desc' : 'asc'));
    else {
      setSort(s);
      setOrder(DEFAULT_ORDER[s]);
    }
  };
  const ids = [...selected];
  const empty = docs.total === 0 && filter.trim() === '';

  return (
    <div className="view view--library">
      <header className="view__header library__header">
        <h1 className="view__title">Library</h1>
        <div className="library__search">
          <Icon name="search" size={16} />
          <input
            ref={searchBox}
            type="search"
            className="library__search-input"
            aria-label="Search your documents"
            placeholder="Search your documents…"
            aria-keyshortcuts="Control+K Meta+K"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') setQuery('');
              else if (e.key === 'ArrowDown' && searching && focusFirstResult()) e.preventDefault();
            }}
          />
        </div>
        <AddButtons />
      </header>
      <div className="library__body" data-pane={open ? 'open' : undefined}>
        <div className="library__main">
          {searching ? (
            <SearchResults />
          ) : empty ? (
            <EmptyState icon="library" title="Add your first documents">
              <p>
                Drop files or folders anywhere on this window, or use Add files. Nook reads PDF, Word, EPUB,
                Markdown, HTML, text, CSV and JSON, and keeps everything on this computer.
              </p>
            </EmptyState>
          ) : (
            <>
              <div className="library__toolbar" role="toolbar" aria-label="Documents">
                <input
                  className="input library__filter"
                  type="search"
                  aria-label="Filter documents by name"
                  placeholder="Filter by name or path"
                  value={filter}
                  onChange={(e) => setFilter(e.target.value)}
                />
                <span className="muted library__count" aria-live="polite">
                  {docs.total === null
                    ? 'Loading…'
                    : `${docs.total} ${docs.total === 1 ? 'document' : 'documents'}${selected.size > 0 ? ` · ${selected.size} selected` : ''}`}
                </span>
                <button
                  type="button"
                  className="button button--ghost"
                  disabled={ids.length !== 1}
                  onClick={() => void openOriginal(ids[0]!, null)}
                >
                  Open original
                </button>
                <button
                  type="button"
                  className="button button--ghost"
                  disabled={ids.length === 0}
                  onClick={() => void reindex(ids)}
                >
                  Re-index
                </button>
                <button
                  type="button"
                  className="button button--ghost button--danger"
                  disabled={ids.length === 0}
                  onClick={() => {
                    void deleteWithUndo(ids).then((ok) => {
                      if (!ok) return;
                      setSelected(new Set());
                      if (open && ids.includes(open.id)) openDocument(null);
                    });
                  }}
                >
                  Delete
                </button>
              </div>
              {docs.error ? <p className="field__error">{docs.error}</p> : null}
              <DocumentTable
                docs={docs}
                sort={sort}
                order={order}
                onSort={onSort}
                selected={selected}
                onSelect={setSelected}
                openId={open?.id ?? null}
                onOpen={(d) => openDocument({ id: d.id })}
              />
            </>
          )}
        </div>
        <DocumentPane />
      </div>
    </div>
  );
}
