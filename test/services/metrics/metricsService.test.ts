/**
 * The metrics registry on its own: events, the dispatcher wrapper, the decorators and the HTTP hook
 * change the figures; `/metrics` is valid Prometheus exposition text (parsed, checked, and linted by
 * promtool when installed); the JSON snapshot matches the schema the renderer relies on.
 */
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { isRouteName } from '../../../src/shared/ipc/channels';
import { MetricsSnapshotSchema } from '../../../src/shared/types/metrics';
import type { IngestProgress } from '../../../src/shared/types/library';
import { defaultSettings } from '../../../src/shared/types/settings';
import { EventBus } from '../../../src/main/rpc/eventBus';
import { histogramFigure, MetricsService } from '../../../src/main/services/metrics/metricsService';
import {
  decorate,
  instrumentEmbedder,
  instrumentSearch,
  instrumentSpeechToText,
} from '../../../src/main/services/metrics/instrument';
import { registerMetrics, UNMATCHED_ROUTE } from '../../../src/main/host/metrics';
import { createTestBackend } from '../../contract/testBackend';
import { parseExposition, PROMTOOL, promtoolCheck, sampleValue } from './promText';

let metrics: MetricsService;
afterEach(async () => {
  await metrics?.dispose();
});

const totals = (bytesDone: number): IngestProgress['totals'] =>
  ({
    files: 3,
    queued: 0,
    running: 0,
    done: 2,
    skipped: 1,
    failed: 0,
    cancelled: 0,
    bytesTotal: 3000,
    bytesDone,
    chunks: 7,
    chunksPerSecond: 1,
    etaMs: 0,
  }) as IngestProgress['totals'];
const file = (jobId: number, state: 'running' | 'done' | 'failed', chunks: number, outcome = 'indexed') => ({
  jobId,
  path: `/docs/${jobId}.txt`,
  state,
  stage: state === 'done' ? 'done' : 'embedding',
  chunks,
  outcome: state === 'done' ? (outcome as 'indexed' | 'skipped') : null,
  error: state === 'failed' ? 'unreadable' : null,
});

