/**
 * The schedule: the next local occurrence across daylight-saving changes (New York, March and
 * November 2026), weekday choice, catch-up after a missed time, and the timer firing at the minute
 * (vitest fake timers drive the system clock the service uses by default).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextOccurrence, previousOccurrence, zonedTime } from '../../../src/main/services/briefing/time';
import { systemClock } from '../../../src/main/services/briefing/clock';
import type { BriefingReady } from '../../../src/shared/types/briefing';
import { harness, type Harness } from './helpers';

const NY = 'America/New_York';
const ALL = [0, 1, 2, 3, 4, 5, 6];
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

describe('local time arithmetic across daylight saving', () => {
  it('07:30 stays 07:30 local when the clocks spring forward and fall back', () => {
    // Saturday 7 March 2026 08:00 EST; DST starts Sunday 8 March.
    const sat = Date.parse('2026-03-07T13:00:00Z');
    expect(iso(nextOccurrence(sat, '07:30', ALL, NY))).toBe('2026-03-08T11:30:00.000Z'); // EDT, UTC-4
    expect(iso(previousOccurrence(sat, '07:30', ALL, NY))).toBe('2026-03-07T12:30:00.000Z'); // EST, UTC-5
    // DST ends Sunday 1 November 2026.
    const oct31 = Date.parse('2026-10-31T12:00:00Z');
    expect(iso(nextOccurrence(oct31, '07:30', ALL, NY))).toBe('2026-11-01T12:30:00.000Z'); // EST
    expect(iso(previousOccurrence(oct31, '07:30', ALL, NY))).toBe('2026-10-31T11:30:00.000Z'); // EDT
  });

  it('a time in the spring gap moves forward; one in the autumn overlap is its first occurrence', () => {
    expect(iso(zonedTime({ year: 2026, month: 3, day: 8 }, 2, 30, NY))).toBe('2026-03-08T07:30:00.000Z'); // 03:30 EDT
    expect(iso(zonedTime({ year: 2026, month: 11, day: 1 }, 1, 30, NY))).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT
    expect(iso(zonedTime({ year: 2026, month: 7, day: 1 }, 0, 0, 'Asia/Kolkata'))).toBe(
      '2026-06-30T18:30:00.000Z',
    );
  });

  it('only chosen weekdays count; none chosen means never', () => {
    const sat = Date.parse('2026-03-07T13:00:00Z');
    expect(iso(nextOccurrence(sat, '07:30', [1], NY))).toBe('2026-03-09T11:30:00.000Z'); // Monday
    expect(nextOccurrence(sat, '07:30', [], NY)).toBeNull();
  });
});

describe('the scheduler (fake timers)', () => {
  let h: Harness;
  let ready: BriefingReady[];
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(async () => {
    await h?.close();
    vi.useRealTimers();
  });
  const start = async (nowIso: string) => {
    vi.setSystemTime(new Date(nowIso));
    h = harness(systemClock, NY);
    ready = [];
    h.events.on('briefing.ready', (b) => ready.push(b));
    await h.service.start();
  };

  it('runs at 07:30 local on the DST morning, not an hour off, then daily', async () => {
    await start('2026-03-07T13:00:00Z'); // Saturday 08:00 EST: today's 07:30 passed...
    // ...so a catch-up was made at once for today.
    expect(ready.map((r) => [r.date, r.trigger])).toEqual([['2026-03-07', 'catch-up']]);
    expect(iso(h.service.scheduler.nextRunAt())).toBe('2026-03-08T11:30:00.000Z');

    await vi.advanceTimersByTimeAsync(Date.parse('2026-03-08T11:29:59Z') - Date.now());
    expect(ready).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(ready.map((r) => [r.date, r.trigger])).toEqual([
      ['2026-03-07', 'catch-up'],
      ['2026-03-08', 'schedule'],
    ]);
    expect(iso(h.service.get({ date: '2026-03-08' })!.generatedAt)).toBe('2026-03-08T11:30:00.000Z');

    await vi.advanceTimersByTimeAsync(Date.parse('2026-03-09T11:30:00Z') - Date.now());
    expect(ready.map((r) => r.date)).toEqual(['2026-03-07', '2026-03-08', '2026-03-09']);
    expect(iso(h.service.get({ date: '2026-03-09' })!.generatedAt)).toBe('2026-03-09T11:30:00.000Z');
  });

  it('catches up after a missed time only once, and not before the time', async () => {
    await start('2026-11-18T11:00:00Z'); // 06:00 EST: today's time has not come
    expect(ready).toEqual([]);
    await h.close();

    // The computer was off at 07:30; it starts at 09:00.
    vi.setSystemTime(new Date('2026-11-18T14:00:00Z'));
    h = harness(systemClock, NY);
    ready = [];
    h.events.on('briefing.ready', (b) => ready.push(b));
    await h.service.start();
    expect(ready.map((r) => [r.date, r.trigger])).toEqual([['2026-11-18', 'catch-up']]);
    // A restart the same day finds today's briefing made after 07:30: no second catch-up.
    await h.service.start();
    expect(ready).toHaveLength(1);
  });

  it('follows settings: a new time, other days, or disabled', async () => {
    await start('2026-11-18T11:00:00Z'); // Wednesday 06:00 EST
    h.settings.time = '06:45';
    h.service.settingsChanged();
    expect(iso(h.service.scheduler.nextRunAt())).toBe('2026-11-18T11:45:00.000Z');
    h.settings.days = [5]; // Fridays
    h.service.settingsChanged();
    expect(iso(h.service.scheduler.nextRunAt())).toBe('2026-11-20T11:45:00.000Z');
    await vi.advanceTimersByTimeAsync(36 * 3600_000);
    expect(ready).toEqual([]);
    h.settings.enabled = false;
    h.service.settingsChanged();
    expect(h.service.scheduler.nextRunAt()).toBeNull();
    await vi.advanceTimersByTimeAsync(3 * 864e5);
    expect(ready).toEqual([]);
  });
});
