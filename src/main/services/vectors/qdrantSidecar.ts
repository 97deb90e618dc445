/**
 * Runs Qdrant as a sidecar process: a class with states and events (VS Code utilityProcess.ts;
 * Reor's ollama.ts minus its fixed port and `exec`).
 *
 *   idle -> starting -> ready -> crashed -> (backoff) starting -> ... -> down (gave up / no binary)
 *                         \-> stopping -> stopped
 *
 * - The binary: the Settings path, else `QDRANT_BIN`, else `<resources>/bin/qdrant[.exe]` (packaged by
 *   scripts/fetchQdrant.mjs), else PATH. An explicit path that is not there is an error, not a fallback.
 * - Started with `spawn` (never a shell) on free loopback ports, storage in `<dataDir>/qdrant`, an API
 *   key generated once and kept in the keychain, telemetry off. Ready when `GET /readyz` answers 200.
 * - A crash restarts it with exponential backoff; too many crashes in a window and it is 'down'.
 * - Stop: SIGTERM, wait, then SIGKILL.
 * - Reuse: a healthy Qdrant left by an earlier run (pid + ports in `<dataDir>/qdrant/sidecar.json`)
 *   that answers with our key is adopted instead of starting a second one on the same storage.
 * - Its output goes to the app log line by line, with the API key removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { toDisposable, type Disposable } from '../../../shared/lifecycle';
import type { QdrantEndpoint } from './qdrantIndex';

export type SidecarState = 'idle' | 'starting' | 'ready' | 'crashed' | 'stopping' | 'stopped' | 'down';

export interface SidecarHealth {
  state: SidecarState;
  detail: string;
  /** Where the binary was found, and how. */
  binary?: { path: string; source: BinarySource };
  pid?: number;
  url?: string;
  /** Crashes inside the current backoff window. */
  crashes: number;
  /** Whether the running Qdrant was left by an earlier run and adopted. */
  adopted: boolean;
}

export type BinarySource = 'setting' | 'env' | 'resources' | 'path';

/** The part of the app's SecretStore the sidecar needs (H1's SecretStore fits it). */
export interface SidecarSecrets {
  reveal(id: string): Promise<string | null>;
  set(id: string, value: string): Promise<void>;
}

/** The part of the app logger the sidecar needs. */
export interface SidecarLogger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface BackoffOptions {
  initialMs: number;
  factor: number;
  maxMs: number;
  /** More crashes than this within `windowMs` and the sidecar gives up ('down'). */
  maxRestarts: number;
  windowMs: number;
}

export interface QdrantSidecarOptions {
  /** The app data directory; Qdrant's storage goes in `<dataDir>/qdrant`. */
  dataDir: string;
  secrets: SidecarSecrets;
  /** The path set in Settings, if any. */
  binaryPath?: string | null;
  /** Electron's `process.resourcesPath` in a packaged app. */
  resourcesPath?: string;
  /** Where QDRANT_BIN and PATH are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Extra variables for the child (tests use them to steer the stand-in). */
  extraEnv?: Record<string, string>;
  platform?: NodeJS.Platform;
  logger?: SidecarLogger;
  secretId?: string;
  /**
   * How long /readyz may take after spawning (default 120 s: Qdrant answers it only once every
   * collection is loaded, which takes a while for large ones).
   */
  readyTimeoutMs?: number;
  pollIntervalMs?: number;
  stopTimeoutMs?: number;
  /** How often a ready Qdrant is checked with /readyz (three failures in a row count as a crash). */
  healthIntervalMs?: number;
  backoff?: Partial<BackoffOptions>;
}

export interface SidecarEvents {
  state: [SidecarHealth];
  ready: [QdrantEndpoint];
  crashed: [{ code: number | null; signal: string | null; reason: string }];
  restarting: [{ attempt: number; delayMs: number }];
  down: [string];
  stopped: [{ forced: boolean }];
}

interface StateFile {
  pid: number;
  httpPort: number;
  grpcPort: number;
  binary: string;
  startedAt: string;
}

interface Run {
  generation: number;
  child?: ChildProcess;
  pid: number;
  httpPort: number;
  grpcPort: number;
  adopted: boolean;
  exited: boolean;
  exitWaiters: Array<() => void>;
  /** Set when we killed it on purpose (readiness timeout), so the exit reads as that. */
  failReason?: string;
}

const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 500,
  factor: 2,
  maxMs: 30_000,
  maxRestarts: 5,
  windowMs: 120_000,
};
const CHILD_ENV_PASSTHROUGH = [
  'PATH',
  'HOME',
  'USERPROFILE',
  'SystemRoot',
  'TEMP',
  'TMP',
  'TMPDIR',
  'LANG',
  'LC_ALL',
];
export const QDRANT_API_KEY_SECRET = 'qdrant.apiKey';

