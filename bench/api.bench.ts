/**
 * The local API under load from a second process: autocannon (a child process) against the built
 * headless host (`node out/main/serve.js`, real models from `$NOOK_MODELS_DIR`, default `models/`):
 *
 * - `POST /v1/embeddings` (one sentence per request: the local embedding model in the knowledge
 *   worker), and
 * - search over REST, `GET /api/knowledge/search?query=...&k=10` (hybrid: BM25 + the query's vector),
 *   over a library of SciFact abstracts from the shared fixtures;
 *
 * each as throughput and p50/p99 with several connections. The HTTP layer's cost (loopback TCP,
 * fastify, auth, JSON) is measured against the same operations in process (a core in this process
 * over the same models and documents: the embedder through `core.embeddings.embed`, search through
 * the dispatcher), one HTTP request and one in-process call alternately, so both see the same load.
 *
 * Env: NOOK_BENCH_API_DOCS (abstracts in the library, default 200), NOOK_BENCH_API_SECONDS
 * (seconds per autocannon run, default 10), NOOK_BENCH_API_CONNECTIONS (default 8),
 * NOOK_BENCH_API_PAIRS (HTTP/in-process pairs, default 200).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCore, type Core } from '../src/main/core';
import { KeytarBackend } from '../src/main/services/secrets/keytarBackend';
import { median, percentile, round, type BenchResult } from './types';
import { fixturesDir, modelsDir, root } from './paths';

const serveJs = path.join(root, 'out/main/serve.js');
const autocannonJs = path.join(root, 'node_modules/autocannon/autocannon.js');
const DOCS = Number(process.env.NOOK_BENCH_API_DOCS ?? 200);
const SECONDS = Number(process.env.NOOK_BENCH_API_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.NOOK_BENCH_API_CONNECTIONS ?? 8);
const SEQUENTIAL = Number(process.env.NOOK_BENCH_API_PAIRS ?? 200);
const WARMUP = 20;

const SENTENCE = 'Vitamin D supplementation reduces the risk of respiratory infections in older adults.';
const QUERY = 'does vitamin D lower the risk of infection';

interface Load {
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  requests: number;
  non2xx: number;
  errors: number;
}

/** One autocannon run in a child process (the load comes from a second process, not this one). */
function autocannon(
  url: string,
  o: { token: string; connections: number; body?: string; seconds?: number; amount?: number },
): Load {
  const args = [
    autocannonJs,
    '--json',
    '--connections',
    String(o.connections),
    '--headers',
    `authorization=Bearer ${o.token}`,
  ];
  if (o.amount) args.push('--amount', String(o.amount));
  else args.push('--duration', String(o.seconds ?? SECONDS));
  if (o.body) args.push('--method', 'POST', '--headers', 'content-type=application/json', '--body', o.body);
  args.push(url);
  const r = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`autocannon failed (${r.status}): ${r.stderr}`);
  const j = JSON.parse(r.stdout) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number; average: number };
    non2xx: number;
    errors: number;
    timeouts: number;
    '2xx': number;
  };
  return {
    rps: j.requests.average,
    p50: j.latency.p50,
    p99: j.latency.p99,
    mean: j.latency.average,
    requests: j['2xx'] + j.non2xx,
    non2xx: j.non2xx,
    errors: j.errors + j.timeouts,
  };
}

function writeCorpus(dir: string): number {
  const file = path.join(fixturesDir, 'eval/scifact/corpus.jsonl');
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(0, DOCS);
  fs.mkdirSync(dir, { recursive: true });
  for (const line of lines) {
    const d = JSON.parse(line) as { _id: string; title: string; text: string };
    fs.writeFileSync(path.join(dir, `${d._id}.txt`), `${d.title}\n\n${d.text}`);
  }
  return lines.length;
}

interface Host {
  child: ChildProcess;
  url: string;
  token: string;
  out: () => string;
}

/**
 * A private copy of the built main process: out/ is shared, and another build replaces its
 * hash-named chunks while the host runs (the host loads some of them on first use). The copy sits
 * under node_modules/.cache so the externalised packages still resolve from the repository.
 */
