/**
 * `/metrics` of a real host over a real core: a user token with the `read` scope scrapes it (none:
 * 401), real calls change the figures (a REST search adds to the search histogram and to the HTTP
 * and contract-call series; a real import of a text file, parsed, chunked and embedded with MiniLM,
 * adds documents, chunks and bytes; a real whisper transcription of a spoken word records its
 * real-time factor), the text is valid exposition text, and a real Prometheus server (Debian `prometheus`)
 * scrapes it with a bearer token from a credentials file every second.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/main/core';
import { corePlugins } from '../../src/main/host/hostPlugins';
import { startHost, type HostHandle } from '../../src/main/host/server';
import { loadOrCreateInstallationToken } from '../../src/main/host/auth';
import { MetricsSnapshotSchema } from '../../src/shared/types/metrics';
import type { EventPayload } from '../../src/shared/ipc/contract';
import { MemoryKeychain } from '../contract/testBackend';
import { HAS_KEYCHAIN, clearService, testService } from '../services/helpers/keychain';
import { tempDir } from '../services/helpers/tmp';
import { fixturesDir, modelsDir } from '../models/modelFiles';
import {
  parseExposition,
  PROMTOOL,
  promtoolCheck,
  sampleValue,
  type Family,
} from '../services/metrics/promText';

const PROMETHEUS = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find((p) => fs.existsSync(p));
if (!PROMETHEUS)
  console.warn('Skipping the Prometheus scrape test: no prometheus binary (apt-get install prometheus).');
const HAS_EMBEDDER = fs.existsSync(path.join(modelsDir, 'all-minilm-l6-v2-int8', 'model.onnx'));
if (!HAS_EMBEDDER) console.warn('Skipping the ingest metrics test: models/all-minilm-l6-v2-int8 is absent.');
/** One second of a spoken "yes" (Speech Commands): short, so whisper's share of the test stays small. */
const SPEECH = path.join(fixturesDir, 'audio', 'speech-commands', 'yes_1000ms.wav');

let dir: string;
let service: string;
let core: Core;
let host: HostHandle;
let installation: string;
let readToken: string;

const DOC = `# Kerrera harbour handbook

The Hutcheson lighthouse on Kerrera is painted bright red so that fishermen can see it in fog.
It was built in 1904 and its lamp turns every twelve seconds.

The passenger ferry to Kerrera leaves Gallanach pier every half hour between 8am and 6pm.
Bicycles travel free of charge. Dogs must be kept on a lead.
`;

