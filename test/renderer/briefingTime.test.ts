/** Pure helpers of the Briefing screen and reminders panel, with fixed clocks in local time. */
import { describe, expect, it } from 'vitest';
import {
  dayLabel,
  formatDue,
  fromLocalInput,
  localDateKey,
  nextIndex,
  safeFileName,
  snoozeChoices,
  sortSections,
  toggleDay,
  toLocalInput,
} from '../../src/renderer/src/features/briefing/time';

describe('dates', () => {
  it('keys a moment by its local calendar day', () => {
    expect(localDateKey(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
    expect(localDateKey(new Date(2026, 11, 31, 0, 0))).toBe('2026-12-31');
  });

  it('names today, yesterday and tomorrow, and other days by name', () => {
    const now = new Date(2026, 10, 21, 10, 0);
    expect(dayLabel('2026-11-21', now)).toBe('Today');
    expect(dayLabel('2026-11-20', now)).toBe('Yesterday');
    expect(dayLabel('2026-11-22', now)).toBe('Tomorrow');
    const other = dayLabel('2026-11-17', now);
    expect(other).not.toMatch(/Today|Yesterday|Tomorrow/);
    expect(other).toContain('17');
    // Across a month and year boundary.
    expect(dayLabel('2025-12-31', new Date(2026, 0, 1, 8))).toBe('Yesterday');
    expect(dayLabel('2025-12-30', new Date(2026, 0, 1, 8))).toContain('2025');
  });

  it('says when a reminder is due and flags an overdue one', () => {
    const now = new Date(2026, 10, 21, 10, 0);
    const soon = formatDue(new Date(2026, 10, 21, 14, 30).getTime(), now);
    expect(soon.overdue).toBe(false);
    expect(soon.text).toMatch(/^Today, /);
    expect(soon.text).toMatch(/14:30|2:30/);
    expect(formatDue(new Date(2026, 10, 22, 9, 0).getTime(), now).text).toMatch(/^Tomorrow, /);
    const past = formatDue(new Date(2026, 10, 21, 9, 59).getTime(), now);
    expect(past.overdue).toBe(true);
    expect(past.text).toMatch(/^Today, /);
    const far = formatDue(new Date(2026, 10, 25, 9, 0).getTime(), now).text;
    expect(far).toContain('25');
    expect(far).not.toMatch(/Today|Tomorrow/);
  });

  it('an all-day date shows the day only and is overdue only once its day is over', () => {
    const now = new Date(2026, 10, 21, 10, 0);
    const today = formatDue(new Date(2026, 10, 21, 0, 0).getTime(), now, true);
    expect(today).toEqual({ text: 'Today', overdue: false });
    expect(formatDue(new Date(2026, 10, 20, 0, 0).getTime(), now, true)).toEqual({
      text: 'Yesterday',
      overdue: true,
    });
  });

  it('round-trips datetime-local values and refuses impossible dates', () => {
    const ms = new Date(2026, 2, 29, 7, 5).getTime();
    expect(toLocalInput(ms)).toBe('2026-03-29T07:05');
    expect(fromLocalInput('2026-03-29T07:05')).toBe(ms);
    expect(fromLocalInput('2026-02-31T09:00')).toBeNull();
    expect(fromLocalInput('')).toBeNull();
    expect(fromLocalInput('tomorrow')).toBeNull();
  });
});

describe('snooze menu', () => {
  it('offers 10 minutes, 1 hour and tomorrow at 09:00', () => {
    const now = new Date(2026, 10, 21, 22, 47, 13);
    const [ten, hour, morning] = snoozeChoices(now);
    expect(ten!.until - now.getTime()).toBe(10 * 60_000);
    expect(hour!.until - now.getTime()).toBe(60 * 60_000);
    const m = new Date(morning!.until);
    expect([m.getFullYear(), m.getMonth(), m.getDate(), m.getHours(), m.getMinutes()]).toEqual([
      2026, 10, 22, 9, 0,
    ]);
    expect(snoozeChoices(now).map((c) => c.id)).toEqual(['ten', 'hour', 'morning']);
  });

  it('tomorrow morning rolls over the month and year', () => {
    const m = new Date(snoozeChoices(new Date(2026, 11, 31, 18, 0))[2]!.until);
    expect(localDateKey(m)).toBe('2027-01-01');
    expect(m.getHours()).toBe(9);
  });
});

describe('lists and settings', () => {
  it('moves through a list with arrows (wrapping), Home and End; other keys are not handled', () => {
    expect(nextIndex('ArrowDown', 0, 3)).toBe(1);
    expect(nextIndex('ArrowDown', 2, 3)).toBe(0);
    expect(nextIndex('ArrowUp', 0, 3)).toBe(2);
    expect(nextIndex('Home', 2, 3)).toBe(0);
    expect(nextIndex('End', 0, 3)).toBe(2);
    expect(nextIndex('a', 0, 3)).toBeNull();
    expect(nextIndex('ArrowDown', 0, 0)).toBeNull();
  });

  it('sorts sections by priority and keeps the server order among equals', () => {
    const s = sortSections([
      { id: 'trending', priority: 3 },
      { id: 'plugin:a', priority: 5 },
      { id: 'deadlines', priority: 1 },
      { id: 'plugin:b', priority: 5 },
      { id: 'updates', priority: 2 },
    ]);
    expect(s.map((x) => x.id)).toEqual(['deadlines', 'updates', 'trending', 'plugin:a', 'plugin:b']);
  });

  it('toggles weekdays without duplicates, sorted', () => {
    expect(toggleDay([1, 2, 3], 0, true)).toEqual([0, 1, 2, 3]);
    expect(toggleDay([1, 2, 3], 2, false)).toEqual([1, 3]);
    expect(toggleDay([1, 2], 2, true)).toEqual([1, 2]);
  });

  it('makes a file name safe to save', () => {
    expect(safeFileName('briefing-2026-11-21.md')).toBe('briefing-2026-11-21.md');
    expect(safeFileName('a/b\\c:d*?.md')).toBe('a-b-c-d-.md');
    expect(safeFileName('..')).toBe('briefing.md');
  });
});
