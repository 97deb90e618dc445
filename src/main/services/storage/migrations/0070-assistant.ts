import type { Migration } from './types';

/**
 * The assistant: conversations, their messages (an answer keeps its citations as JSON, the provider
 * that wrote it, token counts and the failover notice), long-term memories about the user, and an
 * FTS5 index over message text for conversation search (kept in step by triggers).
 *
 * Times are ms since the epoch. `memories.hash` is the SHA-256 of the normalised fact (exact
 * duplicates); `embedding` is a little-endian Float32 vector (near duplicates, relevance), NULL when
 * no embedding model was available when the fact was stored.
 */
export const migration: Migration = {
  version: 70,
  name: 'assistant',
  up(db) {
    db.exec(`
      CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX conversations_updated ON conversations (updated_at DESC);

      CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
        content TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('streaming', 'done', 'stopped', 'cut', 'error')),
        provider TEXT,
        notice TEXT,
        citations TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(citations)),
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        usage_source TEXT CHECK (usage_source IN ('reported', 'tokenizer', 'estimate')),
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX messages_conversation ON messages (conversation_id, id);

      CREATE VIRTUAL TABLE messages_fts USING fts5 (
        content, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
      END;
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
      END;
      CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
        INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
      END;

      CREATE TABLE memories (
        id INTEGER PRIMARY KEY,
        text TEXT NOT NULL CHECK (length(text) > 0),
        hash TEXT NOT NULL UNIQUE,
        embedding BLOB,
        source_conversation_id INTEGER REFERENCES conversations (id) ON DELETE SET NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
