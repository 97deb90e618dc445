import { describe, expect, it } from 'vitest';
import { runMigrations, schemaVersion, type Database } from '../../../src/main/services/storage/database';
import { MIGRATIONS } from '../../../src/main/services/storage/migrations';
import { eachMigrationDb } from '../helpers/migrationDb';
import { ErrorLog, KeyValueStore } from '../../../src/main/services/storage/appState';

let db: Database;
eachMigrationDb('m0010', (d) => (db = d));

describe('migration 0010-create-meta', () => {
  it('goes from an empty database to version 10 with kv and error_log', () => {
    expect(schemaVersion(db)).toBe(0);
    expect(runMigrations(db, MIGRATIONS, 10)).toEqual([10]);
    expect(schemaVersion(db)).toBe(10);
    const cols = (t: string) =>
      (db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).map((c) => c.name);
    expect(cols('kv')).toEqual(['key', 'value', 'updated_at']);
    expect(cols('error_log')).toEqual(['id', 'time', 'level', 'message']);
  });

  it('kv upserts and deletes values', () => {
    runMigrations(db, MIGRATIONS, 10);
    const kv = new KeyValueStore(db);
    expect(kv.get('app.lastVersion')).toBeUndefined();
    kv.set('app.lastVersion', '0.1.0');
    kv.set('app.lastVersion', '0.2.0');
    expect(kv.get('app.lastVersion')).toBe('0.2.0');
    expect(db.prepare('SELECT count(*) FROM kv').pluck().get()).toBe(1);
    kv.delete('app.lastVersion');
    expect(kv.get('app.lastVersion')).toBeUndefined();
  });

  it('error_log keeps only the newest rows and rejects unknown levels', () => {
    runMigrations(db, MIGRATIONS, 10);
    const log = new ErrorLog(db, 3);
    for (let i = 0; i < 5; i++)
      log.add({ time: `2026-01-0${i + 1}T00:00:00.000Z`, level: 'error', message: `e${i}` });
    expect(log.recent(10).map((e) => e.message)).toEqual(['e2', 'e3', 'e4']);
    expect(log.recent(2).map((e) => e.message)).toEqual(['e3', 'e4']);
    expect(() =>
      db.prepare("INSERT INTO error_log (time, level, message) VALUES ('t', 'info', 'm')").run(),
    ).toThrow(/CHECK/);
  });
});
