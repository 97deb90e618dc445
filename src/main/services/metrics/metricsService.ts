/**
 * Nook's metrics: one prom-client Registry per core (never prom-client's global one, so two cores in
 * one process, as in tests, never mix their figures). Figures come from event-bus subscriptions and
 * a few decorators the composition root applies (dispatcher, search, embedder, speech-to-text), so
 * the services themselves know nothing about metrics.
 *
 * `/metrics` (the host) serves `exposition()`; the `system.metrics` route serves `snapshot()`.
 */
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventName } from '../../../shared/ipc/channels';
import type { EventPayload } from '../../../shared/ipc/contract';
import type { Result } from '../../../shared/ipc/result';
import { DisposableStore, type Disposable } from '../../../shared/lifecycle';
import type { HistogramFigure, MetricsSnapshot } from '../../../shared/types/metrics';

/** Seconds; from a fast in-process call to a slow answer or transcription. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Processing time over audio time. */
export const RTF_BUCKETS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 4];

const PROVIDER_STATES = ['ok', 'unknown', 'failing', 'blocked', 'disabled'] as const;
/** Jobs whose last ingest state is remembered (to count each transition once). */
const MAX_TRACKED_JOBS = 10_000;

export interface MetricsEvents {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): Disposable;
}

/** Anything shaped like the contract dispatcher. */
export interface DispatchLike {
  dispatch(route: unknown, input: unknown, ctx: { transport: string }): Promise<Result<unknown>>;
}

export interface ProviderLike {
  id: string;
  name: string;
  state: string;
  breaker: string;
}

export interface MetricsOptions {
  /** Process metrics (memory, CPU, event loop, GC) on this registry. Default true. */
  defaultMetrics?: boolean;
}

export class MetricsService implements Disposable {
  readonly registry = new Registry();
  private readonly startedAt = Date.now();
  private readonly store = new DisposableStore();

  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route'>;
  private readonly rpcCalls: Counter<'route' | 'transport' | 'outcome'>;
  private readonly rpcDuration: Histogram<'route' | 'transport'>;
  private readonly searchDuration: Histogram<'outcome'>;
  private readonly searchStage: Histogram<'stage'>;
  private readonly ingestDocuments: Counter<'outcome'>;
  private readonly ingestChunks: Counter;
  private readonly ingestBytes: Counter;
  private readonly embeddings: Counter<'kind'>;
  private readonly embedDuration: Histogram<'kind'>;
  private readonly sttAudio: Counter;
  private readonly sttProcessing: Counter;
  private readonly sttRtf: Histogram;
  private readonly sttLastRtf: Gauge;
  private readonly providerState: Gauge<'provider' | 'state'>;
  private readonly failovers: Counter<'task' | 'provider'>;
  private readonly answers: Counter<'status' | 'provider'>;
  private readonly tokens: Counter<'kind' | 'provider' | 'source'>;

