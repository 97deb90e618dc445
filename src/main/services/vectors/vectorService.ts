/**
 * Chooses the vector index and keeps the two in step.
 *
 * SQLite (the embedded sqlite-vec index) is the source of truth: every write lands there first, in
 * one transaction. When Qdrant is available (the sidecar is ready, or a remote URL + key is set) its
 * collections are mirrors: each write is replayed there in order, and searches go to Qdrant while its
 * copy is known to be exact. When Qdrant is missing or down, searches use the embedded index and the
 * health report says so ("Qdrant is down; using the embedded index"). When Qdrant comes (back) up,
 * each collection is checked (registry version + point count) and rebuilt from SQLite in the
 * background if it is missing or out of date.
 */
import { toDisposable, type Disposable } from '../../../shared/lifecycle';
import { AppError, isAppError } from '../../../shared/ipc/result';
import type { EmbeddedIndex } from './embeddedIndex';
import { QdrantIndex } from './qdrantIndex';
import type { QdrantSidecar, SidecarLogger } from './qdrantSidecar';
import type {
  CollectionSpec,
  IndexHealth,
  IndexKind,
  SearchOptions,
  VectorHit,
  VectorIndex,
  VectorItem,
} from './vectorIndex';

/** A Qdrant the service may mirror into: the sidecar or a remote server. */
export interface VectorMirror {
  readonly label: string;
  /** Identity of the storage (recorded with the version it matches; another id means "rebuild"). */
  readonly id: string;
  readonly index: VectorIndex;
  /** Configured and expected to run (a binary was found / a URL is set). */
  available(): boolean;
  /** Ready to take requests now. */
  isUp(): boolean;
  health(): IndexHealth;
  onChange(listener: (up: boolean) => void): Disposable;
  dispose(): Promise<void>;
}

/** The sidecar as a mirror: up while the sidecar is 'ready'. */
export function sidecarMirror(sidecar: QdrantSidecar, index?: VectorIndex): VectorMirror {
  const idx = index ?? new QdrantIndex({ endpoint: () => sidecar.endpoint() });
  return {
    label: 'Qdrant',
    id: sidecar.mirrorId,
    index: idx,
    available: () => sidecar.health().binary !== undefined,
    isUp: () => sidecar.state === 'ready',
    health: () => {
      const h = sidecar.health();
      const state: IndexHealth['state'] =
        h.state === 'ready'
          ? 'ok'
          : h.state === 'starting'
            ? 'starting'
            : h.state === 'crashed'
              ? 'degraded'
              : h.state === 'down'
                ? h.binary
                  ? 'down'
                  : 'off'
                : 'off';
      return { state, detail: h.detail };
    },
    onChange(listener) {
      let up = sidecar.state === 'ready';
      return sidecar.on('state', (h) => {
        const now = h.state === 'ready';
        if (now !== up) {
          up = now;
          listener(now);
        }
      });
    },
    dispose: () => idx.dispose(),
  };
}

export interface RemoteMirrorOptions {
  url: string;
  apiKey?: string;
  /** How often /readyz is polled. */
  probeIntervalMs?: number;
  index?: VectorIndex;
}

/** A remote Qdrant (the scale-out option for large collections): up while its /readyz answers. */
export function remoteMirror(options: RemoteMirrorOptions): VectorMirror & { probe(): Promise<boolean> } {
  const url = options.url.replace(/\/+$/, '');
  const endpoint = { url, ...(options.apiKey ? { apiKey: options.apiKey } : {}) };
  const idx = options.index ?? new QdrantIndex({ endpoint: () => endpoint });
  const listeners = new Set<(up: boolean) => void>();
  let up = false;
  let detail = `Remote Qdrant at ${url}: not checked yet.`;
  let timer: NodeJS.Timeout | undefined;
  let disposed = false;
  const probe = async (): Promise<boolean> => {
    let now = false;
    try {
      const res = await fetch(`${url}/readyz`, {
        headers: options.apiKey ? { 'api-key': options.apiKey } : {},
        signal: AbortSignal.timeout(5000),
      });
      await res.arrayBuffer().catch(() => undefined);
      now = res.status === 200;
      detail = now ? `Remote Qdrant at ${url}.` : `Remote Qdrant at ${url} answered ${res.status}.`;
    } catch (e) {
      detail = `Remote Qdrant at ${url} is not reachable (${(e as Error).message}).`;
    }
    if (now !== up) {
      up = now;
      for (const l of [...listeners]) l(now);
    }
    return now;
  };
  const loop = () => {
    if (disposed) return;
    timer = setTimeout(() => void probe().finally(loop), options.probeIntervalMs ?? 15_000);
    timer.unref();
  };
  void probe().finally(loop);
  return {
    label: 'Qdrant (remote)',
    id: `remote:${url}`,
    index: idx,
    available: () => true,
    isUp: () => up,
    health: () => ({ state: up ? 'ok' : 'down', detail }),
    onChange(listener) {
      listeners.add(listener);
      return toDisposable(() => void listeners.delete(listener));
    },
    probe,
    async dispose() {
      disposed = true;
      if (timer) clearTimeout(timer);
      await idx.dispose();
    },
  };
}

