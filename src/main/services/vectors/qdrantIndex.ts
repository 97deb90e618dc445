/**
 * The Qdrant vector index (@qdrant/js-client-rest 1.18, the last client that runs on Node 20).
 * It talks to the sidecar on a loopback port or to a remote Qdrant (the scale-out option). Its
 * collections are mirrors: SQLite holds the vectors, and `rebuildFrom` refills a collection from it.
 *
 * Filters map onto Qdrant's `must` conditions with the same meaning as the embedded index: lists are
 * `match.any`, folders match through a `folders` payload array holding every ancestor folder, and
 * dates are an integer `range`. Every filtered field gets a payload index.
 */
import { QdrantClient, QdrantClientTimeoutError, type Schemas } from '@qdrant/js-client-rest';
import { AppError, isAppError } from '../../../shared/ipc/result';
import {
  assertCollectionName,
  assertItem,
  assertK,
  assertSpec,
  dimensionMismatch,
  filterMatchesNothing,
  folderAncestors,
  normalizeFolder,
  specMismatch,
  type CollectionSpec,
  type IndexHealth,
  type SearchOptions,
  type VectorFilter,
  type VectorHit,
  type VectorIndex,
  type VectorItem,
  type VectorPayload,
} from './vectorIndex';

export interface QdrantEndpoint {
  url: string;
  apiKey?: string;
}

export interface QdrantIndexOptions {
  /** Where Qdrant is right now (the sidecar's port changes between runs); undefined while it is down. */
  endpoint: () => QdrantEndpoint | undefined;
  /** Prepended to collection names so a shared remote Qdrant keeps Nook's collections apart. */
  collectionPrefix?: string;
  /** Points per upsert request. */
  batchSize?: number;
  /** Request timeout in milliseconds. */
  timeoutMs?: number;
  /** Ask Qdrant for exact (brute-force) search instead of HNSW. */
  exact?: boolean;
}

/** Payload fields with an index, and the index type. */
export const PAYLOAD_INDEXES: ReadonlyArray<[string, 'integer' | 'keyword']> = [
  ['documentId', 'integer'],
  ['fileType', 'keyword'],
  ['folders', 'keyword'],
  ['tags', 'keyword'],
  ['date', 'integer'],
];

/** The payload stored in Qdrant: the item payload plus the folder ancestors used by folder filters. */
export function toQdrantPayload(p: VectorPayload): Record<string, unknown> {
  const out: Record<string, unknown> = { documentId: p.documentId };
  if (p.fileType !== undefined) out.fileType = p.fileType;
  if (p.folder !== undefined) {
    out.folder = p.folder;
    out.folders = folderAncestors(p.folder);
  }
  if (p.date !== undefined) out.date = p.date;
  if (p.tags !== undefined) out.tags = [...new Set(p.tags)];
  return out;
}

/** Maps a VectorFilter to Qdrant's filter; undefined when there is nothing to filter. */
export function toQdrantFilter(f: VectorFilter | undefined): Schemas['Filter'] | undefined {
  if (!f) return undefined;
  const must: Schemas['FieldCondition'][] = [];
  if (f.documentIds) must.push({ key: 'documentId', match: { any: [...f.documentIds] } });
  if (f.fileTypes) must.push({ key: 'fileType', match: { any: [...f.fileTypes] } });
  if (f.folders) must.push({ key: 'folders', match: { any: f.folders.map(normalizeFolder) } });
  if (f.tags) must.push({ key: 'tags', match: { any: [...f.tags] } });
  if (f.dateFrom !== undefined || f.dateTo !== undefined) {
    const range: Schemas['Range'] = {};
    if (f.dateFrom !== undefined) range.gte = Math.ceil(f.dateFrom);
    if (f.dateTo !== undefined) range.lte = Math.floor(f.dateTo);
    must.push({ key: 'date', range });
  }
  return must.length > 0 ? { must } : undefined;
}

/** The HTTP status inside a client error, if any. */
export function qdrantStatus(e: unknown): number | undefined {
  const status = (e as { status?: unknown })?.status;
  if (typeof status === 'number') return status;
  const m = /Unexpected Response: (\d{3})/.exec(String((e as Error)?.message ?? ''));
  return m ? Number(m[1]) : undefined;
}