  private providers: MetricsSnapshot['providers'] = [];
  private readonly jobStates = new Map<number, string>();
  private lastBytesDone = 0;
  private lastRtf: number | null = null;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.httpRequests = new Counter({
      name: 'nook_http_requests_total',
      help: 'HTTP requests answered by the local API, by method, route template and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'nook_http_request_duration_seconds',
      help: 'Time to answer an HTTP request of the local API, by method and route template.',
      labelNames: ['method', 'route'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.rpcCalls = new Counter({
      name: 'nook_contract_calls_total',
      help: 'Contract calls (IPC, WebSocket, REST), by route, transport and outcome (ok or the error code).',
      labelNames: ['route', 'transport', 'outcome'],
      registers,
    });
    this.rpcDuration = new Histogram({
      name: 'nook_contract_call_duration_seconds',
      help: 'Time to answer a contract call, by route and transport.',
      labelNames: ['route', 'transport'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.searchDuration = new Histogram({
      name: 'nook_search_duration_seconds',
      help: 'Knowledge-base searches (from every caller: the app, the API, voice, the assistant), by outcome.',
      labelNames: ['outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.searchStage = new Histogram({
      name: 'nook_search_stage_duration_seconds',
      help: 'Time of each search stage (keyword, embed, vector) as the search reports it.',
      labelNames: ['stage'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.ingestDocuments = new Counter({
      name: 'nook_ingest_documents_total',
      help: 'Files the ingest queue finished, by outcome (indexed, skipped: unchanged content, failed).',
      labelNames: ['outcome'],
      registers,
    });
    this.ingestChunks = new Counter({
      name: 'nook_ingest_chunks_total',
      help: 'Chunks written by the ingest queue.',
      registers,
    });
    this.ingestBytes = new Counter({
      name: 'nook_ingest_bytes_total',
      help: 'Bytes of files the ingest queue finished (indexed, skipped or failed).',
      registers,
    });
    this.embeddings = new Counter({
      name: 'nook_embeddings_total',
      help: 'Texts embedded by the local embedding model, by kind (query, passage, ingest).',
      labelNames: ['kind'],
      registers,
    });
    this.embedDuration = new Histogram({
      name: 'nook_embed_duration_seconds',
      help: 'Time of a direct embedding call (one batch of texts), by kind.',
      labelNames: ['kind'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.sttAudio = new Counter({
      name: 'nook_stt_audio_seconds_total',
      help: 'Seconds of audio given to speech-to-text.',
      registers,
    });
    this.sttProcessing = new Counter({
      name: 'nook_stt_processing_seconds_total',
      help: 'Seconds speech-to-text spent transcribing.',
      registers,
    });
    this.sttRtf = new Histogram({
      name: 'nook_stt_real_time_factor',
      help: 'Processing time over audio time of each transcription (below 1: faster than real time).',
      buckets: RTF_BUCKETS,
      registers,
    });
    this.sttLastRtf = new Gauge({
      name: 'nook_stt_last_real_time_factor',
      help: 'Real-time factor of the latest transcription.',
      registers,
    });
    this.providerState = new Gauge({
      name: 'nook_provider_state',
      help: 'Assistant provider health: 1 for the state each provider is in, 0 for the others.',
      labelNames: ['provider', 'state'],
      registers,
    });
    this.failovers = new Counter({
      name: 'nook_provider_failovers_total',
      help: 'Answers that failed over to another provider, by task and the provider that answered.',
      labelNames: ['task', 'provider'],
      registers,
    });
    this.answers = new Counter({
      name: 'nook_assistant_answers_total',
      help: 'Assistant answers finished, by status and provider.',
      labelNames: ['status', 'provider'],
      registers,
    });
    this.tokens = new Counter({
      name: 'nook_tokens_total',
      help: 'Tokens of assistant answers (kind completion: generated; prompt: read), by provider and how they were counted.',
      labelNames: ['kind', 'provider', 'source'],
      registers,
    });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  // ---- figures -------------------------------------------------------------------------------

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpDuration.observe({ method, route }, seconds);
  }

  observeCall(route: string, transport: string, outcome: string, seconds: number): void {
    this.rpcCalls.inc({ route, transport, outcome });
    this.rpcDuration.observe({ route, transport }, seconds);
  }

  observeSearch(
    seconds: number,
    outcome: string,
    timings?: { keywordMs: number; embedMs: number; vectorMs: number },
  ): void {
    this.searchDuration.observe({ outcome }, seconds);
    if (timings) {
      this.searchStage.observe({ stage: 'keyword' }, timings.keywordMs / 1000);
      this.searchStage.observe({ stage: 'embed' }, timings.embedMs / 1000);
      this.searchStage.observe({ stage: 'vector' }, timings.vectorMs / 1000);
    }
  }

  /** `seconds` is given for direct embed calls; ingest embeds inside its worker job (no own time). */
  observeEmbeddings(kind: string, texts: number, seconds?: number): void {
    if (texts > 0) this.embeddings.inc({ kind }, texts);
    if (seconds !== undefined) this.embedDuration.observe({ kind }, seconds);
  }

  observeTranscription(audioSeconds: number, processingSeconds: number): void {
    if (!(audioSeconds > 0)) return;
    const rtf = processingSeconds / audioSeconds;
    this.sttAudio.inc(audioSeconds);
    this.sttProcessing.inc(processingSeconds);
    this.sttRtf.observe(rtf);
    this.sttLastRtf.set(rtf);
    this.lastRtf = rtf;
  }

  // ---- sources -------------------------------------------------------------------------------

  /** A dispatcher that times every call into this registry (route label only for known routes). */
  wrapDispatcher<D extends DispatchLike>(inner: D, isRoute: (r: unknown) => boolean): D {
    const wrapped: DispatchLike = {
      dispatch: async (route, input, ctx) => {
        const t0 = performance.now();
        const label = isRoute(route) ? (route as string) : 'unknown';
        try {
          const result = await inner.dispatch(route, input, ctx);
          this.observeCall(label, ctx.transport, result.ok ? 'ok' : result.code, secondsSince(t0));
          return result;
        } catch (e) {
          this.observeCall(label, ctx.transport, 'THROWN', secondsSince(t0));
          throw e;
        }
      },
    };
    return { ...inner, dispatch: wrapped.dispatch } as D;
  }

  /** Ingest, assistant answers, tokens, provider health and failovers, from the event bus. */
  watch(events: MetricsEvents): Disposable {
    const subs = new DisposableStore();
    subs.add(events.on('ingest.progress', (p) => this.onIngestProgress(p)));
    subs.add(
      events.on('assistant.done', (d) => {
        const provider = d.provider ?? 'none';
        this.answers.inc({ status: d.status, provider });
        if (d.usage) {
          const source = d.usage.source;
          if (d.usage.completionTokens > 0)
            this.tokens.inc({ kind: 'completion', provider, source }, d.usage.completionTokens);
          if (d.usage.promptTokens > 0)
            this.tokens.inc({ kind: 'prompt', provider, source }, d.usage.promptTokens);
        }
      }),
    );
    subs.add(
      events.on('assistant.providerChanged', (c) => {
        // The router announces a change with a notice when providers before this one failed.
        if (c.notice !== null) this.failovers.inc({ task: c.task, provider: c.providerId });
      }),
    );
    subs.add(events.on('assistant.health', (h) => this.setProviders(h.providers)));
    return this.store.add(subs);
  }

  /**
   * Provider health from the start, and again whenever settings change (providers added, removed,
   * reordered); `assistant.health` events (breakers opening and closing) update it in between.
   */
  trackProviders(list: () => Promise<ProviderLike[]>, events: MetricsEvents): Disposable {
    let latest = 0;
    const refresh = (): void => {
      const mine = ++latest;
      void list().then(
        (providers) => {
          if (mine === latest) this.setProviders(providers);
        },
        () => undefined,
      );
    };
    refresh();
    return this.store.add(events.on('settings.changed', refresh));
  }

  setProviders(providers: ReadonlyArray<ProviderLike>): void {
    this.providerState.reset();
    for (const p of providers) {
      for (const s of PROVIDER_STATES)
        this.providerState.set({ provider: p.id, state: s }, p.state === s ? 1 : 0);
    }
    this.providers = providers.map((p) => ({ id: p.id, name: p.name, state: p.state, breaker: p.breaker }));
  }

  private onIngestProgress(p: EventPayload<'ingest.progress'>): void {
    for (const f of p.files) {
      const before = this.jobStates.get(f.jobId);
      if (before === f.state) continue;
      this.jobStates.delete(f.jobId);
      this.jobStates.set(f.jobId, f.state);
      if (this.jobStates.size > MAX_TRACKED_JOBS) {
        const oldest = this.jobStates.keys().next().value;
        if (oldest !== undefined) this.jobStates.delete(oldest);
      }
      if (f.state === 'done') {
        const outcome = f.outcome ?? 'indexed';
        this.ingestDocuments.inc({ outcome });
        if (outcome === 'indexed' && f.chunks > 0) {
          this.ingestChunks.inc(f.chunks);
          this.observeEmbeddings('ingest', f.chunks);
        }
      } else if (f.state === 'failed') {
        this.ingestDocuments.inc({ outcome: 'failed' });
      }
    }
    // bytesDone is a sum over the queue's current run: it only grows within a run, and starts again
    // from zero (or less than before) when a new run begins.
    const done = p.totals.bytesDone;
    const delta = done >= this.lastBytesDone ? done - this.lastBytesDone : done;
    if (delta > 0) this.ingestBytes.inc(delta);
    this.lastBytesDone = done;
  }

  // ---- output --------------------------------------------------------------------------------

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Prometheus exposition text. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  async snapshot(): Promise<MetricsSnapshot> {
    const [
      httpReq,
      httpDur,
      rpcCalls,
      rpcDur,
      search,
      docs,
      chunks,
      bytes,
      emb,
      embDur,
      audio,
      proc,
      failovers,
      tokens,
    ] = await Promise.all([
      this.httpRequests.get(),
      this.httpDuration.get(),
      this.rpcCalls.get(),
      this.rpcDuration.get(),
      this.searchDuration.get(),
      this.ingestDocuments.get(),
      this.ingestChunks.get(),
      this.ingestBytes.get(),
      this.embeddings.get(),
      this.embedDuration.get(),
      this.sttAudio.get(),
      this.sttProcessing.get(),
      this.failovers.get(),
      this.tokens.get(),
    ]);

    const httpRoutes = new Map<string, MetricsSnapshot['http']['routes'][number]>();
    let clientErrors = 0;
    let serverErrors = 0;
    for (const v of httpReq.values) {
      const method = String(v.labels.method ?? '');
      const route = String(v.labels.route ?? '');
      const status = Number(v.labels.status ?? 0);
      const key = `${method} ${route}`;
      const r = httpRoutes.get(key) ?? { method, route, count: 0, errors: 0, sumSeconds: 0 };
      r.count += v.value;
      if (status >= 400) r.errors += v.value;
      if (status >= 500) serverErrors += v.value;
      else if (status >= 400) clientErrors += v.value;
      httpRoutes.set(key, r);
    }
    for (const v of httpDur.values) {
      if (!v.metricName?.endsWith('_sum')) continue;
      const r = httpRoutes.get(`${String(v.labels.method)} ${String(v.labels.route)}`);
      if (r) r.sumSeconds += v.value;
    }

    const rpcRoutes = new Map<string, MetricsSnapshot['rpc']['routes'][number]>();
    let rpcErrors = 0;
    for (const v of rpcCalls.values) {
      const route = String(v.labels.route ?? '');
      const transport = String(v.labels.transport ?? '');
      const key = `${route} ${transport}`;
      const r = rpcRoutes.get(key) ?? { route, transport, count: 0, errors: 0, sumSeconds: 0 };
      r.count += v.value;
      if (v.labels.outcome !== 'ok') {
        r.errors += v.value;
        rpcErrors += v.value;
      }
      rpcRoutes.set(key, r);
    }
    for (const v of rpcDur.values) {
      if (!v.metricName?.endsWith('_sum')) continue;
      const r = rpcRoutes.get(`${String(v.labels.route)} ${String(v.labels.transport)}`);
      if (r) r.sumSeconds += v.value;
    }

    const byLabel = (values: Array<{ value: number; labels: Record<string, unknown> }>, name: string) => {
      const out: Record<string, number> = {};
      for (const v of values) {
        const k = String(v.labels[name] ?? '');
        out[k] = (out[k] ?? 0) + v.value;
      }
      return out;
    };
    const docsBy = byLabel(docs.values, 'outcome');
    const tokensBy = byLabel(tokens.values, 'kind');
    const sum = (values: Array<{ value: number }>) => values.reduce((n, v) => n + v.value, 0);
    const embSum = embDur.values.filter((v) => v.metricName?.endsWith('_sum'));
    const embCount = embDur.values.filter((v) => v.metricName?.endsWith('_count'));
    const mem = process.memoryUsage();

    return {
      takenAt: Date.now(),
      uptimeSeconds: (Date.now() - this.startedAt) / 1000,
      http: {
        ...histogramFigure(httpDur.values),
        clientErrors,
        serverErrors,
        routes: [...httpRoutes.values()].sort((a, b) => b.count - a.count),
      },
      rpc: {
        ...histogramFigure(rpcDur.values),
        errors: rpcErrors,
        routes: [...rpcRoutes.values()].sort((a, b) => b.count - a.count),
      },
      search: histogramFigure(search.values),
      ingest: {
        documents: docsBy.indexed ?? 0,
        skipped: docsBy.skipped ?? 0,
        failed: docsBy.failed ?? 0,
        chunks: sum(chunks.values),
        bytes: sum(bytes.values),
      },
      embeddings: { texts: sum(emb.values), calls: sum(embCount), sumSeconds: sum(embSum) },
      stt: {
        runs: sum(audio.values) > 0 ? await this.sttRuns() : 0,
        audioSeconds: sum(audio.values),
        processingSeconds: sum(proc.values),
        lastRealTimeFactor: this.lastRtf,
      },
      providers: this.providers,
      failovers: sum(failovers.values),
      tokens: { prompt: tokensBy.prompt ?? 0, completion: tokensBy.completion ?? 0 },
      memory: {
        rssBytes: mem.rss,
        heapUsedBytes: mem.heapUsed,
        heapTotalBytes: mem.heapTotal,
        externalBytes: mem.external,
      },
    };
  }

  private async sttRuns(): Promise<number> {
    const h = await this.sttRtf.get();
    return h.values.filter((v) => v.metricName?.endsWith('_count')).reduce((n, v) => n + v.value, 0);
  }

  async dispose(): Promise<void> {
    await this.store.dispose();
    this.registry.clear();
  }
}

function secondsSince(t0: number): number {
  return (performance.now() - t0) / 1000;
}

/**
 * Sums a prom-client histogram's series (every label set) into one figure with per-bucket counts.
 * prom-client reports cumulative `_bucket` values with `le` labels, plus `_sum` and `_count`.
 */
export function histogramFigure(
  values: ReadonlyArray<{ value: number; labels: Record<string, unknown>; metricName?: string }>,
): HistogramFigure {
  const cumulative = new Map<number, number>();
  let count = 0;
  let sumSeconds = 0;
  for (const v of values) {
    const name = v.metricName ?? '';
    if (name.endsWith('_bucket')) {
      const le = v.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(v.labels.le);
      cumulative.set(le, (cumulative.get(le) ?? 0) + v.value);
    } else if (name.endsWith('_sum')) sumSeconds += v.value;
    else if (name.endsWith('_count')) count += v.value;
  }
  const bounds = [...cumulative.keys()].filter((b) => Number.isFinite(b)).sort((a, b) => a - b);
  const counts: number[] = [];
  let previous = 0;
  for (const b of bounds) {
    const c = cumulative.get(b) ?? 0;
    counts.push(Math.max(0, c - previous));
    previous = c;
  }
  counts.push(Math.max(0, count - previous));
  return { count, sumSeconds, bounds, counts };
}
