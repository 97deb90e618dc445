import { describe, expect, it } from 'vitest';
import { runMigrations, schemaVersion, type Database } from '../../../src/main/services/storage/database';
import { MIGRATIONS } from '../../../src/main/services/storage/migrations';
import { eachMigrationDb } from '../helpers/migrationDb';

let db: Database;
eachMigrationDb('m0100', (d) => (db = d));

const insert = (id: string, name = 'n', scopes = '["read"]') =>
  db
    .prepare('INSERT INTO api_tokens (id, name, scopes, created_at) VALUES (?, ?, ?, ?)')
    .run(id, name, scopes, '2026-01-01T00:00:00.000Z');

describe('migration 0100-api-tokens', () => {
  it('migrates from the previous version to 100 and adds api_tokens (no column for a token value)', () => {
    const previous = MIGRATIONS.filter((m) => m.version < 100).at(-1)!.version;
    runMigrations(db, MIGRATIONS, previous);
    expect(schemaVersion(db)).toBe(previous);
    expect(runMigrations(db, MIGRATIONS, 100)).toEqual([100]);
    expect(schemaVersion(db)).toBe(100);
    const cols = (db.prepare('PRAGMA table_info(api_tokens)').all() as { name: string }[]).map((c) => c.name);
    expect(cols).toEqual(['id', 'name', 'scopes', 'created_at', 'last_used_at', 'revoked_at']);
  });

  it('checks ids, names and the scopes JSON', () => {
    runMigrations(db, MIGRATIONS, 100);
    insert('tok_0123456789abcdef');
    expect(() => insert('tok_0123456789abcdef')).toThrow(/UNIQUE/);
    expect(() => insert('nope_0123456789abcd')).toThrow(/CHECK/);
    expect(() => insert('tok_0123456789abcde')).toThrow(/CHECK/);
    expect(() => insert('tok_1123456789abcdef', '')).toThrow(/CHECK/);
    expect(() => insert('tok_2123456789abcdef', 'n', '[read')).toThrow(/CHECK/);
  });
});
