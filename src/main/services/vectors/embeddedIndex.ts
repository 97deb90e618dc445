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
 * Queries on a collection of `quantizedScanMinVectors` or more take a fast path: an in-memory int8
 * copy scanned with SIMD picks candidates, and sqlite-vec re-scores them exactly (quantizedScan.ts).
 * A filtered query keeps the nearest candidates whose payload passes the filter, and goes to the
 * exact scan when the filter allows too few of them (`allowedCandidates`). The copy is built in the
 * background on the first query (the exact scan answers meanwhile), follows every write made
 * through this object, and is dropped when the collection's index_version shows a write it did not
 * see.
 *
 * Table names come from the registry id, never from user text. vec0 wants integers bound as BigInt
 * (a JS number binds as a REAL and is refused), and it has no INSERT OR REPLACE: upserts delete first.
 * Everything is synchronous under the hood; run it in a worker thread with its own connection when a
 * bulk upsert must not block the Electron main thread.
 */
import * as sqliteVec from 'sqlite-vec';
import { AppError } from '../../../shared/ipc/result';
import type { Database } from '../storage/database';
import { QuantizedScan, type QuantizedCandidate } from './quantizedScan';
import {
  MAX_K,
  assertCollectionName,
  assertItem,
  assertK,
  assertSpec,
  cosineSimilarity,
  filterMatchesNothing,
  folderAncestors,
  normalizeFolder,
  payloadMatches,
  specMismatch,
  type CollectionSpec,
  type IndexHealth,
  type SearchOptions,
  type VectorHit,
  type VectorIndex,
  type VectorItem,
  type VectorFilter,
  type VectorPayload,
} from './vectorIndex';

/** Stored in `date` when a vector has no date; below any real date, so date filters exclude it. */
const NO_DATE = -(2n ** 53n - 1n);
/** The earliest JavaScript date; a date filter's lower bound is never below it. */
const MIN_DATE = -8_640_000_000_000_000;
/**
 * A filtered query through the int8 copy reads the payloads of up to this many times the candidates
 * it re-scores, nearest first, to find enough that pass.
 */
const FILTERED_POOL = 4;
/** Payloads read before judging whether the pool can fill the candidates. */
const FILTERED_PROBE = 32;

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
  /**
   * Unfiltered queries on collections with at least this many vectors use the int8 fast path
   * (default 4096; below it the exact scan takes a few milliseconds anyway). Infinity turns it off.
   */
  quantizedScanMinVectors?: number;
  /** Rows read per slice while the int8 copy is built in the background (default 2000). */
  quantizedScanBuildSlice?: number;
}

/** What the int8 fast path of one collection is doing (diagnostics and tests). */
export interface QuantizedScanState {
  state: 'off' | 'building' | 'ready';
  vectors: number;
  bytes: number;
}

type ScanOp = { kind: 'set'; id: number; vector: Float32Array } | { kind: 'delete'; id: number };

interface ScanBuild {
  pending: ScanOp[];
  /** Writes made through this object since the build started (each bumps index_version by one). */
  writes: number;
  done: Promise<void>;
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
  private readonly scanMin: number;
  private readonly scanSlice: number;
  /** Int8 copies by collection id, and the builds in flight. */
  private readonly scans = new Map<number, QuantizedScan>();
  private readonly builds = new Map<number, ScanBuild>();

