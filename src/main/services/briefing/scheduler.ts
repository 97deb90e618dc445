/**
 * When the daily briefing runs: at a local time on chosen weekdays, in an IANA time zone, correct
 * across daylight-saving changes (the next occurrence is computed as a wall-clock time in the zone,
 * never as "now + 24 h").
 *
 * Catch-up: at start, when today's scheduled time has passed and no briefing for today was made at
 * or after it (the computer was off or asleep), one is made at once. An older missed day is not
 * made up for: today's briefing covers everything since the last one anyway.
 *
 * The timer waits at most MAX_TIMER_MS at a time and then recomputes, so a clock change, a time
 * zone change or a machine that slept through the time is noticed.
 */
import type { Disposable } from '../../../shared/lifecycle';
import type { BriefingTrigger } from '../../../shared/types/briefing';
import { MAX_TIMER_MS, systemClock, type Clock } from './clock';
import { localDay, nextOccurrence, previousOccurrence } from './time';

export interface ScheduleSettings {
  enabled: boolean;
  time: string;
  days: readonly number[];
}

export interface BriefingSchedulerOptions {
  clock?: Clock;
  settings: () => ScheduleSettings;
  timeZone: () => string;
  /** When today's briefing (a local day) was generated, or null when there is none. */
  generatedAt: (day: string) => number | null;
  /** Generates the briefing; the scheduler waits for it before arming the next run. */
  run: (trigger: BriefingTrigger) => Promise<unknown>;
  log?: { warn(obj: object, msg?: string): void };
}

export class BriefingScheduler implements Disposable {
  private readonly clock: Clock;
  private timer: unknown;
  /** The scheduled instant the timer is waiting for. */
  private target: number | null = null;
  private running: Promise<unknown> | undefined;
  private disposed = false;

  constructor(private readonly o: BriefingSchedulerOptions) {
    this.clock = o.clock ?? systemClock;
  }

  /** Runs a catch-up when today's time was missed, then arms the timer. */
  start(): Promise<void> {
    const s = this.o.settings();
    const now = this.clock.now();
    const tz = this.o.timeZone();
    let catchUp: Promise<unknown> = Promise.resolve();
    if (s.enabled) {
      const prev = previousOccurrence(now, s.time, s.days, tz);
      if (prev !== null && localDay(prev, tz) === localDay(now, tz)) {
        const made = this.o.generatedAt(localDay(now, tz));
        if (made === null || made < prev) catchUp = this.fire('catch-up');
      }
    }
    this.reschedule();
    return catchUp.then(() => undefined);
  }

  /** The next scheduled run (null: disabled or no day chosen). */
  nextRunAt(): number | null {
    const s = this.o.settings();
    return s.enabled ? nextOccurrence(this.clock.now(), s.time, s.days, this.o.timeZone()) : null;
  }

  /** Settings changed (time, days, enabled) or the time zone did: compute the next run again. */
  reschedule(): void {
    if (this.disposed) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.target = this.nextRunAt();
    if (this.target === null) return;
    this.wait();
  }

  private wait(): void {
    if (this.target === null || this.disposed) return;
    const delay = Math.max(0, Math.min(this.target - this.clock.now(), MAX_TIMER_MS));
    this.timer = this.clock.setTimeout(() => this.tick(), delay);
  }

  private tick(): void {
    this.timer = undefined;
    if (this.disposed || this.target === null) return;
    if (this.clock.now() < this.target) {
      // Woke early to check the clock: keep waiting for the same target, unless settings moved it.
      const again = this.nextRunAt();
      if (again !== null && again < this.target) this.target = again;
      return this.wait();
    }
    void this.fire('schedule').finally(() => this.reschedule());
  }

  private fire(trigger: BriefingTrigger): Promise<unknown> {
    if (this.running) return this.running;
    this.running = this.o
      .run(trigger)
      .catch((e: unknown) => this.o.log?.warn({ err: e, trigger }, 'the scheduled briefing failed'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
