/**
 * Reminders: stored in SQLite (migration 0090), created from natural language or exact times, with
 * one timer for the earliest pending one. At its minute `reminders.due` fires once; a snooze makes it
 * pending again; reminders that fell due while Nook was not running fire at start. Deleting is soft:
 * `restore` undoes it until `purge_at`, after which the row is removed.
 */
import type { EventPayload } from '../../../shared/ipc/contract';
import { AppError } from '../../../shared/ipc/result';
import type {
  Reminder,
  ReminderParse,
  RemindersChanged,
  ReminderSource,
} from '../../../shared/types/briefing';
import type { Disposable } from '../../../shared/lifecycle';
import type { Database } from '../storage/database';
import type { ReminderCreate, ReminderListQuery, ReminderPatch, RemindersApi } from './api';
import { MAX_TIMER_MS, systemClock, type Clock } from './clock';
import { parseReminderText } from './dates';
import { localDay, parseDay, parseHHMM, startOfDay, zonedTime } from './time';

/** The events the briefing services send (the core's EventBus satisfies it). */
export type BriefingEventName = 'briefing.ready' | 'reminders.due' | 'reminders.changed';
export interface ReminderEvents {
  emit<E extends BriefingEventName>(event: E, payload: EventPayload<E>): void;
}

export interface ReminderServiceOptions {
  db: Database;
  events: ReminderEvents;
  clock?: Clock;
  timeZone: () => string;
  /** When an all-day reminder notifies on its day ('HH:MM', the briefing time). */
  allDayTime: () => string;
  /** How long a deleted reminder can be restored. Default 24 h. */
  graceMs?: number;
  log?: { warn(obj: object, msg?: string): void };
}

interface Row {
  id: number;
  title: string;
  due_at: number | null;
  all_day: number;
  fire_at: number | null;
  tz: string;
  source: ReminderSource;
  status: Reminder['status'];
  snoozed_until: number | null;
  notified_at: number | null;
  completed_at: number | null;
  deleted_at: number | null;
  purge_at: number | null;
  created_at: number;
  updated_at: number;
}

const NEXT = 'COALESCE(snoozed_until, fire_at)';
const PENDING = `status = 'open' AND ${NEXT} IS NOT NULL AND (notified_at IS NULL OR notified_at < ${NEXT})`;

export class ReminderService implements RemindersApi, Disposable {
  private readonly clock: Clock;
  private timer: unknown;
  private disposed = false;

  constructor(private readonly o: ReminderServiceOptions) {
    this.clock = o.clock ?? systemClock;
  }

