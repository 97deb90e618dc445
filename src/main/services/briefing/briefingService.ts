/**
 * The daily briefing: generated on schedule (with catch-up), on demand or by voice, from the user's
 * documents (updates, dated deadlines, rising topics), reminders, memory and plugins; stored one per
 * local day; exported as Markdown and read aloud. Electron-free.
 */
import { AppError } from '../../../shared/ipc/result';
import type { Disposable } from '../../../shared/lifecycle';
import type {
  Briefing,
  BriefingPage,
  BriefingSection,
  BriefingTrigger,
} from '../../../shared/types/briefing';
import type { Database } from '../storage/database';
import type { BriefingApi, BriefingSpeech } from './api';
import { BriefingIndex } from './briefingIndex';
import type { Analyser } from './indexWorker';
import { systemClock, type Clock } from './clock';
import { briefingMarkdown, briefingSpeech } from './markdown';
import { ReminderService, type ReminderEvents } from './reminderService';
import { BriefingScheduler } from './scheduler';
import {
  dayTerms,
  deadlinesSection,
  memorySection,
  pluginSection,
  trendingSection,
  updatesSection,
  LOOKAHEAD_DAYS,
  type SectionContext,
  type Summariser,
} from './sections';
import { addDays, localDay, startOfDay, systemTimeZone } from './time';

export interface BriefingSettings {
  enabled: boolean;
  time: string;
  days: number[];
  speakWhenReady: boolean;
}

export type BriefingEvents = ReminderEvents;

export interface PluginSectionsPort {
  briefingSections(date?: Date): Promise<
    Array<{
      pluginId: string;
      sectionId: string;
      title: string;
      items: Array<{ text: string; source?: string }>;
    }>
  >;
}

export interface BriefingServiceOptions {
  db: Database;
  events: BriefingEvents;
  settings: () => BriefingSettings;
  clock?: Clock;
  /** IANA zone; the system's by default. */
  timeZone?: () => string;
  /** Remembered facts (the assistant's memory store). */
  memories?: () => ReadonlyArray<{ id: number; text: string }>;
  plugins?: PluginSectionsPort;
  /** The assistant router's "summarise" task; null or a throw: the extractive summary stays. */
  summarise?: Summariser;
  /** Text to speech (the voice service). */
  speak?: (text: string, play?: boolean) => Promise<Omit<BriefingSpeech, 'text'>>;
  /** How long a deleted reminder can be restored. */
  reminderGraceMs?: number;
  /**
   * Who analyses documents: the app passes a BriefingIndexWorker (a worker thread on its own
   * connection); by default a BriefingIndex on this connection, time-sliced.
   */
  analyser?: Analyser;
  log?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

interface Row {
  id: number;
  date: string;
  time_zone: string;
  generated_at: number;
  trigger: BriefingTrigger;
  since: number;
  summary: string;
  empty: number;
  sections: string;
  timings: string;
}

export const NOTHING_NEW = 'Nothing new since yesterday.';

export class BriefingService implements BriefingApi, Disposable {
  readonly reminders: ReminderService;
  readonly index: BriefingIndex;
  private readonly analyser: Analyser;
  readonly scheduler: BriefingScheduler;
  private readonly clock: Clock;
  private readonly tz: () => string;
  private queue: Promise<unknown> = Promise.resolve();
  private indexTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private readonly abort = new AbortController();

  constructor(private readonly o: BriefingServiceOptions) {
    this.clock = o.clock ?? systemClock;
    this.tz = o.timeZone ?? systemTimeZone;
    this.index = new BriefingIndex(o.db, this.tz);
    this.analyser = o.analyser ?? this.index;
    this.reminders = new ReminderService({
      db: o.db,
      events: o.events,
      clock: this.clock,
      timeZone: this.tz,
      allDayTime: () => o.settings().time,
      ...(o.reminderGraceMs !== undefined ? { graceMs: o.reminderGraceMs } : {}),
      ...(o.log ? { log: o.log } : {}),
    });
    this.scheduler = new BriefingScheduler({
      clock: this.clock,
      settings: () => o.settings(),
      timeZone: this.tz,
      generatedAt: (day) =>
        (
          o.db.prepare('SELECT generated_at FROM briefings WHERE date = ?').get(day) as
            { generated_at: number } | undefined
        )?.generated_at ?? null,
      run: (trigger) => this.generate({ trigger }),
      ...(o.log ? { log: o.log } : {}),
    });
  }

  /** Reminders fire, the schedule is armed (a missed briefing is made now), and documents are analysed. */
  async start(): Promise<void> {
    this.reminders.start();
    this.documentsChanged();
    await this.scheduler.start();
  }

  /** Settings changed: the schedule may have moved. */
  settingsChanged(): void {
    this.scheduler.reschedule();
  }

