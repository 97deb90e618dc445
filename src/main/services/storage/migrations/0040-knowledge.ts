import type { Migration } from './types';

/**
 * The knowledge base: documents, their chunks, the chunks' vectors, a full-text index over chunk
 * text and the persistent ingest queue.
 *
 * - SQLite is the source of truth: `chunk_vectors` keeps every vector (float32 little-endian BLOB)
 *   per embedding model; the vector index (sqlite-vec or Qdrant) is derived from it and rebuilt from
 *   here. `vector_sync` is an outbox: a document's row lands in it in the same transaction that
 *   changes the document's chunks, and leaves it once the vector index has caught up, so a crash
 *   between the two is repaired on the next start.
 * - `chunks_fts` is an external-content FTS5 table over `chunks.text`, kept in step by triggers
 *   (cascading deletes fire them too). Tokenizer: Porter stemming over unicode61 with diacritics
 *   removed. Codes such as "E-4012" are split into "e" + "4012" by the tokenizer; the query side turns
 *   such a token into the phrase "e 4012", which matches the code exactly (and "E 4012", "E_4012").
 *   A `tokenchars '-_'` tokenizer would instead make "state-of-the-art" one token that a search
 *   for "art" never finds.
 * - Chunk ids never repeat (AUTOINCREMENT): they are the vector ids, so a stale vector in a derived
 *   index can never point at a different, newer chunk.
 * - Times are milliseconds since the epoch (date filters compare them directly).
 */
export const migration: Migration = {
  version: 40,
  name: 'knowledge',
  up(db) {
    db.exec(`
      CREATE TABLE documents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        path TEXT NOT NULL UNIQUE,
        folder TEXT NOT NULL,
        name TEXT NOT NULL,
        ext TEXT NOT NULL,
        format TEXT,
        mime TEXT,
        size INTEGER NOT NULL,
        mtime INTEGER NOT NULL,
        content_hash TEXT,
        status TEXT NOT NULL CHECK (status IN ('indexed', 'error')),
        error TEXT,
        error_reason TEXT,
        tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
        title TEXT,
        chunk_count INTEGER NOT NULL DEFAULT 0,
        token_count INTEGER NOT NULL DEFAULT 0,
        warnings TEXT NOT NULL DEFAULT '[]',
        meta TEXT NOT NULL DEFAULT '{}',
        model_id TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        indexed_at INTEGER,
        deleted_at INTEGER
      ) STRICT;
      CREATE INDEX documents_folder ON documents(folder);
      CREATE INDEX documents_deleted ON documents(deleted_at) WHERE deleted_at IS NOT NULL;

      CREATE TABLE chunks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        text TEXT NOT NULL,
        token_count INTEGER NOT NULL,
        page INTEGER,
        heading_path TEXT NOT NULL DEFAULT '[]',
        char_start INTEGER NOT NULL,
        char_end INTEGER NOT NULL,
        UNIQUE (document_id, ordinal)
      ) STRICT;

      CREATE TABLE chunk_vectors (
        chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
        model_id TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (chunk_id, model_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX chunk_vectors_by_model ON chunk_vectors(model_id, chunk_id);

      CREATE VIRTUAL TABLE chunks_fts USING fts5(
        text,
        content = 'chunks',
        content_rowid = 'id',
        tokenize = 'porter unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER chunks_fts_ai AFTER INSERT ON chunks BEGIN
        INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text);
      END;
      CREATE TRIGGER chunks_fts_ad AFTER DELETE ON chunks BEGIN
        INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
      END;
      CREATE TRIGGER chunks_fts_au AFTER UPDATE OF text ON chunks BEGIN
        INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text);
      END;

      CREATE TABLE vector_sync (
        document_id INTEGER PRIMARY KEY
      ) STRICT;

      CREATE TABLE ingest_jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        path TEXT NOT NULL,
        batch_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled', 'paused')),
        stage TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        error_reason TEXT,
        outcome TEXT CHECK (outcome IN ('indexed', 'skipped')),
        bytes INTEGER NOT NULL DEFAULT 0,
        chunks INTEGER NOT NULL DEFAULT 0,
        document_id INTEGER,
        tags TEXT NOT NULL DEFAULT '[]',
        enqueued_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER
      ) STRICT;
      CREATE INDEX ingest_jobs_state ON ingest_jobs(state, id);
      CREATE INDEX ingest_jobs_batch ON ingest_jobs(batch_id);
      CREATE UNIQUE INDEX ingest_jobs_one_pending_per_path ON ingest_jobs(path)
        WHERE state IN ('queued', 'running', 'paused');

      CREATE TABLE knowledge_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `);
  },
};