/** A remote Qdrant when one is configured (URL + key), else the sidecar, else none. */
export function selectMirror(options: {
  remote?: { url: string; apiKey?: string } | null;
  sidecar?: QdrantSidecar | null;
}): VectorMirror | undefined {
  if (options.remote?.url) return remoteMirror(options.remote);
  if (options.sidecar) return sidecarMirror(options.sidecar);
  return undefined;
}

export interface VectorServiceOptions {
  embedded: EmbeddedIndex;
  mirror?: VectorMirror;
  logger?: SidecarLogger;
  /** Items per batch when a mirror collection is rebuilt. */
  rebuildBatchSize?: number;
  /** After a failed sync, wait this long before writes may trigger another (default 30 s). */
  retryCooldownMs?: number;
}

interface MirrorState {
  synced: boolean;
  syncQueued: boolean;
  rebuilding: boolean;
  pending: number;
  queue: Promise<void>;
  failedAt: number;
  /** Why the last sync failed (cleared by a good one). */
  syncError: string | undefined;
  /** The SQLite index_version the mirror is known to match. */
  version: number | undefined;
}

export interface RebuildEvent {
  collection: string;
  count: number;
  reason: string;
}

/**
 * The VectorIndex the rest of the app uses (knowledge ingest and search): SQLite first, Qdrant as a
 * mirror when available.
 */
export class VectorService implements VectorIndex, Disposable {
  private readonly embedded: EmbeddedIndex;
  private readonly mirror: VectorMirror | undefined;
  private readonly states = new Map<string, MirrorState>();
  private readonly subscriptions: Disposable[] = [];
  private readonly healthListeners = new Set<(h: IndexHealth) => void>();
  private readonly rebuildListeners = new Set<(e: RebuildEvent) => void>();
  private lastHealth = '';
  private disposed = false;
  /** Which index served the most recent search (diagnostics and tests). */
  lastSearchBackend: IndexKind | undefined;

  constructor(private readonly options: VectorServiceOptions) {
    this.embedded = options.embedded;
    this.mirror = options.mirror;
  }

  /** Starts following the mirror; when it is up, checks and (re)builds its collections in the background. */
  start(): void {
    if (!this.mirror) return;
    this.subscriptions.push(
      this.mirror.onChange((up) => {
        if (up) {
          this.options.logger?.info(
            `vectors: ${this.mirror!.label} is up; checking its collections against SQLite`,
          );
          void this.syncAll();
        } else {
          this.options.logger?.warn(`vectors: ${this.mirror!.label} is down; using the embedded index`);
          for (const st of this.states.values()) st.synced = false;
        }
        this.fireHealth();
      }),
    );
    if (this.mirror.isUp()) void this.syncAll();
  }

  /** 'qdrant' while searches go to Qdrant (it is up and every collection is in sync), else 'embedded'. */
  get kind(): IndexKind {
    const m = this.mirror;
    if (!m || !m.isUp() || m.index.kind !== 'qdrant') return 'embedded';
    const all = this.embedded.collections();
    return all.length > 0 && all.every((c) => this.usesMirror(c.name)) ? 'qdrant' : 'embedded';
  }

  // ---- the index API (SQLite first, then the mirror) --------------------------------------------

  async describeCollection(name: string): Promise<CollectionSpec | undefined> {
    return this.embedded.describeCollection(name);
  }

