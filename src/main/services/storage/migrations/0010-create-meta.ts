import type { Migration } from './types';

/**
 * App-level state the foundation itself uses:
 * - `kv`: small named values (first run time, last version that opened this database).
 * - `error_log`: warnings and errors that outlive a restart, shown by `system.diagnostics`.
 *   Messages are written after the logger's redactor ran, so no secret value reaches this table.
 */
export const migration: Migration = {
  version: 10,
  name: 'create-meta',
  up(db) {
    db.exec(`
      CREATE TABLE kv (
        key TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE error_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        level TEXT NOT NULL CHECK (level IN ('warn', 'error', 'fatal')),
        message TEXT NOT NULL
      ) STRICT;
      CREATE INDEX error_log_time ON error_log(time);
    `);
  },
};
