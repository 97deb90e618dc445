/**
 * Dates in text, with chrono-node: the sentences of a chunk that name a day ("due Friday", "meeting
 * on 25 Nov at 3pm", "2026-12-03"), read against a reference instant (the document's date) in a time
 * zone, and the reminder parser ("call mum next Tuesday at 9").
 *
 * chrono is the slow part (about 0.1 ms a sentence, 1.5 ms for 2 kB), so a cheap test picks the
 * sentences that could hold a date first; most text never reaches chrono. A result counts only when
 * it names a day (a date, a weekday, today/tomorrow): "next quarter" or "in March" are not deadlines.
 */
import * as chrono from 'chrono-node';
import { dayString, offsetMinutes, zonedTime } from './time';

const MONTHS = 'january|february|march|april|may|june|july|august|september|october|november|december';
const MONTH_ABBR = 'jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec';
const WEEKDAYS = 'monday|tuesday|wednesday|thursday|friday|saturday|sunday';
const WEEKDAY_ABBR = 'mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun';

/** Could this sentence name a day? (A superset of what chrono accepts below; cheap.) */
const MAYBE_DATE = new RegExp(
  [
    `\\b(${MONTHS}|${WEEKDAYS}|today|tonight|tomorrow)\\b`,
    `\\b(${MONTH_ABBR})\\.?\\s*\\d`,
    `\\d(st|nd|rd|th)?\\s*(${MONTH_ABBR})\\b`,
    `\\b(${WEEKDAY_ABBR})\\.?,?\\s+\\d`,
    `\\b\\d{4}-\\d{2}-\\d{2}\\b`,
    `\\b\\d{1,2}/\\d{1,2}(/\\d{2,4})?\\b`,
  ].join('|'),
  'i',
);

/** Words that make a date a deadline (a past date is listed as overdue only with one of them). */
const DEADLINE_CUE =
  /\b(due|deadline|by|until|before|expires?|expiry|expiring|submit|submission|overdue|no later than|must|closes?|renew(al)?|pay(ment)?|appointment|meeting|reminder)\b/i;

export interface FoundDate {
  /** The sentence the date is in (trimmed to 300 characters). */
  sentence: string;
  /** The words chrono read as the date. */
  matched: string;
  /** The local calendar day, 'YYYY-MM-DD'. */
  day: string;
  /** The instant when a time of day was given; null for a whole day. */
  at: number | null;
  cue: boolean;
}

const MAX_SENTENCE = 300;

/** Sentences of a text: split after . ! ? and at line breaks. */
export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => s.length > 0);
}

function namesADay(r: chrono.ParsedResult): boolean {
  return (
    r.start.isCertain('day') || r.start.isCertain('weekday') || /\b(today|tonight|tomorrow)\b/i.test(r.text)
  );
}

function reference(instant: number, timeZone: string): chrono.ParsingReference {
  return { instant: new Date(instant), timezone: offsetMinutes(instant, timeZone) };
}

/** The local day and (when a time was given) the instant of a chrono result, DST-correct in the zone. */
function resolve(r: chrono.ParsedResult, timeZone: string): { day: string; at: number | null } {
  const c = r.start;
  const date = { year: c.get('year')!, month: c.get('month')!, day: c.get('day')! };
  const timed = c.isCertain('hour');
  return {
    day: dayString(date),
    at: timed ? zonedTime(date, c.get('hour') ?? 0, c.get('minute') ?? 0, timeZone) : null,
  };
}

/**
 * Every day named in `text`, read relative to `referenceInstant` (the document's date) in the zone;
 * weekdays and dates without a year are read forward ("Friday" is the next Friday on or after it).
 */
export function findDates(text: string, referenceInstant: number, timeZone: string): FoundDate[] {
  const out: FoundDate[] = [];
  if (!MAYBE_DATE.test(text)) return out; // most chunks: no sentence splitting at all
  let ref: chrono.ParsingReference | undefined;
  for (const sentence of splitSentences(text)) {
    if (!MAYBE_DATE.test(sentence)) continue;
    ref ??= reference(referenceInstant, timeZone);
    const results = chrono.parse(sentence, ref, { forwardDate: true });
    const short = sentence.length > MAX_SENTENCE ? `${sentence.slice(0, MAX_SENTENCE - 1)}…` : sentence;
    const seen = new Set<string>();
    for (const r of results) {
      if (!namesADay(r)) continue;
      const { day, at } = resolve(r, timeZone);
      const key = `${day}|${at ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ sentence: short, matched: r.text, day, at, cue: DEADLINE_CUE.test(sentence) });
    }
  }
  return out;
}

export interface ParsedReminder {
  title: string;
  /** The local day of the date named, or null. */
  day: string | null;
  /** The instant when a time was given. */
  at: number | null;
  matched: string | null;
}

const REMINDER_PREFIX =
  /^\s*(please\s+)?(remind me|set (a|an) reminder|add (a|an) reminder|create (a|an) reminder|new reminder|reminder)(\s+for me)?(\s+(to|that|about|for))?\s*[:,-]?\s*/i;

/**
 * A reminder's title and time from natural language: "call mum next Tuesday at 9" -> "call mum",
 * Tuesday 09:00. Dates are read forward from `now`.
 */
export function parseReminderText(text: string, now: number, timeZone: string): ParsedReminder {
  const results = chrono
    .parse(text, reference(now, timeZone), { forwardDate: true })
    .filter((r) => namesADay(r) || r.start.isCertain('hour'));
  const r = results[0];
  let title = text;
  let day: string | null = null;
  let at: number | null = null;
  if (r) {
    title = `${text.slice(0, r.index)} ${text.slice(r.index + r.text.length)}`;
    if (/^in\s+\d|\bfrom now\b|^in an? /i.test(r.text.trim())) {
      // A duration from now ("in 10 minutes"): the instant chrono computed is right as it is.
      at = r.start.date().getTime();
      const d = new Date(at + offsetMinutes(at, timeZone) * 60_000);
      day = dayString({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
    } else {
      ({ day, at } = resolve(r, timeZone));
    }
  }
  title = title
    .replace(REMINDER_PREFIX, '')
    .replace(/\s+/g, ' ')
    .replace(/\s+(on|at|by|for|this|next|in|from)\s*$/i, '')
    .replace(/^(on|at|by|to)\s+/i, '')
    .replace(/[\s,;:.-]+$/, '')
    .trim();
  if (!title) title = text.trim();
  return { title: title.charAt(0).toUpperCase() + title.slice(1), day, at, matched: r ? r.text : null };
}
