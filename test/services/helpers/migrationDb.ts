import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach } from 'vitest';
import type { Database } from '../../../src/main/services/storage/database';
import { tempDir } from './tmp';

/**
 * A bare database (no migrations run) in a fresh temporary folder before each test of the calling
 * file, handed to `use`, and closed and removed after it: the migration tests run each step by hand.
 */
export function eachMigrationDb(
  prefix: string,
  use: (db: Database) => void,
  options: { foreignKeys?: boolean } = {},
): void {
  let dir: string;
  let db: Database;
  beforeEach(() => {
    dir = tempDir(prefix);
    db = new BetterSqlite3(path.join(dir, 'm.db'));
    if (options.foreignKeys) db.pragma('foreign_keys = ON');
    use(db);
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
}
