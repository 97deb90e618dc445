import type { Migration } from './types';

/**
 * Voice interactions: what was heard, what Nook understood and how long each stage took, for the
 * Voice screen's history. `entities` and `timings` are JSON objects; times are ms since the epoch.
 */
export const migration: Migration = {
  version: 60,
  name: 'voice',
  up(db) {
    db.exec(`
      CREATE TABLE voice_interactions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        transcript TEXT NOT NULL,
        intent TEXT NOT NULL,
        confidence REAL NOT NULL,
        entities TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(entities)),
        timings TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(timings)),
        source TEXT NOT NULL DEFAULT 'microphone' CHECK (source IN ('microphone', 'file', 'text')),
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX voice_interactions_created ON voice_interactions(created_at);
    `);
  },
};
