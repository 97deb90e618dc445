/**
 * The embedded vector index: sqlite-vec (vec0 virtual tables) inside the app database, so it needs
 * no sidecar and shares transactions and backups with documents and chunks. Search is exact (a
 * brute-force scan; 100k x 384 top-10 in about 40 ms on one core).
 *
 * Per collection (registered in `vector_collections`, migration 0030):
 * - `vec_c<id>`: vec0 with `embedding float[D] distance_metric=cosine` and metadata columns
 *   `document_id`, `file_type`, `date` (filtered inside the KNN scan), plus the payload as JSON in an
 *   auxiliary column (read back when a Qdrant mirror is rebuilt);
 * - `vecterm_c<id>`: multi-valued filter terms (tags, folder ancestors); vec0 has no array columns,
 *   so these reach the KNN scan as one `rowid IN (...)` constraint.
 *
 * Table names come from the registry id, never from user text. vec0 wants integers bound as BigInt
 * (a JS number binds as a REAL and is refused), and it has no INSERT OR REPLACE: upserts delete first.
 * Everything is synchronous under the hood; run it in a worker thread with its own connection when a
 * bulk upsert must not block the Electron main thread.
 */
import * as sqliteVec from 'sqlite-vec';
import { AppError } from '../../../shared/ipc/result';
import type { Database } from '../storage/database';
import {
  MAX_K,
  assertCollectionName,
  assertItem,
  assertK,
  assertSpec,
  filterMatchesNothing,
  folderAncestors,
  normalizeFolder,
  specMismatch,
  type CollectionSpec,
  type IndexHealth,
  type SearchOptions,
  type VectorHit,
  type VectorIndex,
  type VectorItem,
  type VectorPayload,
} from './vectorIndex';

/** Stored in `date` when a vector has no date; below any real date, so date filters exclude it. */
const NO_DATE = -(2n ** 53n - 1n);
/** The earliest JavaScript date; a date filter's lower bound is never below it. */
const MIN_DATE = -8_640_000_000_000_000;

interface CollectionRow {
  id: number;
  name: string;
  dimension: number;
  distance: 'cosine';
  index_version: number;
  mirror_id: string | null;
  mirror_version: number | null;
}

export interface CollectionState {
  spec: CollectionSpec;
  indexVersion: number;
  mirrorId: string | null;
  mirrorVersion: number | null;
}

export interface EmbeddedIndexOptions {
  /** Path of the sqlite-vec loadable extension; default: the one the `sqlite-vec` package ships. */
  extensionPath?: string;
  /**
   * Memory-map up to this many bytes of the database on this connection (PRAGMA mmap_size; it is
   * only raised, never lowered). A KNN query scans every vector: through mmap it reads them without
   * copying through SQLite's page cache, which measured 76 -> 44 ms CPU for 100k x 384 top-10.
   * Default 1 GiB (address space, not memory); 0 leaves the connection as it is.
   */
  mmapSizeBytes?: number;
}

const DEFAULT_MMAP_BYTES = 1024 * 1024 * 1024;

/** Loads sqlite-vec into a connection once; returns its version. */
export function loadSqliteVec(db: Database, extensionPath?: string): string {
  try {
    return db.prepare('SELECT vec_version()').pluck().get() as string;
  } catch {
    // not loaded yet
  }
  try {
    db.loadExtension(extensionPath ?? asarUnpacked(sqliteVec.getLoadablePath()));
  } catch (e) {
    throw new AppError(
      'UNAVAILABLE',
      `The sqlite-vec extension could not be loaded (${(e as Error).message}); the embedded vector index is unavailable.`,
    );
  }
  return db.prepare('SELECT vec_version()').pluck().get() as string;
}

/**
 * SQLite loads extensions with the C library's dlopen, which cannot read inside Electron's app.asar;
 * electron-builder unpacks sqlite-vec (asarUnpack) next to it, in app.asar.unpacked.
 */
