import { create } from 'zustand';
import type { SearchFilters, SearchMode } from '../../../../shared/types/library';

/** Where the document pane points: a document, and optionally the chunk (citation) to show. */
export interface OpenDocument {
  id: number;
  chunkOrdinal?: number;
  page?: number | null;
  /** Words to mark in the cited chunk (the search's matched terms). */
  terms?: string[];
}

interface LibraryState {
  query: string;
  filters: SearchFilters;
  mode: SearchMode;
  open: OpenDocument | null;
  /** Bumped to move focus to the search box (Ctrl/Cmd+K from any view). */
  focusSearchTick: number;
  setQuery(query: string): void;
  setFilters(filters: SearchFilters): void;
  setMode(mode: SearchMode): void;
  openDocument(doc: OpenDocument | null): void;
  focusSearch(): void;
}

export const useLibraryStore = create<LibraryState>((set) => ({
  query: '',
  filters: {},
  mode: 'hybrid',
  open: null,
  focusSearchTick: 0,
  setQuery: (query) => set({ query }),
  setFilters: (filters) => set({ filters }),
  setMode: (mode) => set({ mode }),
  openDocument: (open) => set({ open }),
  focusSearch: () => set((s) => ({ focusSearchTick: s.focusSearchTick + 1 })),
}));