  constructor(
    private readonly db: Database,
    options: EmbeddedIndexOptions = {},
  ) {
    this.sqliteVecVersion = loadSqliteVec(db, options.extensionPath);
    this.scanMin = options.quantizedScanMinVectors ?? 4096;
    this.scanSlice = Math.max(1, Math.floor(options.quantizedScanBuildSlice ?? 2000));
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
      this.forgetScan(row.id);
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
      return this.bump(row.id);
    });
    const version = write.immediate();
    this.followWrite(
      row.id,
      version,
      items.map((i) => ({ kind: 'set', id: i.id, vector: i.vector })),
    );
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
      return this.bump(row.id);
    });
    const version = write.immediate();
    this.followWrite(
      row.id,
      version,
      ids.map((id) => ({ kind: 'delete', id })),
    );
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
      return { ids, version: this.bump(row.id) };
    });
    const { ids, version } = write.immediate();
    this.followWrite(
      row.id,
      version,
      ids.map((id) => ({ kind: 'delete', id: Number(id) })),
    );
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
    const fast = this.fastSearch(row, vector, Math.min(options.k, MAX_K), hasFilter(f) ? f : undefined);
    if (fast) return fast;
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
    this.scans.clear();
    this.builds.clear();
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

  /** Bumps a collection's index_version; returns the new one. */
  private bump(id: number): number {
    return this.db
      .prepare(
        'UPDATE vector_collections SET index_version = index_version + 1, updated_at = ? WHERE id = ? RETURNING index_version',
      )
      .pluck()
      .get(new Date().toISOString(), id) as number;
  }

  // ---- the int8 fast path ---------------------------------------------------------------------

  /** What the fast path of a collection is doing. */
  quantizedScanState(name: string): QuantizedScanState {
    const row = this.row(name);
    const scan = row ? this.scans.get(row.id) : undefined;
    if (scan) return { state: 'ready', vectors: scan.size, bytes: scan.bytes };
    return { state: row && this.builds.has(row.id) ? 'building' : 'off', vectors: 0, bytes: 0 };
  }

  /** Resolves when the fast path of a collection is built (starting the build if needed). */
  async warmQuantizedScan(name: string): Promise<QuantizedScanState> {
    const row = this.require(name);
    if (!this.scans.has(row.id)) await this.startScanBuild(row);
    return this.quantizedScanState(name);
  }

  /**
   * Candidates from the int8 copy, re-scored exactly from their float vectors; undefined when the copy is not
   * there (too small a collection, still building, or stale), or when a filter allows too few of the
   * nearest vectors: the caller runs the exact scan (sqlite-vec applies the filter inside it).
   */
  private fastSearch(
    row: CollectionRow,
    vector: Float32Array,
    k: number,
    filter?: VectorFilter,
  ): VectorHit[] | undefined {
    const scan = this.scans.get(row.id);
    if (!scan) {
      if (
        Number.isFinite(this.scanMin) &&
        !this.builds.has(row.id) &&
        this.countSync(row.name) >= this.scanMin
      )
        void this.startScanBuild(row);
      return undefined;
    }
    if (scan.version !== row.index_version) {
      // A write this object did not see (another connection): the copy cannot be trusted.
      this.scans.delete(row.id);
      return undefined;
    }
    if (scan.size === 0) return [];
    const want = Math.min(scan.size, Math.max(2 * k, k + 64));
    const candidates = filter
      ? this.allowedCandidates(row, scan, vector, want, filter)
      : scan.candidates(vector, want);
    if (!candidates) return undefined;
    if (candidates.length === 0) return [];
    // Exact cosine of each candidate from its stored float vector (point lookups by rowid: a KNN
    // query restricted with `rowid IN` would still walk every chunk of the table).
    const get = this.db.prepare(`SELECT embedding FROM ${vecTable(row.id)} WHERE rowid = ?`).pluck();
    const scored: VectorHit[] = [];
    for (const c of candidates) {
      const blob = get.get(BigInt(c.id)) as Buffer | undefined;
      if (!blob) continue;
      const v =
        blob.byteOffset % 4 === 0
          ? new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4)
          : new Float32Array(new Uint8Array(blob).buffer);
      scored.push({ id: c.id, score: cosineSimilarity(v, vector) });
    }
    scored.sort((a, b) => b.score - a.score || a.id - b.id);
    return scored.slice(0, k);
  }

  /**
   * The `want` nearest int8 candidates that pass `filter`, best first, read from their payloads;
   * undefined when the filter allows too few of the nearest `want * FILTERED_POOL` to fill them (a
   * filter allowing under about a quarter of the vectors: sqlite-vec's filtered scan is then the
   * cheaper way). When the pool is the whole collection, whatever passes is every allowed vector.
   * Measured at 100k vectors with a date filter (k = 60): allowing all 7 ms against the exact scan's
   * 89, half 14 against 48; allowing 20% or less, the exact scan answers after ~4 ms spent here.
   */
  private allowedCandidates(
    row: CollectionRow,
    scan: QuantizedScan,
    vector: Float32Array,
    want: number,
    filter: VectorFilter,
  ): QuantizedCandidate[] | undefined {
    const pool = scan.candidates(vector, Math.min(scan.size, want * FILTERED_POOL));
    const whole = pool.length >= scan.size;
    const payload = this.db.prepare(`SELECT payload FROM ${vecTable(row.id)} WHERE rowid = ?`).pluck();
    const out: QuantizedCandidate[] = [];
    for (let i = 0; i < pool.length && out.length < want; i++) {
      const json = payload.get(BigInt(pool[i]!.id)) as string | undefined;
      if (json !== undefined && payloadMatches(JSON.parse(json) as VectorPayload, filter)) out.push(pool[i]!);
      // At the rate seen over the first few, the pool would not fill them: stop reading (each
      // payload is a vec0 point lookup, ~30 us at 100k vectors).
      const seen = Math.min(want, FILTERED_PROBE);
      if (!whole && i + 1 === seen && (out.length * pool.length) / seen < want) return undefined;
    }
    return out.length >= want || whole ? out : undefined;
  }

  private startScanBuild(row: CollectionRow): Promise<void> {
    const existing = this.builds.get(row.id);
    if (existing) return existing.done;
    const build: ScanBuild = { pending: [], writes: 0, done: Promise.resolve() };
    this.builds.set(row.id, build);
    build.done = this.buildScan(row, build)
      .catch(() => undefined) // the exact scan keeps answering; the next query tries again
      .finally(() => {
        if (this.builds.get(row.id) === build) this.builds.delete(row.id);
      });
    return build.done;
  }

  /**
   * Reads every vector in rowid slices, yielding to the event loop between slices, then replays the
   * writes made meanwhile. Rows read after a write already hold it; replaying is idempotent.
   */
  private async buildScan(row: CollectionRow, build: ScanBuild): Promise<void> {
    const startVersion = this.row(row.name)?.index_version;
    if (startVersion === undefined) return;
    const count = this.countSync(row.name);
    const stmt = this.db.prepare(
      `SELECT rowid AS id, embedding FROM ${vecTable(row.id)} WHERE rowid > ? ORDER BY rowid LIMIT ?`,
    );
    let scan: QuantizedScan | undefined;
    let after = 0n;
    for (;;) {
      if (this.disposed || this.builds.get(row.id) !== build || this.row(row.name)?.id !== row.id) return;
      const rows = stmt.all(after, BigInt(this.scanSlice)) as { id: number; embedding: Buffer }[];
      const vectors = rows.map((r) => new Float32Array(new Uint8Array(r.embedding).buffer));
      if (!scan) {
        let maxAbs = 0;
        for (const v of vectors)
          for (let d = 0; d < v.length; d++) maxAbs = Math.max(maxAbs, Math.abs(v[d]!));
        // A margin over the first slice's largest component; later outliers are clipped (see quantizedScan.ts).
        scan = QuantizedScan.create(row.dimension, maxAbs * 1.25, count + 1024, startVersion);
      }
      rows.forEach((r, i) => scan!.set(Number(r.id), vectors[i]!));
      if (rows.length < this.scanSlice) break;
      after = BigInt(rows.at(-1)!.id);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (!scan || this.disposed || this.builds.get(row.id) !== build) return;
    for (const op of build.pending) {
      if (op.kind === 'set') scan.set(op.id, op.vector);
      else scan.delete(op.id);
    }
    const now = this.row(row.name);
    // Every write since the start went through this object: the copy is exact as of `now`.
    if (now?.id !== row.id || now.index_version !== startVersion + build.writes) return;
    scan.version = now.index_version;
    this.scans.set(row.id, scan);
  }

  /** Applies a write made through this object to the collection's int8 copy (or its build). */
  private followWrite(collectionId: number, version: number, ops: ScanOp[]): void {
    const build = this.builds.get(collectionId);
    if (build) {
      build.pending.push(...ops);
      build.writes++;
    }
    const scan = this.scans.get(collectionId);
    if (!scan) return;
    if (scan.version !== version - 1) {
      this.scans.delete(collectionId);
      return;
    }
    for (const op of ops) {
      if (op.kind === 'set') scan.set(op.id, op.vector);
      else scan.delete(op.id);
    }
    scan.version = version;
  }

  private forgetScan(collectionId: number): void {
    this.scans.delete(collectionId);
    this.builds.delete(collectionId);
  }

  private assertOpen(): void {
    if (this.disposed) throw new AppError('UNAVAILABLE', 'The embedded vector index is closed.');
  }
}

function hasFilter(f: SearchOptions['filter']): boolean {
  if (!f) return false;
  return (
    f.documentIds !== undefined ||
    f.fileTypes !== undefined ||
    f.dateFrom !== undefined ||
    f.dateTo !== undefined ||
    f.tags !== undefined ||
    f.folders !== undefined
  );
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
