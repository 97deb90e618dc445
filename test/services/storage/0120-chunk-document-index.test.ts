import { describe, expect, it } from 'vitest';
import { runMigrations, schemaVersion, type Database } from '../../../src/main/services/storage/database';
import { MIGRATIONS } from '../../../src/main/services/storage/migrations';
import { eachMigrationDb } from '../helpers/migrationDb';

let db: Database;
eachMigrationDb('m0120', (d) => (db = d), { foreignKeys: true });

describe('migration 0120-chunk-document-index', () => {
  it('migrates from the previous version to 120, indexing the chunks already there', () => {
    const previous = MIGRATIONS.filter((m) => m.version < 120).at(-1)!.version;
    runMigrations(db, MIGRATIONS, previous);
    db.prepare(
      `INSERT INTO documents (path, folder, name, ext, size, mtime, status, created_at, updated_at)
       VALUES ('/a.txt', '/', 'a.txt', '.txt', 1, 0, 'indexed', 0, 0)`,
    ).run();
    const insChunk = db.prepare(
      `INSERT INTO chunks (document_id, ordinal, text, token_count, char_start, char_end)
       VALUES (1, ?, 'Old chunk.', 3, 0, 10)`,
    );
    for (let i = 0; i < 3; i++) insChunk.run(i);
    expect(runMigrations(db, MIGRATIONS, 120)).toEqual([120]);
    expect(schemaVersion(db)).toBe(120);
    const cols = (db.prepare('PRAGMA index_info(chunks_document_of)').all() as { name: string }[]).map(
      (c) => c.name,
    );
    expect(cols).toEqual(['id', 'document_id']);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it("answers a chunk's document on its own (covering), for the filtered keyword leg's join", () => {
    runMigrations(db, MIGRATIONS, 120);
    const plan = (
      db
        .prepare(
          `EXPLAIN QUERY PLAN SELECT f.rowid FROM chunks_fts f
           JOIN chunks c INDEXED BY chunks_document_of ON c.id = f.rowid
           JOIN documents d ON d.id = c.document_id WHERE chunks_fts MATCH 'x' AND d.mtime >= 0`,
        )
        .all() as { detail: string }[]
    ).map((r) => r.detail);
    expect(plan).toContain('SEARCH c USING COVERING INDEX chunks_document_of (id=?)');
  });
});
