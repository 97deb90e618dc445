/**
 * Reminders: natural-language dates, reminders.due at the right minute (vitest fake timers), snooze,
 * complete, delete with undo and the purge after the grace period, and what fell due while Nook
 * was not running.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../src/main/services/briefing/clock';
import { zonedTime } from '../../../src/main/services/briefing/time';
import type { Reminder } from '../../../src/shared/types/briefing';
import { BriefingService } from '../../../src/main/services/briefing/briefingService';
import { harness, type Harness } from './helpers';

const NY = 'America/New_York';
const at = (day: number, hour: number, minute = 0, month = 11) =>
  zonedTime({ year: 2026, month, day }, hour, minute, NY);
// Wednesday 18 November 2026, 08:00 in New York.
const NOW = at(18, 8);

let h: Harness;
let due: Reminder[];
beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
  h = harness(systemClock, NY, { reminderGraceMs: 60_000 });
  due = [];
  h.events.on('reminders.due', ({ reminder }) => due.push(reminder));
  h.service.reminders.start();
});
afterEach(async () => {
  await h.close();
  vi.useRealTimers();
});

describe('natural-language reminders', () => {
  it('reads the date and time and keeps the rest as the title', () => {
    const r = h.service.reminders;
    expect(r.parse('call mum next Tuesday at 9')).toMatchObject({
      title: 'Call mum',
      due: at(24, 9),
      allDay: false,
    });
    expect(r.parse('remind me to pay rent tomorrow')).toMatchObject({
      title: 'Pay rent',
      due: at(19, 0),
      allDay: true,
      matched: 'tomorrow',
    });
    expect(r.parse('Submit the report on 3 December at 14:30')).toMatchObject({
      title: 'Submit the report',
      due: at(3, 14, 30, 12),
    });
    expect(r.parse('remind me to water the plants in 10 minutes')).toMatchObject({
      title: 'Water the plants',
      due: NOW + 10 * 60_000,
    });
    expect(r.parse('buy milk')).toEqual({ title: 'Buy milk', due: null, allDay: false, matched: null });
  });

  it('creates from text, or takes an exact time as given', () => {
    const a = h.service.reminders.create({ text: 'call mum next Tuesday at 9', source: 'text' });
    expect(a).toMatchObject({
      title: 'Call mum',
      dueAt: at(24, 9),
      nextAt: at(24, 9),
      source: 'text',
      status: 'open',
    });
    const b = h.service.reminders.create({ text: 'Next Tuesday at 9 is not a date here', due: null });
    expect(b).toMatchObject({ title: 'Next Tuesday at 9 is not a date here', dueAt: null, nextAt: null });
    const c = h.service.reminders.create({ text: 'Dentist', due: at(20, 15) });
    expect(c.dueAt).toBe(at(20, 15));
    expect(h.service.reminders.list().map((x) => x.id)).toEqual([c.id, a.id, b.id]); // by time, undated last
  });
});

describe('reminder notifications', () => {
  it('fire at their minute, once', async () => {
    const r = h.service.reminders.create({ text: 'Stand-up today at 9:15' });
    expect(r.dueAt).toBe(at(18, 9, 15));
    await vi.advanceTimersByTimeAsync(at(18, 9, 15) - NOW - 1);
    expect(due).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(due.map((d) => d.id)).toEqual([r.id]);
    expect(due[0]!.notifiedAt).toBe(at(18, 9, 15));
    expect(due[0]!.overdue).toBe(true);
    await vi.advanceTimersByTimeAsync(3 * 3600_000);
    expect(due).toHaveLength(1);
  });

  it('fire again when a snooze ends; a new time re-arms; done ones stay quiet', async () => {
    const r = h.service.reminders.create({ text: 'Take the pills at 8:30' });
    await vi.advanceTimersByTimeAsync(at(18, 8, 30) - NOW);
    expect(due).toHaveLength(1);
    const snoozed = h.service.reminders.snooze(r.id, { minutes: 10 });
    expect(snoozed.nextAt).toBe(at(18, 8, 40));
    await vi.advanceTimersByTimeAsync(10 * 60_000 - 1);
    expect(due).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(due).toHaveLength(2);
    h.service.reminders.snooze(r.id, { until: at(18, 12) });
    h.service.reminders.update(r.id, { due: at(18, 10) }); // a new time clears the snooze
    await vi.advanceTimersByTimeAsync(at(18, 10) - Date.now());
    expect(due).toHaveLength(3);
    const other = h.service.reminders.create({ text: 'Call back at 11' });
    h.service.reminders.complete(other.id);
    await vi.advanceTimersByTimeAsync(at(18, 13) - Date.now());
    expect(due).toHaveLength(3);
    expect(h.service.reminders.complete(other.id, false).status).toBe('open');
  });

  it('an all-day reminder notifies at the briefing time on its day', async () => {
    const r = h.service.reminders.create({ text: 'Bin day tomorrow' });
    expect(r).toMatchObject({ allDay: true, dueAt: at(19, 0), nextAt: at(19, 7, 30) });
    await vi.advanceTimersByTimeAsync(at(19, 7, 30) - NOW);
    expect(due.map((d) => d.id)).toEqual([r.id]);
  });

  it('delete hides and silences a reminder, undo restores it, the purge removes it for good', async () => {
    const r = h.service.reminders.create({ text: 'Renew passport at 9' });
    const { deleted, purgeAt } = h.service.reminders.delete(r.id);
    expect(deleted).toBe(true);
    expect(purgeAt).toBe(NOW + 60_000);
    expect(h.service.reminders.list()).toEqual([]);
    expect(h.service.reminders.list({ status: 'deleted' }).map((x) => x.id)).toEqual([r.id]);
    const back = h.service.reminders.restore(r.id);
    expect(back).toMatchObject({
      id: r.id,
      title: 'Renew passport',
      status: 'open',
      dueAt: at(18, 9),
      deletedAt: null,
    });
    await vi.advanceTimersByTimeAsync(at(18, 9) - NOW);
    expect(due.map((d) => d.id)).toEqual([r.id]);

    const gone = h.service.reminders.create({ text: 'Gone at 11' });
    h.service.reminders.delete(gone.id);
    await vi.advanceTimersByTimeAsync(61_000);
    expect(() => h.service.reminders.restore(gone.id)).toThrow(/deleted for good|No reminder/);
    expect(h.service.reminders.list({ status: 'all' }).map((x) => x.id)).toEqual([r.id]);
    const changes = h.seen
      .filter((e) => e.event === 'reminders.changed')
      .map((e) => (e.payload as { reason: string }).reason);
    expect(changes).toEqual(expect.arrayContaining(['created', 'deleted', 'restored', 'due']));
  });

  it('what fell due while Nook was not running fires at start, once', async () => {
    const r = h.service.reminders.create({ text: 'Water the plants at 9' });
    await h.service.dispose(); // Nook quits at 08:00...
    vi.setSystemTime(at(18, 12)); // ...and starts again at noon.
    const again = new BriefingService({
      db: h.db,
      events: h.events,
      timeZone: () => NY,
      settings: () => h.settings,
    });
    again.reminders.start();
    expect(due.map((d) => [d.id, d.overdue])).toEqual([[r.id, true]]);
    await vi.advanceTimersByTimeAsync(3600_000);
    expect(due).toHaveLength(1);
    await again.dispose();
  });
});