/** Turns a client or network error into an AppError the user can read. */
export function mapQdrantError(e: unknown, what: string): AppError {
  if (isAppError(e)) return e;
  if (e instanceof QdrantClientTimeoutError || (e as Error)?.name === 'TimeoutError') {
    return new AppError('TIMEOUT', `Qdrant did not answer in time (${what}).`);
  }
  const status = qdrantStatus(e);
  const message = String((e as Error)?.message ?? e);
  const detail = message
    .replace(/^Unexpected Response: /, '')
    .replace(/\s+/g, ' ')
    .slice(0, 300);
  if (status === 401 || status === 403)
    return new AppError('UNAUTHORIZED', `Qdrant refused the API key (${what}).`);
  if (status === 404) return new AppError('NOT_FOUND', `Qdrant: not found (${what}).`);
  if (status === 400 || status === 422)
    return new AppError('INVALID_INPUT', `Qdrant rejected the request (${what}): ${detail}`);
  if (status === 409) return new AppError('CONFLICT', `Qdrant: conflict (${what}): ${detail}`);
  if (status === 429 || status === 503)
    return new AppError('UNAVAILABLE', `Qdrant is busy (${what}); try again.`);
  if (status !== undefined) return new AppError('UNAVAILABLE', `Qdrant failed (${what}): ${detail}`);
  return new AppError('UNAVAILABLE', `Qdrant is not reachable (${what}): ${detail}`);
}

export class QdrantIndex implements VectorIndex {
  readonly kind = 'qdrant' as const;
  private client: { key: string; client: QdrantClient } | undefined;
  private readonly dims = new Map<string, number>();
  private lastError: string | undefined;
  private disposed = false;
  private readonly prefix: string;
  private readonly batchSize: number;

  constructor(private readonly options: QdrantIndexOptions) {
    this.prefix = options.collectionPrefix ?? 'nook_';
    this.batchSize = options.batchSize ?? 256;
  }

  /** The Qdrant collection that mirrors `name`. */
  qdrantName(name: string): string {
    return `${this.prefix}${name}`;
  }

  async ensureCollection(spec: CollectionSpec): Promise<void> {
    assertSpec(spec);
    const existing = await this.describeCollection(spec.name);
    if (existing) {
      if (existing.dimension !== spec.dimension || existing.distance !== spec.distance)
        throw specMismatch(existing, spec);
      return;
    }
    await this.call(`create collection ${spec.name}`, async (c) => {
      try {
        await c.createCollection(this.qdrantName(spec.name), {
          vectors: { size: spec.dimension, distance: 'Cosine' },
        });
      } catch (e) {
        // Created by a concurrent caller: fine if it has the same shape (checked below).
        if (qdrantStatus(e) !== 409) throw e;
      }
      for (const [field, schema] of PAYLOAD_INDEXES) {
        await c.createPayloadIndex(this.qdrantName(spec.name), {
          field_name: field,
          field_schema: schema,
          wait: true,
        });
      }
    });
    const created = await this.describeCollection(spec.name);
    if (created && created.dimension !== spec.dimension) throw specMismatch(created, spec);
    this.dims.set(spec.name, spec.dimension);
  }

  async describeCollection(name: string): Promise<CollectionSpec | undefined> {
    assertCollectionName(name);
    return this.call(`describe collection ${name}`, async (c) => {
      let info: Schemas['CollectionInfo'];
      try {
        info = await c.getCollection(this.qdrantName(name));
      } catch (e) {
        if (qdrantStatus(e) === 404) {
          this.dims.delete(name);
          return undefined;
        }
        throw e;
      }
      const vectors = info.config?.params?.vectors as unknown;
      const params =
        typeof vectors === 'object' && vectors !== null && 'size' in vectors
          ? (vectors as Schemas['VectorParams'])
          : undefined;
      if (!params || params.distance !== 'Cosine') {
        throw new AppError(
          'CONFLICT',
          `Qdrant collection ${this.qdrantName(name)} was not created by Nook (it needs one unnamed cosine vector).`,
        );
      }
      this.dims.set(name, params.size);
      return { name, dimension: params.size, distance: 'cosine' as const };
    });
  }

  async dropCollection(name: string): Promise<void> {
    assertCollectionName(name);
    await this.call(`drop collection ${name}`, async (c) => {
      try {
        await c.deleteCollection(this.qdrantName(name));
      } catch (e) {
        if (qdrantStatus(e) !== 404) throw e;
      }
    });
    this.dims.delete(name);
  }

  async upsert(collection: string, items: readonly VectorItem[]): Promise<void> {
    const dim = await this.dimension(collection);
    // Checked before anything is sent, so a bad batch writes nothing.
    for (const item of items) assertItem(collection, dim, item);
    for (let i = 0; i < items.length; i += this.batchSize) {
      const points = items.slice(i, i + this.batchSize).map((it) => ({
        id: it.id,
        vector: Array.from(it.vector),
        payload: toQdrantPayload(it.payload),
      }));
      await this.call(`upsert into ${collection}`, (c) =>
        c.upsert(this.qdrantName(collection), { wait: true, points }),
      );
    }
  }

