import { useEffect, useRef, useState } from 'react';
import type { SearchFilters, SearchMode, SearchResult } from '../../../../shared/types/library';
import { invoke, on } from '../../api';
import { cleanFilters } from './text';

export const SEARCH_DEBOUNCE_MS = 120;

export type SearchState =
  | { status: 'idle' }
  | { status: 'loading'; result: SearchResult | null }
  | { status: 'done'; result: SearchResult }
  | { status: 'error'; message: string; result: SearchResult | null };

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
