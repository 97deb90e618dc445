import { describe, expect, it } from 'vitest';
import { runMigrations, schemaVersion, type Database } from '../../../src/main/services/storage/database';
import { MIGRATIONS } from '../../../src/main/services/storage/migrations';
import { eachMigrationDb } from '../helpers/migrationDb';

let db: Database;
eachMigrationDb('m0070', (d) => (db = d), { foreignKeys: true });

describe('migration 0070-assistant', () => {
  it('migrates from the previous version to 70', () => {
    const previous = MIGRATIONS.filter((m) => m.version < 70).at(-1)!.version;
    runMigrations(db, MIGRATIONS, previous);
    expect(runMigrations(db, MIGRATIONS, 70)).toEqual([70]);
    expect(schemaVersion(db)).toBe(70);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['conversations', 'messages', 'messages_fts', 'memories']));
  });

  it('keeps the FTS index in step, cascades messages and refuses bad rows', () => {
    runMigrations(db, MIGRATIONS, 70);
    const conv = db
      .prepare('INSERT INTO conversations (title, created_at, updated_at) VALUES (?, 1, 1)')
      .run('Trip').lastInsertRowid;
    const msg = db.prepare(
      "INSERT INTO messages (conversation_id, role, content, status, created_at) VALUES (?, ?, ?, 'done', 1)",
    );
    const id = msg.run(conv, 'user', 'the ferry to Oban leaves at noon').lastInsertRowid;
    const fts = db.prepare('SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?').pluck();
    expect(fts.all('oban')).toEqual([Number(id)]);
    db.prepare('UPDATE messages SET content = ? WHERE id = ?').run('the train to Mallaig', id);
    expect(fts.all('oban')).toEqual([]);
    expect(fts.all('mallaig')).toEqual([Number(id)]);
    expect(() => msg.run(conv, 'system', 'x')).toThrow(/CHECK/);
    expect(() =>
      db
        .prepare(
          "INSERT INTO messages (conversation_id, role, content, status, citations, created_at) VALUES (?, 'user', 'x', 'done', 'not json', 1)",
        )
        .run(conv),
    ).toThrow(/CHECK/);

    const mem = db.prepare(
      'INSERT INTO memories (text, hash, source_conversation_id, created_at, updated_at) VALUES (?, ?, ?, 1, 1)',
    );
    mem.run('my sister is called Ada', 'h1', conv);
    expect(() => mem.run('same fact again', 'h1', conv)).toThrow(/UNIQUE/);

    db.prepare('DELETE FROM conversations WHERE id = ?').run(conv);
    expect(db.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(0);
    expect(fts.all('mallaig')).toEqual([]);
    // A memory outlives the conversation it came from.
    expect(db.prepare('SELECT source_conversation_id FROM memories').pluck().get()).toBeNull();
  });
});
