/**
 * What the briefing routes need from the briefing service (BriefingService implements it); the
 * route handlers depend on this, not on the service's internals.
 */
import type {
  Briefing,
  BriefingPage,
  BriefingTrigger,
  Reminder,
  ReminderParse,
  ReminderSource,
  ReminderStatus,
} from '../../../shared/types/briefing';

export interface BriefingSpeech {
  text: string;
  engine: 'piper' | 'espeak-ng' | 'elevenlabs';
  played: boolean;
  /** WAV bytes (the handler turns them into a data URL). */
  wav: Buffer;
  totalMs: number;
}

export interface ReminderListQuery {
  status?: ReminderStatus | 'all';
  from?: number;
  to?: number;
  limit?: number;
}

export interface ReminderCreate {
  text: string;
  /** Absent: read the date from the text; null: undated; a number: due then. */
  due?: number | null;
  allDay?: boolean;
  source?: ReminderSource;
}

export interface ReminderPatch {
  title?: string;
  due?: number | null;
  allDay?: boolean;
}

export interface RemindersApi {
  list(query?: ReminderListQuery): Reminder[];
  create(input: ReminderCreate): Reminder;
  parse(text: string): ReminderParse;
  update(id: number, patch: ReminderPatch): Reminder;
  complete(id: number, done?: boolean): Reminder;
  snooze(id: number, by: { minutes?: number; until?: number }): Reminder;
  delete(id: number): { deleted: boolean; purgeAt: number };
  restore(id: number): Reminder;
}

export interface BriefingApi {
  readonly reminders: RemindersApi;
  generate(options?: { date?: string; trigger?: BriefingTrigger }): Promise<Briefing>;
  get(query?: { id?: number; date?: string }): Briefing | null;
  list(offset?: number, limit?: number): BriefingPage;
  exportMarkdown(id: number): { markdown: string; filename: string };
  speak(options?: { id?: number; play?: boolean }): Promise<BriefingSpeech>;
}
