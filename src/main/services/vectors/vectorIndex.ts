/**
 * One contract for the vector index, with two real implementations:
 * - `EmbeddedIndex` (sqlite-vec in the app database): always available, exact search;
 * - `QdrantIndex` (a Qdrant sidecar or a remote Qdrant): HNSW, for large collections.
 *
 * SQLite is the source of truth for vectors; a Qdrant collection is a mirror rebuilt from it.
 * Filters are limited to what both backends express the same way: every given condition must hold,
 * and inside one list any value may match.
 */
import { AppError } from '../../../shared/ipc/result';
import type { ServiceHealth } from '../../../shared/types/system';

export type IndexKind = 'embedded' | 'qdrant';
export type Distance = 'cosine';

export interface CollectionSpec {
  /** Lower-case letters, digits and underscores, starting with a letter (it names SQL tables). */
  name: string;
  dimension: number;
  distance: Distance;
}

/** What a vector carries besides its id (the chunk rowid); used for filtering. */
export interface VectorPayload {
  documentId: number;
  fileType?: string;
  /** The document's folder; a folder filter matches it and every folder above it. */
  folder?: string;
  /** Milliseconds since the epoch (document date). */
  date?: number;
  tags?: string[];
}

export interface VectorItem {
  /** The chunk's rowid: a positive integer. */
  id: number;
  vector: Float32Array;
  payload: VectorPayload;
}

/**
 * Every given condition must hold; inside one list any value may match. An empty list matches
 * nothing (an empty selection, not "no filter").
 */
export interface VectorFilter {
  documentIds?: number[];
  fileTypes?: string[];
  /** Documents in these folders or any folder below them. */
  folders?: string[];
  /** Inclusive bounds, milliseconds since the epoch; a vector with no date never matches a date filter. */
  dateFrom?: number;
  dateTo?: number;
  tags?: string[];
}

export interface SearchOptions {
  k: number;
  filter?: VectorFilter;
}

export interface VectorHit {
  id: number;
  /** Cosine similarity in [-1, 1]; higher is closer. */
  score: number;
}

export interface IndexHealth {
  state: ServiceHealth['state'];
  detail: string;
}

export interface VectorIndex {
  readonly kind: IndexKind;
  /** Creates the collection, or checks that an existing one has the same dimension and distance. */
  ensureCollection(spec: CollectionSpec): Promise<void>;
  /** The collection's spec, or undefined when it does not exist. */
  describeCollection(name: string): Promise<CollectionSpec | undefined>;
  dropCollection(name: string): Promise<void>;
  /** Inserts or replaces items by id. */
  upsert(collection: string, items: readonly VectorItem[]): Promise<void>;
  delete(collection: string, ids: readonly number[]): Promise<void>;
  deleteByDocument(collection: string, documentId: number): Promise<void>;
  /** The k closest vectors, closest first. */
  search(collection: string, vector: Float32Array, options: SearchOptions): Promise<VectorHit[]>;
  count(collection: string): Promise<number>;
  /** Replaces the collection's content with everything `source` yields (drop, create, upsert in batches). */
  rebuildFrom(spec: CollectionSpec, source: AsyncIterable<readonly VectorItem[]>): Promise<number>;
  health(): IndexHealth;
  dispose(): Promise<void>;
}

/** Largest k either backend is asked for (sqlite-vec's own limit is 4096). */
export const MAX_K = 4096;

const NAME_RE = /^[a-z][a-z0-9_]{0,47}$/;

export function assertCollectionName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new AppError(
      'INVALID_INPUT',
      `Collection name "${name}" is not valid: use lower-case letters, digits and underscores, starting with a letter (at most 48).`,
    );
  }
}

export function assertSpec(spec: CollectionSpec): void {
  assertCollectionName(spec.name);
  if (!Number.isInteger(spec.dimension) || spec.dimension < 1 || spec.dimension > 8192) {
    throw new AppError(
      'INVALID_INPUT',
      `Vector dimension must be an integer from 1 to 8192; got ${spec.dimension}.`,
    );
  }
  if (spec.distance !== 'cosine') {
    throw new AppError('INVALID_INPUT', `Only cosine distance is supported; got "${String(spec.distance)}".`);
  }
}

export function assertK(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) {
    throw new AppError('INVALID_INPUT', `k must be an integer from 1 to ${MAX_K}; got ${k}.`);
  }
}

export function dimensionMismatch(collection: string, expected: number, got: number): AppError {
  return new AppError(
    'INVALID_INPUT',
    `Collection "${collection}" holds ${expected}-dimensional vectors; got a ${got}-dimensional vector. ` +
      'The embedding model changed: rebuild the index.',
  );
}

