/**
 * Desktop delivery of the briefing and reminders: an OS notification (Electron `Notification`) when a
 * briefing is ready or a reminder is due, whose click opens the Briefing screen; and what waits for
 * the user (due reminders + an unread briefing) as the app badge (macOS, Linux Unity launchers) and
 * the tray's tooltip (and title on macOS). Everything comes in through the core's events and routes,
 * so this runs against a stand-in `Notification` in tests.
 */
import type { EventName } from '../../shared/ipc/channels';
import type { EventPayload } from '../../shared/ipc/contract';
import type { Disposable } from '../../shared/lifecycle';
import type { Reminder } from '../../shared/types/briefing';
import type { Attention } from './tray';

export interface NotificationOptionsLike {
  title: string;
  body: string;
  silent?: boolean;
}

export interface NotificationLike {
  on(event: 'click' | 'close' | 'failed', listener: (...args: unknown[]) => void): unknown;
  show(): void;
  close(): void;
}

/** Electron's `Notification` class, or a stand-in. */
export interface NotificationCtor {
  new (options: NotificationOptionsLike): NotificationLike;
  isSupported(): boolean;
}

export interface NotifierEvents {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): Disposable;
}

export interface DesktopNotifierDeps {
  Notification: NotificationCtor;
  events: NotifierEvents;
  /** How many open reminders are due now (their time has passed). */
  countDueReminders(): Promise<number>;
  /** Shows the main window on the Briefing screen. */
  openBriefing(): void;
  /** Where the count shows: the tray's tooltip/title, the app badge. */
  showAttention(attention: Attention): void;
  log: { warn(obj: object, msg: string): void };
  now?: () => Date;
}

/** Notification texts (the renderer's toasts say the same; see features/briefing/notifications.ts). */
export function briefingNotification(b: EventPayload<'briefing.ready'>): NotificationOptionsLike {
  return {
    title: b.trigger === 'catch-up' ? 'Your briefing (caught up)' : 'Your briefing is ready',
    body: b.summary,
  };
}

export function reminderNotification(r: Reminder, now: Date): NotificationOptionsLike {
  const at = r.nextAt ?? r.dueAt;
  let body = 'Due now';
  if (at !== null) {
    const d = new Date(at);
    const sameDay = d.toDateString() === now.toDateString();
    const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    body = r.allDay
      ? sameDay
        ? 'Due today'
        : `Due ${d.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' })}`
      : sameDay
        ? `Due at ${time}`
        : `Due ${d.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' })}, ${time}`;
  }
  return { title: `Reminder: ${r.title}`, body };
}

/** Notifications shown and not yet clicked or closed (more are closed, oldest first). */
const MAX_LIVE = 10;

export class DesktopNotifier implements Disposable {
  private readonly subs: Disposable[] = [];
  /**
   * Notifications kept referenced until clicked or closed: Electron drops the click handler of a
   * notification the garbage collector has taken.
   */
  private readonly live = new Set<NotificationLike>();
  private attention: Attention = { dueReminders: 0, unreadBriefing: false };
  private counting: Promise<void> | null = null;
  private recountAgain = false;
  private disposed = false;

  constructor(private readonly deps: DesktopNotifierDeps) {
    this.subs.push(
      deps.events.on('briefing.ready', (b) => {
        this.setAttention({ ...this.attention, unreadBriefing: true });
        this.notify(briefingNotification(b));
      }),
      deps.events.on('reminders.due', ({ reminder }) => {
        this.notify(reminderNotification(reminder, deps.now?.() ?? new Date()));
        void this.recount();
      }),
      deps.events.on('reminders.changed', () => void this.recount()),
    );
    this.deps.showAttention(this.attention);
    void this.recount();
  }

  /** What the badge and tray show now. */
  get current(): Attention {
    return { ...this.attention };
  }

  /** Opens the Briefing screen; the briefing counts as read. */
  openBriefing(): void {
    this.briefingSeen();
    this.deps.openBriefing();
  }

  /** The user is looking at the Briefing screen: the briefing is no longer unread. */
  briefingSeen(): void {
    this.setAttention({ ...this.attention, unreadBriefing: false });
  }

  /** Re-reads the due count; calls during a count coalesce into one more. Resolves when settled. */
  recount(): Promise<void> {
    if (this.counting) {
      this.recountAgain = true;
      return this.counting;
    }
    this.counting = (async () => {
      do {
        this.recountAgain = false;
        try {
          const n = await this.deps.countDueReminders();
          if (!this.disposed) this.setAttention({ ...this.attention, dueReminders: n });
        } catch (e) {
          this.deps.log.warn({ err: (e as Error)?.message }, 'could not count due reminders');
        }
      } while (this.recountAgain && !this.disposed);
      this.counting = null;
    })();
    return this.counting;
  }

  private setAttention(a: Attention): void {
    if (this.disposed) return;
    const same =
      a.dueReminders === this.attention.dueReminders && a.unreadBriefing === this.attention.unreadBriefing;
    this.attention = a;
    if (!same) this.deps.showAttention(a);
  }

  private notify(options: NotificationOptionsLike): void {
    if (this.disposed) return;
    const { Notification } = this.deps;
    if (!Notification.isSupported()) return;
    try {
      const n = new Notification(options);
      const forget = () => this.live.delete(n);
      n.on('click', () => {
        forget();
        this.openBriefing();
      });
      n.on('close', forget);
      n.on('failed', (_e, error) => {
        forget();
        this.deps.log.warn({ error: String(error) }, 'the OS did not show a notification');
      });
      this.live.add(n);
      for (const old of this.live) {
        if (this.live.size <= MAX_LIVE) break;
        this.live.delete(old);
        old.close();
      }
      n.show();
    } catch (e) {
      this.deps.log.warn({ err: (e as Error)?.message }, 'could not show a notification');
    }
  }

  dispose(): void {
    if (this.disposed) return;
    for (const s of this.subs.splice(0)) void s.dispose();
    this.disposed = true;
    this.live.clear();
  }
}
