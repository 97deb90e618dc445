import { create } from 'zustand';
import type { Reminder } from '../../../../shared/types/briefing';
import { invoke, on, onConnectionState } from '../../api';
import { toastError, useToastStore } from '../../stores/useToastStore';

interface RemindersState {
  /** Open and done reminders (not deleted), as reminders.list orders them. */
  items: Reminder[];
  loaded: boolean;
  error: string | null;
  load(): Promise<void>;
  /** Creates from natural language ("call mum next Tuesday at 9"); true when it was created. */
  create(text: string): Promise<boolean>;
  update(id: number, patch: { title?: string; due?: number | null; allDay?: boolean }): Promise<boolean>;
  complete(id: number, done: boolean): Promise<void>;
  snooze(id: number, until: number): Promise<void>;
  /** Deletes, and offers Undo (reminders.restore) in a toast for as long as the server keeps it. */
  remove(id: number): Promise<void>;
}

/** Replaces one reminder in the list (or adds it), keeping the server's order otherwise. */
function upsert(items: Reminder[], r: Reminder): Reminder[] {
  const i = items.findIndex((x) => x.id === r.id);
  if (i < 0) return [...items, r];
  const next = items.slice();
  next[i] = r;
  return next;
}

let loadSeq = 0;

export const useReminders = create<RemindersState>((set, get) => ({
  items: [],
  loaded: false,
  error: null,

  async load() {
    const seq = ++loadSeq;
    const r = await invoke('reminders.list', {});
    if (seq !== loadSeq) return;
    if (r.ok) set({ items: r.value, loaded: true, error: null });
    else set({ loaded: true, error: r.message });
  },

  async create(text) {
    const r = await invoke('reminders.create', { text, source: 'ui' });
    if (!r.ok) {
      toastError(r);
      return false;
    }
    set((s) => ({ items: upsert(s.items, r.value) }));
    void get().load();
    return true;
  },

  async update(id, patch) {
    const r = await invoke('reminders.update', { id, ...patch });
    if (!r.ok) {
      toastError(r);
      return false;
    }
    set((s) => ({ items: upsert(s.items, r.value) }));
    void get().load();
    return true;
  },

  async complete(id, done) {
    // The checkbox follows the click at once; the server's answer (or a re-read on error) follows.
    const status: Reminder['status'] = done ? 'done' : 'open';
    set((s) => ({ items: s.items.map((x) => (x.id === id ? { ...x, status } : x)) }));
    const r = await invoke('reminders.complete', { id, done });
    if (!r.ok) {
      toastError(r);
      return void get().load();
    }
    set((s) => ({ items: upsert(s.items, r.value) }));
    void get().load();
  },

  async snooze(id, until) {
    const r = await invoke('reminders.snooze', { id, until });
    if (!r.ok) return toastError(r);
    set((s) => ({ items: upsert(s.items, r.value) }));
    void get().load();
  },

  async remove(id) {
    const title = get().items.find((x) => x.id === id)?.title;
    const r = await invoke('reminders.delete', { id });
    if (!r.ok) return toastError(r);
    set((s) => ({ items: s.items.filter((x) => x.id !== id) }));
    const what = title ? `“${title}”` : 'the reminder';
    const push = useToastStore.getState().push;
    push({
      level: 'info',
      message: `Deleted ${what}`,
      durationMs: Math.max(3000, Math.min(30_000, r.value.purgeAt - Date.now() - 1000)),
      action: {
        label: 'Undo',
        run: () =>
          void invoke('reminders.restore', { id }).then((u) => {
            if (!u.ok) return toastError(u);
            set((s) => ({ items: upsert(s.items, u.value) }));
            void get().load();
            push({ level: 'success', message: `Restored ${what}` });
          }),
      },
    });
  },
}));

/** Keeps the list on `reminders.changed` / `reminders.due`, and re-reads it after every (re)connection. */
export function startRemindersSync(): () => void {
  const reload = () => void useReminders.getState().load();
  const offChanged = on('reminders.changed', reload);
  const offDue = on('reminders.due', reload);
  const offState = onConnectionState((state) => {
    if (state === 'open') reload();
  });
  return () => {
    offChanged();
    offDue();
    offState();
  };
}

/** Open reminders first (as listed), then done ones. */
export function splitReminders(items: readonly Reminder[]): { open: Reminder[]; done: Reminder[] } {
  const open: Reminder[] = [];
  const done: Reminder[] = [];
  for (const r of items) (r.status === 'done' ? done : r.status === 'open' ? open : []).push(r);
  return { open, done };
}