  /**
   * Replaces a collection in SQLite (e.g. from chunk_vectors after the embedding model changed); the
   * Qdrant copy follows through the usual version check.
   */
  async rebuildFrom(spec: CollectionSpec, source: AsyncIterable<readonly VectorItem[]>): Promise<number> {
    const n = await this.embedded.rebuildFrom(spec, source);
    this.markUnsynced(spec.name);
    if (this.mirror?.isUp()) void this.scheduleSync(spec.name);
    return n;
  }

  async ensureCollection(spec: CollectionSpec): Promise<void> {
    const created = this.embedded.ensureCollectionSync(spec);
    // An existing collection reaches Qdrant through the sync check; no round trip per call.
    if (created || !this.states.has(spec.name))
      this.mirrorWrite(spec.name, async (m) => m.ensureCollection(spec));
  }

  async dropCollection(name: string): Promise<void> {
    await this.embedded.dropCollection(name);
    const st = this.state(name);
    if (this.mirror?.isUp()) {
      await this.enqueue(name, async () => {
        await this.mirror!.index.dropCollection(name);
      }).catch((e: unknown) =>
        this.options.logger?.warn(`vectors: could not drop ${name} in Qdrant: ${(e as Error).message}`),
      );
    }
    st.synced = false;
    this.states.delete(name);
  }

  async upsert(collection: string, items: readonly VectorItem[]): Promise<void> {
    this.embedded.upsertSync(collection, items);
    this.mirrorWrite(collection, (m) => m.upsert(collection, items));
  }

  async delete(collection: string, ids: readonly number[]): Promise<void> {
    await this.embedded.delete(collection, ids);
    this.mirrorWrite(collection, (m) => m.delete(collection, ids));
  }

  async deleteByDocument(collection: string, documentId: number): Promise<void> {
    await this.embedded.deleteByDocument(collection, documentId);
    this.mirrorWrite(collection, (m) => m.deleteByDocument(collection, documentId));
  }

  /** Qdrant while its copy is exact and has no writes in flight; the embedded index otherwise. */
  async search(collection: string, vector: Float32Array, options: SearchOptions): Promise<VectorHit[]> {
    this.checkOutOfBand(collection);
    if (this.usesMirror(collection)) {
      try {
        const hits = await this.mirror!.index.search(collection, vector, options);
        this.lastSearchBackend = this.mirror!.index.kind === 'qdrant' ? 'qdrant' : 'embedded';
        return hits;
      } catch (e) {
        if (isAppError(e) && e.code === 'INVALID_INPUT') throw e;
        this.options.logger?.warn(
          `vectors: ${this.mirror!.label} search failed (${(e as Error).message}); using the embedded index`,
        );
        this.markUnsynced(collection);
      }
    }
    const hits = this.embedded.searchSync(collection, vector, options);
    this.lastSearchBackend = 'embedded';
    return hits;
  }

  /** The number of vectors (from SQLite, the source of truth). */
  async count(collection: string): Promise<number> {
    return this.embedded.countSync(collection);
  }

  /** Which backend a search in `collection` would use now. */
  backendFor(collection: string): 'mirror' | 'embedded' {
    return this.usesMirror(collection) ? 'mirror' : 'embedded';
  }

  // ---- health -----------------------------------------------------------------------------------

  /** For SystemService.registerHealth('vectors', ...): the status bar shows which index is in use. */
  health(): IndexHealth {
    const embedded = this.embedded.health();
    if (embedded.state !== 'ok') return embedded;
    const m = this.mirror;
    if (!m)
      return { state: 'ok', detail: 'Using the embedded index (sqlite-vec); Qdrant is not configured.' };
    if (!m.available()) return { state: 'ok', detail: `Using the embedded index. ${m.health().detail}` };
    if (!m.isUp()) {
      return {
        state: 'degraded',
        detail: `${m.label} is down; using the embedded index. (${m.health().detail})`,
      };
    }
    const behind = this.embedded
      .collections()
      .filter((c) => !this.state(c.name).synced)
      .map((c) => c.name);
    const failed = behind.map((n) => this.state(n).syncError).find((e) => e !== undefined);
    if (failed) {
      return {
        state: 'degraded',
        detail: `${m.label} could not be brought in step with SQLite (${failed}); using the embedded index.`,
      };
    }
    if (behind.length > 0) {
      return {
        state: 'starting',
        detail: `Rebuilding the ${m.label} copy of ${behind.join(', ')} from SQLite; using the embedded index meanwhile.`,
      };
    }
    return { state: 'ok', detail: `Using ${m.label}. ${m.health().detail}` };
  }

