/**
 * The briefing's sections, each built from SQLite with indexed queries (see migration 0090):
 *
 * - deadlines: reminders plus dates named in documents, today and the next 7 days (a past day of the
 *   last 7 only when its sentence reads as a deadline: it is then overdue);
 * - updates: documents added or changed since the last briefing, grouped by folder, each group with
 *   an extractive summary (the section summary by a language model when one answers);
 * - trending: terms whose frequency in the last 7 days' documents rose most against the older
 *   baseline, by Dunning's log-likelihood, significant at p < 0.001 (G² > 10.83);
 * - memory: remembered tasks, and facts that name a day of this week or touch today's topics;
 * - plugin sections as the plugins wrote them.
 */
import type { BriefingItem, BriefingSection, BriefingSource, Reminder } from '../../../shared/types/briefing';
import type { Database } from '../storage/database';
import { findDates } from './dates';
import { contentWords, logLikelihood } from './terms';
import { addDays, clockTime, daysBetween, localDay, longDay, startOfDay, weekdayName } from './time';

export interface SectionContext {
  db: Database;
  now: number;
  /** The briefing's local day. */
  today: string;
  tz: string;
  /** Documents changed after this count as updates. */
  since: number;
}

/** Days after today the deadlines section looks ahead (today + 7 days, inclusive). */
export const LOOKAHEAD_DAYS = 7;
/** Days before today a dated deadline sentence is still listed (as overdue). */
export const OVERDUE_LOOKBACK_DAYS = 7;
/**
 * The trending window: documents dated today or on the 7 days before (local days), against all older
 * ones; and the G² a rise needs (chi-square, 1 degree of freedom, p < 0.001).
 */
export const TRENDING_DAYS = 7;
export const TRENDING_MIN_G2 = 10.83;

interface DocRow {
  id: number;
  title: string | null;
  name: string;
  path: string;
  folder: string;
}

export function sourceOf(
  d: DocRow,
  chunk: { id: number; ordinal: number; page: number | null } | null = null,
): BriefingSource {
  return {
    documentId: d.id,
    title: d.title?.trim() || d.name,
    name: d.name,
    path: d.path,
    folder: d.folder,
    chunkId: chunk?.id ?? null,
    chunkOrdinal: chunk?.ordinal ?? null,
    page: chunk?.page ?? null,
  };
}

function uniqueSources(items: readonly BriefingItem[]): BriefingSource[] {
  const seen = new Set<number>();
  const out: BriefingSource[] = [];
  for (const i of items)
    for (const s of i.sources)
      if (!seen.has(s.documentId)) {
        seen.add(s.documentId);
        out.push(s);
      }
  return out;
}

