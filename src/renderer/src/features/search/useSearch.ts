import { useEffect, useRef, useState } from 'react';
import type { SearchFilters, SearchMode, SearchResult } from '../../../../shared/types/library';
import { invoke, on } from '../../api';

export const SEARCH_DEBOUNCE_MS = 120;

export type SearchState =
  | { status: 'idle' }
  | { status: 'loading'; result: SearchResult | null }
  | { status: 'done'; result: SearchResult }
  | { status: 'error'; message: string; result: SearchResult | null };

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

/**
 * As-you-type search: waits SEARCH_DEBOUNCE_MS after the last keystroke, and only the newest
 * request's answer is shown (an older one that arrives late is dropped). It searches again when the
 * knowledge base changes (an import finishing), so results follow what is indexed.
 */
export function useSearch(query: string, filters: SearchFilters, mode: SearchMode, k = 20): SearchState {
  const [state, setState] = useState<SearchState>({ status: 'idle' });
  const [version, setVersion] = useState(0);
  const seq = useRef(0);
  const filtersKey = JSON.stringify(cleanFilters(filters) ?? {});

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = on('knowledge.changed', () => {
      clearTimeout(timer);
      timer = setTimeout(() => setVersion((v) => v + 1), 300);
    });
    return () => {
      clearTimeout(timer);
      off();
    };
  }, []);

  useEffect(() => {
    const q = query.trim();
    const mine = ++seq.current;
    if (q === '') return;
    const timer = setTimeout(() => {
      setState((s) => ({ status: 'loading', result: 'result' in s ? s.result : null }));
      const f = JSON.parse(filtersKey) as SearchFilters;
      void invoke('knowledge.search', {
        query: q,
        k,
        mode,
        ...(Object.keys(f).length > 0 ? { filters: f } : {}),
      }).then((r) => {
        if (mine !== seq.current) return;
        if (r.ok) setState({ status: 'done', result: r.value });
        else
          setState((s) => ({ status: 'error', message: r.message, result: 'result' in s ? s.result : null }));
      });
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query, filtersKey, mode, k, version]);

  return query.trim() === '' ? { status: 'idle' } : state;
}
