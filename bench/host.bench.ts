/**
 * The headless host: cold start of the built `node out/main/serve.js` (fresh data dir and keychain
 * service each run, so every run is a first start) to the first served page and to `system.status`
 * answered over the WebSocket; idle RSS after start; WebSocket round trip of a small route; and the
 * same route through the IPC registrar and the bare dispatcher in process, for comparison.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { encodeCall, WS_PATH } from '../src/shared/ipc/wsProtocol';
import { createCore } from '../src/main/core';
import { createSenderValidator, registerIpc, type RegisterIpcDeps } from '../src/main/ipc/registrar';
import { KeytarBackend } from '../src/main/services/secrets/keytarBackend';
import { median, percentile, round, type BenchResult } from './types';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const serveJs = path.join(root, 'out/main/serve.js');
const COLD_RUNS = 5;
const ROUND_TRIPS = 2000;
const WARMUP = 200;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function get(port: number, pathName: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: pathName, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
  });
}

interface Started {
  child: ChildProcess;
  port: number;
  token: string;
  pageMs: number;
  statusMs: number;
  service: string;
  dataDir: string;
  /** ms since process start when the host's imports were done, the host listened, the core was up. */
  startup: { imported: number; listening: number; core: number };
}

/** Spawns the host and times it to the first 200 on `/` and to a `system.status` answer over the WebSocket. */
async function startOnce(): Promise<Started> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-bench-'));
  const service = `Nook-bench-${crypto.randomBytes(6).toString('hex')}`;
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [serveJs, '--data-dir', dataDir, '--port', String(port), '--no-open', '--print-token'],
    { cwd: root, env: { ...process.env, NOOK_KEYCHAIN_SERVICE: service }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let errText = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (errText += d.toString()));
  const deadline = t0 + 30_000;
  let token = '';
  // The token is only known once the host prints it; until then poll without one (401 still means
  // "not served"), and count the page as served at the first 200.
  let pageMs = Number.NaN;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${errText}`);
    // The token is known once the host prints NOOK_LISTENING (it listens before loading the core);
    // the page counts as served at the first 200 on `/`.
    const listening = /^NOOK_LISTENING (.+)$/m.exec(out);
    if (listening && !token) token = (JSON.parse(listening[1]!) as { token: string }).token;
    if (token && (await get(port, '/', token)) === 200) {
      pageMs = performance.now() - t0;
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  if (!Number.isFinite(pageMs)) throw new Error(`no page within 30 s: ${out} ${errText}`);
  const ws = new WebSocket(`ws://127.0.0.1:${port}${WS_PATH}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const reply = new Promise<unknown>((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)))));
  ws.send(encodeCall({ id: 1, route: 'system.status', input: {} }));
  const r = (await reply) as { result: { ok: boolean } };
  if (!r.result.ok) throw new Error(`system.status failed: ${JSON.stringify(r)}`);
  const statusMs = performance.now() - t0;
  ws.close();
  while (!/^NOOK_READY /m.test(out) && performance.now() < deadline)
    await new Promise((res) => setTimeout(res, 5));
  const readyLine = /^NOOK_READY (.+)$/m.exec(out);
  if (!readyLine) throw new Error(`no NOOK_READY: ${out} ${errText}`);
  const startup = (JSON.parse(readyLine[1]!) as { startup: Started['startup'] }).startup;
  return { child, port, token, pageMs, statusMs, service, dataDir, startup };
}

async function stop(s: Started): Promise<void> {
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
  const keychain = new KeytarBackend();
  for (const c of await keychain.findCredentials(s.service))
    await keychain.deletePassword(s.service, c.account);
  fs.rmSync(s.dataDir, { recursive: true, force: true });
}

/** Resident set size of another process: /proc on Linux, `ps` elsewhere (macOS); Windows has neither. */
function rssMB(pid: number): number {
  if (process.platform === 'linux') {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (!m) throw new Error('VmRSS not found');
    return Number(m[1]) / 1024;
  }
  const ps = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' });
  const kb = Number(ps.stdout.trim());
  return ps.status === 0 && kb > 0 ? kb / 1024 : Number.NaN;
}

async function wsRoundTrips(port: number, token: string): Promise<number[]> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${WS_PATH}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let settle: (() => void) | null = null;
  ws.on('message', () => settle?.());
  const times: number[] = [];
  for (let i = 0; i < WARMUP + ROUND_TRIPS; i++) {
    const t = performance.now();
    await new Promise<void>((resolve) => {
      settle = resolve;
      ws.send(encodeCall({ id: i, route: 'settings.get', input: {} }));
    });
    if (i >= WARMUP) times.push((performance.now() - t) * 1000);
  }
  ws.close();
  return times;
}

