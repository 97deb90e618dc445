import type { Migration } from './types';

/**
 * The daily briefing and reminders.
 *
 * - `briefings`: one row per local calendar day (generating again replaces the day's row, keeping
 *   its id); `sections` is the JSON the briefing routes return.
 * - `reminders`: `due_at` is when it is due (UTC ms; the start of the local day for an all-day one),
 *   `fire_at` when it notifies (due_at, or the briefing time of an all-day reminder's day). It fires
 *   again after a snooze: it is pending while `notified_at` is NULL or older than
 *   COALESCE(snoozed_until, fire_at). Deleted ones stay restorable until `purge_at`.
 * - What the briefing derives from the knowledge base, kept per document so a briefing never reads
 *   every chunk again: dates found in chunk text (`briefing_dates`, with the sentence, the local day
 *   as written and the instant when a time was given; `cue` = the sentence reads as a deadline),
 *   per-document term counts (`briefing_terms`, unigrams and bigrams, with the document's local day)
 *   with corpus totals and per-day totals (`briefing_term_totals`,
 *   `briefing_term_days`: the trending statistic reads a week of day rows, not every document's
 *   terms; added to in bulk by the analysis, taken back by a trigger on delete), and which version of each document was analysed (`briefing_doc_state`, `ref_date` = the
 *   document date relative dates were read against, `day` its local day).
 *   Everything cascades with its document or chunk.
 */
export const migration: Migration = {
  version: 90,
  name: 'briefing',
  up(db) {
    db.exec(`
      CREATE TABLE briefings (
        id INTEGER PRIMARY KEY,
        date TEXT NOT NULL UNIQUE,
        time_zone TEXT NOT NULL,
        generated_at INTEGER NOT NULL,
        trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual', 'catch-up', 'voice')),
        since INTEGER NOT NULL,
        summary TEXT NOT NULL,
        empty INTEGER NOT NULL CHECK (empty IN (0, 1)),
        sections TEXT NOT NULL CHECK (json_valid(sections)),
        timings TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(timings))
      ) STRICT;
      CREATE INDEX briefings_generated ON briefings (generated_at);

      CREATE TABLE reminders (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL CHECK (length(title) > 0),
        due_at INTEGER,
        all_day INTEGER NOT NULL DEFAULT 0 CHECK (all_day IN (0, 1)),
        fire_at INTEGER,
        tz TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('voice', 'text', 'ui')),
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'deleted')),
        snoozed_until INTEGER,
        notified_at INTEGER,
        completed_at INTEGER,
        deleted_at INTEGER,
        purge_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        CHECK ((status = 'deleted') = (deleted_at IS NOT NULL))
      ) STRICT;
      CREATE INDEX reminders_next ON reminders (status, COALESCE(snoozed_until, fire_at));
      CREATE INDEX reminders_due ON reminders (due_at) WHERE due_at IS NOT NULL;
      CREATE INDEX reminders_purge ON reminders (purge_at) WHERE status = 'deleted';

      CREATE TABLE briefing_doc_state (
        document_id INTEGER PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
        indexed_at INTEGER NOT NULL,
        ref_date INTEGER NOT NULL,
        day TEXT NOT NULL,
        tokens INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX briefing_doc_state_day ON briefing_doc_state (day);

      CREATE TABLE briefing_dates (
        id INTEGER PRIMARY KEY,
        chunk_id INTEGER NOT NULL REFERENCES chunks (id) ON DELETE CASCADE,
        document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        day TEXT NOT NULL,
        at INTEGER,
        cue INTEGER NOT NULL CHECK (cue IN (0, 1)),
        sentence TEXT NOT NULL,
        matched TEXT NOT NULL
      ) STRICT;
      CREATE INDEX briefing_dates_day ON briefing_dates (day);
      CREATE INDEX briefing_dates_chunk ON briefing_dates (chunk_id);
      CREATE INDEX briefing_dates_document ON briefing_dates (document_id);

      CREATE TABLE briefing_terms (
        term TEXT NOT NULL,
        day TEXT NOT NULL,
        document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        count INTEGER NOT NULL CHECK (count > 0),
        PRIMARY KEY (term, day, document_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX briefing_terms_document ON briefing_terms (document_id);

      CREATE TABLE briefing_term_totals (
        term TEXT PRIMARY KEY,
        count INTEGER NOT NULL,
        docs INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE briefing_term_days (
        day TEXT NOT NULL,
        term TEXT NOT NULL,
        count INTEGER NOT NULL,
        docs INTEGER NOT NULL,
        PRIMARY KEY (day, term)
      ) STRICT, WITHOUT ROWID;
      -- Inserts add to both totals in bulk (the analysis sums a batch of documents first); deletes,
      -- including cascades from a purged document, take their counts back here.
      CREATE TRIGGER briefing_terms_ad AFTER DELETE ON briefing_terms BEGIN
        UPDATE briefing_term_totals SET count = count - old.count, docs = docs - 1 WHERE term = old.term;
        UPDATE briefing_term_days SET count = count - old.count, docs = docs - 1
          WHERE day = old.day AND term = old.term;
      END;

      -- "Documents changed since the last briefing" reads documents by their update time.
      CREATE INDEX IF NOT EXISTS briefing_documents_updated ON documents (updated_at);
    `);
  },
};
