/**
 * Opens the app database: checks that this version can read it, switches to WAL, and applies
 * pending migrations in one transaction (Signal's ts/sql/migrations approach).
 *
 * A database written by a newer Nook is refused BEFORE anything writes to it: even switching the
 * journal mode to WAL writes the file header, so the version is read from the header bytes first.
 */
import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { AppError } from '../../../shared/ipc/result';
import { MIGRATIONS, type Migration } from './migrations';

export type Database = BetterSqlite3.Database;

/** The schema version this build writes: the last migration's version. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

export class DatabaseTooNewError extends AppError {
  constructor(
    readonly file: string,
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      'CONFLICT',
      `The database ${file} was written by a newer version of Nook (schema ${found}; this version knows up to ${supported}). ` +
        'Update Nook to open it. The file was not changed.',
    );
    this.name = 'DatabaseTooNewError';
  }
}

export interface OpenDatabaseOptions {
  /** Migrations to apply; the real list unless a test supplies its own. */
  migrations?: readonly Migration[];
  /** Milliseconds a statement waits for a lock held by another connection (e.g. a worker). */
  busyTimeoutMs?: number;
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/** Reads `user_version` straight from the file header (offset 60) without opening SQLite. */
export function readHeaderUserVersion(file: string): number | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const header = Buffer.alloc(100);
    const n = fs.readSync(fd, header, 0, 100, 0);
    if (n === 0) return undefined; // an empty file is a new database
    if (n < 100 || header.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
      throw new AppError('CONFLICT', `${file} is not a SQLite database; move it away and restart Nook.`);
    }
    return header.readUInt32BE(60);
  } finally {
    fs.closeSync(fd);
  }
}

function nonEmpty(file: string): boolean {
  try {
    return fs.statSync(file).size > 0;
  } catch {
    return false;
  }
}

/** Throws DatabaseTooNewError when `file` holds a schema newer than `supported`; writes nothing. */
export function assertReadable(file: string, supported: number): void {
  const headerVersion = readHeaderUserVersion(file);
  if (headerVersion === undefined) return;
  if (headerVersion > supported) throw new DatabaseTooNewError(file, headerVersion, supported);
  // After a crash the newest header may still sit in the WAL file, not yet checkpointed into the
  // main file. A read-only connection reads through the WAL without checkpointing it.
  if (nonEmpty(`${file}-wal`)) {
    const ro = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
    try {
      const v = ro.pragma('user_version', { simple: true }) as number;
      if (v > supported) throw new DatabaseTooNewError(file, v, supported);
    } finally {
      ro.close();
    }
  }
}

export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database {
  const migrations = options.migrations ?? MIGRATIONS;
  const supported = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  assertReadable(file, supported);

  const db = new BetterSqlite3(file);
  try {
    // Checked again on the real connection; reading a pragma writes nothing.
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > supported) throw new DatabaseTooNewError(file, version, supported);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    runMigrations(db, migrations);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies every migration newer than the database, in version order, in ONE transaction, and sets
 * `user_version` to the last one applied. Either all pending migrations apply or none does.
 * `target` stops early (tests build databases at each earlier version with it).
 * Returns the versions applied.
 */
export function runMigrations(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
  target?: number,
): number[] {
  checkMigrationList(migrations);
  const current = schemaVersion(db);
  const supported = migrations.at(-1)?.version ?? 0;
  if (current > supported) throw new DatabaseTooNewError(db.name, current, supported);
  const pending = migrations.filter(
    (m) => m.version > current && (target === undefined || m.version <= target),
  );
  if (pending.length === 0) return [];
  const apply = db.transaction(() => {
    for (const m of pending) {
      try {
        m.up(db);
      } catch (e) {
        throw new Error(`Migration ${m.version}-${m.name} failed: ${(e as Error).message}`, { cause: e });
      }
    }
    // user_version lives in the header page, so it commits (or rolls back) with the migrations.
    db.pragma(`user_version = ${pending.at(-1)!.version}`);
  });
  apply.immediate();
  return pending.map((m) => m.version);
}

function checkMigrationList(migrations: readonly Migration[]): void {
  let last = 0;
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= last) {
      throw new Error(
        `Migrations must have increasing integer versions; ${m.version}-${m.name} follows ${last}`,
      );
    }
    last = m.version;
  }
}
