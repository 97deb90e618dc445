import { create } from 'zustand';
import type { Briefing, BriefingListItem, BriefingReady } from '../../../../shared/types/briefing';
import { invoke, on, onConnectionState } from '../../api';
import { toastError } from '../../stores/useToastStore';

/** Which briefing the screen shows: today's (whatever its id), or one picked from the history. */
export type BriefingPick = { kind: 'today' } | { kind: 'id'; id: number };

interface BriefingState {
  pick: BriefingPick;
  /** The briefing on screen (null: none yet for that day). */
  current: Briefing | null;
  /** Whether `current` has been read for `pick` (false while the first answer is awaited). */
  loaded: boolean;
  loading: boolean;
  error: string | null;
  generating: boolean;
  history: BriefingListItem[];
  historyTotal: number;
  historyLoaded: boolean;
  show(pick: BriefingPick): Promise<void>;
  reload(): Promise<void>;
  loadHistory(): Promise<void>;
  generate(): Promise<Briefing | null>;
  /** A briefing was built (schedule, catch-up, voice, another window): refresh what is shown. */
  onReady(ready: BriefingReady): void;
}

const HISTORY_PAGE = 60;
/** Answers to superseded requests are dropped (the user picked another day meanwhile). */
let requestSeq = 0;

export const useBriefingStore = create<BriefingState>((set, get) => ({
  pick: { kind: 'today' },
  current: null,
  loaded: false,
  loading: false,
  error: null,
  generating: false,
  history: [],
  historyTotal: 0,
  historyLoaded: false,

  async show(pick) {
    const seq = ++requestSeq;
    const same =
      get().pick.kind === pick.kind &&
      (pick.kind === 'today' || (get().pick as { id?: number }).id === pick.id);
    set({ pick, loading: true, error: null, ...(same ? {} : { loaded: false }) });
    const r = await invoke('briefing.get', pick.kind === 'id' ? { id: pick.id } : {});
    if (seq !== requestSeq) return;
    if (r.ok) set({ current: r.value, loaded: true, loading: false });
    else set({ current: null, loaded: true, loading: false, error: r.message });
  },

  reload() {
    return get().show(get().pick);
  },

  async loadHistory() {
    const r = await invoke('briefing.list', { limit: HISTORY_PAGE });
    if (r.ok) set({ history: r.value.items, historyTotal: r.value.total, historyLoaded: true });
    else set({ historyLoaded: true });
  },

  async generate() {
    if (get().generating) return null;
    set({ generating: true });
    const r = await invoke('briefing.generate', {});
    set({ generating: false });
    if (!r.ok) {
      toastError(r);
      return null;
    }
    // Generating builds today's: show it (a new id replaces the day's old one in the history).
    ++requestSeq;
    set({ pick: { kind: 'today' }, current: r.value, loaded: true, loading: false, error: null });
    void get().loadHistory();
    return r.value;
  },

  onReady(ready) {
    void get().loadHistory();
    const { pick, current } = get();
    // Today's view follows a new briefing; a past day picked from the history stays put.
    if (pick.kind === 'today' || (current && current.date === ready.date)) void get().show({ kind: 'today' });
  },
}));

/** Keeps the Briefing screen current: `briefing.ready`, and a fresh read after every (re)connection. */
export function startBriefingSync(): () => void {
  const offReady = on('briefing.ready', (ready) => useBriefingStore.getState().onReady(ready));
  const offState = onConnectionState((state) => {
    if (state !== 'open') return;
    void useBriefingStore.getState().reload();
    void useBriefingStore.getState().loadHistory();
  });
  return () => {
    offReady();
    offState();
  };
}
