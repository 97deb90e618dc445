import { useCallback, useEffect, useRef, useState } from 'react';
import type { DocumentSummary } from '../../../../shared/types/library';
import { invoke, on } from '../../api';

export type DocSort = 'name' | 'updated' | 'size' | 'status' | 'chunks' | 'type';
export type SortOrder = 'asc' | 'desc';

export const PAGE_SIZE = 200;

export interface DocumentsView {
  /** Documents matching the filter (null until the first page arrives). */
  total: number | null;
  /** The row at `index`, if its page is loaded. */
  at(index: number): DocumentSummary | undefined;
  /** Ask for the rows in [start, end) (pages are fetched once, in the background). */
  ensure(start: number, end: number): void;
  error: string | null;
}

/**
 * The Library's rows, a page of PAGE_SIZE at a time, fetched as they scroll into view, so thousands
 * of documents cost only what is on screen. A `knowledge.changed` event (debounced) reloads the pages
 * in view; a new sort or filter starts over.
 */
export function useDocuments(sort: DocSort, order: SortOrder, query: string): DocumentsView {
  const key = `${sort}|${order}|${query.trim()}`;
  // The total belongs to one sort+filter: a new one shows null (loading) until its first page arrives.
  const [counted, setCounted] = useState<{ key: string; total: number } | null>(null);
  const total = counted?.key === key ? counted.total : null;
  const [error, setError] = useState<string | null>(null);
  const [, setTick] = useState(0);
  const pages = useRef(new Map<number, DocumentSummary[]>());
  const loading = useRef(new Set<number>());
  const generation = useRef(0);
  const lastRange = useRef<[number, number]>([0, PAGE_SIZE]);

  const load = useCallback(
    (page: number, gen: number) => {
      if (loading.current.has(page)) return;
      loading.current.add(page);
      void invoke('knowledge.documents', {
        offset: page * PAGE_SIZE,
        limit: PAGE_SIZE,
        sort,
        order,
        ...(query.trim() ? { query: query.trim() } : {}),
      }).then((r) => {
        loading.current.delete(page);
        if (gen !== generation.current) return;
        if (!r.ok) {
          setError(r.message);
          return;
        }
        setError(null);
        pages.current.set(page, r.value.items);
        setCounted({ key, total: r.value.total });
        setTick((t) => t + 1);
      });
    },
    [sort, order, query, key],
  );

  const ensure = useCallback(
    (start: number, end: number) => {
      lastRange.current = [start, end];
      const first = Math.floor(Math.max(0, start) / PAGE_SIZE);
      const last = Math.floor(Math.max(0, end - 1) / PAGE_SIZE);
      for (let p = first; p <= last; p++) if (!pages.current.has(p)) load(p, generation.current);
    },
    [load],
  );

  const reload = useCallback(() => {
    const gen = ++generation.current;
    const keep = new Set<number>();
    const [start, end] = lastRange.current;
    for (let p = Math.floor(start / PAGE_SIZE); p <= Math.floor(Math.max(0, end - 1) / PAGE_SIZE); p++)
      keep.add(p);
    // Pages out of view are dropped; the ones in view stay shown until their fresh copy arrives.
    for (const p of [...pages.current.keys()]) if (!keep.has(p)) pages.current.delete(p);
    loading.current.clear();
    for (const p of keep) load(p, gen);
  }, [load]);

  // A new sort or filter: start over from the top.
  useEffect(() => {
    generation.current++;
    pages.current.clear();
    loading.current.clear();
    lastRange.current = [0, PAGE_SIZE];
    load(0, generation.current);
  }, [load]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = on('knowledge.changed', () => {
      clearTimeout(timer);
      timer = setTimeout(reload, 250);
    });
    return () => {
      clearTimeout(timer);
      off();
    };
  }, [reload]);

  return {
    total,
    error,
    at: (i) => pages.current.get(Math.floor(i / PAGE_SIZE))?.[i % PAGE_SIZE],
    ensure,
  };
}
