/**
 * Pure helpers for the Briefing screen, the reminders panel and the schedule settings (local time,
 * no DOM, no stores), so they are tested in Node with a fixed clock.
 */

/** `YYYY-MM-DD` of a moment in local time (what briefings are keyed by). */
export function localDateKey(d: Date): string {
  const y = d.getFullYear();
  const m = String(d.getMonth() + 1).padStart(2, '0');
  const day = String(d.getDate()).padStart(2, '0');
  return `${y}-${m}-${day}`;
}

/** A `YYYY-MM-DD` key as local midnight of that day. */
export function parseDateKey(key: string): Date {
  const [y, m, d] = key.split('-').map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1);
}

function addDays(d: Date, n: number): Date {
  const out = new Date(d);
  out.setDate(out.getDate() + n);
  return out;
}

/** "Today", "Yesterday", or "Thursday 19 November" (with the year when it is not this year). */
export function dayLabel(key: string, now: Date): string {
  if (key === localDateKey(now)) return 'Today';
  if (key === localDateKey(addDays(now, -1))) return 'Yesterday';
  if (key === localDateKey(addDays(now, 1))) return 'Tomorrow';
  const d = parseDateKey(key);
  return d.toLocaleDateString(undefined, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(d.getFullYear() !== now.getFullYear() ? { year: 'numeric' } : {}),
  });
}

function timeOf(d: Date): string {
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/**
 * When a reminder is due, said for a list: "Today 09:00", "Tomorrow 14:30", "Tue 25 Nov, 09:00";
 * a due time in the past is `overdue` (the caller flags it). An all-day date shows the day only.
 */
export function formatDue(dueMs: number, now: Date, allDay = false): { text: string; overdue: boolean } {
  const due = new Date(dueMs);
  // An all-day date is overdue once its day is over, not at its midnight.
  const overdue = allDay ? localDateKey(due) < localDateKey(now) : dueMs < now.getTime();
  const key = localDateKey(due);
  let day: string;
  if (key === localDateKey(now)) day = 'Today';
  else if (key === localDateKey(addDays(now, 1))) day = 'Tomorrow';
  else if (key === localDateKey(addDays(now, -1))) day = 'Yesterday';
  else
    day = due.toLocaleDateString(undefined, {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      ...(due.getFullYear() !== now.getFullYear() ? { year: 'numeric' } : {}),
    });
  return { text: allDay ? day : `${day}, ${timeOf(due)}`, overdue };
}

export interface SnoozeChoice {
  id: 'ten' | 'hour' | 'morning';
  label: string;
  /** When the reminder comes back (epoch ms). */
  until: number;
}

/** Hour of "tomorrow morning". */
export const MORNING_HOUR = 9;

/** The snooze menu: 10 minutes, 1 hour, tomorrow morning (09:00 local time the next day). */
export function snoozeChoices(now: Date): SnoozeChoice[] {
  const morning = addDays(now, 1);
  morning.setHours(MORNING_HOUR, 0, 0, 0);
  return [
    { id: 'ten', label: '10 minutes', until: now.getTime() + 10 * 60_000 },
    { id: 'hour', label: '1 hour', until: now.getTime() + 60 * 60_000 },
    { id: 'morning', label: `Tomorrow morning (${timeOf(morning)})`, until: morning.getTime() },
  ];
}

/**
 * Roving focus in a vertical list (history, menus): ArrowUp/Down move and wrap, Home/End jump;
 * any other key returns null (not handled).
 */
export function nextIndex(key: string, index: number, count: number): number | null {
  if (count <= 0) return null;
  switch (key) {
    case 'ArrowDown':
      return (index + 1) % count;
    case 'ArrowUp':
      return (index - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/** A file name that is safe on every OS: `nook-briefing-2026-11-21.md`. */
export function safeFileName(name: string): string {
  const cleaned = name
    // eslint-disable-next-line no-control-regex -- control characters are what is being removed
    .replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '-')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  return cleaned.length > 0 ? cleaned.slice(0, 120) : 'briefing.md';
}

/** A moment as the value of an `<input type="datetime-local">` (local time, minutes). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const hh = String(d.getHours()).padStart(2, '0');
  const mm = String(d.getMinutes()).padStart(2, '0');
  return `${localDateKey(d)}T${hh}:${mm}`;
}

/** The value of an `<input type="datetime-local">` as epoch ms (local time); null when empty or invalid. */
export function fromLocalInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const date = new Date(y, mo - 1, d, h, mi, 0, 0);
  // new Date rolls 31 Feb over into March: refuse what does not round-trip.
  if (date.getMonth() !== mo - 1 || date.getDate() !== d) return null;
  return date.getTime();
}

/** The weekdays with `day` switched on or off, sorted, without duplicates (0 = Sunday). */
export function toggleDay(days: readonly number[], day: number, on: boolean): number[] {
  const set = new Set(days);
  if (on) set.add(day);
  else set.delete(day);
  return [...set].sort((a, b) => a - b);
}

/** Items in priority order (1 first); a stable sort keeps the server's order among equals. */
export function sortSections<T extends { priority: number }>(sections: readonly T[]): T[] {
  return sections
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.priority - b.s.priority || a.i - b.i)
    .map((x) => x.s);
}
