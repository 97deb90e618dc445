/**
 * What the briefing reads from the knowledge base, derived once per document version and kept in
 * SQLite (migration 0090): the dates named in each chunk (with their sentence) and per-document term
 * counts. A document is analysed again when its index time or its date changes; deleted chunks and
 * documents take their rows with them (foreign keys cascade).
 *
 * `catchUp` works in batches and yields to the event loop between them (a few ms of CPU each, one
 * transaction per batch), so a first run over a large library never blocks the main thread for long.
 */
import type { Database } from '../storage/database';
import { findDates } from './dates';
import { localDay } from './time';
import { countTerms } from './terms';

interface PendingDoc {
  id: number;
  indexed_at: number | null;
  updated_at: number;
  mtime: number;
}

export interface CatchUpResult {
  documents: number;
  dates: number;
  ms: number;
}

export class BriefingIndex {
  private running: Promise<CatchUpResult> | undefined;

  constructor(
    private readonly db: Database,
    private readonly timeZone: () => string,
    private readonly batchSize = 100,
  ) {}

  /** Documents not analysed yet (or changed since). */
  pendingCount(): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM (${PENDING_SQL})`).get() as { n: number }).n;
  }

  private stopped = false;

  /** Stops between batches (at dispose) and resolves when the current run has. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
  }

  /** Analyses every pending document; concurrent calls share one run. */
  catchUp(): Promise<CatchUpResult> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<CatchUpResult> {
    const start = performance.now();
    let documents = 0;
    let dates = 0;
    const pending = this.db.prepare(`${PENDING_SQL} LIMIT ?`);
    while (!this.stopped) {
      const batch = pending.all(this.batchSize) as PendingDoc[];
      if (batch.length === 0) break;
      dates += this.analyse(batch);
      documents += batch.length;
      if (batch.length < this.batchSize) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return { documents, dates, ms: performance.now() - start };
  }

  /** Analyses documents in one transaction; returns the number of dates found. */
  private analyse(docs: readonly PendingDoc[]): number {
    const tz = this.timeZone();
    const chunksOf = this.db.prepare('SELECT id, text FROM chunks WHERE document_id = ? ORDER BY ordinal');
    const delDates = this.db.prepare('DELETE FROM briefing_dates WHERE document_id = ?');
    const delTerms = this.db.prepare('DELETE FROM briefing_terms WHERE document_id = ?');
    const insDate = this.db.prepare(
      `INSERT INTO briefing_dates (chunk_id, document_id, day, at, cue, sentence, matched)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    // One statement a document (SQLite walks the JSON): far cheaper than a statement a term.
    const insTerms = this.db.prepare(
      'INSERT INTO briefing_terms (term, day, document_id, count) SELECT key, ?, ?, value FROM json_each(?)',
    );
    const upsertState = this.db.prepare(
      `INSERT INTO briefing_doc_state (document_id, indexed_at, ref_date, day, tokens) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (document_id) DO UPDATE SET indexed_at = excluded.indexed_at,
         ref_date = excluded.ref_date, day = excluded.day, tokens = excluded.tokens`,
    );
    // Totals are added per batch (one statement each for the whole batch's terms); the delete trigger
    // takes a re-analysed document's old counts back first.
    const addTotals = this.db.prepare(
      `INSERT INTO briefing_term_totals (term, count, docs)
         SELECT key, value ->> '$[0]', value ->> '$[1]' FROM json_each(?) WHERE true
       ON CONFLICT (term) DO UPDATE SET count = count + excluded.count, docs = docs + excluded.docs`,
    );
    const addDays = this.db.prepare(
      `INSERT INTO briefing_term_days (day, term, count, docs)
         SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]' FROM json_each(?) WHERE true
       ON CONFLICT (day, term) DO UPDATE SET count = count + excluded.count, docs = docs + excluded.docs`,
    );
    const totals = new Map<string, [number, number]>();
    const perDay = new Map<string, [string, string, number, number]>();
    let found = 0;
    this.db.transaction(() => {
      for (const d of docs) {
        const chunks = chunksOf.all(d.id) as Array<{ id: number; text: string }>;
        delDates.run(d.id);
        delTerms.run(d.id);
        for (const c of chunks) {
          for (const f of findDates(c.text, d.mtime, tz)) {
            insDate.run(c.id, d.id, f.day, f.at, f.cue ? 1 : 0, f.sentence, f.matched);
            found++;
          }
        }
        const terms = countTerms(chunks.map((c) => c.text));
        const day = localDay(d.mtime, tz);
        if (terms.counts.size) insTerms.run(day, d.id, JSON.stringify(Object.fromEntries(terms.counts)));
        for (const [term, count] of terms.counts) {
          const t = totals.get(term);
          if (t) {
            t[0] += count;
            t[1] += 1;
          } else totals.set(term, [count, 1]);
          const key = `${day}\u0000${term}`;
          const p = perDay.get(key);
          if (p) {
            p[2] += count;
            p[3] += 1;
          } else perDay.set(key, [day, term, count, 1]);
        }
        upsertState.run(d.id, d.indexed_at ?? d.updated_at, d.mtime, day, terms.tokens);
      }
      if (totals.size) addTotals.run(JSON.stringify(Object.fromEntries(totals)));
      if (perDay.size) addDays.run(JSON.stringify([...perDay.values()]));
    })();
    return found;
  }
}

const PENDING_SQL = `
  SELECT d.id, d.indexed_at, d.updated_at, d.mtime
  FROM documents d LEFT JOIN briefing_doc_state s ON s.document_id = d.id
  WHERE d.status = 'indexed' AND d.deleted_at IS NULL
    AND (s.document_id IS NULL OR s.indexed_at != COALESCE(d.indexed_at, d.updated_at) OR s.ref_date != d.mtime)
  ORDER BY d.id`;
