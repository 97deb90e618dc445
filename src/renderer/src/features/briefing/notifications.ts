/**
 * Briefing and reminder notifications in the renderer: an in-app toast always, and, in a browser
 * (the headless host) where the user allowed it, a system notification through the Notification API.
 * The desktop app's OS notifications come from the main process (src/main/app/notifications.ts),
 * so the window does not show a second one. Clicking either opens the Briefing screen.
 */
import { create } from 'zustand';
import type { BriefingReady, Reminder } from '../../../../shared/types/briefing';
import { on, transportKind } from '../../api';
import { isViewId, useNavStore } from '../../stores/useNavStore';
import { useToastStore } from '../../stores/useToastStore';
import { formatDue } from './time';
import { useBriefingStore } from './useBriefingStore';

export type NotifyPermission = NotificationPermission | 'unsupported' | 'desktop';

function currentPermission(): NotifyPermission {
  if (transportKind() === 'ipc') return 'desktop';
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.permission;
}

interface NotifyState {
  permission: NotifyPermission;
  /** Asks the browser (must run from a user gesture: a click). */
  request(): Promise<void>;
  refresh(): void;
}

export const useNotifyStore = create<NotifyState>((set) => ({
  permission: 'default',
  async request() {
    if (typeof Notification === 'undefined' || transportKind() === 'ipc') return;
    try {
      const p = await Notification.requestPermission();
      set({ permission: p });
    } catch {
      set({ permission: currentPermission() });
    }
  },
  refresh() {
    set({ permission: currentPermission() });
  },
}));

export function openBriefingView(): void {
  useNavStore.getState().setView('briefing');
}

/** What a notification says for a ready briefing and a due reminder. */
export function briefingNotice(b: BriefingReady): { title: string; body: string; tag: string } {
  return {
    title: b.trigger === 'catch-up' ? 'Your briefing (caught up)' : 'Your briefing is ready',
    body: b.summary,
    tag: `nook-briefing-${b.date}`,
  };
}

export function reminderNotice(r: Reminder, now: Date): { title: string; body: string; tag: string } {
  const at = r.nextAt ?? r.dueAt;
  return {
    title: `Reminder: ${r.title}`,
    body: at === null ? 'Due now' : `Due ${formatDue(at, now).text}`,
    tag: `nook-reminder-${r.id}-${at ?? 0}`,
  };
}

function systemNotify(n: { title: string; body: string; tag: string }): void {
  if (transportKind() === 'ipc' || typeof Notification === 'undefined') return;
  if (Notification.permission !== 'granted') return;
  try {
    // The tag makes several open tabs replace each other's notification instead of stacking.
    const shown = new Notification(n.title, { body: n.body, tag: n.tag });
    shown.onclick = () => {
      window.focus();
      openBriefingView();
      shown.close();
    };
  } catch {
    // Some browsers allow notifications only from a service worker; the toast still shows.
  }
}

/**
 * Subscribes to briefing.ready and reminders.due, and to the desktop shell's app.openView (its OS
 * notification or tray item was clicked); returns the stop function.
 */
export function startBriefingNotifications(): () => void {
  useNotifyStore.getState().refresh();
  const push = useToastStore.getState().push;
  const offOpen = on('app.openView', ({ view }) => {
    if (isViewId(view)) useNavStore.getState().setView(view);
  });
  const offReady = on('briefing.ready', (b) => {
    // Made from this page (Generate now), or shown on the screen in front of the user: no notice.
    const onScreen = useNavStore.getState().view === 'briefing' && document.visibilityState === 'visible';
    if (useBriefingStore.getState().generating || onScreen) return;
    const n = briefingNotice(b);
    systemNotify(n);
    push({
      level: 'info',
      message: `${n.title}: ${n.body}`,
      durationMs: 10_000,
      action: { label: 'Open', run: openBriefingView },
    });
  });
  const offDue = on('reminders.due', ({ reminder }) => {
    const n = reminderNotice(reminder, new Date());
    systemNotify(n);
    push({
      level: 'warning',
      message: `${n.title}: ${n.body}`,
      durationMs: 15_000,
      action: { label: 'Open', run: openBriefingView },
    });
  });
  return () => {
    offOpen();
    offReady();
    offDue();
  };
}