export function asarUnpacked(file: string): string {
  return file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

export class EmbeddedIndex implements VectorIndex {
  readonly kind = 'embedded' as const;
  readonly sqliteVecVersion: string;
  private disposed = false;

  constructor(
    private readonly db: Database,
    options: EmbeddedIndexOptions = {},
  ) {
    this.sqliteVecVersion = loadSqliteVec(db, options.extensionPath);
    const mmap = Math.max(0, Math.floor(options.mmapSizeBytes ?? DEFAULT_MMAP_BYTES));
    if (mmap > 0 && (db.pragma('mmap_size', { simple: true }) as number) < mmap)
      db.pragma(`mmap_size = ${mmap}`);
    const registry = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'vector_collections'")
      .get();
    if (!registry) {
      throw new AppError(
        'INTERNAL',
        'The vector_collections table is missing: the database was not migrated.',
      );
    }
  }

  // ---- collections ---------------------------------------------------------------------------

  async ensureCollection(spec: CollectionSpec): Promise<void> {
    this.ensureCollectionSync(spec);
  }

  /** Returns true when it created the collection. Checking an existing one takes no write lock. */
  ensureCollectionSync(spec: CollectionSpec): boolean {
    this.assertOpen();
    assertSpec(spec);
    const check = (existing: CollectionRow | undefined): boolean => {
      if (!existing) return false;
      if (existing.dimension !== spec.dimension || existing.distance !== spec.distance) {
        throw specMismatch(toSpec(existing), spec);
      }
      return true;
    };
    if (check(this.row(spec.name))) return false;
    const create = this.db.transaction((): boolean => {
      if (check(this.row(spec.name))) return false; // created meanwhile by another connection
      const now = new Date().toISOString();
      const id = Number(
        this.db
          .prepare(
            'INSERT INTO vector_collections (name, dimension, distance, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
          )
          .run(spec.name, spec.dimension, spec.distance, now, now).lastInsertRowid,
      );
      this.db.exec(`
        CREATE VIRTUAL TABLE ${vecTable(id)} USING vec0(
          embedding float[${spec.dimension}] distance_metric=cosine,
          document_id integer,
          file_type text,
          date integer,
          +payload text
        );
        CREATE TABLE ${termTable(id)} (
          id INTEGER NOT NULL,
          field TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (field, value, id)
        ) WITHOUT ROWID;
        CREATE INDEX ${termTable(id)}_by_id ON ${termTable(id)}(id);
      `);
      return true;
    });
    return create.immediate();
  }

  async describeCollection(name: string): Promise<CollectionSpec | undefined> {
    this.assertOpen();
    assertCollectionName(name);
    const row = this.row(name);
    return row ? toSpec(row) : undefined;
  }

  /** Registry state, including the version the Qdrant mirror last matched. */
  state(name: string): CollectionState | undefined {
    const row = this.row(name);
    if (!row) return undefined;
    return {
      spec: toSpec(row),
      indexVersion: row.index_version,
      mirrorId: row.mirror_id,
      mirrorVersion: row.mirror_version,
    };
  }

  collections(): CollectionSpec[] {
    return (this.db.prepare('SELECT * FROM vector_collections ORDER BY id').all() as CollectionRow[]).map(
      toSpec,
    );
  }

  /** Records that the mirror `mirrorId` holds an exact copy as of `version` (or clears it with null). */
  setMirrorState(name: string, mirrorId: string | null, version: number | null): void {
    this.db
      .prepare('UPDATE vector_collections SET mirror_id = ?, mirror_version = ? WHERE name = ?')
      .run(mirrorId, version, name);
  }

  async dropCollection(name: string): Promise<void> {
    this.assertOpen();
    assertCollectionName(name);
    const drop = this.db.transaction(() => {
      const row = this.row(name);
      if (!row) return;
      this.db.exec(`DROP TABLE IF EXISTS ${vecTable(row.id)}; DROP TABLE IF EXISTS ${termTable(row.id)};`);
      this.db.prepare('DELETE FROM vector_collections WHERE id = ?').run(row.id);
    });
    drop.immediate();
  }

  // ---- writes ---------------------------------------------------------------------------------

  async upsert(collection: string, items: readonly VectorItem[]): Promise<void> {
    this.upsertSync(collection, items);
  }

  /** All items in one transaction: either every item is written or none is. */
  upsertSync(collection: string, items: readonly VectorItem[]): void {
    const row = this.require(collection);
    for (const item of items) assertItem(collection, row.dimension, item);
    if (items.length === 0) return;
    const vt = vecTable(row.id);
    const tt = termTable(row.id);
    const delVec = this.db.prepare(`DELETE FROM ${vt} WHERE rowid = ?`);
    const delTerms = this.db.prepare(`DELETE FROM ${tt} WHERE id = ?`);
    const insVec = this.db.prepare(
      `INSERT INTO ${vt} (rowid, embedding, document_id, file_type, date, payload) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const insTerm = this.db.prepare(`INSERT OR IGNORE INTO ${tt} (id, field, value) VALUES (?, ?, ?)`);
    const write = this.db.transaction(() => {
      for (const item of items) {
        const id = BigInt(item.id);
        const p = item.payload;
        delVec.run(id);
        delTerms.run(item.id);
        insVec.run(
          id,
          item.vector,
          BigInt(p.documentId),
          p.fileType ?? '',
          p.date === undefined ? NO_DATE : BigInt(p.date),
          JSON.stringify(cleanPayload(p)),
        );
        for (const tag of new Set(p.tags ?? [])) insTerm.run(item.id, 'tag', tag);
        if (p.folder !== undefined)
          for (const f of folderAncestors(p.folder)) insTerm.run(item.id, 'folder', f);
      }
      this.bump(row.id);
    });
    write.immediate();
  }

  async delete(collection: string, ids: readonly number[]): Promise<void> {
    const row = this.require(collection);
    const delVec = this.db.prepare(`DELETE FROM ${vecTable(row.id)} WHERE rowid = ?`);
    const delTerms = this.db.prepare(`DELETE FROM ${termTable(row.id)} WHERE id = ?`);
    const write = this.db.transaction(() => {
      for (const id of ids) {
        if (!Number.isSafeInteger(id))
          throw new AppError('INVALID_INPUT', `Vector ids are integers; got ${id}.`);
        delVec.run(BigInt(id));
        delTerms.run(id);
      }
      this.bump(row.id);
    });
    write.immediate();
  }

  async deleteByDocument(collection: string, documentId: number): Promise<void> {
    const row = this.require(collection);
    if (!Number.isSafeInteger(documentId)) {
      throw new AppError('INVALID_INPUT', `documentId must be an integer; got ${documentId}.`);
    }
    const write = this.db.transaction(() => {
      const ids = this.db
        .prepare(`SELECT rowid FROM ${vecTable(row.id)} WHERE document_id = ?`)
        .pluck()
        .all(BigInt(documentId)) as number[];
      const delVec = this.db.prepare(`DELETE FROM ${vecTable(row.id)} WHERE rowid = ?`);
      const delTerms = this.db.prepare(`DELETE FROM ${termTable(row.id)} WHERE id = ?`);
      for (const id of ids) {
        delVec.run(BigInt(id));
        delTerms.run(id);
      }
      this.bump(row.id);
    });
    write.immediate();
  }

  // ---- reads ----------------------------------------------------------------------------------

  async search(collection: string, vector: Float32Array, options: SearchOptions): Promise<VectorHit[]> {
    return this.searchSync(collection, vector, options);
  }

  searchSync(collection: string, vector: Float32Array, options: SearchOptions): VectorHit[] {
    const row = this.require(collection);
    assertK(options.k);
    if (vector.length !== row.dimension) {
      throw new AppError(
        'INVALID_INPUT',
        `Collection "${collection}" holds ${row.dimension}-dimensional vectors; the query has ${vector.length} dimensions.`,
      );
    }
    const f = options.filter;
    if (filterMatchesNothing(f)) return [];
    const where: string[] = ['embedding MATCH ?', 'k = ?'];
    const params: unknown[] = [vector, BigInt(Math.min(options.k, MAX_K))];
    if (f?.documentIds) {
      where.push('document_id IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(f.documentIds));
    }
    if (f?.fileTypes) {
      const types = f.fileTypes.filter((t) => t !== '');
      if (types.length === 0) return [];
      where.push('file_type IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(types));
    }
    if (f?.dateFrom !== undefined || f?.dateTo !== undefined) {
      // The lower bound is always set, so vectors without a date (NO_DATE) never match.
      where.push('date >= ?');
      params.push(BigInt(Math.ceil(Math.max(f.dateFrom ?? MIN_DATE, MIN_DATE))));
      if (f.dateTo !== undefined) {
        where.push('date <= ?');
        params.push(BigInt(Math.floor(f.dateTo)));
      }
    }
    // vec0 allows one `rowid IN` per query: tags and folders meet in one INTERSECT.
    const termSets: string[] = [];
    if (f?.tags) {
      termSets.push(
        `SELECT id FROM ${termTable(row.id)} WHERE field = 'tag' AND value IN (SELECT value FROM json_each(?))`,
      );
      params.push(JSON.stringify(f.tags));
    }
    if (f?.folders) {
      termSets.push(
        `SELECT id FROM ${termTable(row.id)} WHERE field = 'folder' AND value IN (SELECT value FROM json_each(?))`,
      );
      params.push(JSON.stringify(f.folders.map(normalizeFolder)));
    }
    if (termSets.length > 0) where.push(`rowid IN (${termSets.join(' INTERSECT ')})`);
    const sql = `SELECT rowid AS id, distance FROM ${vecTable(row.id)} WHERE ${where.join(' AND ')} ORDER BY distance`;
    const rows = this.db.prepare(sql).all(...params) as { id: number; distance: number }[];
    return rows.map((r) => ({ id: Number(r.id), score: 1 - r.distance }));
  }

  async count(collection: string): Promise<number> {
    return this.countSync(collection);
  }

  countSync(collection: string): number {
    const row = this.require(collection);
    return Number(
      this.db
        .prepare(`SELECT count(*) FROM ${vecTable(row.id)}`)
        .pluck()
        .get(),
    );
  }

  /** Every item in id order, in batches (the source a Qdrant mirror is rebuilt from). */
  async *items(collection: string, batchSize = 1000): AsyncGenerator<VectorItem[]> {
    const row = this.require(collection);
    const stmt = this.db.prepare(
      `SELECT rowid AS id, embedding, payload FROM ${vecTable(row.id)} WHERE rowid > ? ORDER BY rowid LIMIT ?`,
    );
    let after = 0n;
    for (;;) {
      this.assertOpen();
      const rows = stmt.all(after, BigInt(batchSize)) as { id: number; embedding: Buffer; payload: string }[];
      if (rows.length === 0) return;
      yield rows.map((r) => ({
        id: Number(r.id),
        // Copy: the Buffer may sit at an offset of a shared pool that is not 4-byte aligned.
        vector: new Float32Array(new Uint8Array(r.embedding).buffer),
        payload: JSON.parse(r.payload) as VectorPayload,
      }));
      after = BigInt(rows.at(-1)!.id);
      if (rows.length < batchSize) return;
    }
  }

  async rebuildFrom(spec: CollectionSpec, source: AsyncIterable<readonly VectorItem[]>): Promise<number> {
    await this.dropCollection(spec.name);
    this.ensureCollectionSync(spec);
    let n = 0;
    for await (const batch of source) {
      this.upsertSync(spec.name, batch);
      n += batch.length;
    }
    return n;
  }

  health(): IndexHealth {
    if (this.disposed) return { state: 'off', detail: 'The embedded vector index is closed.' };
    return {
      state: 'ok',
      detail: `Embedded index (sqlite-vec ${this.sqliteVecVersion}) in the app database.`,
    };
  }

  async dispose(): Promise<void> {
    // The database connection belongs to the storage service, which closes it.
    this.disposed = true;
  }

  // ---- helpers --------------------------------------------------------------------------------

  private row(name: string): CollectionRow | undefined {
    return this.db.prepare('SELECT * FROM vector_collections WHERE name = ?').get(name) as
      CollectionRow | undefined;
  }

  private require(name: string): CollectionRow {
    this.assertOpen();
    assertCollectionName(name);
    const row = this.row(name);
    if (!row) throw new AppError('NOT_FOUND', `Vector collection "${name}" does not exist.`);
    return row;
  }

  private bump(id: number): void {
    this.db
      .prepare('UPDATE vector_collections SET index_version = index_version + 1, updated_at = ? WHERE id = ?')
      .run(new Date().toISOString(), id);
  }

  private assertOpen(): void {
    if (this.disposed) throw new AppError('UNAVAILABLE', 'The embedded vector index is closed.');
  }
}

function vecTable(id: number): string {
  return `vec_c${Math.trunc(id)}`;
}

function termTable(id: number): string {
  return `vecterm_c${Math.trunc(id)}`;
}

function toSpec(row: CollectionRow): CollectionSpec {
  return { name: row.name, dimension: row.dimension, distance: row.distance };
}

function cleanPayload(p: VectorPayload): VectorPayload {
  const out: VectorPayload = { documentId: p.documentId };
  if (p.fileType !== undefined) out.fileType = p.fileType;
  if (p.folder !== undefined) out.folder = p.folder;
  if (p.date !== undefined) out.date = p.date;
  if (p.tags !== undefined) out.tags = [...p.tags];
  return out;
}