function section(
  id: string,
  kind: BriefingSection['kind'],
  title: string,
  items: BriefingItem[],
  emptyText: string,
  extra: Partial<Pick<BriefingSection, 'summary' | 'summarizer' | 'pluginId'>> = {},
): BriefingSection {
  return {
    id,
    kind,
    title,
    priority: 0,
    summary: extra.summary ?? null,
    summarizer: extra.summarizer ?? null,
    items,
    sources: uniqueSources(items),
    emptyText: items.length ? null : emptyText,
    pluginId: extra.pluginId ?? null,
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "today", "tomorrow", "in 3 days", "yesterday", "3 days ago", with the time when there is one. */
export function whenText(day: string, at: number | null, ctx: Pick<SectionContext, 'today' | 'tz'>): string {
  const n = daysBetween(ctx.today, day);
  const rel =
    n === 0
      ? 'Today'
      : n === 1
        ? 'Tomorrow'
        : n === -1
          ? 'Yesterday'
          : n > 1
            ? `${longDay(day)} (in ${n} days)`
            : `${longDay(day)} (${-n} days ago)`;
  return at === null ? rel : `${rel} at ${clockTime(at, ctx.tz)}`;
}

// ---- deadlines ------------------------------------------------------------------------------------

interface DateRow {
  id: number;
  chunk_id: number;
  document_id: number;
  day: string;
  at: number | null;
  cue: number;
  sentence: string;
  ordinal: number;
  page: number | null;
  title: string | null;
  name: string;
  path: string;
  folder: string;
}

export function deadlinesSection(ctx: SectionContext, reminders: readonly Reminder[]): BriefingSection {
  const first = addDays(ctx.today, -OVERDUE_LOOKBACK_DAYS);
  const last = addDays(ctx.today, LOOKAHEAD_DAYS);
  const rows = ctx.db
    .prepare(
      `SELECT bd.id, bd.chunk_id, bd.document_id, bd.day, bd.at, bd.cue, bd.sentence,
              c.ordinal, c.page, d.title, d.name, d.path, d.folder
       FROM briefing_dates bd
       JOIN documents d ON d.id = bd.document_id
       JOIN chunks c ON c.id = bd.chunk_id
       WHERE bd.day >= ? AND bd.day <= ? AND d.deleted_at IS NULL AND d.status = 'indexed'
       ORDER BY bd.day, COALESCE(bd.at, 0), bd.document_id, bd.id`,
    )
    .all(first, last) as DateRow[];

  const items: BriefingItem[] = [];
  const byKey = new Map<string, BriefingItem>();
  for (const r of rows) {
    const past = r.day < ctx.today;
    if (past && !r.cue) continue; // a past date is news only as a missed deadline
    const overdue = past || (r.at !== null && r.at < ctx.now);
    const dedupe = `${r.sentence.toLowerCase()}|${r.day}|${r.at ?? ''}`;
    const src = sourceOf(
      { id: r.document_id, title: r.title, name: r.name, path: r.path, folder: r.folder },
      { id: r.chunk_id, ordinal: r.ordinal, page: r.page },
    );
    const have = byKey.get(dedupe);
    if (have) {
      if (!have.sources.some((s) => s.documentId === src.documentId)) have.sources.push(src);
      continue;
    }
    const item: BriefingItem = {
      key: `deadline:${r.id}`,
      text: r.sentence,
      detail: `${overdue ? 'Overdue: ' : ''}${whenText(r.day, r.at, ctx)} · ${src.title}`,
      due: r.at ?? startOfDay(r.day, ctx.tz),
      allDay: r.at === null,
      overdue,
      reminderId: null,
      score: null,
      sources: [src],
    };
    byKey.set(dedupe, item);
    items.push(item);
  }
  for (const rem of reminders) {
    if (rem.dueAt === null) continue;
    items.push({
      key: `reminder:${rem.id}`,
      text: rem.title,
      detail: `${rem.overdue ? 'Overdue: ' : ''}Reminder · ${whenText(
        localDay(rem.dueAt, ctx.tz),
        rem.allDay ? null : rem.dueAt,
        ctx,
      )}`,
      due: rem.dueAt,
      allDay: rem.allDay,
      overdue: rem.overdue,
      reminderId: rem.id,
      score: null,
      sources: [],
    });
  }
  items.sort((a, b) => Number(b.overdue) - Number(a.overdue) || (a.due ?? 0) - (b.due ?? 0));
  const overdue = items.filter((i) => i.overdue).length;
  return section(
    'deadlines',
    'deadlines',
    'Deadlines and reminders',
    items,
    'No deadlines or reminders in the next 7 days.',
    {
      summary: items.length
        ? `${plural(items.length - overdue, 'deadline')} in the next 7 days${overdue ? `, ${overdue} overdue` : ''}.`
        : null,
    },
  );
}

// ---- updates ----------------------------------------------------------------------------------------

export interface Summariser {
  (request: {
    instruction: string;
    text: string;
    signal?: AbortSignal;
  }): Promise<{ text: string; by: string } | null>;
}

interface UpdatedRow extends DocRow {
  created_at: number;
  updated_at: number;
  format: string | null;
}

const MAX_UPDATED = 400;
const MAX_GROUPS = 8;
const MAX_GROUP_SOURCES = 10;

function folderLabel(folder: string): string {
  const parts = folder.split(/[\\/]+/).filter(Boolean);
  return parts.slice(-2).join('/') || folder;
}

/** The sentence(s) that best represent a group: most words shared with the other documents. */
export function extractiveSummary(texts: readonly string[], maxSentences = 1): string {
  const df = new Map<string, number>();
  const docs = texts.map((t) => new Set(contentWords(t)));
  for (const d of docs) for (const w of d) df.set(w, (df.get(w) ?? 0) + 1);
  const scored: Array<{ s: string; score: number; order: number }> = [];
  let order = 0;
  for (const t of texts) {
    for (const s of t.split(/(?<=[.!?])\s+|\n+/)) {
      const sentence = s.replace(/\s+/g, ' ').trim();
      const ws = contentWords(sentence);
      if (ws.length < 4 || sentence.length > 300) continue;
      const score = ws.reduce((n, w) => n + (df.get(w) ?? 0), 0) / Math.sqrt(ws.length);
      scored.push({ s: sentence, score, order: order++ });
    }
  }
  return scored
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, maxSentences)
    .sort((a, b) => a.order - b.order)
    .map((x) => x.s)
    .join(' ');
}

function firstSentence(text: string): string {
  const s = text.replace(/\s+/g, ' ').trim();
  const end = s.search(/[.!?](\s|$)/);
  return (end > 0 ? s.slice(0, end) : s).slice(0, 160);
}

export async function updatesSection(
  ctx: SectionContext,
  summarise?: Summariser,
  signal?: AbortSignal,
): Promise<BriefingSection> {
  const total = (
    ctx.db
      .prepare(
        `SELECT COUNT(*) AS n FROM documents WHERE updated_at > ? AND deleted_at IS NULL AND status = 'indexed'`,
      )
      .get(ctx.since) as { n: number }
  ).n;
  const docs = ctx.db
    .prepare(
      `SELECT id, title, name, path, folder, format, created_at, updated_at FROM documents
       WHERE updated_at > ? AND deleted_at IS NULL AND status = 'indexed'
       ORDER BY updated_at DESC, id DESC LIMIT ?`,
    )
    .all(ctx.since, MAX_UPDATED) as UpdatedRow[];
  if (docs.length === 0)
    return section('updates', 'updates', 'Recent updates', [], 'No documents added or changed.');

  const groups = new Map<string, UpdatedRow[]>();
  for (const d of docs) {
    const g = groups.get(d.folder) ?? [];
    g.push(d);
    groups.set(d.folder, g);
  }
  const ordered = [...groups.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  const shown = ordered.slice(0, MAX_GROUPS);
  const firstChunk = ctx.db.prepare(
    'SELECT id, ordinal, page, text FROM chunks WHERE document_id = ? ORDER BY ordinal LIMIT 1',
  );
  const items: BriefingItem[] = [];
  const digest: string[] = [];
  for (const [folder, group] of shown) {
    const added = group.filter((d) => d.created_at > ctx.since).length;
    const changed = group.length - added;
    const counts = [added ? `${added} new` : '', changed ? `${changed} changed` : '']
      .filter(Boolean)
      .join(', ');
    const texts: string[] = [];
    const sources: BriefingSource[] = [];
    for (const d of group.slice(0, MAX_GROUP_SOURCES)) {
      const c = firstChunk.get(d.id) as
        { id: number; ordinal: number; page: number | null; text: string } | undefined;
      if (c && texts.length < 6) texts.push(c.text.slice(0, 2000));
      sources.push(sourceOf(d, c ?? null));
    }
    const summary = extractiveSummary(texts, group.length >= 4 ? 2 : 1);
    const more = group.length > MAX_GROUP_SOURCES ? ` (+${group.length - MAX_GROUP_SOURCES} more)` : '';
    items.push({
      key: `updates:${folder}`,
      text: `${folderLabel(folder)}: ${counts}`,
      detail: [
        sources
          .map((s) => s.title)
          .slice(0, 5)
          .join(', ') + more,
        summary,
      ]
        .filter(Boolean)
        .join(' — '),
      due: null,
      allDay: false,
      overdue: false,
      reminderId: null,
      score: group.length,
      sources,
    });
    // Titles and each document's opening sentence: short, so a local model reads it in seconds.
    digest.push(
      `${folderLabel(folder)}, ${counts}: ${sources
        .slice(0, 5)
        .map((src, n) => `${src.title}${texts[n] ? ` (${firstSentence(texts[n])})` : ''}`)
        .join('; ')}.`,
    );
  }
  const others = ordered.length - shown.length;
  let summary = `${plural(total, 'document')} added or changed in ${plural(groups.size, 'folder')}${
    others > 0 ? ` (the ${MAX_GROUPS} busiest shown)` : ''
  }.`;
  let summarizer = 'extractive';
  if (summarise) {
    const r = await summarise({
      instruction:
        'Summarise in two or three sentences what changed in these documents since the last briefing. Mention the most important topics; do not invent anything.',
      text: digest.join('\n'),
      ...(signal ? { signal } : {}),
    }).catch(() => null);
    if (r?.text.trim()) {
      summary = r.text.trim();
      summarizer = r.by;
    }
  }
  return section('updates', 'updates', 'Recent updates', items, 'No documents added or changed.', {
    summary,
    summarizer,
  });
}

// ---- trending ---------------------------------------------------------------------------------------

interface TermRow {
  term: string;
  a: number;
  docs: number;
  total: number;
}

export function trendingSection(ctx: SectionContext, max = 6): BriefingSection {
  const from = addDays(ctx.today, -TRENDING_DAYS);
  const tokens = ctx.db
    .prepare(
      `SELECT COALESCE(SUM(CASE WHEN day >= ? THEN tokens END), 0) AS recent, COALESCE(SUM(tokens), 0) AS total
       FROM briefing_doc_state`,
    )
    .get(from) as { recent: number; total: number };
  const baselineTokens = tokens.total - tokens.recent;
  const title = 'Trending topics';
  if (tokens.recent === 0)
    return section('trending', 'trending', title, [], 'No documents from the last 7 days.');
  if (baselineTokens < 200)
    return section(
      'trending',
      'trending',
      title,
      [],
      'Not enough older documents yet to tell what is rising.',
    );

  // A week of per-day totals (kept by triggers), not every recent document's terms.
  const rows = ctx.db
    .prepare(
      `WITH recent AS (
         SELECT term, SUM(count) AS a, SUM(docs) AS docs FROM briefing_term_days WHERE day >= ?
         GROUP BY term HAVING SUM(count) >= 3 AND SUM(docs) >= 2
       )
       SELECT r.term, r.a, r.docs, tt.count AS total FROM recent r JOIN briefing_term_totals tt ON tt.term = r.term`,
    )
    .all(from) as TermRow[];
  const scored = rows
    .map((r) => {
      const b = Math.max(0, r.total - r.a);
      return { ...r, b, g2: logLikelihood(r.a, b, tokens.recent, baselineTokens) };
    })
    .filter((r) => r.g2 >= TRENDING_MIN_G2)
    .sort((x, y) => y.g2 - x.g2 || x.term.localeCompare(y.term));

  // A word that is mostly seen inside a rising phrase is shown as the phrase ("quantum ledger", not
  // "ledger"); otherwise the strongest of overlapping terms wins.
  const phrases = scored.filter((r) => r.term.includes(' '));
  const explained = (r: (typeof scored)[number]) =>
    !r.term.includes(' ') && phrases.some((p) => p.term.split(' ').includes(r.term) && p.a >= 0.8 * r.a);
  const chosen: typeof scored = [];
  for (const r of scored) {
    if (explained(r)) continue;
    const ws = r.term.split(' ');
    if (chosen.some((c) => c.term.split(' ').some((w) => ws.includes(w)))) continue;
    chosen.push(r);
    if (chosen.length >= max) break;
  }
  const related = ctx.db.prepare(
    `SELECT d.id, d.title, d.name, d.path, d.folder FROM briefing_terms t
     JOIN documents d ON d.id = t.document_id
     WHERE t.term = ? AND t.day >= ? AND d.deleted_at IS NULL
     ORDER BY t.count DESC, d.mtime DESC, d.id LIMIT 3`,
  );
  const per10k = (n: number, of: number) => (of ? (n / of) * 10_000 : 0);
  const items: BriefingItem[] = chosen.map((r) => {
    const now = per10k(r.a, tokens.recent);
    const before = per10k(r.b, baselineTokens);
    return {
      key: `topic:${r.term}`,
      text: r.term,
      detail: `${plural(r.a, 'mention')} in ${plural(r.docs, 'document')} this week; ${now.toFixed(1)} per 10k words vs ${before.toFixed(1)} before (G² ${r.g2.toFixed(1)})`,
      due: null,
      allDay: false,
      overdue: false,
      reminderId: null,
      score: Math.round(r.g2 * 10) / 10,
      sources: (related.all(r.term, from) as DocRow[]).map((d) => sourceOf(d)),
    };
  });
  return section('trending', 'trending', title, items, 'Nothing rising compared with earlier weeks.');
}

// ---- memory -----------------------------------------------------------------------------------------

const TASK =
  /\b(need(s)? to|have to|has to|must|todo|to-do|to do|should|remember to|going to|plan(ning)? to|want(s)? to|deadline|due)\b/i;

export function memorySection(
  ctx: SectionContext,
  memories: ReadonlyArray<{ id: number; text: string }>,
  todayTerms: ReadonlySet<string>,
): BriefingSection {
  const items: BriefingItem[] = [];
  const last = addDays(ctx.today, LOOKAHEAD_DAYS);
  const weekday = weekdayName(ctx.today).toLowerCase();
  for (const m of memories) {
    const isTask = TASK.test(m.text);
    const dated = findDates(m.text, ctx.now, ctx.tz).find((f) => f.day >= ctx.today && f.day <= last);
    const shared = contentWords(m.text).filter((w) => todayTerms.has(w));
    const mentionsToday = m.text.toLowerCase().includes(weekday);
    let why: string | null = null;
    if (dated) why = `Mentions ${whenText(dated.day, dated.at, ctx).toLowerCase()}`;
    else if (mentionsToday) why = 'Mentions today';
    else if (shared.length) why = `Related to today: ${[...new Set(shared)].slice(0, 3).join(', ')}`;
    if (!isTask && !why) continue;
    items.push({
      key: `memory:${m.id}`,
      text: m.text,
      detail: [isTask ? 'Open task' : null, why].filter(Boolean).join(' · '),
      due: dated ? (dated.at ?? startOfDay(dated.day, ctx.tz)) : null,
      allDay: dated ? dated.at === null : false,
      overdue: false,
      reminderId: null,
      score: null,
      sources: [],
    });
  }
  items.sort((a, b) => Number(b.due !== null) - Number(a.due !== null) || (a.due ?? 0) - (b.due ?? 0));
  return section('memory', 'memory', 'From memory', items.slice(0, 8), 'Nothing remembered for today.');
}

// ---- plugins ----------------------------------------------------------------------------------------

export function pluginSection(r: {
  pluginId: string;
  sectionId: string;
  title: string;
  items: Array<{ text: string; source?: string | undefined }>;
}): BriefingSection {
  const items: BriefingItem[] = r.items.map((i, n) => ({
    key: `plugin:${r.pluginId}:${r.sectionId}:${n}`,
    text: i.text,
    detail: i.source ?? null,
    due: null,
    allDay: false,
    overdue: false,
    reminderId: null,
    score: null,
    sources: [],
  }));
  return section(
    `plugin:${r.pluginId}:${r.sectionId}`,
    'plugin',
    r.title,
    items,
    'Nothing from this plugin today.',
    {
      pluginId: r.pluginId,
    },
  );
}

/** Words of the day's deadlines and trending topics, for relating memories to today. */
export function dayTerms(sections: readonly BriefingSection[]): Set<string> {
  const out = new Set<string>();
  for (const s of sections)
    if (s.kind === 'deadlines' || s.kind === 'trending')
      for (const i of s.items) for (const w of contentWords(i.text)) out.add(w);
  return out;
}