async function get(pathname: string, token: string | null): Promise<Response> {
  return fetch(`${host.url}${pathname}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

async function scrape(): Promise<Family[]> {
  const res = await get('/metrics', readToken);
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

describe.skipIf(!HAS_KEYCHAIN)('/metrics on a real host and core', () => {
  beforeAll(async () => {
    dir = tempDir('metrics-host');
    service = testService();
    core = await createCore({
      mode: 'host',
      dataDir: dir,
      version: '0.0.1-test',
      secretStore: { service },
      models: { dir: modelsDir },
    });
    const keychain = new MemoryKeychain();
    installation = await loadOrCreateInstallationToken(keychain);
    host = await startHost({
      dispatcher: core.dispatcher,
      events: core.events,
      keychain,
      port: 0,
      rendererDir: null,
      tokens: core.apiTokens,
      plugins: corePlugins(async () => core),
    });
    const created = await core.dispatcher.dispatch(
      'apiTokens.create',
      { name: 'prometheus', scopes: ['read'] },
      { transport: 'internal' },
    );
    if (!created.ok) throw new Error(created.message);
    readToken = (created.value as { value: string }).value;
  }, 120_000);

  afterAll(async () => {
    await host?.close();
    await core?.dispose();
    if (HAS_KEYCHAIN) await clearService(service);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('needs a token with the read scope, and answers valid exposition text', async () => {
    expect((await get('/metrics', null)).status).toBe(401);
    expect((await get('/metrics', 'nook_0000000000000000_' + 'A'.repeat(43))).status).toBe(401);
    const res = await get('/metrics', readToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    const families = parseExposition(text);
    expect(families.map((f) => f.name)).toEqual(
      expect.arrayContaining([
        'nook_http_requests_total',
        'nook_contract_calls_total',
        'nook_search_duration_seconds',
        'nook_ingest_documents_total',
        'nook_embeddings_total',
        'nook_stt_real_time_factor',
        'nook_provider_state',
        'nook_provider_failovers_total',
        'nook_tokens_total',
        'process_resident_memory_bytes',
      ]),
    );
    if (PROMTOOL) expect([0, 3]).toContain(promtoolCheck(text).status); // 1 would be a parse error
    // The OpenAPI document describes it (and schema fuzzing reaches it from there).
    const doc = (await (await get('/api/openapi.json', readToken)).json()) as {
      paths: Record<string, { get?: { security?: unknown; responses?: Record<string, unknown> } }>;
    };
    expect(doc.paths['/metrics']?.get?.security).toEqual([{ bearer: ['read'] }]);
    expect(Object.keys(doc.paths['/metrics']?.get?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '401', '403']),
    );
    // The 401s were counted under the route template, by status.
    const after = await scrape();
    expect(sampleValue(after, 'nook_http_requests_total', { route: '/metrics', status: '401' })).toBe(2);
    expect(sampleValue(after, 'nook_http_requests_total', { route: '/metrics', status: '200' })).toBe(1);
    expect(
      sampleValue(after, 'nook_http_requests_total', { route: '/api/openapi.json', status: '200' }),
    ).toBe(1);
  });

  it('a REST search adds to the search histogram, the contract calls and the HTTP series', async () => {
    const before = await scrape();
    const searches = sampleValue(before, 'nook_search_duration_seconds', { outcome: 'ok' }, 'count') ?? 0;
    const res = await get(
      `/api/knowledge/search?query=${encodeURIComponent('red lighthouse')}`,
      installation,
    );
    expect(res.status).toBe(200);
    const after = await scrape();
    expect(sampleValue(after, 'nook_search_duration_seconds', { outcome: 'ok' }, 'count')).toBe(searches + 1);
    expect(
      sampleValue(after, 'nook_contract_calls_total', {
        route: 'knowledge.search',
        transport: 'http',
        outcome: 'ok',
      }),
    ).toBe(1);
    expect(
      sampleValue(
        after,
        'nook_http_request_duration_seconds',
        { method: 'GET', route: '/api/knowledge/search' },
        'count',
      ),
    ).toBe(1);
    // The JSON snapshot (REST GET /api/system/metrics, same route as IPC and WebSocket) agrees.
    const snap = MetricsSnapshotSchema.parse(await (await get('/api/system/metrics', readToken)).json());
    expect(snap.search.count).toBe(searches + 1);
    expect(snap.http.routes).toEqual(
      expect.arrayContaining([expect.objectContaining({ method: 'GET', route: '/api/knowledge/search' })]),
    );
  });

  it.skipIf(!HAS_EMBEDDER)(
    'a real import adds documents, chunks, bytes and embeddings',
    async () => {
      const file = path.join(dir, 'kerrera.md');
      fs.writeFileSync(file, DOC);
      const done = new Promise<void>((resolve) => {
        const sub = core.events.on('ingest.progress', (p: EventPayload<'ingest.progress'>) => {
          if (p.files.some((f) => f.path === file && (f.state === 'done' || f.state === 'failed'))) {
            void sub.dispose();
            resolve();
          }
        });
      });
      const res = await fetch(`${host.url}/api/knowledge/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${installation}`, 'content-type': 'application/json' },
        body: JSON.stringify({ paths: [file] }),
      });
      expect(res.status).toBe(200);
      await done;
      const m = await scrape();
      expect(sampleValue(m, 'nook_ingest_documents_total', { outcome: 'indexed' })).toBe(1);
      const chunks = sampleValue(m, 'nook_ingest_chunks_total') ?? 0;
      expect(chunks).toBeGreaterThan(0);
      expect(sampleValue(m, 'nook_ingest_bytes_total')).toBe(Buffer.byteLength(DOC));
      expect(sampleValue(m, 'nook_embeddings_total', { kind: 'ingest' })).toBe(chunks);

      // A hybrid search now embeds its query with the real model: one query embedding counted.
      const hit = await get(
        `/api/knowledge/search?query=${encodeURIComponent('when does the ferry leave')}`,
        installation,
      );
      const body = (await hit.json()) as { hits: Array<{ documentId: number }> };
      expect(body.hits.length).toBeGreaterThan(0);
      const m2 = await scrape();
      expect(sampleValue(m2, 'nook_embeddings_total', { kind: 'query' })).toBeGreaterThanOrEqual(1);
      expect(
        sampleValue(m2, 'nook_embed_duration_seconds', { kind: 'query' }, 'count'),
      ).toBeGreaterThanOrEqual(1);
    },
    240_000,
  );

  it.skipIf(!fs.existsSync(SPEECH))(
    'a real whisper transcription records its real-time factor',
    async () => {
      const r = await core.dispatcher.dispatch(
        'voice.transcribe',
        { path: SPEECH },
        { transport: 'internal' },
      );
      if (!r.ok && r.code === 'UNAVAILABLE') {
        console.warn(`Skipping the speech-to-text metrics check: ${r.message}`);
        return;
      }
      expect(r.ok).toBe(true);
      const m = await scrape();
      const audio = sampleValue(m, 'nook_stt_audio_seconds_total') ?? 0;
      const processing = sampleValue(m, 'nook_stt_processing_seconds_total') ?? 0;
      // The clip is 1 s; the VAD hands whisper its speech (padded with a little silence).
      expect(audio).toBeGreaterThan(0.2);
      expect(audio).toBeLessThan(3);
      expect(processing).toBeGreaterThan(0);
      expect(sampleValue(m, 'nook_stt_real_time_factor', {}, 'count')).toBeGreaterThanOrEqual(1);
      const last = sampleValue(m, 'nook_stt_last_real_time_factor') ?? 0;
      expect(last).toBeGreaterThan(0);
      const res = await core.dispatcher.dispatch('system.metrics', {}, { transport: 'internal' });
      if (!res.ok) throw new Error(res.message);
      const snap = MetricsSnapshotSchema.parse(res.value);
      expect(snap.stt.audioSeconds).toBeCloseTo(audio, 6);
    },
    300_000,
  );

  describe.skipIf(!PROMETHEUS)('a real Prometheus server', () => {
    let prom: ChildProcess | undefined;
    let promLog = '';

    afterAll(async () => {
      if (prom && prom.exitCode === null) {
        const exited = new Promise((r) => prom!.once('exit', r));
        prom.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (prom.exitCode === null) prom.kill('SIGKILL');
      }
    });

    it('scrapes /metrics with a bearer token every second: up == 1 and Nook series have samples', async () => {
      const work = path.join(dir, 'prometheus');
      fs.mkdirSync(work, { recursive: true });
      const tokenFile = path.join(work, 'token');
      fs.writeFileSync(tokenFile, readToken, { mode: 0o600 });
      const config = path.join(work, 'prometheus.yml');
      fs.writeFileSync(
        config,
        [
          'global:',
          '  scrape_interval: 1s',
          '  scrape_timeout: 1s',
          '  evaluation_interval: 1s',
          'scrape_configs:',
          '  - job_name: nook',
          '    metrics_path: /metrics',
          '    authorization:',
          '      type: Bearer',
          `      credentials_file: ${tokenFile}`,
          '    static_configs:',
          `      - targets: ['127.0.0.1:${host.port}']`,
          '',
        ].join('\n'),
      );
      const port = await freePort();
      prom = spawn(
        PROMETHEUS!,
        [
          `--config.file=${config}`,
          `--storage.tsdb.path=${path.join(work, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      prom.stdout?.on('data', (b: Buffer) => (promLog += b.toString()));
      prom.stderr?.on('data', (b: Buffer) => (promLog += b.toString()));
      const api = `http://127.0.0.1:${port}/api/v1`;
      const query = async (
        q: string,
      ): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> => {
        const res = await fetch(`${api}/query?query=${encodeURIComponent(q)}`);
        const body = (await res.json()) as { status: string; data: { result: [] } };
        return body.status === 'success' ? body.data.result : [];
      };
      const until = async <T>(what: string, probe: () => Promise<T | null>): Promise<T> => {
        const deadline = Date.now() + 120_000;
        for (;;) {
          if (prom!.exitCode !== null) throw new Error(`prometheus exited (${prom!.exitCode}): ${promLog}`);
          const v = await probe().catch(() => null);
          if (v !== null) return v;
          if (Date.now() > deadline) throw new Error(`Prometheus never saw ${what}. Its log:\n${promLog}`);
          await new Promise((r) => setTimeout(r, 500));
        }
      };

      const up = await until('up{job="nook"} == 1', async () => {
        const r = await query('up{job="nook"}');
        return r[0]?.value[1] === '1' ? r[0] : null;
      });
      expect(up.metric).toMatchObject({ job: 'nook', instance: `127.0.0.1:${host.port}` });

      // Nook's own series arrive: the scrapes themselves are counted under the /metrics template.
      const scrapes = await until('a sample of nook_http_requests_total{route="/metrics"}', async () => {
        const r = await query('nook_http_requests_total{job="nook",route="/metrics",status="200"}');
        return r.length > 0 && Number(r[0]!.value[1]) >= 1 ? r : null;
      });
      expect(scrapes[0]!.metric).toMatchObject({ method: 'GET', route: '/metrics' });
      const mem = await query('process_resident_memory_bytes{job="nook"}');
      expect(Number(mem[0]?.value[1])).toBeGreaterThan(0);
      // Prometheus reports the target healthy (no scrape error), authenticated with the token.
      const targets = (await (await fetch(`${api}/targets`)).json()) as {
        data: { activeTargets: Array<{ health: string; lastError: string; labels: Record<string, string> }> };
      };
      const nook = targets.data.activeTargets.find((t) => t.labels.job === 'nook');
      expect(nook).toMatchObject({ health: 'up', lastError: '' });
    }, 180_000);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
