import { describe, expect, it } from 'vitest';
import { runMigrations, schemaVersion, type Database } from '../../../src/main/services/storage/database';
import { MIGRATIONS } from '../../../src/main/services/storage/migrations';
import { eachMigrationDb } from '../helpers/migrationDb';

let db: Database;
eachMigrationDb('m0060', (d) => (db = d));

describe('migration 0060-voice', () => {
  it('migrates from the previous version to 60', () => {
    const previous = MIGRATIONS.filter((m) => m.version < 60).at(-1)!.version;
    runMigrations(db, MIGRATIONS, previous);
    expect(runMigrations(db, MIGRATIONS, 60)).toEqual([60]);
    expect(schemaVersion(db)).toBe(60);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toContain('voice_interactions');
  });

  it('refuses rows with invalid JSON or an unknown source', () => {
    runMigrations(db, MIGRATIONS, 60);
    const insert = db.prepare(
      'INSERT INTO voice_interactions (transcript, intent, confidence, entities, timings, source, created_at) VALUES (?, ?, ?, ?, ?, ?, 1)',
    );
    insert.run('open settings', 'open_view', 1, '{"view":"settings"}', '{"stt":900}', 'microphone');
    expect(() => insert.run('x', 'y', 1, 'not json', '{}', 'microphone')).toThrow(/CHECK/);
    expect(() => insert.run('x', 'y', 1, '{}', '{}', 'telepathy')).toThrow(/CHECK/);
  });
});