  /** The knowledge base changed: analyse new and changed documents soon (debounced, in the background). */
  documentsChanged(): void {
    if (this.disposed || this.indexTimer) return;
    this.indexTimer = setTimeout(() => {
      this.indexTimer = undefined;
      if (this.disposed) return;
      void this.analyser
        .catchUp()
        .catch((e: unknown) => this.o.log?.warn({ err: e }, 'analysing documents failed'));
    }, 2000);
  }

  // ---- generation ----------------------------------------------------------------------------------

  /** Builds (or rebuilds) a day's briefing; runs one at a time. */
  generate(options: { date?: string; trigger?: BriefingTrigger } = {}): Promise<Briefing> {
    const next = this.queue.then(() => this.build(options.date, options.trigger ?? 'manual'));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async build(date: string | undefined, trigger: BriefingTrigger): Promise<Briefing> {
    if (this.disposed) throw new AppError('UNAVAILABLE', 'The briefing service has stopped.');
    const t0 = performance.now();
    const timings: Record<string, number> = {};
    const lap = async <T>(name: string, fn: () => T | Promise<T>): Promise<T> => {
      const s = performance.now();
      try {
        return await fn();
      } finally {
        timings[name] = Math.round((performance.now() - s) * 10) / 10;
      }
    };
    const tz = this.tz();
    const now = this.clock.now();
    const today = date ?? localDay(now, tz);
    await lap('index', () => this.analyser.catchUp());

    const prev = this.o.db
      .prepare('SELECT MAX(generated_at) AS t FROM briefings WHERE date < ?')
      .get(today) as { t: number | null };
    const since = prev.t ?? now - 864e5;
    const ctx: SectionContext = { db: this.o.db, now, today, tz, since };

    const reminders = this.reminders.dueBefore(startOfDay(addDays(today, LOOKAHEAD_DAYS + 1), tz));
    const deadlines = await lap('deadlines', () => deadlinesSection(ctx, reminders));
    const trending = await lap('trending', () => trendingSection(ctx));
    const updates = await lap('updates', () => updatesSection(ctx, this.o.summarise, this.abort.signal));
    const memory = await lap('memory', () =>
      memorySection(ctx, this.o.memories?.() ?? [], dayTerms([deadlines, trending])),
    );
    const plugins = await lap('plugins', async () => {
      if (!this.o.plugins) return [];
      const noon = startOfDay(today, tz) + 12 * 3600_000;
      const results = await this.o.plugins.briefingSections(new Date(noon)).catch((e: unknown) => {
        this.o.log?.warn({ err: e }, 'plugin briefing sections failed');
        return [];
      });
      return results.map(pluginSection);
    });

    const all = [deadlines, updates, memory, trending, ...plugins];
    const empty = all.every((s) => s.items.length === 0);
    const sections = empty ? [] : prioritise(all);
    const summary = empty ? nothingNew(since, now, tz) : summaryLine(sections);
    timings.totalMs = Math.round((performance.now() - t0) * 10) / 10;
    const { totalMs, ...sectionTimings } = timings;

    const row = this.o.db
      .prepare(
        `INSERT INTO briefings (date, time_zone, generated_at, trigger, since, summary, empty, sections, timings)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (date) DO UPDATE SET time_zone = excluded.time_zone, generated_at = excluded.generated_at,
           trigger = excluded.trigger, since = excluded.since, summary = excluded.summary, empty = excluded.empty,
           sections = excluded.sections, timings = excluded.timings
         RETURNING id`,
      )
      .get(
        today,
        tz,
        now,
        trigger,
        since,
        summary,
        empty ? 1 : 0,
        JSON.stringify(sections),
        JSON.stringify({ totalMs, sections: sectionTimings }),
      ) as { id: number };
    const briefing = this.get({ id: row.id })!;
    this.o.log?.info({ date: today, trigger, ms: totalMs, empty }, 'briefing generated');
    this.o.events.emit('briefing.ready', { id: briefing.id, date: today, trigger, summary, empty });
    if (
      this.o.speak &&
      this.o.settings().speakWhenReady &&
      (trigger === 'schedule' || trigger === 'catch-up')
    )
      void this.speak({ id: briefing.id, play: true }).catch((e: unknown) =>
        this.o.log?.warn({ err: e }, 'reading the briefing aloud failed'),
      );
    return briefing;
  }

  // ---- reading -------------------------------------------------------------------------------------

  private toBriefing(r: Row): Briefing {
    const t = JSON.parse(r.timings) as { totalMs?: number; sections?: Record<string, number> };
    return {
      id: r.id,
      date: r.date,
      timeZone: r.time_zone,
      generatedAt: r.generated_at,
      trigger: r.trigger,
      since: r.since,
      summary: r.summary,
      empty: r.empty === 1,
      sections: JSON.parse(r.sections) as BriefingSection[],
      timings: { totalMs: t.totalMs ?? 0, sections: t.sections ?? {} },
    };
  }

  get(query: { id?: number; date?: string } = {}): Briefing | null {
    const r =
      query.id !== undefined
        ? this.o.db.prepare('SELECT * FROM briefings WHERE id = ?').get(query.id)
        : this.o.db
            .prepare('SELECT * FROM briefings WHERE date = ?')
            .get(query.date ?? localDay(this.clock.now(), this.tz()));
    return r ? this.toBriefing(r as Row) : null;
  }

  list(offset = 0, limit = 30): BriefingPage {
    const total = (this.o.db.prepare('SELECT COUNT(*) AS n FROM briefings').get() as { n: number }).n;
    const rows = this.o.db
      .prepare('SELECT * FROM briefings ORDER BY date DESC LIMIT ? OFFSET ?')
      .all(limit, offset) as Row[];
    return {
      total,
      items: rows.map((r) => {
        const counts: Record<string, number> = {};
        for (const s of JSON.parse(r.sections) as BriefingSection[])
          counts[s.kind] = (counts[s.kind] ?? 0) + s.items.length;
        return {
          id: r.id,
          date: r.date,
          generatedAt: r.generated_at,
          trigger: r.trigger,
          summary: r.summary,
          empty: r.empty === 1,
          counts,
        };
      }),
    };
  }

  private require(id?: number): Briefing {
    const b = id !== undefined ? this.get({ id }) : this.get();
    if (!b)
      throw new AppError(
        'NOT_FOUND',
        id !== undefined ? `No briefing ${id}.` : 'There is no briefing for today yet.',
      );
    return b;
  }

  exportMarkdown(id: number): { markdown: string; filename: string } {
    const b = this.require(id);
    return { markdown: briefingMarkdown(b), filename: `briefing-${b.date}.md` };
  }

  /** What "read my briefing" says: today's briefing (made now when there is none yet). */
  async script(): Promise<{ briefing: Briefing; text: string }> {
    const briefing = this.get() ?? (await this.generate({ trigger: 'voice' }));
    return { briefing, text: briefingSpeech(briefing) };
  }

  async speak(options: { id?: number; play?: boolean } = {}): Promise<BriefingSpeech> {
    if (!this.o.speak) throw new AppError('UNAVAILABLE', 'Text to speech is not running.');
    const b = this.require(options.id);
    const text = briefingSpeech(b);
    const r = await this.o.speak(text, options.play);
    return { ...r, text };
  }

  /** Stops the timers, cancels a summary in progress and waits for a generation to finish. */
  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.indexTimer) clearTimeout(this.indexTimer);
    this.scheduler.dispose();
    this.reminders.dispose();
    this.abort.abort();
    await this.queue;
    await this.analyser.stop();
  }
}

