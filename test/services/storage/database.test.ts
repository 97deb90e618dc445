import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DatabaseTooNewError,
  LATEST_SCHEMA_VERSION,
  openDatabase,
  readWalUserVersion,
  runMigrations,
  schemaVersion,
  type Database,
} from '../../../src/main/services/storage/database';
import { MIGRATIONS, type Migration } from '../../../src/main/services/storage/migrations';
import { AppError } from '../../../src/shared/ipc/result';

let dir: string;
const open: Database[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-db-'));
});
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function track(db: Database): Database {
  open.push(db);
  return db;
}

function sha256(file: string): string | null {
  return fs.existsSync(file) ? crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex') : null;
}

function tables(db: Database): string[] {
  return (
    db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as { name: string }[]
  ).map((r) => r.name);
}

describe('openDatabase', () => {
  it('creates a new database in WAL mode with foreign keys, a busy timeout and every migration', () => {
    const file = path.join(dir, 'nook.db');
    const db = track(openDatabase(file));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.at(-1)!.version);
    expect(tables(db)).toEqual(expect.arrayContaining(['kv', 'error_log']));
  });

  it('is idempotent: reopening applies nothing and keeps data', () => {
    const file = path.join(dir, 'nook.db');
    const db = openDatabase(file);
    db.prepare("INSERT INTO kv (key, value, updated_at) VALUES ('a', 'b', 'now')").run();
    db.close();
    const again = track(openDatabase(file));
    expect(runMigrations(again)).toEqual([]);
    expect(again.prepare("SELECT value FROM kv WHERE key = 'a'").pluck().get()).toBe('b');
  });

  // One case per earlier version: 0 (empty) and every migration but the last.
  const starts = [0, ...MIGRATIONS.slice(0, -1).map((m) => m.version)];
  it.each(starts)('migrates up from version %i to the latest', (start) => {
    const file = path.join(dir, `from-${start}.db`);
    const seed = new BetterSqlite3(file);
    expect(runMigrations(seed, MIGRATIONS, start)).toEqual(
      MIGRATIONS.filter((m) => m.version <= start).map((m) => m.version),
    );
    expect(schemaVersion(seed)).toBe(start);
    seed.close();

    const db = track(openDatabase(file));
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    // The result matches a database migrated from empty in one go.
    const fresh = track(openDatabase(path.join(dir, 'fresh.db')));
    expect(tables(db)).toEqual(tables(fresh));
    const schema = (d: Database) =>
      d
        .prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
        .all();
    expect(schema(db)).toEqual(schema(fresh));
  });

  it('applies all pending migrations in one transaction: a failure leaves the database as it was', () => {
    const file = path.join(dir, 'atomic.db');
    const bad: Migration[] = [
      ...MIGRATIONS,
      { version: 9990, name: 'ok-step', up: (d) => d.exec('CREATE TABLE ok_step (x)') },
      {
        version: 9991,
        name: 'broken-step',
        up: (d) => d.exec('CREATE TABLE broken (x); INSERT INTO no_such_table VALUES (1)'),
      },
    ];
    expect(() => openDatabase(file, { migrations: bad })).toThrow(/Migration 9991-broken-step failed/);
    const db = track(new BetterSqlite3(file));
    expect(schemaVersion(db)).toBe(0);
    expect(tables(db)).toEqual([]);
  });

  it('rejects a migration list whose versions do not increase', () => {
    const file = path.join(dir, 'order.db');
    const list: Migration[] = [
      { version: 20, name: 'b', up: () => undefined },
      { version: 10, name: 'a', up: () => undefined },
    ];
    expect(() => openDatabase(file, { migrations: list })).toThrow(/increasing/);
  });

  describe('a database from a newer version', () => {
    function makeFuture(file: string, journal: 'wal' | 'delete'): void {
      const db = new BetterSqlite3(file);
      db.pragma(`journal_mode = ${journal}`);
      db.exec('CREATE TABLE future_thing (x)');
      db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 10}`);
      db.close(); // a clean close checkpoints and removes -wal/-shm
    }

    it.each(['wal', 'delete'] as const)(
      'is refused with a clear message and its bytes are unchanged (%s journal)',
      (journal) => {
        const file = path.join(dir, `future-${journal}.db`);
        makeFuture(file, journal);
        const before = { db: sha256(file), wal: sha256(`${file}-wal`), shm: sha256(`${file}-shm`) };
        expect(before.wal).toBeNull();
        const mtime = fs.statSync(file).mtimeMs;

        let error: unknown;
        try {
          openDatabase(file);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(DatabaseTooNewError);
        expect(error).toBeInstanceOf(AppError);
        expect((error as AppError).code).toBe('CONFLICT');
        expect((error as Error).message).toContain('newer version of Nook');
        expect((error as Error).message).toContain(`schema ${LATEST_SCHEMA_VERSION + 10}`);

        expect(sha256(file)).toBe(before.db);
        expect(sha256(`${file}-wal`)).toBeNull();
        expect(sha256(`${file}-shm`)).toBeNull();
        expect(fs.statSync(file).mtimeMs).toBe(mtime);
        expect(fs.readdirSync(dir)).toEqual([path.basename(file)]);
      },
    );

    it('is refused when the newer version only sits in an un-checkpointed WAL (after a crash)', () => {
      const live = path.join(dir, 'live.db');
      const writer = new BetterSqlite3(live);
      writer.pragma('journal_mode = WAL');
      writer.pragma('wal_autocheckpoint = 0');
      writer.exec('CREATE TABLE t (x)');
      writer.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 10}`);
      // Copy the files while the writer still holds them: what a crash leaves behind.
      const crashed = path.join(dir, 'crashed.db');
      fs.copyFileSync(live, crashed);
      fs.copyFileSync(`${live}-wal`, `${crashed}-wal`);
      writer.close();
      const header = Buffer.alloc(4);
      const fd = fs.openSync(crashed, 'r');
      fs.readSync(fd, header, 0, 4, 60);
      fs.closeSync(fd);
      expect(header.readUInt32BE(0)).toBe(0); // the main file alone still says version 0

      expect(readWalUserVersion(`${crashed}-wal`)).toBe(LATEST_SCHEMA_VERSION + 10);

      const before = { db: sha256(crashed), wal: sha256(`${crashed}-wal`) };
      expect(() => openDatabase(crashed)).toThrow(DatabaseTooNewError);
      expect(sha256(crashed)).toBe(before.db);
      expect(sha256(`${crashed}-wal`)).toBe(before.wal);
      expect(fs.existsSync(`${crashed}-shm`)).toBe(false); // not even SQLite's shared-memory file
    });

    it('ignores uncommitted or torn WAL frames when reading the version', () => {
      const live = path.join(dir, 'live2.db');
      const writer = new BetterSqlite3(live);
      writer.pragma('journal_mode = WAL');
      writer.pragma('wal_autocheckpoint = 0');
      writer.exec('CREATE TABLE t (x)');
      writer.pragma('user_version = 7');
      writer.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 10}`);
      const wal = fs.readFileSync(`${live}-wal`);
      writer.close();
      const pageSize = wal.readUInt32BE(8);
      const frames = (wal.length - 32) / (24 + pageSize);
      expect(Number.isInteger(frames)).toBe(true);
      // Drop the last frame (the commit that set the newer version): the version before it remains.
      const truncated = path.join(dir, 'truncated-wal');
      fs.writeFileSync(truncated, wal.subarray(0, wal.length - (24 + pageSize)));
      expect(readWalUserVersion(truncated)).toBe(7);
      // Flip a byte in the last frame's page: its checksum fails, so it is ignored too.
      const torn = Buffer.from(wal);
      torn[torn.length - 10]! ^= 0xff;
      const tornFile = path.join(dir, 'torn-wal');
      fs.writeFileSync(tornFile, torn);
      expect(readWalUserVersion(tornFile)).toBe(7);
      expect(readWalUserVersion(path.join(dir, 'missing-wal'))).toBeUndefined();
    });
  });

  it('refuses a file that is not a SQLite database without touching it', () => {
    const file = path.join(dir, 'nook.db');
    fs.writeFileSync(
      file,
      'this is not a database, just some text that is long enough to fill a header. '.repeat(3),
    );
    const before = sha256(file);
    expect(() => openDatabase(file)).toThrow(/not a SQLite database/);
    expect(sha256(file)).toBe(before);
  });
});
