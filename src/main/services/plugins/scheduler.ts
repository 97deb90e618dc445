/**
 * A small job scheduler for plugins' scheduled exports: five-field cron (minute hour day-of-month
 * month day-of-week; `*`, `a-b`, `a,b`, `* /n`, `a-b/n`; day-of-week 0-7, 0 and 7 Sunday) or every N
 * minutes. One timer wakes at each minute boundary and runs what is due; a job still running when it
 * is due again is skipped, not stacked. `add` returns a disposer.
 */
import { toDisposable, type Disposable } from '../../../shared/lifecycle';

export interface CronSpec {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  dayRestricted: boolean;
  weekdayRestricted: boolean;
}

function field(text: string, min: number, max: number, name: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`cron ${name}: "${part}" is not understood`);
    const lo = m[1] === '*' ? min : Number(m[2]);
    const hi = m[1] === '*' ? max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? max : lo;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (lo < min || hi > max || lo > hi || step < 1)
      throw new Error(`cron ${name}: "${part}" is out of range ${min}-${max}`);
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

export function parseCron(expr: string): CronSpec {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error('cron needs five fields: minute hour day month weekday');
  const weekdays = field(parts[4]!, 0, 7, 'weekday');
  if (weekdays.has(7)) weekdays.add(0);
  return {
    minutes: field(parts[0]!, 0, 59, 'minute'),
    hours: field(parts[1]!, 0, 23, 'hour'),
    days: field(parts[2]!, 1, 31, 'day'),
    months: field(parts[3]!, 1, 12, 'month'),
    weekdays,
    dayRestricted: parts[2] !== '*',
    weekdayRestricted: parts[4] !== '*',
  };
}

/** Whether the cron fires in the (local-time) minute of `d`. Day and weekday OR when both are set. */
export function cronMatches(spec: CronSpec, d: Date): boolean {
  if (
    !spec.minutes.has(d.getMinutes()) ||
    !spec.hours.has(d.getHours()) ||
    !spec.months.has(d.getMonth() + 1)
  )
    return false;
  const dayOk = spec.days.has(d.getDate());
  const weekdayOk = spec.weekdays.has(d.getDay());
  if (spec.dayRestricted && spec.weekdayRestricted) return dayOk || weekdayOk;
  return dayOk && weekdayOk;
}

export interface ScheduledJob {
  id: string;
  cron?: string;
  everyMinutes?: number;
  run(): Promise<unknown>;
}

interface Entry {
  job: ScheduledJob;
  spec: CronSpec | null;
  /** Epoch minute the interval counts from. */
  anchor: number;
  running: boolean;
}

export class Scheduler implements Disposable {
  private readonly entries = new Map<symbol, Entry>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly o: {
      now?: () => Date;
      /** Start the minute timer (tests drive `tick` themselves). */
      autoStart?: boolean;
      onError?: (jobId: string, e: unknown) => void;
    } = {},
  ) {}

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  add(job: ScheduledJob): Disposable {
    const spec = job.cron !== undefined ? parseCron(job.cron) : null;
    if (!spec && !(job.everyMinutes && job.everyMinutes >= 1))
      throw new Error(`job ${job.id} has no schedule`);
    const key = Symbol(job.id);
    this.entries.set(key, { job, spec, anchor: Math.floor(this.now().getTime() / 60_000), running: false });
    if (this.o.autoStart !== false) this.arm();
    return toDisposable(() => void this.entries.delete(key));
  }

  get size(): number {
    return this.entries.size;
  }

  private arm(): void {
    if (this.timer) return;
    const ms = 60_000 - (this.now().getTime() % 60_000) + 5;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick();
      if (this.entries.size > 0) this.arm();
    }, ms);
    this.timer.unref();
  }

  /** Runs every job due in the minute of `at` (default now); resolves when they finished. */
  async tick(at: Date = this.now()): Promise<string[]> {
    const minute = Math.floor(at.getTime() / 60_000);
    const due: Entry[] = [];
    for (const e of this.entries.values()) {
      const isDue = e.spec
        ? cronMatches(e.spec, at)
        : minute > e.anchor && (minute - e.anchor) % e.job.everyMinutes! === 0;
      if (isDue && !e.running) due.push(e);
    }
    await Promise.all(
      due.map(async (e) => {
        e.running = true;
        try {
          await e.job.run();
        } catch (err) {
          this.o.onError?.(e.job.id, err);
        } finally {
          e.running = false;
        }
      }),
    );
    return due.map((e) => e.job.id);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.entries.clear();
  }
}
