import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { DocumentSummary } from '../../../../shared/types/library';
import { formatBytes } from '../../format';
import type { DocSort, DocumentsView, SortOrder } from './useDocuments';

export const ROW_HEIGHT = 38;
const OVERSCAN = 8;

const COLUMNS: { id: DocSort; label: string; className: string }[] = [
  { id: 'type', label: 'Type', className: 'col-type' },
  { id: 'name', label: 'Name', className: 'col-name' },
  { id: 'size', label: 'Size', className: 'col-size' },
  { id: 'chunks', label: 'Chunks', className: 'col-chunks' },
  { id: 'status', label: 'Status', className: 'col-status' },
  { id: 'updated', label: 'Indexed', className: 'col-date' },
];

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

const SHORT_FORMAT: Record<string, string> = { markdown: 'MD', text: 'TXT' };

function typeLabel(d: DocumentSummary): string {
  const f = d.format ?? d.ext.replace(/^\./, '');
  return (SHORT_FORMAT[f] ?? f).toUpperCase().slice(0, 5) || '—';
}

export interface DocumentTableProps {
  docs: DocumentsView;
  sort: DocSort;
  order: SortOrder;
  onSort(sort: DocSort): void;
  selected: ReadonlySet<number>;
  onSelect(next: Set<number>): void;
  openId: number | null;
  onOpen(doc: DocumentSummary): void;
}

/**
 * The Library table, windowed: only the rows in view (plus a few) are in the DOM, absolutely placed
 * inside a spacer as tall as every row, so scrolling thousands of documents stays smooth. ARIA table
 * semantics with aria-rowcount/aria-rowindex keep the full size known to screen readers.
 */
export function DocumentTable(p: DocumentTableProps) {
  const { docs } = p;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const anchor = useRef<number | null>(null);
  const total = docs.total ?? 0;

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const { ensure } = docs;
  useEffect(() => ensure(first, last), [ensure, first, last]);

  const toggle = (index: number, id: number, shift: boolean) => {
    const next = new Set(p.selected);
    if (shift && anchor.current !== null) {
      const [a, b] = anchor.current < index ? [anchor.current, index] : [index, anchor.current];
      const on = !p.selected.has(id);
      for (let i = a; i <= b; i++) {
        const d = docs.at(i);
        if (!d) continue;
        if (on) next.add(d.id);
        else next.delete(d.id);
      }
    } else if (next.has(id)) next.delete(id);
    else next.add(id);
    anchor.current = index;
    p.onSelect(next);
  };

  const loadedIds: number[] = [];
  for (let i = first; i < last; i++) {
    const d = docs.at(i);
    if (d) loadedIds.push(d.id);
  }
  const allShownSelected = loadedIds.length > 0 && loadedIds.every((id) => p.selected.has(id));

  const onRowKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const rows = [...(scroller.current?.querySelectorAll<HTMLButtonElement>('.doc-row__open') ?? [])];
    const i = rows.indexOf(document.activeElement as HTMLButtonElement);
    const target = rows[i + (e.key === 'ArrowDown' ? 1 : -1)];
    if (target) {
      e.preventDefault();
      target.focus();
    }
  };

  const rows = [];
  for (let i = first; i < last; i++) {
    const d = docs.at(i);
    const style = { transform: `translateY(${i * ROW_HEIGHT}px)`, height: ROW_HEIGHT };
    if (!d) {
      rows.push(
        <div
          key={`l${i}`}
          role="row"
          aria-rowindex={i + 2}
          className="doc-row doc-row--loading"
          style={style}
        >
          <span role="cell" className="muted">
            Loading…
          </span>
        </div>,
      );
      continue;
    }
    const selected = p.selected.has(d.id);
    rows.push(
      <div
        key={d.id}
        role="row"
        aria-rowindex={i + 2}
        aria-selected={selected}
        className="doc-row"
        data-open={p.openId === d.id || undefined}
        data-testid="doc-row"
        style={style}
      >
        <span role="cell" className="col-check">
          <input
            type="checkbox"
            aria-label={`Select ${d.name}`}
            checked={selected}
            onChange={() => undefined}
            onClick={(e) => toggle(i, d.id, e.shiftKey)}
          />
        </span>
        <span role="cell" className="col-type">
          <span className="type-badge">{typeLabel(d)}</span>
        </span>
        <span role="cell" className="col-name">
          <button type="button" className="doc-row__open" title={d.path} onClick={() => p.onOpen(d)}>
            {d.title && d.title !== d.name ? d.title : d.name}
            {d.title && d.title !== d.name ? <span className="doc-row__file"> {d.name}</span> : null}
          </button>
        </span>
        <span role="cell" className="col-size">
          {formatBytes(d.size)}
        </span>
        <span role="cell" className="col-chunks">
          {d.chunkCount}
        </span>
        <span role="cell" className="col-status">
          {d.status === 'error' ? (
            <span className="badge badge--down" title={d.error ?? undefined}>
              Error
            </span>
          ) : (
            <span className="badge badge--ok">Indexed</span>
          )}
        </span>
        <span role="cell" className="col-date">
          {dateFormat.format(new Date(d.indexedAt ?? d.updatedAt))}
        </span>
      </div>,
    );
  }

  return (
    <div
      className="doc-table"
      role="table"
      aria-label="Documents"
      aria-rowcount={total + 1}
      aria-multiselectable="true"
      data-testid="documents-table"
    >
      <div role="rowgroup" className="doc-table__head">
        <div role="row" aria-rowindex={1} className="doc-row doc-row--head">
          <span role="columnheader" className="col-check">
            <input
              type="checkbox"
              aria-label="Select the documents shown"
              checked={allShownSelected}
              onChange={() => {
                const next = new Set(p.selected);
                for (const id of loadedIds) {
                  if (allShownSelected) next.delete(id);
                  else next.add(id);
                }
                p.onSelect(next);
              }}
            />
          </span>
          {COLUMNS.map((c) => (
            <span
              key={c.id}
              role="columnheader"
              className={c.className}
              aria-sort={p.sort === c.id ? (p.order === 'asc' ? 'ascending' : 'descending') : 'none'}
            >
              <button type="button" className="doc-table__sort" onClick={() => p.onSort(c.id)}>
                {c.label}
                {p.sort === c.id ? <span aria-hidden="true">{p.order === 'asc' ? ' ↑' : ' ↓'}</span> : null}
              </button>
            </span>
          ))}
        </div>
      </div>
      <div
        role="rowgroup"
        className="doc-table__body"
        ref={scroller}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        onKeyDown={onRowKey}
      >
        <div className="doc-table__spacer" style={{ height: total * ROW_HEIGHT }}>
          {rows}
        </div>
      </div>
    </div>
  );
}
