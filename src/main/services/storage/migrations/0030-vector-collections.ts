import type { Migration } from './types';

/**
 * The registry of vector collections. Each row owns two tables the vector index creates at run time,
 * because their vector dimension depends on the embedding model: `vec_c<id>` (a sqlite-vec vec0
 * table: embedding + filter columns) and `vecterm_c<id>` (tags and folder ancestors per vector).
 *
 * - `index_version` goes up with every write to the collection (in the same transaction).
 * - `mirror_id` / `mirror_version` record which Qdrant (sidecar storage or remote URL) last held an
 *   exact copy, and at which `index_version`; a mismatch means the Qdrant copy is rebuilt from here.
 */
export const migration: Migration = {
  version: 30,
  name: 'vector-collections',
  up(db) {
    db.exec(`
      CREATE TABLE vector_collections (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        dimension INTEGER NOT NULL CHECK (dimension > 0),
        distance TEXT NOT NULL CHECK (distance IN ('cosine')),
        index_version INTEGER NOT NULL DEFAULT 0,
        mirror_id TEXT,
        mirror_version INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
    `);
  },
};
