import { z } from 'zod';

/**
 * The daily briefing and reminders as the routes and events show them. Times are ms since the
 * epoch (UTC); a briefing's `date` is the local calendar day it is for ('YYYY-MM-DD' in the
 * briefing's time zone).
 */

export const LocalDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'A date is written YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), 'Not a calendar date');

/** 'HH:MM', 24-hour clock. */
export const LocalTimeSchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'A time is written HH:MM (24-hour)');

export const BRIEFING_SECTION_KINDS = ['deadlines', 'updates', 'trending', 'memory', 'plugin'] as const;
export type BriefingSectionKind = (typeof BRIEFING_SECTION_KINDS)[number];

export const BRIEFING_TRIGGERS = ['schedule', 'manual', 'catch-up', 'voice'] as const;
export type BriefingTrigger = (typeof BRIEFING_TRIGGERS)[number];

/**
 * Where an item came from: a document (open it with knowledge.document / knowledge.openOriginal)
 * and, when known, the chunk and page that hold the evidence.
 */
export const BriefingSourceSchema = z.object({
  documentId: z.number().int(),
  /** The document's title, else its file name. */
  title: z.string(),
  name: z.string(),
  path: z.string(),
  folder: z.string(),
  chunkId: z.number().int().nullable(),
  /** The chunk's position in the document (knowledge.document lists chunks by ordinal). */
  chunkOrdinal: z.number().int().nullable(),
  page: z.number().int().nullable(),
});
export type BriefingSource = z.infer<typeof BriefingSourceSchema>;

export const BriefingItemSchema = z.object({
  /** Stable within one briefing (e.g. "deadline:1234:0", "reminder:7", "topic:invoice"). */
  key: z.string(),
  /** The line to show: a sentence with a date, a reminder's title, a topic, a summary. */
  text: z.string(),
  /** A second line: the folder's summary, "3 documents", "due in 2 days", the topic's statistic. */
  detail: z.string().nullable(),
  /** For deadlines and reminders: when (ms since the epoch). */
  due: z.number().nullable(),
  /** True when the date has no time of day (shown as a day, not a time). */
  allDay: z.boolean(),
  overdue: z.boolean(),
  /** The reminder this item is (complete/snooze it with the reminders routes). */
  reminderId: z.number().int().nullable(),
  /** Trending: the log-likelihood (G²) of the rise; updates: documents in the group. */
  score: z.number().nullable(),
  sources: z.array(BriefingSourceSchema),
});
export type BriefingItem = z.infer<typeof BriefingItemSchema>;

export const BriefingSectionSchema = z.object({
  /** 'deadlines', 'updates', 'trending', 'memory', or 'plugin:<pluginId>:<sectionId>'. */
  id: z.string(),
  kind: z.enum(BRIEFING_SECTION_KINDS),
  title: z.string(),
  /** Lower comes first (1 = most important). Sections are stored sorted by it. */
  priority: z.number().int(),
  /** A short paragraph over the section (the updates summary), or null. */
  summary: z.string().nullable(),
  /** Who wrote the summary: 'extractive' or a provider id (e.g. 'local'); null without a summary. */
  summarizer: z.string().nullable(),
  items: z.array(BriefingItemSchema),
  /** Every document the section cites (deduplicated, in order of first use). */
  sources: z.array(BriefingSourceSchema),
  /** What to show when `items` is empty ("No deadlines in the next 7 days."); null otherwise. */
  emptyText: z.string().nullable(),
  pluginId: z.string().nullable(),
});
export type BriefingSection = z.infer<typeof BriefingSectionSchema>;

export const BriefingSchema = z.object({
  id: z.number().int(),
  date: LocalDateSchema,
  timeZone: z.string(),
  generatedAt: z.number(),
  trigger: z.enum(BRIEFING_TRIGGERS),
  /** Documents changed after this instant count as updates (the previous briefing, else 24 h before). */
  since: z.number(),
  /** One line for notifications and the history list ("2 deadlines, 5 updated documents, ..."). */
  summary: z.string(),
  /** True when there was nothing to report: `summary` then says "Nothing new since yesterday". */
  empty: z.boolean(),
  sections: z.array(BriefingSectionSchema),
  timings: z.object({ totalMs: z.number(), sections: z.record(z.string(), z.number()) }),
});
export type Briefing = z.infer<typeof BriefingSchema>;

export const BriefingListItemSchema = z.object({
  id: z.number().int(),
  date: LocalDateSchema,
  generatedAt: z.number(),
  trigger: z.enum(BRIEFING_TRIGGERS),
  summary: z.string(),
  empty: z.boolean(),
  /** Items per section kind (plugin sections summed). */
  counts: z.record(z.string(), z.number().int()),
});
export type BriefingListItem = z.infer<typeof BriefingListItemSchema>;

export const BriefingPageSchema = z.object({
  total: z.number().int(),
  items: z.array(BriefingListItemSchema),
});
export type BriefingPage = z.infer<typeof BriefingPageSchema>;

export const BriefingReadySchema = z.object({
  id: z.number().int(),
  date: LocalDateSchema,
  trigger: z.enum(BRIEFING_TRIGGERS),
  summary: z.string(),
  empty: z.boolean(),
});
export type BriefingReady = z.infer<typeof BriefingReadySchema>;

// ---- reminders ------------------------------------------------------------------------------------

export const REMINDER_STATUSES = ['open', 'done', 'deleted'] as const;
export type ReminderStatus = (typeof REMINDER_STATUSES)[number];
export const REMINDER_SOURCES = ['voice', 'text', 'ui'] as const;
export type ReminderSource = (typeof REMINDER_SOURCES)[number];

export const ReminderSchema = z.object({
  id: z.number().int(),
  title: z.string(),
  /** When it is due (ms since the epoch), or null for an undated reminder. */
  dueAt: z.number().nullable(),
  /** True when only a day was given (due at the start of that day, notified at the briefing time). */
  allDay: z.boolean(),
  /** The IANA time zone the reminder was made in. */
  timeZone: z.string(),
  source: z.enum(REMINDER_SOURCES),
  status: z.enum(REMINDER_STATUSES),
  snoozedUntil: z.number().nullable(),
  /** When reminders.due fires next: snoozedUntil, else dueAt; null when done, deleted or undated. */
  nextAt: z.number().nullable(),
  /** Fired already (reminders.due sent for the current nextAt). */
  notifiedAt: z.number().nullable(),
  overdue: z.boolean(),
  completedAt: z.number().nullable(),
  deletedAt: z.number().nullable(),
  /** A deleted reminder can be restored until then. */
  purgeAt: z.number().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Reminder = z.infer<typeof ReminderSchema>;

export const ReminderParseSchema = z.object({
  /** The text without the date phrase ("call mum"). */
  title: z.string(),
  due: z.number().nullable(),
  allDay: z.boolean(),
  /** The words read as the date ("next Tuesday at 9"), or null. */
  matched: z.string().nullable(),
});
export type ReminderParse = z.infer<typeof ReminderParseSchema>;

export const RemindersChangedSchema = z.object({
  reason: z.enum(['created', 'updated', 'completed', 'reopened', 'snoozed', 'deleted', 'restored', 'due']),
  ids: z.array(z.number().int()),
});
export type RemindersChanged = z.infer<typeof RemindersChangedSchema>;

export const ReminderDueSchema = z.object({ reminder: ReminderSchema });
