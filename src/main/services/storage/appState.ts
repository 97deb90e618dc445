/** Small typed access to the foundation's own tables (migration 0010): `kv` and `error_log`. */
import type { Database } from './database';

export class KeyValueStore {
  constructor(private readonly db: Database) {}

  get(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value;
  }

  set(key: string, value: string): void {
    this.db
      .prepare(
        `INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      .run(key, value, new Date().toISOString());
  }

  delete(key: string): void {
    this.db.prepare('DELETE FROM kv WHERE key = ?').run(key);
  }
}

export interface ErrorLogEntry {
  time: string;
  level: 'warn' | 'error' | 'fatal';
  message: string;
}

/** Warnings and errors kept across restarts for diagnostics; bounded to `keep` rows. */
export class ErrorLog {
  constructor(
    private readonly db: Database,
    private readonly keep = 200,
  ) {}

  add(entry: ErrorLogEntry): void {
    this.db
      .prepare('INSERT INTO error_log (time, level, message) VALUES (?, ?, ?)')
      .run(entry.time, entry.level, entry.message);
    this.db
      .prepare(
        'DELETE FROM error_log WHERE id <= (SELECT id FROM error_log ORDER BY id DESC LIMIT 1 OFFSET ?)',
      )
      .run(this.keep);
  }

  /** The newest `limit` entries, oldest first. */
  recent(limit = 50): ErrorLogEntry[] {
    const rows = this.db
      .prepare('SELECT time, level, message FROM error_log ORDER BY id DESC LIMIT ?')
      .all(limit) as ErrorLogEntry[];
    return rows.reverse();
  }
}