/** Finds the Qdrant binary; `error` explains a missing one. */
export function locateQdrantBinary(options: {
  binaryPath?: string | null;
  resourcesPath?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}): { path: string; source: BinarySource } | { error: string } {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const exe = platform === 'win32' ? 'qdrant.exe' : 'qdrant';
  if (options.binaryPath) {
    return isExecutable(options.binaryPath, platform)
      ? { path: options.binaryPath, source: 'setting' }
      : { error: `The Qdrant binary set in Settings (${options.binaryPath}) is missing or not executable.` };
  }
  if (env.QDRANT_BIN) {
    return isExecutable(env.QDRANT_BIN, platform)
      ? { path: env.QDRANT_BIN, source: 'env' }
      : { error: `QDRANT_BIN (${env.QDRANT_BIN}) is missing or not executable.` };
  }
  if (options.resourcesPath) {
    const packaged = path.join(options.resourcesPath, 'bin', exe);
    if (isExecutable(packaged, platform)) return { path: packaged, source: 'resources' };
  }
  const pathVar = env.PATH ?? env.Path ?? '';
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, exe);
    if (isExecutable(candidate, platform)) return { path: candidate, source: 'path' };
  }
  return {
    error:
      'No Qdrant binary found (looked at the Settings path, QDRANT_BIN, the packaged resources/bin and PATH); ' +
      'using the embedded index.',
  };
}

