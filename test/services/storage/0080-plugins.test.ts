import { describe, expect, it } from 'vitest';
import { runMigrations, schemaVersion, type Database } from '../../../src/main/services/storage/database';
import { MIGRATIONS } from '../../../src/main/services/storage/migrations';
import { eachMigrationDb } from '../helpers/migrationDb';

let db: Database;
eachMigrationDb('m0080', (d) => (db = d), { foreignKeys: true });

const insert = (id: string, extra: Partial<Record<string, unknown>> = {}) =>
  db
    .prepare(
      `INSERT INTO plugins (id, name, version, manifest, sha256, permissions, enabled, installed_at, updated_at)
       VALUES (@id, 'P', '1.0.0', @manifest, @sha, @permissions, @enabled, 't', 't')`,
    )
    .run({ id, manifest: '{}', sha: 'a'.repeat(64), permissions: '["kv"]', enabled: 1, ...extra });

describe('migration 0080-plugins', () => {
  it('migrates from the previous version to 80 and adds plugins and plugin_kv', () => {
    const previous = MIGRATIONS.filter((m) => m.version < 80).at(-1)!.version;
    runMigrations(db, MIGRATIONS, previous);
    expect(schemaVersion(db)).toBe(previous);
    expect(runMigrations(db, MIGRATIONS, 80)).toEqual([80]);
    expect(schemaVersion(db)).toBe(80);
    const cols = (t: string) =>
      (db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).map((c) => c.name);
    expect(cols('plugins')).toEqual([
      'id',
      'name',
      'version',
      'manifest',
      'sha256',
      'permissions',
      'enabled',
      'installed_at',
      'updated_at',
      'calls',
      'errors',
      'timeouts',
      'total_ms',
      'last_error',
      'last_call_at',
    ]);
    expect(cols('plugin_kv')).toEqual(['plugin_id', 'key', 'value', 'updated_at']);
  });

  it('checks its columns, and removing a plugin removes its kv', () => {
    runMigrations(db, MIGRATIONS, 80);
    insert('a.plugin');
    expect(() => insert('a.plugin')).toThrow(/UNIQUE|PRIMARY/);
    expect(() => insert('b', { manifest: 'not json' })).toThrow(/CHECK/);
    expect(() => insert('c', { sha: 'short' })).toThrow(/CHECK/);
    expect(() => insert('d', { enabled: 2 })).toThrow(/CHECK/);
    const kv = db.prepare(
      "INSERT INTO plugin_kv (plugin_id, key, value, updated_at) VALUES (?, ?, 'v', 't')",
    );
    kv.run('a.plugin', 'k1');
    kv.run('a.plugin', 'k2');
    expect(() => kv.run('a.plugin', 'k1')).toThrow(/UNIQUE|PRIMARY/);
    expect(() => kv.run('nobody', 'k')).toThrow(/FOREIGN KEY/);
    const row = db
      .prepare("SELECT calls, errors, timeouts, total_ms FROM plugins WHERE id = 'a.plugin'")
      .get();
    expect(row).toEqual({ calls: 0, errors: 0, timeouts: 0, total_ms: 0 });
    db.prepare("DELETE FROM plugins WHERE id = 'a.plugin'").run();
    expect(db.prepare('SELECT COUNT(*) FROM plugin_kv').pluck().get()).toBe(0);
  });
});
