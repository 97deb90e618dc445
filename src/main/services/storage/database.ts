/**
 * Opens the app database: checks that this version can read it, switches to WAL, and applies
 * pending migrations in one transaction (Signal's ts/sql/migrations approach).
 *
 * A database written by a newer Nook is refused BEFORE anything writes to it: even switching the
 * journal mode to WAL writes the file header, so the version is read from the header bytes (and
 * from a WAL left by a crash) without opening SQLite at all.
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

/**
 * The `user_version` in the newest committed copy of page 1 inside a WAL file, or undefined when the
 * WAL holds no valid committed page 1. Parsed by hand (format: sqlite.org/fileformat.html#the_write_ahead_log)
 * because even a read-only SQLite connection creates a -shm file next to the database.
 */
export function readWalUserVersion(walFile: string): number | undefined {
  let wal: Buffer;
  try {
    wal = fs.readFileSync(walFile);
  } catch {
    return undefined;
  }
  if (wal.length < 32) return undefined;
  const magic = wal.readUInt32BE(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) return undefined;
  const bigEndian = magic === 0x377f0683;
  const pageSize = wal.readUInt32BE(8) === 1 ? 65536 : wal.readUInt32BE(8);
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  const word = (off: number) => (bigEndian ? wal.readUInt32BE(off) : wal.readUInt32LE(off));
  const checksum = (start: number, end: number, s: [number, number]): [number, number] => {
    let [s0, s1] = s;
    for (let i = start; i < end; i += 8) {
      s0 = (s0 + word(i) + s1) >>> 0;
      s1 = (s1 + word(i + 4) + s0) >>> 0;
    }
    return [s0, s1];
  };
  let sum = checksum(0, 24, [0, 0]);
  if (sum[0] !== wal.readUInt32BE(24) || sum[1] !== wal.readUInt32BE(28)) return undefined;

  let pending: number | undefined; // page 1's user_version seen in the transaction being read
  let committed: number | undefined;
  for (let off = 32; off + 24 + pageSize <= wal.length; off += 24 + pageSize) {
    if (wal.readUInt32BE(off + 8) !== salt1 || wal.readUInt32BE(off + 12) !== salt2) break;
    sum = checksum(off + 24, off + 24 + pageSize, checksum(off, off + 8, sum));
    if (sum[0] !== wal.readUInt32BE(off + 16) || sum[1] !== wal.readUInt32BE(off + 20)) break;
    if (wal.readUInt32BE(off) === 1) pending = wal.readUInt32BE(off + 24 + 60);
    if (wal.readUInt32BE(off + 4) !== 0) {
      // a commit frame: everything up to here is durable
      if (pending !== undefined) committed = pending;
      pending = undefined;
    }
  }
  return committed;
}

/** Throws DatabaseTooNewError when `file` holds a schema newer than `supported`; writes nothing. */
export function assertReadable(file: string, supported: number): void {
  const headerVersion = readHeaderUserVersion(file);
  if (headerVersion === undefined) return;
  if (headerVersion > supported) throw new DatabaseTooNewError(file, headerVersion, supported);
  // After a crash the newest header may still sit in the WAL file, not yet checkpointed.
  const walVersion = readWalUserVersion(`${file}-wal`);
  if (walVersion !== undefined && walVersion > supported)
    throw new DatabaseTooNewError(file, walVersion, supported);
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

/**
 * A second, read-only connection to a database another connection opened (and migrated) already,
 * for a worker thread that only reads: WAL lets it read while the first one writes. It never
 * migrates and cannot write.
 */
export function openReadConnection(file: string, busyTimeoutMs = 5000): Database {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
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
