/**
 * The daily briefing and reminders (spread into contract.ts): generate, read, history, export and
 * read aloud; reminders with natural-language dates, snooze, complete and delete with undo.
 */
import { z } from 'zod';
import {
  BriefingPageSchema,
  BriefingReadySchema,
  BriefingSchema,
  LocalDateSchema,
  REMINDER_SOURCES,
  REMINDER_STATUSES,
  ReminderDueSchema,
  ReminderParseSchema,
  ReminderSchema,
  RemindersChangedSchema,
} from '../types/briefing';
import type { RouteDef } from './contract';

const id = z.number().int().positive();
const title = z.string().trim().min(1).max(500);
const instant = z.number().int().min(0).max(8.64e15);

export const briefingRoutes = {
  'briefing.generate': {
    input: z.object({ date: LocalDateSchema.optional() }).strict(),
    output: BriefingSchema,
    mutates: true,
    summary:
      "Build a briefing now (today's unless a date is given) from documents, reminders, memory and plugins; replaces that day's briefing and sends briefing.ready.",
  },
  'briefing.get': {
    input: z
      .object({ id: id.optional(), date: LocalDateSchema.optional() })
      .strict()
      .refine((v) => v.id === undefined || v.date === undefined, {
        message: 'give an id or a date, not both',
      }),
    output: BriefingSchema.nullable(),
    mutates: false,
    summary: "One briefing by id or date (today's when neither is given); null when there is none.",
  },
  'briefing.list': {
    input: z
      .object({
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(366).default(30),
      })
      .strict(),
    output: BriefingPageSchema,
    mutates: false,
    summary: 'Briefing history, newest day first: date, trigger, summary line and items per section.',
  },
  'briefing.export': {
    input: z.object({ id }).strict(),
    output: z.object({ markdown: z.string(), filename: z.string() }),
    mutates: false,
    summary: 'A briefing as Markdown (sections, items, sources) with a file name for saving it.',
  },
  'briefing.speak': {
    input: z.object({ id: id.optional(), play: z.boolean().optional() }).strict(),
    output: z.object({
      /** What was spoken. */
      text: z.string(),
      engine: z.enum(['piper', 'espeak-ng', 'elevenlabs']),
      played: z.boolean(),
      /** The audio as a WAV data URL, for the renderer to play. */
      audioUrl: z.string(),
      totalMs: z.number(),
    }),
    mutates: true,
    summary:
      "Read a briefing aloud (today's when no id is given) with the voice service's text to speech; played by the desktop, or returned as audio for a browser.",
  },
  'reminders.list': {
    input: z
      .object({
        /** Absent: open and done (not deleted). */
        status: z.enum([...REMINDER_STATUSES, 'all']).optional(),
        /** Only reminders whose next time falls within [from, to] (ms since the epoch). */
        from: instant.optional(),
        to: instant.optional(),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    output: z.array(ReminderSchema),
    mutates: false,
    summary: 'Reminders: open ones by next time (undated last), then done ones, newest first.',
  },
  'reminders.create': {
    input: z
      .object({
        text: title,
        /** When given (or null: undated), `text` is the title as is; absent: a date is read from the text. */
        due: instant.nullable().optional(),
        allDay: z.boolean().optional(),
        source: z.enum(REMINDER_SOURCES).default('ui'),
      })
      .strict(),
    output: ReminderSchema,
    mutates: true,
    summary:
      'Create a reminder. Without `due`, a date in the text is understood ("call mum next Tuesday at 9") and removed from the title.',
  },
  'reminders.parse': {
    input: z.object({ text: z.string().max(500) }).strict(),
    output: ReminderParseSchema,
    mutates: false,
    summary: 'Preview what reminders.create would make of a text: title and due time (null when no date).',
  },
  'reminders.update': {
    input: z
      .object({
        id,
        title: title.optional(),
        due: instant.nullable().optional(),
        allDay: z.boolean().optional(),
      })
      .strict(),
    output: ReminderSchema,
    mutates: true,
    summary: 'Edit a reminder; a new due time clears its snooze and arms it again.',
  },
  'reminders.complete': {
    input: z.object({ id, done: z.boolean().default(true) }).strict(),
    output: ReminderSchema,
    mutates: true,
    summary: 'Mark a reminder done (or open again with done: false).',
  },
  'reminders.snooze': {
    input: z
      .object({
        id,
        minutes: z
          .number()
          .int()
          .min(1)
          .max(60 * 24 * 365)
          .optional(),
        until: instant.optional(),
      })
      .strict()
      .refine((v) => (v.minutes === undefined) !== (v.until === undefined), {
        message: 'give minutes or until',
      }),
    output: ReminderSchema,
    mutates: true,
    summary: 'Snooze a reminder for some minutes or until a time; reminders.due fires again then.',
  },
  'reminders.delete': {
    input: z.object({ id }).strict(),
    output: z.object({ deleted: z.boolean(), purgeAt: z.number() }),
    mutates: true,
    summary: 'Delete a reminder; reminders.restore undoes it until purgeAt.',
  },
  'reminders.restore': {
    input: z.object({ id }).strict(),
    output: ReminderSchema,
    mutates: true,
    summary: 'Undo a delete within its grace period.',
  },
} as const satisfies Record<string, RouteDef>;

export const briefingEvents = {
  'briefing.ready': BriefingReadySchema,
  'reminders.due': ReminderDueSchema,
  'reminders.changed': RemindersChangedSchema,
} as const;
