/**
 * SQL for the knowledge base (documents, chunks, chunk vectors, the ingest queue). Synchronous
 * better-sqlite3 calls on the connection the services share; every multi-row change is one
 * transaction.
 */
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Chunk, DocumentFormat } from '../../../shared/types/knowledge';
import type { ChunkView, DocumentDetail, DocumentSummary, IngestJob } from '../../../shared/types/library';
import type { Database } from '../storage/database';
import { normalizeFolder, type VectorItem, type VectorPayload } from '../vectors/vectorIndex';
import { sentenceBlobs, sentenceVectorsFromBlobs, type SentenceVectors } from './sentenceVectors';

export interface DocumentRow {
  id: number;
  path: string;
  folder: string;
  name: string;
  ext: string;
  format: string | null;
  mime: string | null;
  size: number;
  mtime: number;
  content_hash: string | null;
  status: 'indexed' | 'error';
  error: string | null;
  error_reason: string | null;
  tags: string;
  title: string | null;
  chunk_count: number;
  token_count: number;
  warnings: string;
  meta: string;
  model_id: string | null;
  created_at: number;
  updated_at: number;
  indexed_at: number | null;
  deleted_at: number | null;
}

export interface JobRow {
  id: number;
  path: string;
  batch_id: string;
  state: IngestJob['state'];
  stage: string | null;
  attempts: number;
  error: string | null;
  error_reason: string | null;
  outcome: 'indexed' | 'skipped' | null;
  bytes: number;
  chunks: number;
  document_id: number | null;
  tags: string;
  enqueued_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface ChunkRow {
  id: number;
  document_id: number;
  ordinal: number;
  text: string;
  token_count: number;
  page: number | null;
  heading_path: string;
  char_start: number;
  char_end: number;
}

export function toSummary(r: DocumentRow): DocumentSummary {
  return {
    id: r.id,
    path: r.path,
    folder: r.folder,
    name: r.name,
    ext: r.ext,
    format: (r.format as DocumentFormat | null) ?? null,
    mime: r.mime,
    size: r.size,
    mtime: r.mtime,
    status: r.status,
    error: r.error,
    errorReason: r.error_reason,
    title: r.title,
    tags: JSON.parse(r.tags) as string[],
    chunkCount: r.chunk_count,
    tokenCount: r.token_count,
    modelId: r.model_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    indexedAt: r.indexed_at,
    deletedAt: r.deleted_at,
  };
}

export function toChunkView(r: ChunkRow): ChunkView {
  return {
    id: r.id,
    ordinal: r.ordinal,
    text: r.text,
    tokenCount: r.token_count,
    page: r.page,
    headingPath: JSON.parse(r.heading_path) as string[],
    charStart: r.char_start,
    charEnd: r.char_end,
  };
}

export function toJob(r: JobRow): IngestJob {
  return {
    id: r.id,
    path: r.path,
    batchId: r.batch_id,
    state: r.state,
    stage: r.stage,
    attempts: r.attempts,
    error: r.error,
    errorReason: (r.error_reason as IngestJob['errorReason']) ?? null,
    outcome: r.outcome,
    bytes: r.bytes,
    chunks: r.chunks,
    documentId: r.document_id,
    enqueuedAt: r.enqueued_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

/** A float32 vector as the little-endian BLOB stored in `chunk_vectors`. */
export function vectorToBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function blobToVector(b: Buffer): Float32Array {
  // Copy: a Buffer from SQLite may sit at an unaligned offset of a shared pool.
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export function payloadOf(
  d: Pick<DocumentRow, 'id' | 'format' | 'folder' | 'mtime' | 'tags'>,
): VectorPayload {
  const tags = JSON.parse(d.tags) as string[];
  return {
    documentId: d.id,
    ...(d.format ? { fileType: d.format } : {}),
    folder: d.folder,
    date: d.mtime,
    ...(tags.length > 0 ? { tags } : {}),
  };
}

export interface FileFacts {
  path: string;
  size: number;
  mtimeMs: number;
  hash: string;
}

export interface IndexedContent {
  title: string;
  mime: string;
  format: DocumentFormat;
  meta: Record<string, string | number | boolean | null>;
  warnings: string[];
  chunks: Chunk[];
  vectors: Float32Array;
  dimension: number;
  /** Per chunk, its sentence vectors (null: none pooled; absent: none made, e.g. an older worker). */
  sentences?: Array<SentenceVectors | null>;
}

const NO_SENTENCES: SentenceVectors = {
  spans: new Uint32Array(0),
  vectors: new Int8Array(0),
  scales: new Float32Array(0),
};

export class KnowledgeStore {
  private insSentences: BetterSqlite3.Statement<unknown[]> | undefined;

  constructor(readonly db: Database) {}

  // ---- documents ---------------------------------------------------------------------------------

  documentByPath(p: string): DocumentRow | undefined {
    return this.db.prepare('SELECT * FROM documents WHERE path = ?').get(p) as DocumentRow | undefined;
  }

  document(id: number): DocumentRow | undefined {
    return this.db.prepare('SELECT * FROM documents WHERE id = ?').get(id) as DocumentRow | undefined;
  }

  detail(id: number, chunkLimit = 500): DocumentDetail | undefined {
    const r = this.document(id);
    if (!r) return undefined;
    const chunks = this.db
      .prepare('SELECT * FROM chunks WHERE document_id = ? ORDER BY ordinal LIMIT ?')
      .all(id, chunkLimit) as ChunkRow[];
    return {
      ...toSummary(r),
      contentHash: r.content_hash,
      warnings: JSON.parse(r.warnings) as string[],
      meta: JSON.parse(r.meta) as DocumentDetail['meta'],
      chunks: chunks.map(toChunkView),
    };
  }

  /**
   * Writes a parsed, chunked and embedded file: the document row (one upsert by path), its
   * chunks (the old ones deleted; FTS follows by trigger), the chunks' vectors for `modelId`, and a
   * vector-sync marker. The caller runs it inside the transaction that also finishes the job.
   */
  writeDocument(
    file: FileFacts,
    content: IndexedContent,
    modelId: string,
    newTags: string[],
    now: number,
  ): number {
    const existing = this.documentByPath(file.path);
    // Tags accumulate over imports (a file imported with "work" and later with "2024" has both).
    const tags = [...new Set([...(existing ? (JSON.parse(existing.tags) as string[]) : []), ...newTags])];
    const id = Number(
      this.db
        .prepare(
          `INSERT INTO documents (path, folder, name, ext, format, mime, size, mtime, content_hash, status,
             tags, title, chunk_count, token_count, warnings, meta, model_id, created_at, updated_at, indexed_at)
           VALUES (@path, @folder, @name, @ext, @format, @mime, @size, @mtime, @hash, 'indexed',
             @tags, @title, @chunks, @tokens, @warnings, @meta, @model, @now, @now, @now)
           ON CONFLICT (path) DO UPDATE SET folder = excluded.folder, name = excluded.name, ext = excluded.ext,
             format = excluded.format, mime = excluded.mime, size = excluded.size, mtime = excluded.mtime,
             content_hash = excluded.content_hash, status = 'indexed', error = NULL, error_reason = NULL,
             tags = excluded.tags, title = excluded.title, chunk_count = excluded.chunk_count,
             token_count = excluded.token_count, warnings = excluded.warnings, meta = excluded.meta,
             model_id = excluded.model_id, updated_at = excluded.updated_at, indexed_at = excluded.indexed_at,
             deleted_at = NULL
           RETURNING id`,
        )
        .pluck()
        .get({
          path: file.path,
          folder: normalizeFolder(path.dirname(file.path)),
          name: path.basename(file.path),
          ext: path.extname(file.path).toLowerCase(),
          format: content.format,
          mime: content.mime,
          size: file.size,
          mtime: file.mtimeMs,
          hash: file.hash,
          tags: JSON.stringify(tags),
          title: content.title,
          chunks: content.chunks.length,
          tokens: content.chunks.reduce((n, c) => n + c.tokenCount, 0),
          warnings: JSON.stringify(content.warnings),
          meta: JSON.stringify(content.meta),
          model: modelId,
          now,
        }) as number | bigint,
    );
    // A re-indexed document's old chunks go (their FTS rows and vectors with them).
    if (existing) this.db.prepare('DELETE FROM chunks WHERE document_id = ?').run(id);
    const insChunk = this.db.prepare(
      `INSERT INTO chunks (document_id, ordinal, text, token_count, page, heading_path, char_start, char_end)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insVec = this.db.prepare('INSERT INTO chunk_vectors (chunk_id, model_id, vector) VALUES (?, ?, ?)');
    const dim = content.dimension;
    content.chunks.forEach((c, i) => {
      const chunkId = insChunk.run(
        id,
        c.ordinal,
        c.text,
        c.tokenCount,
        c.page ?? null,
        JSON.stringify(c.headingPath),
        c.charStart,
        c.charEnd,
      ).lastInsertRowid;
      insVec.run(chunkId, modelId, vectorToBlob(content.vectors.subarray(i * dim, (i + 1) * dim)));
      if (content.sentences) this.writeSentences(Number(chunkId), modelId, content.sentences[i] ?? null);
    });
    this.markVectorSync(id);
    return id;
  }

  /** A file that failed: a new path gets an 'error' document so the Library lists it with the reason. */
  writeFailure(p: string, size: number, message: string, reason: string, now: number): number {
    const existing = this.documentByPath(p);
    if (existing) {
      // Keep what was indexed before (it still answers searches); remember the last error.
      this.db
        .prepare('UPDATE documents SET error = ?, error_reason = ?, updated_at = ? WHERE id = ?')
        .run(message, reason, now, existing.id);
      return existing.id;
    }
    return Number(
      this.db
        .prepare(
          `INSERT INTO documents (path, folder, name, ext, size, mtime, status, error, error_reason, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 0, 'error', ?, ?, ?, ?)`,
        )
        .run(
          p,
          normalizeFolder(path.dirname(p)),
          path.basename(p),
          path.extname(p).toLowerCase(),
          size,
          message,
          reason,
          now,
          now,
        ).lastInsertRowid,
    );
  }

  markVectorSync(documentId: number): void {
    this.db.prepare('INSERT OR IGNORE INTO vector_sync (document_id) VALUES (?)').run(documentId);
  }

  pendingVectorSync(): number[] {
    return this.db
      .prepare('SELECT document_id FROM vector_sync ORDER BY document_id')
      .pluck()
      .all() as number[];
  }

  clearVectorSync(documentId: number): void {
    this.db.prepare('DELETE FROM vector_sync WHERE document_id = ?').run(documentId);
  }

  /** The document's vectors for `modelId` as vector-index items (empty when it has none or is gone). */
  vectorItems(documentId: number, modelId: string): VectorItem[] {
    const d = this.document(documentId);
    if (!d) return [];
    const payload = payloadOf(d);
    const rows = this.db
      .prepare(
        `SELECT v.chunk_id AS id, v.vector AS vector FROM chunk_vectors v JOIN chunks c ON c.id = v.chunk_id
         WHERE c.document_id = ? AND v.model_id = ? ORDER BY v.chunk_id`,
      )
      .all(documentId, modelId) as { id: number; vector: Buffer }[];
    return rows.map((r) => ({ id: r.id, vector: blobToVector(r.vector), payload }));
  }

  /** Every vector of `modelId`, in batches, for rebuilding a derived index. */
  *allVectorItems(modelId: string, batchSize = 1000): Generator<VectorItem[]> {
    const stmt = this.db.prepare(
      `SELECT v.chunk_id AS id, v.vector AS vector, d.id AS did, d.format, d.folder, d.mtime, d.tags
       FROM chunk_vectors v JOIN chunks c ON c.id = v.chunk_id JOIN documents d ON d.id = c.document_id
       WHERE v.model_id = ? AND v.chunk_id > ? ORDER BY v.chunk_id LIMIT ?`,
    );
    let after = 0;
    for (;;) {
      const rows = stmt.all(modelId, after, batchSize) as Array<{
        id: number;
        vector: Buffer;
        did: number;
        format: string | null;
        folder: string;
        mtime: number;
        tags: string;
      }>;
      if (rows.length === 0) return;
      yield rows.map((r) => ({
        id: r.id,
        vector: blobToVector(r.vector),
        payload: payloadOf({ id: r.did, format: r.format, folder: r.folder, mtime: r.mtime, tags: r.tags }),
      }));
      after = rows.at(-1)!.id;
    }
  }

  /**
   * Stores a chunk's sentence vectors for `modelId` (replacing any); null stores an empty row, so the
   * chunk counts as done. Does nothing when the chunk is gone (deleted while it was embedded).
   */
  writeSentences(chunkId: number, modelId: string, s: SentenceVectors | null): void {
    const b = sentenceBlobs(s ?? NO_SENTENCES);
    this.insSentences ??= this.db.prepare(
      `INSERT OR REPLACE INTO chunk_sentences (chunk_id, model_id, spans, vectors, scales)
       SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM chunks WHERE id = ?)`,
    );
    this.insSentences.run(chunkId, modelId, b.spans, b.vectors, b.scales, chunkId);
  }

  /** The stored sentence vectors of these chunks for `modelId` (chunks without a row are absent). */
  sentenceVectors(chunkIds: readonly number[], modelId: string): Map<number, SentenceVectors> {
    const rows = this.db
      .prepare(
        `SELECT chunk_id AS id, spans, vectors, scales FROM chunk_sentences
         WHERE model_id = ? AND chunk_id IN (SELECT value FROM json_each(?))`,
      )
      .all(modelId, JSON.stringify(chunkIds)) as Array<{
      id: number;
      spans: Buffer;
      vectors: Buffer;
      scales: Buffer;
    }>;
    return new Map(rows.map((r) => [r.id, sentenceVectorsFromBlobs(r)]));
  }

  vectorCount(modelId: string): number {
    return this.db
      .prepare('SELECT count(*) FROM chunk_vectors WHERE model_id = ?')
      .pluck()
      .get(modelId) as number;
  }

  // ---- key/value state ---------------------------------------------------------------------------

  getState(key: string): string | undefined {
    return this.db.prepare('SELECT value FROM knowledge_state WHERE key = ?').pluck().get(key) as
      string | undefined;
  }

  setState(key: string, value: string | undefined): void {
    if (value === undefined) this.db.prepare('DELETE FROM knowledge_state WHERE key = ?').run(key);
    else
      this.db
        .prepare(
          'INSERT INTO knowledge_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
        )
        .run(key, value);
  }

  // ---- jobs --------------------------------------------------------------------------------------

  job(id: number): JobRow | undefined {
    return this.db.prepare('SELECT * FROM ingest_jobs WHERE id = ?').get(id) as JobRow | undefined;
  }

  counts(): { documents: number; chunks: number; deleted: number } {
    const r = this.db
      .prepare(
        `SELECT (SELECT count(*) FROM documents WHERE deleted_at IS NULL) AS documents,
                (SELECT count(*) FROM chunks) AS chunks,
                (SELECT count(*) FROM documents WHERE deleted_at IS NOT NULL) AS deleted`,
      )
      .get() as { documents: number; chunks: number; deleted: number };
    return r;
  }
}
