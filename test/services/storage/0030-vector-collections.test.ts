import { describe, expect, it } from 'vitest';
import { runMigrations, schemaVersion, type Database } from '../../../src/main/services/storage/database';
import { MIGRATIONS } from '../../../src/main/services/storage/migrations';
import { eachMigrationDb } from '../helpers/migrationDb';

let db: Database;
eachMigrationDb('m0030', (d) => (db = d));

describe('migration 0030-vector-collections', () => {
  it('migrates from the previous version to 30 and adds the registry', () => {
    const previous = MIGRATIONS.filter((m) => m.version < 30).at(-1)!.version;
    runMigrations(db, MIGRATIONS, previous);
    expect(schemaVersion(db)).toBe(previous);
    expect(runMigrations(db, MIGRATIONS, 30)).toEqual([30]);
    expect(schemaVersion(db)).toBe(30);
    const cols = (db.prepare('PRAGMA table_info(vector_collections)').all() as { name: string }[]).map(
      (c) => c.name,
    );
    expect(cols).toEqual([
      'id',
      'name',
      'dimension',
      'distance',
      'index_version',
      'mirror_id',
      'mirror_version',
      'created_at',
      'updated_at',
    ]);
  });

  it('keeps names unique and refuses bad dimensions and distances', () => {
    runMigrations(db, MIGRATIONS, 30);
    const ins = db.prepare(
      "INSERT INTO vector_collections (name, dimension, distance, created_at, updated_at) VALUES (?, ?, ?, 't', 't')",
    );
    ins.run('chunks', 384, 'cosine');
    expect(() => ins.run('chunks', 384, 'cosine')).toThrow(/UNIQUE/);
    expect(() => ins.run('other', 0, 'cosine')).toThrow(/CHECK/);
    expect(() => ins.run('other', 384, 'dot')).toThrow(/CHECK/);
    expect(
      db.prepare("SELECT index_version FROM vector_collections WHERE name = 'chunks'").pluck().get(),
    ).toBe(0);
  });
});
