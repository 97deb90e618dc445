import type { Migration } from './types';

/**
 * Installed plugins (issue #8).
 *
 * - `plugins`: one row per installed plugin: the manifest as installed (JSON), the SHA-256 of its
 *   wasm (checked again at every load, so a wasm changed on disk afterwards is refused), the
 *   permissions the user approved (JSON array, a subset of what the manifest asks for), whether it
 *   is enabled, and its call statistics.
 * - `plugin_kv`: the storage behind the `kv` permission, scoped per plugin; uninstalling removes it
 *   (ON DELETE CASCADE).
 * - Times are ISO-8601 strings; durations are milliseconds.
 */
export const migration: Migration = {
  version: 80,
  name: 'plugins',
  up(db) {
    db.exec(`
      CREATE TABLE plugins (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        manifest TEXT NOT NULL CHECK (json_valid(manifest)),
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        permissions TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(permissions)),
        enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        installed_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        calls INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0,
        timeouts INTEGER NOT NULL DEFAULT 0,
        total_ms REAL NOT NULL DEFAULT 0,
        last_error TEXT,
        last_call_at TEXT
      ) STRICT;
      CREATE TABLE plugin_kv (
        plugin_id TEXT NOT NULL REFERENCES plugins(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (plugin_id, key)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