export function specMismatch(existing: CollectionSpec, wanted: CollectionSpec): AppError {
  return new AppError(
    'CONFLICT',
    `Collection "${wanted.name}" already exists with ${existing.dimension} dimensions (${existing.distance}); ` +
      `asked for ${wanted.dimension} (${wanted.distance}). Drop and rebuild it for the new embedding model.`,
  );
}

export function assertItem(collection: string, dimension: number, item: VectorItem): void {
  if (!Number.isSafeInteger(item.id) || item.id < 1) {
    throw new AppError('INVALID_INPUT', `Vector ids are positive integers (chunk rowids); got ${item.id}.`);
  }
  if (item.vector.length !== dimension) throw dimensionMismatch(collection, dimension, item.vector.length);
  if (!Number.isSafeInteger(item.payload.documentId)) {
    throw new AppError(
      'INVALID_INPUT',
      `payload.documentId must be an integer; got ${item.payload.documentId}.`,
    );
  }
  if (item.payload.date !== undefined && !Number.isFinite(item.payload.date)) {
    throw new AppError(
      'INVALID_INPUT',
      `payload.date must be milliseconds since the epoch; got ${item.payload.date}.`,
    );
  }
}

/** Forward slashes, no trailing slash, no doubled slashes: "C:\\a\\b\\" -> "C:/a/b". */
export function normalizeFolder(folder: string): string {
  let f = folder.replace(/\\/g, '/').replace(/\/{2,}/g, '/');
  if (f.length > 1 && f.endsWith('/')) f = f.slice(0, -1);
  return f;
}

/** "/a/b/c" -> ["/", "/a", "/a/b", "/a/b/c"]; "C:/x" -> ["C:", "C:/x"]. A folder filter matches any of these. */
export function folderAncestors(folder: string): string[] {
  const f = normalizeFolder(folder);
  if (f === '') return [];
  const out: string[] = [];
  if (f.startsWith('/')) out.push('/');
  const parts = f.split('/').filter((p) => p.length > 0);
  let acc = f.startsWith('/') ? '' : undefined;
  for (const p of parts) {
    acc = acc === undefined ? p : `${acc}/${p}`;
    out.push(acc);
  }
  return out;
}

/** True when some list in the filter is empty, so nothing can match. */
export function filterMatchesNothing(filter: VectorFilter | undefined): boolean {
  if (!filter) return false;
  const lists = [filter.documentIds, filter.fileTypes, filter.folders, filter.tags];
  if (lists.some((l) => l !== undefined && l.length === 0)) return true;
  return filter.dateFrom !== undefined && filter.dateTo !== undefined && filter.dateFrom > filter.dateTo;
}

/** The reference semantics of a filter, used by tests and by anything that filters in memory. */
export function payloadMatches(payload: VectorPayload, filter: VectorFilter | undefined): boolean {
  if (!filter) return true;
  if (filterMatchesNothing(filter)) return false;
  if (filter.documentIds && !filter.documentIds.includes(payload.documentId)) return false;
  if (filter.fileTypes && (payload.fileType === undefined || !filter.fileTypes.includes(payload.fileType)))
    return false;
  if (filter.folders) {
    const mine = new Set(payload.folder === undefined ? [] : folderAncestors(payload.folder));
    if (!filter.folders.some((f) => mine.has(normalizeFolder(f)))) return false;
  }
  if (filter.tags && !filter.tags.some((t) => payload.tags?.includes(t))) return false;
  if (filter.dateFrom !== undefined || filter.dateTo !== undefined) {
    if (payload.date === undefined) return false;
    if (filter.dateFrom !== undefined && payload.date < filter.dateFrom) return false;
    if (filter.dateTo !== undefined && payload.date > filter.dateTo) return false;
  }
  return true;
}

/**
 * A collection name for an embedding model id ("Xenova/all-MiniLM-L6-v2" -> "chunks_xenova_all_minilm_l6_v2_1a2b3c"):
 * readable, valid as a collection name, and distinct for ids that slug the same.
 */
export function collectionNameFor(modelId: string, prefix = 'chunks'): string {
  const slug = modelId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  let h = 0x811c9dc5; // FNV-1a, 32 bit
  for (let i = 0; i < modelId.length; i++) {
    h ^= modelId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const hash = h.toString(16).padStart(8, '0').slice(0, 6);
  const room = 48 - prefix.length - hash.length - 2;
  const name = `${prefix}_${slug.slice(0, room).replace(/_+$/, '')}_${hash}`.replace(/__+/g, '_');
  assertCollectionName(name);
  return name;
}

/** Cosine similarity of two vectors of the same length (0 when either is all zeros). */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
