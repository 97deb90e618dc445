import type { Migration } from './types';

/**
 * Local API tokens (issue #9): what the user sees of each token. The token VALUE is not here, nor any
 * hash of it: it lives in the OS keychain only (`api.token.<id>`).
 *
 * - `scopes`: JSON array, a subset of read/write/models.
 * - A revoked token keeps its row (so requests with it get 403, not 401, and the list shows when it
 *   was revoked); its keychain entry is deleted.
 * - Times are ISO-8601 strings.
 */
export const migration: Migration = {
  version: 100,
  name: 'api-tokens',
  up(db) {
    db.exec(`
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY CHECK (id GLOB 'tok_[0-9a-f]*' AND length(id) = 20),
        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
        scopes TEXT NOT NULL CHECK (json_valid(scopes)),
        created_at TEXT NOT NULL,
        last_used_at TEXT,
        revoked_at TEXT
      ) STRICT;
    `);
  },
};