  /** Purges expired deletions, fires what fell due while not running, and arms the timer. */
  start(): void {
    this.purgeExpired();
    this.fireDue();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  // ---- views ---------------------------------------------------------------------------------------

  private view(r: Row, now = this.clock.now()): Reminder {
    const open = r.status === 'open';
    let overdue = false;
    if (open && r.due_at !== null) {
      overdue = r.all_day ? localDay(now, r.tz) > localDay(r.due_at, r.tz) : r.due_at <= now;
    }
    return {
      id: r.id,
      title: r.title,
      dueAt: r.due_at,
      allDay: r.all_day === 1,
      timeZone: r.tz,
      source: r.source,
      status: r.status,
      snoozedUntil: r.snoozed_until,
      nextAt: open ? (r.snoozed_until ?? r.fire_at) : null,
      notifiedAt: r.notified_at,
      overdue,
      completedAt: r.completed_at,
      deletedAt: r.deleted_at,
      purgeAt: r.purge_at,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  private row(id: number): Row {
    const r = this.o.db.prepare('SELECT * FROM reminders WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new AppError('NOT_FOUND', `No reminder ${id}.`);
    return r;
  }

  get(id: number): Reminder {
    return this.view(this.row(id));
  }

  list(q: ReminderListQuery = {}): Reminder[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.status === undefined) where.push(`status != 'deleted'`);
    else if (q.status !== 'all') {
      where.push('status = ?');
      args.push(q.status);
    }
    if (q.from !== undefined) {
      where.push('COALESCE(snoozed_until, due_at) >= ?');
      args.push(q.from);
    }
    if (q.to !== undefined) {
      where.push('COALESCE(snoozed_until, due_at) <= ?');
      args.push(q.to);
    }
    const rows = this.o.db
      .prepare(
        `SELECT * FROM reminders ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY CASE status WHEN 'open' THEN 0 WHEN 'done' THEN 1 ELSE 2 END,
           CASE WHEN status = 'open' THEN COALESCE(snoozed_until, due_at) IS NULL END,
           CASE WHEN status = 'open' THEN COALESCE(snoozed_until, due_at) END,
           COALESCE(completed_at, deleted_at, created_at) DESC, id
         LIMIT ?`,
      )
      .all(...args, q.limit ?? 200) as Row[];
    const now = this.clock.now();
    return rows.map((r) => this.view(r, now));
  }

  /** Open reminders due before `before` (overdue ones of any age included), for the briefing. */
  dueBefore(before: number): Reminder[] {
    const rows = this.o.db
      .prepare(
        `SELECT * FROM reminders WHERE status = 'open' AND due_at IS NOT NULL AND due_at < ?
         ORDER BY due_at, id LIMIT 200`,
      )
      .all(before) as Row[];
    const now = this.clock.now();
    return rows.map((r) => this.view(r, now));
  }

  // ---- parse and create ------------------------------------------------------------------------------

  parse(text: string): ReminderParse {
    const tz = this.o.timeZone();
    const p = parseReminderText(text, this.clock.now(), tz);
    const allDay = p.day !== null && p.at === null;
    return {
      title: p.title,
      due: p.at ?? (p.day ? startOfDay(p.day, tz) : null),
      allDay,
      matched: p.matched,
    };
  }

  /** due/fire instants of a reminder: an all-day one is due at its day's start and notifies at allDayTime. */
  private times(
    due: number | null,
    allDay: boolean,
    tz: string,
  ): { dueAt: number | null; fireAt: number | null } {
    if (due === null) return { dueAt: null, fireAt: null };
    if (!allDay) return { dueAt: due, fireAt: due };
    const day = localDay(due, tz);
    const { hour, minute } = parseHHMM(this.o.allDayTime());
    return { dueAt: startOfDay(day, tz), fireAt: zonedTime(parseDay(day), hour, minute, tz) };
  }

  create(input: ReminderCreate): Reminder {
    const tz = this.o.timeZone();
    let title = input.text.trim();
    let due: number | null = null;
    let allDay = input.allDay ?? false;
    if (input.due === undefined) {
      const p = this.parse(title);
      title = p.title;
      due = p.due;
      allDay = p.allDay;
    } else due = input.due;
    if (!title) throw new AppError('INVALID_INPUT', 'A reminder needs a title.');
    const { dueAt, fireAt } = this.times(due, allDay, tz);
    const now = this.clock.now();
    const id = Number(
      this.o.db
        .prepare(
          `INSERT INTO reminders (title, due_at, all_day, fire_at, tz, source, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          title.slice(0, 500),
          dueAt,
          allDay && dueAt !== null ? 1 : 0,
          fireAt,
          tz,
          input.source ?? 'ui',
          now,
          now,
        ).lastInsertRowid,
    );
    this.changed('created', [id]);
    return this.get(id);
  }

  // ---- changes ------------------------------------------------------------------------------------

  update(id: number, patch: ReminderPatch): Reminder {
    const r = this.row(id);
    if (r.status === 'deleted') throw new AppError('CONFLICT', 'Restore the reminder before editing it.');
    const now = this.clock.now();
    const title = patch.title?.trim() ?? r.title;
    if (patch.due !== undefined || patch.allDay !== undefined) {
      const allDay = patch.allDay ?? r.all_day === 1;
      const due = patch.due !== undefined ? patch.due : r.due_at;
      const { dueAt, fireAt } = this.times(due, allDay, r.tz);
      // A new time clears the snooze and arms the reminder again.
      this.o.db
        .prepare(
          `UPDATE reminders SET title = ?, due_at = ?, all_day = ?, fire_at = ?, snoozed_until = NULL,
             notified_at = NULL, updated_at = ? WHERE id = ?`,
        )
        .run(title, dueAt, allDay && dueAt !== null ? 1 : 0, fireAt, now, id);
    } else {
      this.o.db.prepare('UPDATE reminders SET title = ?, updated_at = ? WHERE id = ?').run(title, now, id);
    }
    this.changed('updated', [id]);
    return this.get(id);
  }

  complete(id: number, done = true): Reminder {
    const r = this.row(id);
    if (r.status === 'deleted') throw new AppError('CONFLICT', 'Restore the reminder first.');
    const now = this.clock.now();
    if (done)
      this.o.db
        .prepare(`UPDATE reminders SET status = 'done', completed_at = ?, updated_at = ? WHERE id = ?`)
        .run(r.completed_at ?? now, now, id);
    else
      this.o.db
        .prepare(
          `UPDATE reminders SET status = 'open', completed_at = NULL, snoozed_until = NULL, updated_at = ? WHERE id = ?`,
        )
        .run(now, id);
    this.changed(done ? 'completed' : 'reopened', [id]);
    return this.get(id);
  }

  snooze(id: number, by: { minutes?: number; until?: number }): Reminder {
    const r = this.row(id);
    if (r.status !== 'open') throw new AppError('CONFLICT', 'Only an open reminder can be snoozed.');
    const now = this.clock.now();
    const until = by.until ?? now + (by.minutes ?? 10) * 60_000;
    if (until <= now) throw new AppError('INVALID_INPUT', 'Snooze until a time in the future.');
    this.o.db
      .prepare('UPDATE reminders SET snoozed_until = ?, updated_at = ? WHERE id = ?')
      .run(until, now, id);
    this.changed('snoozed', [id]);
    return this.get(id);
  }

  delete(id: number): { deleted: boolean; purgeAt: number } {
    const r = this.row(id);
    const now = this.clock.now();
    if (r.status === 'deleted') return { deleted: false, purgeAt: r.purge_at ?? now };
    const purgeAt = now + (this.o.graceMs ?? 24 * 3600_000);
    this.o.db
      .prepare(
        `UPDATE reminders SET status = 'deleted', deleted_at = ?, purge_at = ?, updated_at = ? WHERE id = ?`,
      )
      .run(now, purgeAt, now, id);
    this.changed('deleted', [id]);
    return { deleted: true, purgeAt };
  }

  restore(id: number): Reminder {
    const r = this.row(id);
    if (r.status !== 'deleted') return this.view(r);
    const now = this.clock.now();
    if (r.purge_at !== null && r.purge_at <= now) {
      this.purgeExpired();
      throw new AppError('NOT_FOUND', `Reminder ${id} was deleted for good.`);
    }
    this.o.db
      .prepare(
        `UPDATE reminders SET status = CASE WHEN completed_at IS NULL THEN 'open' ELSE 'done' END,
           deleted_at = NULL, purge_at = NULL, updated_at = ? WHERE id = ?`,
      )
      .run(now, id);
    this.changed('restored', [id]);
    return this.get(id);
  }

  /** Removes reminders whose undo period is over. */
  purgeExpired(): number {
    return this.o.db
      .prepare(`DELETE FROM reminders WHERE status = 'deleted' AND purge_at <= ?`)
      .run(this.clock.now()).changes;
  }

  // ---- timers ---------------------------------------------------------------------------------------

  private changed(reason: RemindersChanged['reason'], ids: number[]): void {
    this.o.events.emit('reminders.changed', { reason, ids });
    this.arm();
  }

  /** Sends reminders.due for every pending reminder whose time has come, then arms the next. */
  fireDue(): Reminder[] {
    if (this.disposed) return [];
    const now = this.clock.now();
    const rows = this.o.db
      .prepare(`SELECT * FROM reminders WHERE ${PENDING} AND ${NEXT} <= ? ORDER BY ${NEXT}, id`)
      .all(now) as Row[];
    const fired: Reminder[] = [];
    if (rows.length) {
      const mark = this.o.db.prepare('UPDATE reminders SET notified_at = ? WHERE id = ?');
      this.o.db.transaction(() => rows.forEach((r) => mark.run(now, r.id)))();
      for (const r of rows) {
        const reminder = this.get(r.id);
        fired.push(reminder);
        this.o.events.emit('reminders.due', { reminder });
      }
      this.o.events.emit('reminders.changed', { reason: 'due', ids: rows.map((r) => r.id) });
    }
    this.arm();
    return fired;
  }

  /** When the next reminder fires (null: none pending). */
  nextFireAt(): number | null {
    const r = this.o.db.prepare(`SELECT MIN(${NEXT}) AS t FROM reminders WHERE ${PENDING}`).get() as {
      t: number | null;
    };
    return r.t;
  }

  private arm(): void {
    if (this.disposed) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.nextFireAt();
    if (next === null) return;
    const delay = Math.max(0, Math.min(next - this.clock.now(), MAX_TIMER_MS));
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      try {
        this.fireDue();
      } catch (e) {
        this.o.log?.warn({ err: e }, 'firing reminders failed');
      }
    }, delay);
  }
}
