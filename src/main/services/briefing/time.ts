/**
 * Local calendar arithmetic in an IANA time zone with Intl only (no process TZ dependence), correct
 * across daylight-saving changes: a wall-clock time that does not exist (spring forward, 02:30 in
 * New York) moves forward by the gap; one that happens twice (fall back, 01:30) is its first
 * occurrence.
 */

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday ... 6 = Saturday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The system's time zone (what a user's clock shows). */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

export function localParts(instant: number, timeZone: string): LocalParts {
  const out: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) out[p.type] = p.value;
  return {
    year: Number(out.year),
    month: Number(out.month),
    day: Number(out.day),
    hour: Number(out.hour),
    minute: Number(out.minute),
    second: Number(out.second),
    weekday: WEEKDAYS[out.weekday!] ?? 0,
  };
}

/** Minutes the zone is ahead of UTC at an instant (New York in winter: -300). */
export function offsetMinutes(instant: number, timeZone: string): number {
  const p = localParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60_000);
}

/** The instant a local wall-clock time happens in a zone (see the module note for gaps and overlaps). */
export function zonedTime(
  date: { year: number; month: number; day: number },
  hour: number,
  minute: number,
  timeZone: string,
): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  // Two offsets around the wall time cover every transition: try the earlier candidate first.
  const candidates = new Set<number>();
  for (const probe of [wall - 36e5 * 24, wall, wall + 36e5 * 24]) {
    candidates.add(wall - offsetMinutes(probe, timeZone) * 60_000);
  }
  const exact = [...candidates].filter((t) => {
    const p = localParts(t, timeZone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) === wall;
  });
  if (exact.length) return Math.min(...exact);
  // A gap: the wall time does not exist; use the same offset as just before it (moves forward).
  return wall - offsetMinutes(wall - 36e5 * 24, timeZone) * 60_000;
}

export function dayString(p: { year: number; month: number; day: number }): string {
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

export function parseDay(day: string): { year: number; month: number; day: number } {
  const [y, m, d] = day.split('-').map(Number);
  return { year: y!, month: m!, day: d! };
}

/** The local calendar day of an instant, 'YYYY-MM-DD'. */
export function localDay(instant: number, timeZone: string): string {
  return dayString(localParts(instant, timeZone));
}

/** A calendar day plus n days (calendar arithmetic, no time zone involved). */
export function addDays(day: string, n: number): string {
  const d = parseDay(day);
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + n));
  return dayString({ year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() });
}

/** Whole days from day a to day b (b - a). */
export function daysBetween(a: string, b: string): number {
  const x = parseDay(a);
  const y = parseDay(b);
  return Math.round((Date.UTC(y.year, y.month - 1, y.day) - Date.UTC(x.year, x.month - 1, x.day)) / 864e5);
}

export function weekdayOf(day: string): number {
  const d = parseDay(day);
  return new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
}

/** The instant a local day starts (midnight, or the first minute that exists). */
export function startOfDay(day: string, timeZone: string): number {
  return zonedTime(parseDay(day), 0, 0, timeZone);
}

export function parseHHMM(time: string): { hour: number; minute: number } {
  const [h, m] = time.split(':').map(Number);
  return { hour: h ?? 0, minute: m ?? 0 };
}

/**
 * The first scheduled instant strictly after `after`: the local `time` on one of `days`
 * (0 = Sunday), or null when no day is chosen.
 */
export function nextOccurrence(
  after: number,
  time: string,
  days: readonly number[],
  timeZone: string,
): number | null {
  if (days.length === 0) return null;
  const { hour, minute } = parseHHMM(time);
  const today = localDay(after, timeZone);
  for (let k = 0; k <= 8; k++) {
    const day = addDays(today, k);
    if (!days.includes(weekdayOf(day))) continue;
    const t = zonedTime(parseDay(day), hour, minute, timeZone);
    if (t > after) return t;
  }
  return null;
}

/** The last scheduled instant at or before `at`, or null (no day chosen). */
export function previousOccurrence(
  at: number,
  time: string,
  days: readonly number[],
  timeZone: string,
): number | null {
  if (days.length === 0) return null;
  const { hour, minute } = parseHHMM(time);
  const today = localDay(at, timeZone);
  for (let k = 0; k <= 8; k++) {
    const day = addDays(today, -k);
    if (!days.includes(weekdayOf(day))) continue;
    const t = zonedTime(parseDay(day), hour, minute, timeZone);
    if (t <= at) return t;
  }
  return null;
}

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** "Wednesday, 18 November" (English, whatever the system locale). */
export function longDay(day: string): string {
  const d = parseDay(day);
  return `${DAY_NAMES[weekdayOf(day)]}, ${d.day} ${MONTH_NAMES[d.month - 1]}`;
}

export function weekdayName(day: string): string {
  return DAY_NAMES[weekdayOf(day)]!;
}

/** "15:00" local. */
export function clockTime(instant: number, timeZone: string): string {
  const p = localParts(instant, timeZone);
  return `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}
