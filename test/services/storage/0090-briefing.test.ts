import { describe, expect, it } from 'vitest';
import { runMigrations, schemaVersion, type Database } from '../../../src/main/services/storage/database';
import { MIGRATIONS } from '../../../src/main/services/storage/migrations';
import { eachMigrationDb } from '../helpers/migrationDb';

let db: Database;
eachMigrationDb('m0090', (d) => (db = d), { foreignKeys: true });

const cols = (t: string) =>
  (db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).map((c) => c.name);

describe('migration 0090-briefing', () => {
  it('migrates from the previous version to 90 and adds the briefing tables', () => {
    const previous = MIGRATIONS.filter((m) => m.version < 90).at(-1)!.version;
    runMigrations(db, MIGRATIONS, previous);
    expect(schemaVersion(db)).toBe(previous);
    expect(runMigrations(db, MIGRATIONS, 90)).toEqual([90]);
    expect(schemaVersion(db)).toBe(90);
    expect(cols('briefings')).toEqual([
      'id',
      'date',
      'time_zone',
      'generated_at',
      'trigger',
      'since',
      'summary',
      'empty',
      'sections',
      'timings',
    ]);
    expect(cols('reminders')).toContain('snoozed_until');
    expect(cols('briefing_dates')).toEqual([
      'id',
      'chunk_id',
      'document_id',
      'day',
      'at',
      'cue',
      'sentence',
      'matched',
    ]);
    expect(cols('briefing_terms')).toEqual(['term', 'day', 'document_id', 'count']);
    expect(cols('briefing_term_days')).toEqual(['day', 'term', 'count', 'docs']);
  });

  it("takes deleted documents' counts back from the term totals and cascades with documents and chunks", () => {
    runMigrations(db, MIGRATIONS, 90);
    const doc = (p: string) =>
      Number(
        db
          .prepare(
            `INSERT INTO documents (path, folder, name, ext, size, mtime, status, created_at, updated_at)
             VALUES (?, '/f', ?, '.md', 1, 0, 'indexed', 0, 0)`,
          )
          .run(p, p).lastInsertRowid,
      );
    const a = doc('/f/a.md');
    const b = doc('/f/b.md');
    const chunk = Number(
      db
        .prepare(
          `INSERT INTO chunks (document_id, ordinal, text, token_count, char_start, char_end) VALUES (?, 0, 'x', 1, 0, 1)`,
        )
        .run(a).lastInsertRowid,
    );
    db.prepare(
      `INSERT INTO briefing_dates (chunk_id, document_id, day, at, cue, sentence, matched) VALUES (?, ?, '2026-11-20', NULL, 1, 's', 'm')`,
    ).run(chunk, a);
    const ins = db.prepare('INSERT INTO briefing_terms (term, day, document_id, count) VALUES (?, ?, ?, ?)');
    ins.run('ledger', '2026-11-18', a, 3);
    ins.run('ledger', '2026-11-18', b, 2);
    // The analysis adds its batch's totals itself.
    db.prepare(`INSERT INTO briefing_term_totals (term, count, docs) VALUES ('ledger', 5, 2)`).run();
    db.prepare(
      `INSERT INTO briefing_term_days (day, term, count, docs) VALUES ('2026-11-18', 'ledger', 5, 2)`,
    ).run();
    const total = () =>
      db.prepare(`SELECT count, docs FROM briefing_term_totals WHERE term = 'ledger'`).get();
    const perDay = () =>
      db
        .prepare(`SELECT count, docs FROM briefing_term_days WHERE day = '2026-11-18' AND term = 'ledger'`)
        .get();
    expect(total()).toEqual({ count: 5, docs: 2 });
    expect(perDay()).toEqual({ count: 5, docs: 2 });
    db.prepare('DELETE FROM documents WHERE id = ?').run(a);
    expect(total()).toEqual({ count: 2, docs: 1 });
    expect(perDay()).toEqual({ count: 2, docs: 1 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM briefing_dates').get()).toEqual({ n: 0 });
    // A reminder is deleted exactly when it has a deletion time.
    expect(() =>
      db
        .prepare(
          `INSERT INTO reminders (title, tz, source, status, created_at, updated_at) VALUES ('x', 'UTC', 'ui', 'deleted', 0, 0)`,
        )
        .run(),
    ).toThrow(/CHECK/);
  });
});