/** Sections with something to say first (deadlines, updates, memory, topics, plugins), then empty ones. */
function prioritise(sections: BriefingSection[]): BriefingSection[] {
  const ordered = [...sections.filter((s) => s.items.length), ...sections.filter((s) => !s.items.length)];
  return ordered.map((s, i) => ({ ...s, priority: i + 1 }));
}

function summaryLine(sections: readonly BriefingSection[]): string {
  const parts: string[] = [];
  const n = (kind: BriefingSection['kind']) =>
    sections.filter((s) => s.kind === kind).reduce((sum, s) => sum + s.items.length, 0);
  const deadlines = sections.find((s) => s.kind === 'deadlines');
  const overdue = deadlines?.items.filter((i) => i.overdue).length ?? 0;
  const upcoming = n('deadlines') - overdue;
  if (overdue) parts.push(`${overdue} overdue`);
  if (upcoming) parts.push(`${upcoming} deadline${upcoming === 1 ? '' : 's'} this week`);
  const updates = sections.find((s) => s.kind === 'updates');
  const docs = updates?.items.reduce((sum, i) => sum + (i.score ?? 0), 0) ?? 0;
  if (docs) parts.push(`${docs} updated document${docs === 1 ? '' : 's'}`);
  if (n('trending')) parts.push(`${n('trending')} rising topic${n('trending') === 1 ? '' : 's'}`);
  if (n('memory')) parts.push(`${n('memory')} from memory`);
  if (n('plugin')) parts.push(`${n('plugin')} from plugins`);
  const line = parts.join(', ');
  return line.charAt(0).toUpperCase() + line.slice(1) + '.';
}

function nothingNew(since: number, now: number, tz: string): string {
  const days = Math.round((startOfDay(localDay(now, tz), tz) - startOfDay(localDay(since, tz), tz)) / 864e5);
  return days <= 1 ? NOTHING_NEW : `Nothing new since the last briefing, ${days} days ago.`;
}