  /** For SystemService.registerHealth('sidecar', ...). */
  mirrorHealth(): IndexHealth {
    return this.mirror ? this.mirror.health() : { state: 'off', detail: 'Qdrant is not configured.' };
  }

  onDidChangeHealth(listener: (h: IndexHealth) => void): Disposable {
    this.healthListeners.add(listener);
    return toDisposable(() => void this.healthListeners.delete(listener));
  }

  onDidRebuild(listener: (e: RebuildEvent) => void): Disposable {
    this.rebuildListeners.add(listener);
    return toDisposable(() => void this.rebuildListeners.delete(listener));
  }

  // ---- mirror sync --------------------------------------------------------------------------------

  /** Checks every collection against the mirror and rebuilds what is missing or out of date. */
  async syncAll(): Promise<void> {
    if (!this.mirror?.isUp()) return;
    await Promise.all(this.embedded.collections().map((c) => this.scheduleSync(c.name)));
  }

  /** Resolves when every queued mirror write and rebuild has finished. */
  async whenIdle(): Promise<void> {
    for (;;) {
      const queues = [...this.states.values()].map((s) => s.queue);
      await Promise.all(queues);
      if ([...this.states.values()].every((s) => s.pending === 0)) return;
    }
  }

  /**
   * Whether the mirror holds exactly what SQLite holds now. The registry version is read on every
   * call, so a write that bypassed this service (another connection, a worker) is noticed at once.
   */
  private usesMirror(collection: string): boolean {
    if (!this.mirror?.isUp()) return false;
    const st = this.states.get(collection);
    if (st === undefined || !st.synced || st.pending !== 0) return false;
    return this.embedded.state(collection)?.indexVersion === st.version;
  }

  /** A write that did not go through this service: the mirror must catch up before it serves again. */
  private checkOutOfBand(collection: string): void {
    const st = this.states.get(collection);
    if (!st || !st.synced || st.pending !== 0 || !this.mirror?.isUp()) return;
    const now = this.embedded.state(collection)?.indexVersion;
    if (now === st.version) return;
    this.options.logger?.info(
      `vectors: ${collection} changed outside the vector service (version ${st.version} -> ${now}); resyncing ${this.mirror.label}`,
    );
    this.markUnsynced(collection);
    void this.scheduleSync(collection);
  }

  private state(collection: string): MirrorState {
    let st = this.states.get(collection);
    if (!st) {
      st = {
        synced: false,
        syncQueued: false,
        rebuilding: false,
        pending: 0,
        queue: Promise.resolve(),
        failedAt: 0,
        syncError: undefined,
        version: undefined,
      };
      this.states.set(collection, st);
    }
    return st;
  }

  private enqueue(collection: string, task: () => Promise<void>): Promise<void> {
    const st = this.state(collection);
    st.pending++;
    const run = st.queue.then(task).finally(() => {
      st.pending--;
    });
    st.queue = run.catch(() => undefined);
    return run;
  }

  /** Replays a write that SQLite already committed on the mirror, in order. */
  private mirrorWrite(collection: string, op: (mirror: VectorIndex) => Promise<void>): void {
    const m = this.mirror;
    if (!m || this.disposed) return;
    const st = this.state(collection);
    if (!m.isUp()) {
      st.synced = false;
      return;
    }
    if (!st.synced && !st.syncQueued) {
      if (Date.now() - st.failedAt < (this.options.retryCooldownMs ?? 30_000)) return;
      void this.scheduleSync(collection);
    }
    const version = this.embedded.state(collection)?.indexVersion;
    void this.enqueue(collection, async () => {
      if (!st.synced || !m.isUp()) return; // a rebuild will cover it
      try {
        await op(m.index);
        if (version !== undefined) {
          this.embedded.setMirrorState(collection, m.id, version);
          st.version = version;
        }
      } catch (e) {
        this.options.logger?.warn(
          `vectors: ${m.label} write to ${collection} failed: ${(e as Error).message}`,
        );
        this.markUnsynced(collection);
        st.failedAt = Date.now();
      }
    });
  }