function privateBuild(): { serve: string; dispose(): void } {
  const dir = path.join(root, 'node_modules', '.cache', `nook-bench-api-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // Under the build lock where there is one (flock), so no build is half-written into the copy.
  const copied = spawnSync('flock', [
    '/tmp/build.lock',
    'cp',
    '-a',
    path.dirname(serveJs),
    path.join(dir, 'main'),
  ]);
  if (copied.status !== 0) fs.cpSync(path.dirname(serveJs), path.join(dir, 'main'), { recursive: true });
  // Package scope stops at node_modules: say again that these .js files are ES modules.
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  return {
    serve: path.join(dir, 'main', 'serve.js'),
    dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

async function startHost(serve: string, dataDir: string, service: string): Promise<Host> {
  const child = spawn(
    process.execPath,
    [serve, '--data-dir', dataDir, '--port', '0', '--no-open', '--print-token'],
    {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        NOOK_KEYCHAIN_SERVICE: service,
        NOOK_MODELS_DIR: modelsDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 180_000;
  for (;;) {
    const m = /^NOOK_READY (.+)$/m.exec(out);
    if (m) {
      const ready = JSON.parse(m[1]!) as { url: string; token: string };
      return { child, url: ready.url, token: ready.token, out: () => out };
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`host did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function call(host: Host, p: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${host.url}${p}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${p}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as unknown;
}

/** Imports the corpus through the host's REST and waits until the ingest queue is empty. */
async function importInto(host: Host, dir: string, docs: number): Promise<void> {
  await call(host, '/api/knowledge/import', { paths: [dir] });
  const deadline = Date.now() + 900_000;
  for (;;) {
    const s = (await call(host, '/api/ingest/status')) as {
      active: boolean;
      totals: { queued: number; running: number };
    };
    const list = (await call(host, '/api/knowledge/documents?limit=1')) as { total: number };
    if (!s.active && s.totals.queued === 0 && s.totals.running === 0 && list.total >= docs) return;
    if (Date.now() > deadline) throw new Error(`ingest did not finish: ${JSON.stringify(s.totals)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface Local {
  core: Core;
  dataDir: string;
  service: string;
}

/** A core in this process over the same models and documents: the in-process side of the comparison. */
async function localCore(corpusDir: string, docs: number): Promise<Local> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-bench-api-core-'));
  const service = `Nook-bench-${crypto.randomBytes(6).toString('hex')}`;
  const core = await createCore({
    mode: 'host',
    dataDir,
    version: 'bench',
    secretStore: { service },
    models: { dir: modelsDir },
  });
  await core.knowledge.import([corpusDir]);
  await core.knowledge.whenIdle();
  const total = core.knowledge.documents({}).total;
  if (total < docs) throw new Error(`in-process import: ${total} of ${docs} documents`);
  return { core, dataDir, service };
}

async function clearKeychain(service: string): Promise<void> {
  const keychain = new KeytarBackend();
  for (const cred of await keychain.findCredentials(service).catch(() => []))
    await keychain.deletePassword(service, cred.account);
}

/** The rows for one measured route: throughput and latency under load, one at a time, in process, and the difference. */
function legRows(o: {
  prefix: string;
  localName: string;
  overheadName: string;
  what: string;
  overheadNotes: string;
  load: Load;
  loadNotes: string;
  pairs: { http: number[]; local: number[]; diff: number[] };
  pairsNotes: string;
}): BenchResult[] {
  const p = (xs: number[], q: number) => round(percentile(xs, q), 2);
  return [
    {
      name: `${o.prefix} throughput`,
      value: round(o.load.rps, 1),
      unit: 'req/s',
      notes: `${o.what}; ${o.loadNotes}; ${o.load.requests} requests`,
    },
    { name: `${o.prefix} p50 under load`, value: round(o.load.p50, 1), unit: 'ms', notes: o.loadNotes },
    { name: `${o.prefix} p99 under load`, value: round(o.load.p99, 1), unit: 'ms', notes: o.loadNotes },
    {
      name: `${o.prefix} p50, one at a time`,
      value: round(median(o.pairs.http), 2),
      unit: 'ms',
      notes: `${o.pairsNotes}; p99 ${p(o.pairs.http, 99)} ms`,
    },
    {
      name: o.localName,
      value: round(median(o.pairs.local), 2),
      unit: 'ms',
      notes: `same pairs; p99 ${p(o.pairs.local, 99)} ms`,
    },
    { name: o.overheadName, value: round(median(o.pairs.diff), 2), unit: 'ms', notes: o.overheadNotes },
  ];
}

/**
 * One HTTP request, then the same operation in process, alternately: both sides see the same machine
 * load (it drifts a lot on a shared machine), so the per-pair difference is the HTTP layer's cost.
 */
async function paired(
  http: () => Promise<unknown>,
  local: () => Promise<unknown>,
): Promise<{ http: number[]; local: number[]; diff: number[] }> {
  const out = { http: [] as number[], local: [] as number[], diff: [] as number[] };
  for (let i = 0; i < WARMUP + SEQUENTIAL; i++) {
    let t = performance.now();
    await http();
    const h = performance.now() - t;
    t = performance.now();
    await local();
    const l = performance.now() - t;
    if (i < WARMUP) continue;
    out.http.push(h);
    out.local.push(l);
    out.diff.push(h - l);
  }
  return out;
}

export async function run(): Promise<BenchResult[]> {
  if (!fs.existsSync(serveJs)) {
    console.log('  building (npx electron-vite build) ...');
    const b = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('electron-vite build failed');
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-bench-api-'));
  const corpusDir = path.join(work, 'scifact');
  const docs = writeCorpus(corpusDir);
  const service = `Nook-bench-${crypto.randomBytes(6).toString('hex')}`;
  let host: Host | undefined;
  let local: Local | undefined;
  const build = privateBuild();
  try {
    console.log(`  importing ${docs} SciFact abstracts into a core in this process ...`);
    local = await localCore(corpusDir, docs);
    host = await startHost(build.serve, path.join(work, 'data'), service);
    const h = host;
    const c = local.core;
    console.log(`  importing them into the host ...`);
    await importInto(h, corpusDir, docs);
    const models = (await call(h, '/v1/models')) as { data: Array<{ id: string; nook: { task: string } }> };
    const modelId = models.data.find((m) => m.nook.task === 'embedding')!.id;
    const body = JSON.stringify({ model: modelId, input: SENTENCE, encoding_format: 'float' });
    const searchPath = `/api/knowledge/search?query=${encodeURIComponent(QUERY)}&k=10`;

    console.log(`  HTTP vs in process, ${SEQUENTIAL} alternating pairs each ...`);
    const embedPairs = await paired(
      () => call(h, '/v1/embeddings', JSON.parse(body)),
      () => c.embeddings.embed([SENTENCE], 'document'),
    );
    const searchPairs = await paired(
      () => call(h, searchPath),
      async () => {
        const r = await c.dispatcher.dispatch(
          'knowledge.search',
          { query: QUERY, k: 10 },
          { transport: 'internal' },
        );
        if (!r.ok) throw new Error(r.message);
      },
    );

    console.log(`  autocannon: /v1/embeddings and search, ${CONNECTIONS} connections, ${SECONDS} s each ...`);
    const embedLoad = autocannon(`${h.url}/v1/embeddings`, {
      token: h.token,
      connections: CONNECTIONS,
      body,
    });
    const searchLoad = autocannon(`${h.url}${searchPath}`, { token: h.token, connections: CONNECTIONS });
    for (const [name, l] of [
      ['embeddings', embedLoad],
      ['search', searchLoad],
    ] as const)
      if (l.non2xx || l.errors)
        throw new Error(`${name}: ${l.non2xx} non-2xx and ${l.errors} errors of ${l.requests}`);

    const load = `autocannon 9 in a child process, ${CONNECTIONS} connections, ${SECONDS} s, keep-alive`;
    const pairs = `${SEQUENTIAL} alternating pairs (one HTTP request from this process, then the in-process call) after ${WARMUP} warm-up`;
    const emb = `POST /v1/embeddings, one ${SENTENCE.length}-character sentence, ${modelId} (float JSON)`;
    const srch = `GET /api/knowledge/search (REST, hybrid, k=10) over ${docs} SciFact abstracts`;
    return [
      ...legRows({
        prefix: 'api /v1/embeddings',
        localName: 'embedder in process p50 (core.embeddings.embed)',
        overheadName: 'HTTP layer overhead, embeddings (median of pair differences)',
        what: emb,
        overheadNotes:
          'loopback TCP, fastify, bearer check, zod, token count (tokenizer on the main thread), JSON of the floats',
        load: embedLoad,
        loadNotes: load,
        pairs: embedPairs,
        pairsNotes: pairs,
      }),
      ...legRows({
        prefix: 'api search',
        localName: 'search in process p50 (dispatcher knowledge.search)',
        overheadName: 'HTTP layer overhead, search (median of pair differences)',
        what: srch,
        overheadNotes:
          'loopback TCP, fastify, auth, query decoding, JSON of the hits (the dispatcher runs on both sides)',
        load: searchLoad,
        loadNotes: load,
        pairs: searchPairs,
        pairsNotes: pairs,
      }),
    ];
  } catch (e) {
    if (host) console.error(host.out().slice(-4000));
    throw e;
  } finally {
    if (host && host.child.exitCode === null) {
      const exited = new Promise((r) => host!.child.once('exit', r));
      host.child.kill('SIGTERM');
      await exited;
    }
    await clearKeychain(service);
    if (local) {
      await local.core.dispose();
      await clearKeychain(local.service);
      fs.rmSync(local.dataDir, { recursive: true, force: true });
    }
    fs.rmSync(work, { recursive: true, force: true });
    build.dispose();
  }
}
