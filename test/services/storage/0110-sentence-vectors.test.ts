import { describe, expect, it } from 'vitest';
import { runMigrations, schemaVersion, type Database } from '../../../src/main/services/storage/database';
import { MIGRATIONS } from '../../../src/main/services/storage/migrations';
import { eachMigrationDb } from '../helpers/migrationDb';

let db: Database;
eachMigrationDb('m0110', (d) => (db = d), { foreignKeys: true });

describe('migration 0110-sentence-vectors', () => {
  it('migrates from the previous version to 110, keeping chunks, and adds chunk_sentences', () => {
    const previous = MIGRATIONS.filter((m) => m.version < 110).at(-1)!.version;
    runMigrations(db, MIGRATIONS, previous);
    db.prepare(
      `INSERT INTO documents (path, folder, name, ext, size, mtime, status, created_at, updated_at)
       VALUES ('/a.txt', '/', 'a.txt', '.txt', 1, 0, 'indexed', 0, 0)`,
    ).run();
    db.prepare(
      `INSERT INTO chunks (document_id, ordinal, text, token_count, char_start, char_end)
       VALUES (1, 0, 'Old chunk.', 3, 0, 10)`,
    ).run();
    expect(runMigrations(db, MIGRATIONS, 110)).toEqual([110]);
    expect(schemaVersion(db)).toBe(110);
    const cols = (db.prepare('PRAGMA table_info(chunk_sentences)').all() as { name: string }[]).map(
      (c) => c.name,
    );
    expect(cols).toEqual(['chunk_id', 'model_id', 'spans', 'vectors', 'scales']);
    // A chunk from before the migration simply has no row.
    expect(db.prepare('SELECT count(*) FROM chunk_sentences').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM chunks').pluck().get()).toBe(1);
  });

  it('one row per chunk and model, spans two per scale, and rows go with their chunk', () => {
    runMigrations(db, MIGRATIONS, 110);
    db.prepare(
      `INSERT INTO documents (path, folder, name, ext, size, mtime, status, created_at, updated_at)
       VALUES ('/a.txt', '/', 'a.txt', '.txt', 1, 0, 'indexed', 0, 0)`,
    ).run();
    const chunk = Number(
      db
        .prepare(
          `INSERT INTO chunks (document_id, ordinal, text, token_count, char_start, char_end)
           VALUES (1, 0, 'One. Two.', 3, 0, 9)`,
        )
        .run().lastInsertRowid,
    );
    const ins = db.prepare(
      'INSERT INTO chunk_sentences (chunk_id, model_id, spans, vectors, scales) VALUES (?, ?, ?, ?, ?)',
    );
    const spans = Buffer.from(new Uint32Array([0, 4]).buffer);
    const scales = Buffer.from(new Float32Array([0.01]).buffer);
    ins.run(chunk, 'm1', spans, Buffer.alloc(4), scales);
    ins.run(chunk, 'm2', spans, Buffer.alloc(4), scales);
    expect(() => ins.run(chunk, 'm1', spans, Buffer.alloc(4), scales)).toThrow(/UNIQUE|PRIMARY/);
    expect(() => ins.run(chunk, 'm3', Buffer.alloc(4), Buffer.alloc(4), scales)).toThrow(/CHECK/);
    expect(() => ins.run(chunk + 1, 'm1', spans, Buffer.alloc(4), scales)).toThrow(/FOREIGN KEY/);
    db.prepare('DELETE FROM chunks WHERE id = ?').run(chunk);
    expect(db.prepare('SELECT count(*) FROM chunk_sentences').pluck().get()).toBe(0);
  });
});