  private markUnsynced(collection: string): void {
    const st = this.state(collection);
    st.synced = false;
    try {
      this.embedded.setMirrorState(collection, null, null);
    } catch {
      // the collection may be gone
    }
    this.fireHealth();
  }

  private scheduleSync(collection: string): Promise<void> {
    const st = this.state(collection);
    if (st.syncQueued) return st.queue;
    st.syncQueued = true;
    return this.enqueue(collection, async () => {
      st.syncQueued = false;
      await this.syncCollection(collection, st);
      st.syncError = undefined;
    }).catch((e: unknown) => {
      st.failedAt = Date.now();
      st.syncError = (e as Error).message;
      this.options.logger?.warn(`vectors: could not sync ${collection} to Qdrant: ${st.syncError}`);
      this.fireHealth();
      // Try again later while Qdrant stays up (a write after the cooldown also retries).
      const retry = setTimeout(() => {
        if (!this.disposed && this.mirror?.isUp() && !st.synced) void this.scheduleSync(collection);
      }, this.options.retryCooldownMs ?? 30_000);
      retry.unref();
    });
  }

  private async syncCollection(collection: string, st: MirrorState): Promise<void> {
    const m = this.mirror;
    if (!m || !m.isUp() || this.disposed) return;
    const local = this.embedded.state(collection);
    if (!local) return;
    let reason: string;
    const remote = await m.index.describeCollection(collection).catch((e: unknown) => {
      if (isAppError(e) && e.code === 'NOT_FOUND') return undefined;
      throw e;
    });
    if (!remote) reason = 'the collection is missing';
    else if (remote.dimension !== local.spec.dimension)
      reason = `its dimension is ${remote.dimension}, not ${local.spec.dimension}`;
    else if (local.mirrorId !== m.id) reason = 'it was last synced elsewhere (or never)';
    else if (local.mirrorVersion !== local.indexVersion)
      reason = `it matches version ${local.mirrorVersion}, SQLite is at ${local.indexVersion}`;
    else {
      const [theirs, ours] = [await m.index.count(collection), this.embedded.countSync(collection)];
      if (theirs === ours) {
        st.synced = true;
        st.version = local.indexVersion;
        this.fireHealth();
        return;
      }
      reason = `it holds ${theirs} vectors, SQLite ${ours}`;
    }
    st.rebuilding = true;
    st.synced = false;
    this.fireHealth();
    try {
      this.options.logger?.info(
        `vectors: rebuilding the ${m.label} copy of ${collection} from SQLite: ${reason}`,
      );
      const version = local.indexVersion;
      this.embedded.setMirrorState(collection, null, null); // untrusted until the rebuild finishes
      const count = await m.index.rebuildFrom(local.spec, this.rebuildSource(collection));
      if (!m.isUp()) throw new AppError('UNAVAILABLE', `${m.label} went down during the rebuild.`);
      // Writes made during the rebuild are queued behind it and replayed next, bumping the version.
      this.embedded.setMirrorState(collection, m.id, version);
      st.synced = true;
      st.version = version;
      this.options.logger?.info(`vectors: rebuilt ${collection} in ${m.label} (${count} vectors)`);
      for (const l of [...this.rebuildListeners]) l({ collection, count, reason });
    } finally {
      st.rebuilding = false;
      this.fireHealth();
    }
  }

  /** SQLite's items in batches; stops early when the service is disposed (quit must not wait for a rebuild). */
  private async *rebuildSource(collection: string): AsyncGenerator<VectorItem[]> {
    for await (const batch of this.embedded.items(collection, this.options.rebuildBatchSize ?? 512)) {
      if (this.disposed) throw new AppError('CANCELLED', 'The vector service is shutting down.');
      if (!this.mirror?.isUp()) throw new AppError('UNAVAILABLE', 'Qdrant went down during the rebuild.');
      yield batch;
    }
  }

  private fireHealth(): void {
    const h = this.health();
    const key = `${h.state}|${h.detail}`;
    if (key === this.lastHealth) return;
    this.lastHealth = key;
    for (const l of [...this.healthListeners]) l(h);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.subscriptions.splice(0)) await s.dispose();
    await Promise.all([...this.states.values()].map((s) => s.queue));
    await this.mirror?.dispose();
  }
}
