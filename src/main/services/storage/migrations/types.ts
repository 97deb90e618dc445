import type BetterSqlite3 from 'better-sqlite3';

/**
 * One schema step. `version` is the `PRAGMA user_version` the database has after `up` ran;
 * versions go up in steps of 10 so a fix can slot in between two released ones.
 * `up` runs inside the one transaction that applies every pending migration: it must not
 * open its own transaction or change pragmas that cannot run in one (journal_mode, foreign_keys).
 */
export interface Migration {
  version: number;
  name: string;
  up(db: BetterSqlite3.Database): void;
}