async function inProcess(): Promise<{ dispatcher: number[]; ipc: number[] }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-bench-core-'));
  const service = `Nook-bench-${crypto.randomBytes(6).toString('hex')}`;
  const core = await createCore({ mode: 'host', dataDir, version: 'bench', secretStore: { service } });
  try {
    const dispatcher: number[] = [];
    for (let i = 0; i < WARMUP + ROUND_TRIPS; i++) {
      const t = performance.now();
      await core.dispatcher.dispatch('settings.get', {}, { transport: 'internal' });
      if (i >= WARMUP) dispatcher.push((performance.now() - t) * 1000);
    }
    let handler: ((e: unknown, route: unknown, input: unknown) => Promise<unknown>) | undefined;
    const ipcMain = {
      handle: (_c: string, fn: typeof handler) => (handler = fn),
      removeHandler: () => undefined,
    } as unknown as RegisterIpcDeps['ipcMain'];
    const reg = registerIpc({
      ipcMain,
      dispatcher: core.dispatcher,
      isTrustedSender: createSenderValidator(['http://localhost:5173']),
    });
    const event = {
      senderFrame: { url: 'http://localhost:5173/', parent: null },
      sender: { once: () => undefined },
    };
    const ipc: number[] = [];
    for (let i = 0; i < WARMUP + ROUND_TRIPS; i++) {
      const t = performance.now();
      // Structured clone both ways, as Electron does between the renderer and the main process.
      const result = await handler!(event, 'settings.get', structuredClone({}));
      structuredClone(result);
      if (i >= WARMUP) ipc.push((performance.now() - t) * 1000);
    }
    await reg.dispose();
    return { dispatcher, ipc };
  } finally {
    await core.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  if (!fs.existsSync(serveJs) || !fs.existsSync(path.join(root, 'out/renderer/index.html'))) {
    console.log('  building (npx electron-vite build) ...');
    const b = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('electron-vite build failed');
  }
  const page: number[] = [];
  const status: number[] = [];
  const phases: Started['startup'][] = [];
  let rss = Number.NaN;
  let ws: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const s = await startOnce();
    page.push(s.pageMs);
    status.push(s.statusMs);
    phases.push(s.startup);
    if (i === COLD_RUNS - 1) {
      await new Promise((r) => setTimeout(r, 2000));
      rss = rssMB(s.child.pid!);
      ws = await wsRoundTrips(s.port, s.token);
    }
    await stop(s);
  }
  const local = await inProcess();
  const cold = `median of ${COLD_RUNS} first starts (fresh data dir and keychain entry); spawn of node out/main/serve.js`;
  const rt = `${ROUND_TRIPS} sequential settings.get calls after ${WARMUP} warm-up`;
  return [
    {
      name: 'host cold start → first page served',
      value: round(median(page), 0),
      unit: 'ms',
      target: { max: 1000 },
      notes: `${cold}; range ${round(Math.min(...page), 0)}–${round(Math.max(...page), 0)} ms`,
    },
    {
      name: 'host cold start → system.status over WS',
      value: round(median(status), 0),
      unit: 'ms',
      target: { max: 1000 },
      notes: `${cold}; range ${round(Math.min(...status), 0)}–${round(Math.max(...status), 0)} ms`,
    },
    {
      name: '… of which: node start + host imports',
      value: round(median(phases.map((p) => p.imported)), 0),
      unit: 'ms',
      notes: 'from the startup field of NOOK_READY: ms since process start when serve.ts began',
    },
    {
      name: '… of which: startHost (token from keychain, fastify, listen)',
      value: round(median(phases.map((p) => p.listening - p.imported)), 0),
      unit: 'ms',
    },
    {
      name: '… of which: core imports + createCore (after listening)',
      value: round(median(phases.map((p) => p.core - p.listening)), 0),
      unit: 'ms',
      notes: 'zod contract, conf, SQLite and migrations, logger, keychain warm-up; calls wait for it',
    },
    {
      name: 'host idle RSS 2 s after start',
      value: round(rss, 1),
      unit: 'MB',
      target: { max: 150 },
      notes: 'VmRSS of the serve process, after one page and one WS call',
    },
    { name: 'WS round trip settings.get p50', value: round(percentile(ws, 50), 0), unit: 'µs', notes: rt },
    { name: 'WS round trip settings.get p99', value: round(percentile(ws, 99), 0), unit: 'µs', notes: rt },
    {
      name: 'IPC registrar settings.get p50 (in process)',
      value: round(percentile(local.ipc, 50), 0),
      unit: 'µs',
      notes: `${rt}; registrar + structured clone both ways, without Electron's transport (no Electron binary here)`,
    },
    {
      name: 'IPC registrar settings.get p99 (in process)',
      value: round(percentile(local.ipc, 99), 0),
      unit: 'µs',
      notes: rt,
    },
    {
      name: 'dispatcher settings.get p50 (in process)',
      value: round(percentile(local.dispatcher, 50), 0),
      unit: 'µs',
      notes: `${rt}; validation + handler + output check only`,
    },
    {
      name: 'dispatcher settings.get p99 (in process)',
      value: round(percentile(local.dispatcher, 99), 0),
      unit: 'µs',
      notes: rt,
    },
  ];
}