  async delete(collection: string, ids: readonly number[]): Promise<void> {
    await this.dimension(collection);
    if (ids.length === 0) return;
    for (const id of ids) {
      if (!Number.isSafeInteger(id))
        throw new AppError('INVALID_INPUT', `Vector ids are integers; got ${id}.`);
    }
    const valid = ids.filter((id) => id > 0);
    for (let i = 0; i < valid.length; i += this.batchSize) {
      const points = valid.slice(i, i + this.batchSize);
      await this.call(`delete from ${collection}`, (c) =>
        c.delete(this.qdrantName(collection), { wait: true, points }),
      );
    }
  }

  async deleteByDocument(collection: string, documentId: number): Promise<void> {
    await this.dimension(collection);
    if (!Number.isSafeInteger(documentId)) {
      throw new AppError('INVALID_INPUT', `documentId must be an integer; got ${documentId}.`);
    }
    await this.call(`delete document ${documentId} from ${collection}`, (c) =>
      c.delete(this.qdrantName(collection), {
        wait: true,
        filter: { must: [{ key: 'documentId', match: { value: documentId } }] },
      }),
    );
  }

  async search(collection: string, vector: Float32Array, options: SearchOptions): Promise<VectorHit[]> {
    assertK(options.k);
    const dim = await this.dimension(collection);
    if (vector.length !== dim) throw dimensionMismatch(collection, dim, vector.length);
    if (filterMatchesNothing(options.filter)) return [];
    const filter = toQdrantFilter(options.filter);
    const res = await this.call(`search ${collection}`, (c) =>
      c.query(this.qdrantName(collection), {
        query: Array.from(vector),
        limit: options.k,
        ...(filter ? { filter } : {}),
        ...(this.options.exact ? { params: { exact: true } } : {}),
        with_payload: false,
        with_vector: false,
      }),
    );
    return res.points.map((p) => ({ id: Number(p.id), score: p.score }));
  }

  async count(collection: string): Promise<number> {
    await this.dimension(collection);
    const res = await this.call(`count ${collection}`, (c) =>
      c.count(this.qdrantName(collection), { exact: true }),
    );
    return res.count;
  }

  async rebuildFrom(spec: CollectionSpec, source: AsyncIterable<readonly VectorItem[]>): Promise<number> {
    assertSpec(spec);
    await this.dropCollection(spec.name);
    await this.ensureCollection(spec);
    let n = 0;
    for await (const batch of source) {
      await this.upsert(spec.name, batch);
      n += batch.length;
    }
    return n;
  }

  health(): IndexHealth {
    if (this.disposed) return { state: 'off', detail: 'The Qdrant index is closed.' };
    const ep = this.options.endpoint();
    if (!ep) return { state: 'down', detail: 'Qdrant is not running.' };
    if (this.lastError) return { state: 'degraded', detail: `Qdrant at ${ep.url}: ${this.lastError}` };
    return { state: 'ok', detail: `Qdrant at ${ep.url}.` };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.client = undefined;
  }

  // ---- helpers --------------------------------------------------------------------------------

  private async dimension(collection: string): Promise<number> {
    assertCollectionName(collection);
    const known = this.dims.get(collection);
    if (known !== undefined) return known;
    const spec = await this.describeCollection(collection);
    if (!spec) throw new AppError('NOT_FOUND', `Vector collection "${collection}" does not exist in Qdrant.`);
    return spec.dimension;
  }

  private connect(): QdrantClient {
    if (this.disposed) throw new AppError('UNAVAILABLE', 'The Qdrant index is closed.');
    const ep = this.options.endpoint();
    if (!ep) throw new AppError('UNAVAILABLE', 'Qdrant is not running.');
    const key = `${ep.url}\n${ep.apiKey ?? ''}`;
    if (this.client?.key !== key) {
      this.dims.clear(); // another server: nothing cached holds
      this.client = {
        key,
        client: new QdrantClient({
          url: ep.url,
          // As a header rather than `apiKey`: the client warns about a key over plain http, which is
          // what the loopback sidecar uses. The key never leaves this machine in that case.
          headers: ep.apiKey ? { 'api-key': ep.apiKey } : {},
          checkCompatibility: false,
          timeout: this.options.timeoutMs ?? 30_000,
        }),
      };
    }
    return this.client.client;
  }

  private async call<T>(what: string, fn: (c: QdrantClient) => Promise<T>): Promise<T> {
    const client = this.connect();
    try {
      const out = await fn(client);
      this.lastError = undefined;
      return out;
    } catch (e) {
      const mapped = mapQdrantError(e, what);
      if (mapped.code === 'UNAVAILABLE' || mapped.code === 'TIMEOUT' || mapped.code === 'UNAUTHORIZED') {
        this.lastError = mapped.message;
      }
      if (mapped.code === 'NOT_FOUND') this.dims.clear(); // a collection vanished behind our back
      throw mapped;
    }
  }
}