function isExecutable(file: string, platform: NodeJS.Platform): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    if (platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A free TCP port on 127.0.0.1, found by binding port 0 and reading what the OS gave. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class QdrantSidecar implements Disposable {
  private _state: SidecarState = 'idle';
  private detail = 'Not started.';
  private run: Run | undefined;
  private generation = 0;
  private crashTimes: number[] = [];
  private restartTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private starting: Promise<SidecarHealth> | undefined;
  private apiKey: string | undefined;
  private binary: { path: string; source: BinarySource } | undefined;
  private readonly listeners = new Map<keyof SidecarEvents, Set<(...args: unknown[]) => void>>();
  private readonly backoff: BackoffOptions;
  private readonly storageDir: string;
  private readonly stateFile: string;
  private readonly recentLines: string[] = [];

  constructor(private readonly options: QdrantSidecarOptions) {
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.storageDir = path.join(options.dataDir, 'qdrant');
    this.stateFile = path.join(this.storageDir, 'sidecar.json');
  }

  get state(): SidecarState {
    return this._state;
  }

  on<E extends keyof SidecarEvents>(event: E, listener: (...args: SidecarEvents[E]) => void): Disposable {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as unknown as (...args: unknown[]) => void);
    return toDisposable(() => void set.delete(listener as unknown as (...args: unknown[]) => void));
  }

  /** Resolves with the next occurrence of `event` (tests and the selector use it). */
  once<E extends keyof SidecarEvents>(event: E): Promise<SidecarEvents[E]> {
    return new Promise((resolve) => {
      const d = this.on(event, (...args) => {
        void d.dispose();
        resolve(args);
      });
    });
  }

  health(): SidecarHealth {
    const h: SidecarHealth = {
      state: this._state,
      detail: this.detail,
      crashes: this.crashTimes.length,
      adopted: this.run?.adopted ?? false,
    };
    if (this.binary) h.binary = { ...this.binary };
    if (this.run && !this.run.exited) h.pid = this.run.pid;
    const ep = this.endpoint();
    if (ep) h.url = ep.url;
    return h;
  }

  /** The URL and key while ready; undefined otherwise. */
  endpoint(): QdrantEndpoint | undefined {
    if (this._state !== 'ready' || !this.run || !this.apiKey) return undefined;
    return { url: `http://127.0.0.1:${this.run.httpPort}`, apiKey: this.apiKey };
  }

  /** A stable name for this Qdrant's storage (the vector service records which mirror is in sync). */
  get mirrorId(): string {
    return `sidecar:${this.storageDir}`;
  }

  /** The last lines Qdrant printed (key removed), for diagnostics. */
  lastLines(): string[] {
    return [...this.recentLines];
  }

  /** Starts (or adopts) Qdrant; resolves once it is ready, down, or stopped. Never rejects. */
  start(): Promise<SidecarHealth> {
    if (this._state === 'ready') return Promise.resolve(this.health());
    if (this.starting) return this.starting;
    this.crashTimes = [];
    this.starting = this.doStart().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async doStart(): Promise<SidecarHealth> {
    const found = locateQdrantBinary(this.options);
    if ('error' in found) {
      this.binary = undefined;
      this.setState('down', found.error);
      this.emit('down', found.error);
      return this.health();
    }
    this.binary = found;
    try {
      this.apiKey = await this.loadOrCreateKey();
    } catch (e) {
      const msg = `The Qdrant API key could not be read from or saved to the keychain (${(e as Error).message}); Qdrant is not started.`;
      this.setState('down', msg);
      this.emit('down', msg);
      return this.health();
    }
    fs.mkdirSync(this.storageDir, { recursive: true });
    if (await this.tryAdopt()) return this.health();
    return this.launch();
  }

  /** Resolves when the current launch attempt and any restarts settle on ready/down/stopped. */
  private launch(): Promise<SidecarHealth> {
    return new Promise((resolve) => {
      const settle = () => resolve(this.health());
      const ds: Disposable[] = [];
      const done = () => {
        for (const d of ds) void d.dispose();
        settle();
      };
      ds.push(this.on('ready', done), this.on('down', done), this.on('stopped', done));
      void this.spawnOnce();
    });
  }

  private async spawnOnce(): Promise<void> {
    if (this._state === 'stopping' || this._state === 'stopped') return;
    const binary = this.binary!;
    const generation = ++this.generation;
    let httpPort: number;
    let grpcPort: number;
    try {
      httpPort = await freeLoopbackPort();
      do grpcPort = await freeLoopbackPort();
      while (grpcPort === httpPort);
    } catch (e) {
      this.onExit(generation, null, null, `no free loopback port (${(e as Error).message})`);
      return;
    }
    // stop() may have come while the ports were being found.
    if (generation !== this.generation || this.stopRequested()) return;
    this.setState('starting', `Starting Qdrant (${binary.source}: ${binary.path}) on 127.0.0.1:${httpPort}.`);
    const env: Record<string, string> = {};
    const base = this.options.env ?? process.env;
    for (const k of CHILD_ENV_PASSTHROUGH) if (base[k] !== undefined) env[k] = base[k]!;
    Object.assign(env, this.options.extraEnv ?? {}, {
      QDRANT__SERVICE__HOST: '127.0.0.1',
      QDRANT__SERVICE__HTTP_PORT: String(httpPort),
      QDRANT__SERVICE__GRPC_PORT: String(grpcPort),
      QDRANT__SERVICE__API_KEY: this.apiKey!,
      QDRANT__STORAGE__STORAGE_PATH: path.join(this.storageDir, 'storage'),
      QDRANT__STORAGE__SNAPSHOTS_PATH: path.join(this.storageDir, 'snapshots'),
      QDRANT__TELEMETRY_DISABLED: 'true',
    });
    let child: ChildProcess;
    try {
      child = spawn(binary.path, [], {
        cwd: this.storageDir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
        shell: false,
      });
    } catch (e) {
      this.onExit(generation, null, null, `could not be started: ${(e as Error).message}`);
      return;
    }
    const run: Run = {
      generation,
      child,
      pid: child.pid ?? -1,
      httpPort,
      grpcPort,
      adopted: false,
      exited: false,
      exitWaiters: [],
    };
    this.run = run;
    this.pipeLines(child);
    child.once('error', (e) => {
      // Spawn failures (ENOENT, EACCES) arrive here and no 'exit' may follow.
      if (!run.exited) this.finishRun(run, null, null, `could not be started: ${e.message}`);
    });
    child.once('exit', (code, signal) => {
      if (!run.exited) this.finishRun(run, code, signal, run.failReason);
    });
    this.options.logger?.info(`qdrant: started pid ${run.pid} on 127.0.0.1:${httpPort} (grpc ${grpcPort})`);

    const ready = await this.waitReady(run);
    if (run.exited || this.run !== run || this._state !== 'starting') return;
    if (!ready) {
      run.failReason = `was not ready within ${this.readyTimeoutMs} ms`;
      child.kill('SIGKILL');
      return;
    }
    this.writeStateFile(run, binary.path);
    this.setState('ready', `Qdrant is ready at 127.0.0.1:${httpPort} (pid ${run.pid}).`);
    this.emit('ready', this.endpoint()!);
    this.watch(run);
  }

  private get readyTimeoutMs(): number {
    return this.options.readyTimeoutMs ?? 120_000;
  }

  /** Polls /readyz until 200, the deadline, or the process exiting. */
  private async waitReady(run: Run): Promise<boolean> {
    const deadline = Date.now() + this.readyTimeoutMs;
    const interval = this.options.pollIntervalMs ?? 100;
    while (Date.now() < deadline) {
      if (run.exited || this.run !== run) return false;
      if (await this.probe(run.httpPort, '/readyz')) return true;
      await sleep(interval);
    }
    return false;
  }

  private async probe(port: number, route: string): Promise<boolean> {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${route}`, {
        headers: { 'api-key': this.apiKey ?? '' },
        signal: AbortSignal.timeout(2000),
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.status === 200;
    } catch {
      return false;
    }
  }

  private finishRun(run: Run, code: number | null, signal: NodeJS.Signals | null, reason?: string): void {
    run.exited = true;
    for (const w of run.exitWaiters.splice(0)) w();
    if (this.run !== run) return;
    this.onExit(run.generation, code, signal, reason);
  }

  private onExit(generation: number, code: number | null, signal: string | null, reason?: string): void {
    if (generation !== this.generation) return;
    if (this._state === 'stopping' || this._state === 'stopped') return;
    this.removeStateFile();
    const why =
      reason ?? (signal ? `was killed by ${signal}` : `exited with code ${code}`) + this.lastLineSuffix();
    this.crashTimes = this.crashTimes.filter((t) => Date.now() - t < this.backoff.windowMs);
    this.crashTimes.push(Date.now());
    this.setState('crashed', `Qdrant ${why}.`);
    this.options.logger?.warn(`qdrant: ${why}`);
    this.emit('crashed', { code, signal, reason: why });
    const n = this.crashTimes.length;
    if (n > this.backoff.maxRestarts) {
      const msg = `Qdrant failed ${n} times in ${Math.round(this.backoff.windowMs / 1000)} s (last: ${why}); giving up. Using the embedded index.`;
      this.setState('down', msg);
      this.options.logger?.error(`qdrant: ${msg}`);
      this.emit('down', msg);
      return;
    }
    const delayMs = Math.min(this.backoff.initialMs * this.backoff.factor ** (n - 1), this.backoff.maxMs);
    this.emit('restarting', { attempt: n, delayMs });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.spawnOnce();
    }, delayMs);
  }

  private lastLineSuffix(): string {
    const last = this.recentLines.at(-1);
    return last ? ` (last output: ${last.slice(0, 200)})` : '';
  }

  // ---- reuse of a running instance --------------------------------------------------------------

  private async tryAdopt(): Promise<boolean> {
    let saved: StateFile;
    try {
      saved = JSON.parse(fs.readFileSync(this.stateFile, 'utf8')) as StateFile;
    } catch {
      return false;
    }
    const usable =
      Number.isInteger(saved.pid) &&
      saved.pid > 0 &&
      pidAlive(saved.pid) &&
      (await this.probe(saved.httpPort, '/readyz')) &&
      // /readyz may be open to anyone; an authenticated route proves it is ours and has our key.
      (await this.probe(saved.httpPort, '/collections'));
    if (!usable) {
      this.removeStateFile();
      return false;
    }
    const generation = ++this.generation;
    this.run = {
      generation,
      pid: saved.pid,
      httpPort: saved.httpPort,
      grpcPort: saved.grpcPort,
      adopted: true,
      exited: false,
      exitWaiters: [],
    };
    this.options.logger?.info(
      `qdrant: reusing the running instance pid ${saved.pid} on 127.0.0.1:${saved.httpPort}`,
    );
    this.setState('ready', `Qdrant is ready at 127.0.0.1:${saved.httpPort} (pid ${saved.pid}, reused).`);
    this.watch(this.run);
    this.emit('ready', this.endpoint()!);
    return true;
  }

  /**
   * Polls a ready Qdrant: an adopted one has no child handle to watch, and a spawned one can hang
   * without exiting. Three failed checks in a row count as a crash (a hung child is killed first).
   */
  private watch(run: Run): void {
    let failures = 0;
    const interval = this.options.healthIntervalMs ?? 5000;
    const current = () => this.run === run && !run.exited && this._state === 'ready';
    const schedule = () => {
      this.healthTimer = setTimeout(() => void tick(), interval);
      this.healthTimer.unref();
    };
    const tick = async () => {
      if (!current()) return;
      const ok = pidAlive(run.pid) && (await this.probe(run.httpPort, '/readyz'));
      if (!current()) return;
      failures = ok ? 0 : failures + 1;
      if (failures < 3) return schedule();
      if (run.child) {
        run.failReason = 'stopped answering /readyz';
        run.child.kill('SIGKILL');
      } else {
        // Not ours to kill: the pid may belong to another process by now.
        run.exited = true;
        this.onExit(run.generation, null, null, 'reused instance stopped answering');
      }
    };
    schedule();
  }

  // ---- stop -----------------------------------------------------------------------------------

  /** SIGTERM, then SIGKILL after `stopTimeoutMs`. Resolves when the process is gone. */
  async stop(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.healthTimer) clearTimeout(this.healthTimer);
    this.restartTimer = undefined;
    this.healthTimer = undefined;
    const run = this.run;
    if (this.starting && !run) await this.starting.catch(() => undefined);
    if (!run || run.exited) {
      this.setState('stopped', 'Qdrant is stopped.');
      this.removeStateFile();
      this.emit('stopped', { forced: false });
      return;
    }
    this.setState('stopping', `Stopping Qdrant (pid ${run.pid}).`);
    const timeout = this.options.stopTimeoutMs ?? 5000;
    let forced = false;
    if (run.child) {
      run.child.kill('SIGTERM');
      if (!(await this.waitExit(run, timeout))) {
        forced = true;
        this.options.logger?.warn(`qdrant: did not stop within ${timeout} ms; killing it`);
        run.child.kill('SIGKILL');
        await this.waitExit(run, 5000);
      }
    } else {
      try {
        process.kill(run.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const deadline = Date.now() + timeout;
      while (pidAlive(run.pid) && Date.now() < deadline) await sleep(50);
      if (pidAlive(run.pid)) {
        forced = true;
        this.options.logger?.warn(`qdrant: reused instance did not stop within ${timeout} ms; killing it`);
        try {
          process.kill(run.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        const killDeadline = Date.now() + 5000;
        while (pidAlive(run.pid) && Date.now() < killDeadline) await sleep(50);
      }
      run.exited = true;
    }
    this.removeStateFile();
    this.setState('stopped', forced ? 'Qdrant was killed after the stop timeout.' : 'Qdrant is stopped.');
    this.emit('stopped', { forced });
  }

  async dispose(): Promise<void> {
    await this.stop();
  }

  private waitExit(run: Run, ms: number): Promise<boolean> {
    if (run.exited) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      run.exitWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  // ---- helpers --------------------------------------------------------------------------------

  private async loadOrCreateKey(): Promise<string> {
    const id = this.options.secretId ?? QDRANT_API_KEY_SECRET;
    const existing = await this.options.secrets.reveal(id);
    if (existing) return existing;
    const key = randomBytes(32).toString('base64url');
    await this.options.secrets.set(id, key);
    return key;
  }

  private pipeLines(child: ChildProcess): void {
    const log = this.options.logger;
    const handle = (stream: NodeJS.ReadableStream | null, level: 'info' | 'warn') => {
      if (!stream) return;
      const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
      rl.on('line', (raw) => {
        const line = this.scrub(raw);
        this.recentLines.push(line);
        if (this.recentLines.length > 50) this.recentLines.shift();
        log?.[level](`qdrant: ${line}`);
      });
    };
    handle(child.stdout, 'info');
    handle(child.stderr, 'warn');
  }

  /** Removes the API key from a line Qdrant printed (the logger's redactor is the second guard). */
  private scrub(line: string): string {
    const key = this.apiKey;
    return key ? line.split(key).join('[REDACTED]') : line;
  }

  private writeStateFile(run: Run, binary: string): void {
    const data: StateFile = {
      pid: run.pid,
      httpPort: run.httpPort,
      grpcPort: run.grpcPort,
      binary,
      startedAt: new Date().toISOString(),
    };
    try {
      fs.writeFileSync(this.stateFile, JSON.stringify(data, null, 2), { mode: 0o600 });
    } catch (e) {
      this.options.logger?.warn(`qdrant: could not write ${this.stateFile}: ${(e as Error).message}`);
    }
  }

  private removeStateFile(): void {
    try {
      fs.rmSync(this.stateFile, { force: true });
    } catch {
      // nothing to remove
    }
  }

  /** Read through a method so TypeScript does not narrow the state across awaits. */
  private stopRequested(): boolean {
    return this._state === 'stopping' || this._state === 'stopped';
  }

  private setState(state: SidecarState, detail: string): void {
    this._state = state;
    this.detail = detail;
    this.emit('state', this.health());
  }

  private emit<E extends keyof SidecarEvents>(event: E, ...args: SidecarEvents[E]): void {
    for (const l of [...(this.listeners.get(event) ?? [])]) {
      try {
        (l as unknown as (...a: SidecarEvents[E]) => void)(...args);
      } catch (e) {
        this.options.logger?.error(`qdrant: a '${event}' listener failed: ${(e as Error).message}`);
      }
    }
  }
}
