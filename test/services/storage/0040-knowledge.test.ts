import { describe, expect, it } from 'vitest';
import { runMigrations, schemaVersion, type Database } from '../../../src/main/services/storage/database';
import { MIGRATIONS } from '../../../src/main/services/storage/migrations';
import { eachMigrationDb } from '../helpers/migrationDb';

let db: Database;
eachMigrationDb('m0040', (d) => (db = d), { foreignKeys: true });

function addDoc(p: string): number {
  return Number(
    db
      .prepare(
        `INSERT INTO documents (path, folder, name, ext, size, mtime, status, created_at, updated_at)
         VALUES (?, '/d', 'x', '.txt', 1, 0, 'indexed', 0, 0)`,
      )
      .run(p).lastInsertRowid,
  );
}
function addChunk(doc: number, ordinal: number, text: string): number {
  return Number(
    db
      .prepare(
        `INSERT INTO chunks (document_id, ordinal, text, token_count, char_start, char_end) VALUES (?, ?, ?, 1, 0, 1)`,
      )
      .run(doc, ordinal, text).lastInsertRowid,
  );
}
const fts = (q: string): number[] =>
  db
    .prepare('SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rowid')
    .pluck()
    .all(q) as number[];

describe('migration 0040-knowledge', () => {
  it('migrates from the previous version to 40 and adds the knowledge tables', () => {
    const previous = MIGRATIONS.filter((m) => m.version < 40).at(-1)!.version;
    runMigrations(db, MIGRATIONS, previous);
    expect(schemaVersion(db)).toBe(previous);
    expect(runMigrations(db, MIGRATIONS, 40)).toEqual([40]);
    expect(schemaVersion(db)).toBe(40);
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .pluck()
      .all() as string[];
    for (const t of ['documents', 'chunks', 'chunk_vectors', 'chunks_fts', 'ingest_jobs', 'vector_sync'])
      expect(tables).toContain(t);
  });

  it('keeps the FTS index in step with chunks through insert, update and cascading delete', () => {
    runMigrations(db, MIGRATIONS, 40);
    const d = addDoc('/d/a.txt');
    const c1 = addChunk(d, 0, 'The pump reported error E-4012 twice.');
    const c2 = addChunk(d, 1, 'Déjà vu: the café was running smoothly.');
    // The code is found as a phrase of its parts; diacritics are folded; stemming matches "runs".
    expect(fts('"e 4012"')).toEqual([c1]);
    expect(fts('cafe')).toEqual([c2]);
    expect(fts('runs')).toEqual([c2]);
    db.prepare('UPDATE chunks SET text = ? WHERE id = ?').run('nothing here', c1);
    expect(fts('"e 4012"')).toEqual([]);
    expect(fts('nothing')).toEqual([c1]);
    db.prepare('INSERT INTO chunk_vectors (chunk_id, model_id, vector) VALUES (?, ?, ?)').run(
      c1,
      'm',
      Buffer.alloc(8),
    );
    db.prepare('DELETE FROM documents WHERE id = ?').run(d);
    expect(db.prepare('SELECT count(*) FROM chunks').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM chunk_vectors').pluck().get()).toBe(0);
    expect(fts('nothing OR cafe')).toEqual([]);
    // The FTS index itself agrees with its content table.
    db.prepare("INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)").run();
  });

  it('never reuses a chunk id and keeps one document per path and one pending job per path', () => {
    runMigrations(db, MIGRATIONS, 40);
    const d = addDoc('/d/a.txt');
    const c1 = addChunk(d, 0, 'a');
    db.prepare('DELETE FROM chunks WHERE id = ?').run(c1);
    expect(addChunk(d, 0, 'b')).toBeGreaterThan(c1);
    expect(() => addDoc('/d/a.txt')).toThrow(/UNIQUE/);
    const job = db.prepare(
      "INSERT INTO ingest_jobs (path, batch_id, state, enqueued_at) VALUES ('/d/a.txt', 'b1', ?, 0)",
    );
    job.run('queued');
    expect(() => job.run('running')).toThrow(/UNIQUE/);
    job.run('done');
    job.run('failed');
    expect(() => job.run('bogus')).toThrow(/CHECK/);
  });
});
