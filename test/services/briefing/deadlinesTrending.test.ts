/**
 * The briefing over a generated corpus with a fixed clock: exactly the planted deadlines (none
 * missed, none outside the window), the overdue one flagged, the planted rising terms at the top
 * of the trending topics, and updates since the last briefing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeBriefingCorpus, PLANTED_TERMS, type BriefingCorpus } from '../../fixtures/makeBriefingCorpus';
import { localDay, zonedTime } from '../../../src/main/services/briefing/time';
import { harness, ManualClock, type Harness } from './helpers';

const TZ = 'America/New_York';
// Wednesday 18 November 2026, 07:30 in New York.
const NOW = zonedTime({ year: 2026, month: 11, day: 18 }, 7, 30, TZ);

let h: Harness;
let corpus: BriefingCorpus;
beforeEach(() => {
  h = harness(new ManualClock(NOW), TZ);
  corpus = makeBriefingCorpus(h.db, { now: NOW, timeZone: TZ, documents: 400, seed: 11 });
});
afterEach(() => h.close());

describe('briefing over a generated corpus', () => {
  it('lists exactly the planted deadlines in today..+7 days, the overdue one flagged, with sources', async () => {
    const b = await h.service.generate();
    expect(b.date).toBe('2026-11-18');
    const deadlines = b.sections.find((s) => s.kind === 'deadlines')!;
    const fromDocs = deadlines.items.filter((i) => i.reminderId === null);
    expect(fromDocs.map((i) => i.text).sort()).toEqual(corpus.expected.map((e) => e.sentence).sort());
    for (const e of corpus.expected) {
      const item = fromDocs.find((i) => i.text === e.sentence)!;
      expect(item.overdue, e.sentence).toBe(e.overdue);
      expect(localDay(item.due!, TZ), e.sentence).toBe(e.day);
      expect(item.allDay, e.sentence).toBe(e.time === null);
      if (e.time)
        expect(
          new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit' }).format(
            item.due!,
          ),
        ).toBe(e.time);
      // Citations the UI can open: the document, its chunk.
      expect(item.sources[0]!.documentId).toBe(e.documentId);
      expect(item.sources[0]!.chunkId).toBeTypeOf('number');
      expect(item.sources[0]!.chunkOrdinal).toBe(0);
    }
    for (const text of corpus.outside) expect(JSON.stringify(b)).not.toContain(text);
    // Overdue first.
    expect(deadlines.items[0]!.overdue).toBe(true);
    expect(corpus.expected.filter((e) => e.overdue)).toHaveLength(1);
    expect(b.summary).toMatch(/1 overdue/);
  });

  it('ranks the planted rising terms at the top of the trending topics, with related documents', async () => {
    const b = await h.service.generate();
    const trending = b.sections.find((s) => s.kind === 'trending')!;
    const top = trending.items.slice(0, PLANTED_TERMS.length).map((i) => i.text);
    expect(new Set(top)).toEqual(new Set(PLANTED_TERMS));
    for (const item of trending.items.slice(0, 2)) {
      expect(item.score!).toBeGreaterThan(10.83);
      expect(item.sources.length).toBeGreaterThan(0);
      expect(item.sources.length).toBeLessThanOrEqual(3);
    }
    // Every reported topic is a significant rise, strongest first.
    const scores = trending.items.map((i) => i.score!);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(scores.every((s) => s >= 10.83)).toBe(true);
  });

  it('groups documents changed since the last briefing by folder, with an extractive summary', async () => {
    const b = await h.service.generate();
    const updates = b.sections.find((s) => s.kind === 'updates')!;
    const ids = updates.items.flatMap((i) => i.sources.map((s) => s.documentId)).sort((a, c) => a - c);
    expect(ids).toEqual([...corpus.updatedSinceYesterday].sort((a, c) => a - c));
    expect(updates.summarizer).toBe('extractive');
    expect(updates.summary).toMatch(
      new RegExp(`^${corpus.updatedSinceYesterday.length} documents added or changed`),
    );
    for (const item of updates.items) expect(item.text).toMatch(/^corpus\/\w+: /);

    // The next day only what changed after this briefing counts.
    (h.service as unknown as { clock: ManualClock }).clock.advanceTo(NOW + 864e5);
    const next = await h.service.generate();
    expect(next.date).toBe('2026-11-19');
    expect(next.since).toBe(b.generatedAt);
    expect(next.sections.find((s) => s.kind === 'updates')!.items).toEqual([]);
  });

  it('reminders join the deadlines; list, export and history work', async () => {
    const r = h.service.reminders.create({ text: 'Call the plumber tomorrow at 10am' });
    expect(r.title).toBe('Call the plumber');
    const b = await h.service.generate();
    const item = b.sections.find((s) => s.kind === 'deadlines')!.items.find((i) => i.reminderId === r.id)!;
    expect(item.text).toBe('Call the plumber');
    expect(item.due).toBe(zonedTime({ year: 2026, month: 11, day: 19 }, 10, 0, TZ));
    const md = h.service.exportMarkdown(b.id);
    expect(md.filename).toBe('briefing-2026-11-18.md');
    expect(md.markdown).toContain('## Deadlines and reminders');
    expect(md.markdown).toContain('Call the plumber');
    expect(md.markdown).toContain('**Overdue** · The tax form was due on');
    const list = h.service.list();
    expect(list.total).toBe(1);
    expect(list.items[0]!.counts.deadlines).toBe(corpus.expected.length + 1);
    expect(h.service.get()!.id).toBe(b.id);
    expect(h.seen.filter((e) => e.event === 'briefing.ready')).toHaveLength(1);
  });

  it('keeps corpus and per-day term totals equal to the per-document counts through changes and deletes', async () => {
    await h.service.index.catchUp();
    const differ = (a: string, b: string) =>
      (h.db.prepare(`SELECT COUNT(*) AS n FROM (${a} EXCEPT ${b})`).get() as { n: number }).n +
      (h.db.prepare(`SELECT COUNT(*) AS n FROM (${b} EXCEPT ${a})`).get() as { n: number }).n;
    const check = () => [
      differ(
        'SELECT term, SUM(count), COUNT(*) FROM briefing_terms GROUP BY term',
        'SELECT term, count, docs FROM briefing_term_totals WHERE docs > 0',
      ),
      differ(
        'SELECT day, term, SUM(count), COUNT(*) FROM briefing_terms GROUP BY day, term',
        'SELECT day, term, count, docs FROM briefing_term_days WHERE docs > 0',
      ),
    ];
    expect(check()).toEqual([0, 0]);
    // A document re-indexed with other text, and one purged.
    const [a, b] = corpus.documentIds;
    h.db
      .prepare(
        `UPDATE chunks SET text = 'heatpump heatpump quantum ledger quantum ledger' WHERE document_id = ?`,
      )
      .run(a);
    h.db.prepare('UPDATE documents SET indexed_at = indexed_at + 1 WHERE id = ?').run(a);
    h.db.prepare('DELETE FROM documents WHERE id = ?').run(b);
    expect(h.service.index.pendingCount()).toBe(1);
    await h.service.index.catchUp();
    expect(check()).toEqual([0, 0]);
    expect(
      h.db.prepare('SELECT count FROM briefing_terms WHERE document_id = ? AND term = ?').get(a, 'heatpump'),
    ).toEqual({
      count: 4, // both chunks say it twice
    });
  });
});
