import { create } from 'zustand';
import type { Err, Result } from '../../../shared/ipc/result';

export type ToastLevel = 'info' | 'success' | 'warning' | 'error';

export interface Toast {
  id: number;
  level: ToastLevel;
  message: string;
  /** The error code, for errors that came back from a route. */
  code?: string;
  /** One button (Undo, Retry); clicking it runs `run` and dismisses the toast. */
  action?: { label: string; run(): void };
  /** How long the toast stays (default by level). */
  durationMs?: number;
}

interface ToastState {
  toasts: Toast[];
  push(toast: Omit<Toast, 'id'>): number;
  dismiss(id: number): void;
}

const MAX_TOASTS = 5;
const LIFETIME_MS: Record<ToastLevel, number> = { info: 5000, success: 4000, warning: 8000, error: 10000 };
let nextId = 1;

export const useToastStore = create<ToastState>((set, get) => ({
  toasts: [],
  push(toast) {
    const id = nextId++;
    // The same message twice in a row (a reconnect storm, a double click) shows once.
    const last = get().toasts.at(-1);
    if (last && !toast.action && last.message === toast.message && last.level === toast.level) return last.id;
    set((s) => ({ toasts: [...s.toasts, { ...toast, id }].slice(-MAX_TOASTS) }));
    setTimeout(() => get().dismiss(id), toast.durationMs ?? LIFETIME_MS[toast.level]);
    return id;
  },
  dismiss(id) {
    set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
  },
}));

export function toastError(e: Err): void {
  useToastStore.getState().push({ level: 'error', message: e.message, code: e.code });
}

/** For user actions: the value on success, `undefined` (and an error toast) on `{ok:false}`. */
export function unwrap<T>(result: Result<T>): T | undefined {
  if (result.ok) return result.value;
  toastError(result);
  return undefined;
}
