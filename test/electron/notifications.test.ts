/**
 * Desktop delivery of briefings and reminders (src/main/app/notifications.ts and the tray's
 * attention state), with the real event bus and the stand-in Electron `Notification` and `Tray`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/main/rpc/eventBus';
import {
  DesktopNotifier,
  reminderNotification,
  type NotificationCtor,
} from '../../src/main/app/notifications';
import { attentionCount, createTray, trayTooltip, type Attention } from '../../src/main/app/tray';
import type { Reminder } from '../../src/shared/types/briefing';
import { createFakeElectron, FakeNotification, type FakeTray } from './fakes/fakeElectron';

function reminder(over: Partial<Reminder> = {}): Reminder {
  const due = new Date(2026, 10, 21, 9, 0).getTime();
  return {
    id: 7,
    title: 'Call Sam',
    dueAt: due,
    allDay: false,
    timeZone: 'UTC',
    source: 'ui',
    status: 'open',
    snoozedUntil: null,
    nextAt: due,
    notifiedAt: null,
    overdue: false,
    completedAt: null,
    deletedAt: null,
    purgeAt: null,
    createdAt: due - 3600_000,
    updatedAt: due - 3600_000,
    ...over,
  };
}

const disposers: Array<() => void> = [];
afterEach(() => {
  for (const d of disposers.splice(0)) d();
});

function setup(opts: { due?: () => Promise<number>; platform?: string } = {}) {
  const fake = createFakeElectron({ userData: '/tmp/none', appPath: '/tmp/none' });
  const events = new EventBus();
  const opened: string[] = [];
  const shownAttention: Attention[] = [];
  let due = 0;
  const tray = createTray({
    Tray: fake.module.Tray as never,
    Menu: fake.module.Menu as never,
    icon: 'tray.png',
    platform: opts.platform ?? 'linux',
    onOpen: () => opened.push('main'),
    onBriefing: () => notifier.openBriefing(),
    onQuickAsk: () => undefined,
    onQuit: () => undefined,
  });
  const warnings: string[] = [];
  const notifier = new DesktopNotifier({
    Notification: fake.module.Notification as unknown as NotificationCtor,
    events,
    countDueReminders: opts.due ?? (async () => due),
    openBriefing: () => opened.push('briefing'),
    showAttention: (a) => {
      shownAttention.push(a);
      tray.setAttention(a);
    },
    log: { warn: (_o, msg) => warnings.push(msg) },
    now: () => new Date(2026, 10, 21, 8, 0),
  });
  disposers.push(() => {
    notifier.dispose();
    tray.dispose();
  });
  const fakeTray = fake.state.trays.at(-1) as FakeTray;
  return {
    fake,
    events,
    notifier,
    opened,
    shownAttention,
    warnings,
    tray: fakeTray,
    setDue: (n: number) => (due = n),
  };
}

describe('DesktopNotifier', () => {
  it('shows an OS notification when a briefing is ready; clicking it opens the briefing and clears the unread mark', async () => {
    const { fake, events, notifier, opened, tray } = setup();
    await notifier.recount();
    expect(tray.tooltip).toBe('Nook');

    events.emit('briefing.ready', {
      id: 3,
      date: '2026-11-21',
      trigger: 'schedule',
      summary: '2 deadlines, 5 updated documents',
      empty: false,
    });
    expect(fake.state.notifications).toHaveLength(1);
    const n = fake.state.notifications[0]!;
    expect(n.options).toMatchObject({
      title: 'Your briefing is ready',
      body: '2 deadlines, 5 updated documents',
    });
    expect(notifier.current).toEqual({ dueReminders: 0, unreadBriefing: true });
    expect(tray.tooltip).toBe('Nook: briefing ready');

    n.click();
    expect(opened).toEqual(['briefing']);
    expect(notifier.current.unreadBriefing).toBe(false);
    expect(tray.tooltip).toBe('Nook');
  });

  it('notifies a due reminder and counts due reminders on the tray; a change recounts', async () => {
    const { fake, events, notifier, tray, setDue } = setup();
    setDue(2);
    events.emit('reminders.due', { reminder: reminder() });
    expect(fake.state.notifications.map((n) => n.options.title)).toEqual(['Reminder: Call Sam']);
    expect(fake.state.notifications[0]!.options.body).toMatch(/^Due at /);
    await notifier.recount();
    expect(notifier.current.dueReminders).toBe(2);
    expect(tray.tooltip).toBe('Nook: 2 reminders due');

    // Completing one (reminders.changed) brings the count down.
    setDue(1);
    events.emit('reminders.changed', { reason: 'completed', ids: [7] });
    await notifier.recount();
    expect(tray.tooltip).toBe('Nook: 1 reminder due');

    fake.state.notifications[0]!.click();
    expect(tray.tooltip).toBe('Nook: 1 reminder due');
  });

  it('coalesces recounts that arrive while one is running', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { events, notifier } = setup({
      due: async () => {
        calls++;
        await gate;
        return calls;
      },
    });
    // The constructor started one count; three changes during it make exactly one more.
    events.emit('reminders.changed', { reason: 'created', ids: [1] });
    events.emit('reminders.changed', { reason: 'created', ids: [2] });
    events.emit('reminders.changed', { reason: 'created', ids: [3] });
    release();
    await notifier.recount();
    expect(calls).toBe(2);
    expect(notifier.current.dueReminders).toBe(2);
  });

  it('a failing count is logged and leaves the last count', async () => {
    const { notifier, warnings } = setup({
      due: async () => {
        throw new Error('database is closed');
      },
    });
    await notifier.recount();
    expect(warnings).toContain('could not count due reminders');
    expect(notifier.current.dueReminders).toBe(0);
  });

  it('shows nothing where the OS has no notifications, but still counts', async () => {
    const { fake, events, notifier } = setup();
    FakeNotification.supported = false;
    events.emit('briefing.ready', {
      id: 1,
      date: '2026-11-21',
      trigger: 'manual',
      summary: 'x',
      empty: false,
    });
    expect(fake.state.notifications).toHaveLength(0);
    expect(notifier.current.unreadBriefing).toBe(true);
  });

  it('the tray menu opens the briefing; after dispose no event shows anything', async () => {
    const { fake, events, notifier, opened, tray } = setup();
    tray.clickItem('Today’s briefing');
    expect(opened).toEqual(['briefing']);
    notifier.dispose();
    events.emit('briefing.ready', {
      id: 1,
      date: '2026-11-21',
      trigger: 'manual',
      summary: 'x',
      empty: false,
    });
    expect(fake.state.notifications).toHaveLength(0);
  });

  it('macOS shows the count as the tray title', async () => {
    const { events, notifier, tray, setDue } = setup({ platform: 'darwin' });
    setDue(3);
    events.emit('briefing.ready', {
      id: 1,
      date: '2026-11-21',
      trigger: 'manual',
      summary: 'x',
      empty: false,
    });
    await notifier.recount();
    expect(tray.title).toBe('4');
  });
});

describe('tray attention and reminder texts', () => {
  it('says what waits', () => {
    expect(trayTooltip({ dueReminders: 0, unreadBriefing: false })).toBe('Nook');
    expect(trayTooltip({ dueReminders: 1, unreadBriefing: true })).toBe(
      'Nook: 1 reminder due, briefing ready',
    );
    expect(attentionCount({ dueReminders: 2, unreadBriefing: true })).toBe(3);
  });

  it('an all-day reminder says the day, a timed one the time', () => {
    const now = new Date(2026, 10, 21, 8, 0);
    expect(reminderNotification(reminder({ allDay: true }), now).body).toBe('Due today');
    const later = reminderNotification(
      reminder({
        nextAt: new Date(2026, 10, 25, 9, 0).getTime(),
        dueAt: new Date(2026, 10, 25, 9, 0).getTime(),
      }),
      now,
    );
    expect(later.body).toMatch(/^Due .*25.*, /);
    expect(reminderNotification(reminder({ nextAt: null, dueAt: null }), now).body).toBe('Due now');
  });
});