describe('MetricsService', () => {
  it('counts ingest documents, chunks and bytes from ingest.progress, each job once', async () => {
    metrics = new MetricsService({ defaultMetrics: false });
    const events = new EventBus();
    metrics.watch(events);
    const base = { paused: false, active: true, reembed: null };
    events.emit('ingest.progress', { ...base, files: [file(1, 'running', 0)], totals: totals(0) });
    events.emit('ingest.progress', {
      ...base,
      files: [file(1, 'done', 5), file(2, 'done', 9, 'skipped')],
      totals: totals(2000),
    });
    // The same state again (a repeated event) is not counted twice.
    events.emit('ingest.progress', { ...base, files: [file(1, 'done', 5)], totals: totals(2000) });
    events.emit('ingest.progress', { ...base, files: [file(3, 'failed', 0)], totals: totals(3000) });
    // A new queue run starts its byte sum again from zero.
    events.emit('ingest.progress', { ...base, files: [file(4, 'done', 2)], totals: totals(500) });

    const s = await metrics.snapshot();
    expect(s.ingest).toEqual({ documents: 2, skipped: 1, failed: 1, chunks: 7, bytes: 3500 });
    // Ingested chunks are embedded texts too.
    expect(s.embeddings.texts).toBe(7);
  });

  it('tracks tokens, answers, provider health and failovers from assistant events', async () => {
    metrics = new MetricsService({ defaultMetrics: false });
    const events = new EventBus();
    metrics.watch(events);
    const done = {
      conversationId: 1,
      messageId: 2,
      status: 'done' as const,
      content: 'x',
      citations: [],
      provider: 'local',
      notice: null,
      error: null,
    };
    events.emit('assistant.done', {
      ...done,
      usage: { promptTokens: 120, completionTokens: 30, source: 'tokenizer' },
    });
    events.emit('assistant.done', { ...done, usage: null });
    events.emit('assistant.providerChanged', {
      task: 'chat',
      providerId: 'local',
      name: 'Local',
      notice: null,
    });
    events.emit('assistant.providerChanged', {
      task: 'chat',
      providerId: 'local',
      name: 'Local',
      notice: 'Cloud timed out; answered by Local.',
    });
    const provider = (id: string, state: 'ok' | 'failing' | 'unknown') => ({
      id,
      kind: 'openai-compatible' as const,
      name: id,
      enabled: true,
      order: 0,
      hasKey: false,
      cloud: false,
      breaker: state === 'ok' ? ('closed' as const) : ('open' as const),
      state,
      detail: '',
    });
    events.emit('assistant.health', { providers: [provider('cloud', 'failing'), provider('local', 'ok')] });

    const s = await metrics.snapshot();
    expect(s.tokens).toEqual({ prompt: 120, completion: 30 });
    expect(s.failovers).toBe(1);
    expect(s.providers.map((p) => [p.id, p.state, p.breaker])).toEqual([
      ['cloud', 'failing', 'open'],
      ['local', 'ok', 'closed'],
    ]);
    const families = parseExposition(await metrics.exposition());
    expect(sampleValue(families, 'nook_provider_state', { provider: 'cloud', state: 'failing' })).toBe(1);
    expect(sampleValue(families, 'nook_provider_state', { provider: 'cloud', state: 'ok' })).toBe(0);
    expect(sampleValue(families, 'nook_provider_state', { provider: 'local', state: 'ok' })).toBe(1);
    expect(sampleValue(families, 'nook_assistant_answers_total', { status: 'done', provider: 'local' })).toBe(
      2,
    );
    expect(
      sampleValue(families, 'nook_tokens_total', {
        kind: 'completion',
        provider: 'local',
        source: 'tokenizer',
      }),
    ).toBe(30);

    // The provider list is read at start and again when settings change (providers added or removed).
    let listed = [provider('local', 'ok'), provider('backup', 'unknown')];
    metrics.trackProviders(async () => listed, events);
    await expect.poll(async () => (await metrics.snapshot()).providers.length).toBe(2);
    listed = [provider('local', 'failing')];
    events.emit('settings.changed', defaultSettings());
    await expect
      .poll(async () => (await metrics.snapshot()).providers)
      .toEqual([{ id: 'local', name: 'local', state: 'failing', breaker: 'open' }]);

    // A provider that disappears from the health list disappears from the gauge.
    events.emit('assistant.health', { providers: [provider('local', 'ok')] });
    const after = parseExposition(await metrics.exposition());
    expect(
      sampleValue(after, 'nook_provider_state', { provider: 'cloud', state: 'failing' }),
    ).toBeUndefined();
  });

  it('times every contract call by route, transport and outcome through the dispatcher wrapper', async () => {
    metrics = new MetricsService({ defaultMetrics: false });
    const backend = createTestBackend();
    const dispatcher = metrics.wrapDispatcher(backend.dispatcher, isRouteName);
    expect((await dispatcher.dispatch('settings.get', {}, { transport: 'ws' })).ok).toBe(true);
    expect((await dispatcher.dispatch('settings.get', {}, { transport: 'ws' })).ok).toBe(true);
    const bad = await dispatcher.dispatch(
      'settings.update',
      { appearance: { theme: 'neon' } },
      { transport: 'ipc' },
    );
    expect(bad).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    // An unknown route name never becomes a label value (it could be anything a client sends).
    await dispatcher.dispatch('no.such.route/../../x', {}, { transport: 'ws' });

    const s = await metrics.snapshot();
    expect(s.rpc.count).toBe(4);
    expect(s.rpc.errors).toBe(2);
    expect(s.rpc.routes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ route: 'settings.get', transport: 'ws', count: 2, errors: 0 }),
        expect.objectContaining({ route: 'settings.update', transport: 'ipc', count: 1, errors: 1 }),
        expect.objectContaining({ route: 'unknown', transport: 'ws', count: 1, errors: 1 }),
      ]),
    );
    const families = parseExposition(await metrics.exposition());
    expect(
      sampleValue(families, 'nook_contract_calls_total', {
        route: 'settings.update',
        transport: 'ipc',
        outcome: 'INVALID_INPUT',
      }),
    ).toBe(1);
    expect(
      sampleValue(
        families,
        'nook_contract_call_duration_seconds',
        { route: 'settings.get', transport: 'ws' },
        'count',
      ),
    ).toBe(2);
    await backend.dispose();
  });

  it('decorators measure search, embeddings and speech-to-text, and put the originals back', async () => {
    metrics = new MetricsService({ defaultMetrics: false });
    class Knowledge {
      calls = 0;
      async search(input: { query: string }) {
        this.calls++;
        if (input.query === 'fail') throw new Error('index unavailable');
        return { hits: [], timings: { keywordMs: 2, embedMs: 30, vectorMs: 4, totalMs: 36 } };
      }
    }
    const knowledge = new Knowledge();
    const undo = instrumentSearch(metrics, knowledge);
    await knowledge.search({ query: 'tides' });
    await expect(knowledge.search({ query: 'fail' })).rejects.toThrow('index unavailable');
    expect(knowledge.calls).toBe(2); // the original ran, with its own `this`

    class Embedder {
      async embed(_model: string, texts: string[], _kind: string) {
        return texts.map(() => new Float32Array(4));
      }
    }
    const embedder = new Embedder();
    instrumentEmbedder(metrics, embedder);
    expect(await embedder.embed('m', ['a', 'b', 'c'], 'query')).toHaveLength(3);
    await embedder.embed('m', ['d'], 'passage');

    class Engine {
      async transcribe(samples: Float32Array) {
        // Work proportional to the audio, so the factor is a real measurement (not a constant).
        let x = 0;
        for (let i = 0; i < samples.length * 20; i++) x += Math.sqrt(i);
        return { text: String(x > 0) };
      }
    }
    const engine = instrumentSpeechToText(metrics, new Engine());
    await engine.transcribe(new Float32Array(16_000 * 2)); // 2 s of audio

    const s = await metrics.snapshot();
    expect(s.search.count).toBe(2);
    expect(s.embeddings).toMatchObject({ texts: 4, calls: 2 });
    expect(s.stt.runs).toBe(1);
    expect(s.stt.audioSeconds).toBe(2);
    expect(s.stt.processingSeconds).toBeGreaterThan(0);
    expect(s.stt.lastRealTimeFactor).toBeCloseTo(s.stt.processingSeconds / 2, 6);
    const families = parseExposition(await metrics.exposition());
    expect(sampleValue(families, 'nook_search_duration_seconds', { outcome: 'ok' }, 'count')).toBe(1);
    expect(sampleValue(families, 'nook_search_duration_seconds', { outcome: 'error' }, 'count')).toBe(1);
    expect(
      sampleValue(families, 'nook_search_stage_duration_seconds', { stage: 'embed' }, 'sum'),
    ).toBeCloseTo(0.03);
    expect(sampleValue(families, 'nook_embeddings_total', { kind: 'query' })).toBe(3);
    expect(sampleValue(families, 'nook_stt_real_time_factor', {}, 'count')).toBe(1);

    // Disposing a decorator restores the prototype method: later calls are not counted.
    await undo.dispose();
    expect(Object.prototype.hasOwnProperty.call(knowledge, 'search')).toBe(false);
    await knowledge.search({ query: 'tides' });
    expect((await metrics.snapshot()).search.count).toBe(2);
    expect(() => decorate({ x: 1 } as { x: unknown }, 'x', (f) => f)).toThrow(TypeError);
  });

  it('labels HTTP requests by route template, counts 404s as unmatched, and serves /metrics', async () => {
    metrics = new MetricsService();
    const app = Fastify();
    app.get('/api/documents/:id', async (req) => ({ id: (req.params as { id: string }).id }));
    await registerMetrics(app, { metrics: () => metrics });
    // A route declared after the plugin is measured too (the hook is on the root instance).
    app.post('/api/search', async (_req, reply) => reply.code(400).send({ ok: false }));
    await app.ready();
    for (const id of ['1', '2', '3'])
      expect((await app.inject(`/api/documents/${id}?x=${id}`)).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/api/search', payload: {} })).statusCode).toBe(400);
    expect((await app.inject('/nope/random-4711')).statusCode).toBe(404);

    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parseExposition(res.body);
    expect(
      sampleValue(families, 'nook_http_requests_total', {
        method: 'GET',
        route: '/api/documents/:id',
        status: '200',
      }),
    ).toBe(3);
    expect(
      sampleValue(families, 'nook_http_requests_total', {
        method: 'POST',
        route: '/api/search',
        status: '400',
      }),
    ).toBe(1);
    expect(
      sampleValue(families, 'nook_http_requests_total', {
        method: 'GET',
        route: UNMATCHED_ROUTE,
        status: '404',
      }),
    ).toBe(1);
    // No raw URL (ids, query strings, random paths) ever becomes a label value.
    expect(res.body).not.toMatch(/documents\/[0-9]|x=1|random-4711/);
    // Process metrics (memory) are on the same registry.
    expect(sampleValue(families, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sampleValue(families, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);

    const s = MetricsSnapshotSchema.parse(await metrics.snapshot());
    expect(s.http.count).toBe(6); // 5 requests and the scrape of /metrics
    expect(s.http.clientErrors).toBe(2);
    expect(s.http.serverErrors).toBe(0);
    expect(s.http.counts.reduce((a, b) => a + b, 0)).toBe(s.http.count);
    expect(s.memory.rssBytes).toBeGreaterThan(0);
    await app.close();
  });

  it('answers 503 on /metrics until the core exists, and counts nothing meanwhile', async () => {
    let current: MetricsService | null = null;
    const app = Fastify();
    await registerMetrics(app, { metrics: () => current });
    const early = await app.inject('/metrics');
    expect(early.statusCode).toBe(503);
    expect(early.headers['retry-after']).toBe('1');
    metrics = current = new MetricsService({ defaultMetrics: false });
    expect((await app.inject('/metrics')).statusCode).toBe(200);
    // Only the successful scrape is counted; the 503 came before there was a registry.
    const s = await metrics.snapshot();
    expect(s.http.routes).toEqual([
      expect.objectContaining({ method: 'GET', route: '/metrics', count: 1, errors: 0 }),
    ]);
    await app.close();
  });

  it.skipIf(!PROMTOOL)('promtool check metrics accepts the exposition text', async () => {
    const fill = (m: MetricsService) => {
      m.watch(new EventBus());
      m.observeHttp('GET', '/api/documents/:id', 200, 0.004);
      m.observeCall('knowledge.search', 'http', 'ok', 0.02);
      m.observeSearch(0.02, 'ok', { keywordMs: 1, embedMs: 10, vectorMs: 2 });
      m.observeEmbeddings('query', 1, 0.01);
      m.observeTranscription(11, 2.5);
      m.setProviders([{ id: 'local', name: 'Local "GGUF"', state: 'ok', breaker: 'closed' }]);
    };
    // Nook's own metrics: no parse error and no lint problem at all.
    metrics = new MetricsService({ defaultMetrics: false });
    fill(metrics);
    const own = promtoolCheck(await metrics.exposition());
    expect(own).toEqual({ status: 0, output: '' });
    await metrics.dispose();

    // With prom-client's process metrics: parses (status 1 would be a parse error); the only lint
    // remarks are about prom-client's own `nodejs_active_*_total` gauges, whose names it fixes.
    metrics = new MetricsService();
    fill(metrics);
    const all = promtoolCheck(await metrics.exposition());
    expect([0, 3]).toContain(all.status);
    const remarks = all.output.split('\n').filter(Boolean);
    for (const r of remarks)
      expect(r).toMatch(/^nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/);
  });
});

describe('histogramFigure', () => {
  it('turns cumulative buckets of every series into per-bucket counts', () => {
    const series = (labels: Record<string, string>, buckets: number[], sum: number) => [
      ...[0.1, 1].map((le, i) => ({ metricName: 'h_bucket', labels: { ...labels, le }, value: buckets[i]! })),
      { metricName: 'h_bucket', labels: { ...labels, le: '+Inf' }, value: buckets[2]! },
      { metricName: 'h_sum', labels, value: sum },
      { metricName: 'h_count', labels, value: buckets[2]! },
    ];
    const f = histogramFigure([
      ...series({ route: 'a' }, [1, 3, 4], 2),
      ...series({ route: 'b' }, [0, 2, 2], 1),
    ]);
    expect(f).toEqual({ count: 6, sumSeconds: 3, bounds: [0.1, 1], counts: [1, 4, 1] });
    expect(histogramFigure([])).toEqual({ count: 0, sumSeconds: 0, bounds: [], counts: [0] });
  });
});
