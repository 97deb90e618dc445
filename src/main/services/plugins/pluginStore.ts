/** SQLite rows behind the plugin service: installed plugins, approved permissions, stats, and kv. */
import type { Database } from '../storage/database';
import {
  PluginManifestSchema,
  type PluginManifest,
  type PluginPermission,
  type PluginStats,
} from '../../../shared/types/plugins';
import { AppError } from '../../../shared/ipc/result';

export interface PluginRow {
  id: string;
  manifest: PluginManifest;
  sha256: string;
  permissions: PluginPermission[];
  enabled: boolean;
  installedAt: string;
  stats: PluginStats;
}

interface RawRow {
  id: string;
  manifest: string;
  sha256: string;
  permissions: string;
  enabled: number;
  installed_at: string;
  calls: number;
  errors: number;
  timeouts: number;
  total_ms: number;
  last_error: string | null;
  last_call_at: string | null;
}

/** Caps on the kv permission: per value, and per plugin in total. */
export const KV_LIMITS = { keyChars: 256, valueBytes: 64 * 1024, totalBytes: 1024 * 1024, keys: 1000 };

export class PluginStore {
  constructor(private readonly db: Database) {}

  private toRow(r: RawRow): PluginRow {
    return {
      id: r.id,
      manifest: PluginManifestSchema.parse(JSON.parse(r.manifest)),
      sha256: r.sha256,
      permissions: JSON.parse(r.permissions) as PluginPermission[],
      enabled: r.enabled === 1,
      installedAt: r.installed_at,
      stats: {
        calls: r.calls,
        errors: r.errors,
        timeouts: r.timeouts,
        totalMs: r.total_ms,
        lastError: r.last_error,
        lastCallAt: r.last_call_at,
      },
    };
  }

  list(): PluginRow[] {
    return (this.db.prepare('SELECT * FROM plugins ORDER BY name, id').all() as RawRow[]).map((r) =>
      this.toRow(r),
    );
  }

  get(id: string): PluginRow | undefined {
    const r = this.db.prepare('SELECT * FROM plugins WHERE id = ?').get(id) as RawRow | undefined;
    return r ? this.toRow(r) : undefined;
  }

  /** Inserts or replaces (an upgrade keeps kv and stats, takes the new manifest and permissions). */
  upsert(manifest: PluginManifest, permissions: PluginPermission[], enabled: boolean): void {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO plugins (id, name, version, manifest, sha256, permissions, enabled, installed_at, updated_at)
         VALUES (@id, @name, @version, @manifest, @sha256, @permissions, @enabled, @now, @now)
         ON CONFLICT(id) DO UPDATE SET name = @name, version = @version, manifest = @manifest, sha256 = @sha256,
           permissions = @permissions, enabled = @enabled, updated_at = @now`,
      )
      .run({
        id: manifest.id,
        name: manifest.name,
        version: manifest.version,
        manifest: JSON.stringify(manifest),
        sha256: manifest.entry.sha256,
        permissions: JSON.stringify(permissions),
        enabled: enabled ? 1 : 0,
        now,
      });
  }

  setEnabled(id: string, enabled: boolean): void {
    this.db
      .prepare('UPDATE plugins SET enabled = ?, updated_at = ? WHERE id = ?')
      .run(enabled ? 1 : 0, new Date().toISOString(), id);
  }

  remove(id: string): void {
    const tx = this.db.transaction(() => {
      this.db.prepare('DELETE FROM plugin_kv WHERE plugin_id = ?').run(id);
      this.db.prepare('DELETE FROM plugins WHERE id = ?').run(id);
    });
    tx();
  }

  recordCall(id: string, ms: number, outcome: 'ok' | 'error' | 'timeout', error: string | null): void {
    this.db
      .prepare(
        `UPDATE plugins SET calls = calls + 1, errors = errors + @err, timeouts = timeouts + @to,
           total_ms = total_ms + @ms, last_error = COALESCE(@error, last_error), last_call_at = @now WHERE id = @id`,
      )
      .run({
        id,
        ms,
        err: outcome === 'ok' ? 0 : 1,
        to: outcome === 'timeout' ? 1 : 0,
        error,
        now: new Date().toISOString(),
      });
  }

  kvGet(id: string, key: string): string | null {
    const v = this.db
      .prepare('SELECT value FROM plugin_kv WHERE plugin_id = ? AND key = ?')
      .pluck()
      .get(id, key);
    return typeof v === 'string' ? v : null;
  }

  /** `value` null deletes the key. */
  kvSet(id: string, key: string, value: string | null): void {
    if (key.length === 0 || key.length > KV_LIMITS.keyChars)
      throw new AppError('INVALID_INPUT', `kv keys are 1 to ${KV_LIMITS.keyChars} characters`);
    if (value === null) {
      this.db.prepare('DELETE FROM plugin_kv WHERE plugin_id = ? AND key = ?').run(id, key);
      return;
    }
    if (Buffer.byteLength(value) > KV_LIMITS.valueBytes)
      throw new AppError('INVALID_INPUT', `kv values are at most ${KV_LIMITS.valueBytes} bytes`);
    const tx = this.db.transaction(() => {
      const usage = this.db
        .prepare(
          'SELECT COUNT(*) AS n, COALESCE(SUM(length(CAST(value AS BLOB)) + length(key)), 0) AS bytes FROM plugin_kv WHERE plugin_id = ? AND key != ?',
        )
        .get(id, key) as { n: number; bytes: number };
      if (usage.n + 1 > KV_LIMITS.keys)
        throw new AppError('INVALID_INPUT', `kv holds at most ${KV_LIMITS.keys} keys`);
      if (usage.bytes + Buffer.byteLength(value) + key.length > KV_LIMITS.totalBytes)
        throw new AppError('INVALID_INPUT', `kv holds at most ${KV_LIMITS.totalBytes} bytes per plugin`);
      this.db
        .prepare(
          `INSERT INTO plugin_kv (plugin_id, key, value, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(plugin_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        )
        .run(id, key, value, new Date().toISOString());
    });
    tx();
  }

  kvCount(id: string): number {
    return this.db.prepare('SELECT COUNT(*) FROM plugin_kv WHERE plugin_id = ?').pluck().get(id) as number;
  }
}
