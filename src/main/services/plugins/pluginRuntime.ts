/**
 * One plugin instance on @extism/extism 1.0.3, in its own worker thread (`runInWorker`).
 *
 * The sandbox, and where each part of it comes from:
 * - time: 1.0.3 has no timeout option, so each call races a timer; when it fires the worker is
 *   terminated (V8 interrupts even a tight wasm loop) and the next call starts a fresh instance;
 * - memory: the module's memory section is rewritten to a maximum (wasmLimits.ts);
 * - environment: WASI is off unless the plugin holds `fs`; even then Node's WASI gets no `env`, and
 *   its only preopen is the plugin's data folder (mapped to `/data`);
 * - network: Extism's own http_request gets no allowed hosts and a fetch that always refuses; the
 *   only way out is Nook's `http_fetch` host function;
 * - crashes: a trap or a dead worker fails that call only; the instance is rebuilt on the next one.
 * Calls to one plugin run one at a time (an Extism instance is not reentrant).
 */
import createPlugin, { type CallContext, type Plugin } from '@extism/extism';
import { AppError } from '../../../shared/ipc/result';
import type { Worker } from 'node:worker_threads';

export type HostFunction = (ctx: CallContext, offset: bigint) => Promise<bigint> | bigint;

export interface PluginLogSink {
  (level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

export interface RuntimeOptions {
  id: string;
  /** The module, already memory-limited. */
  wasm: Uint8Array;
  timeoutMs: number;
  /** Host functions in the `extism:host/user` namespace. */
  functions: Record<string, HostFunction>;
  config: Record<string, string>;
  /** Granted `fs`: the plugin's data folder, seen by the plugin as `/data`. */
  dataDir?: string;
  /** Lines the plugin logs through Extism's kernel log functions (and its abort reports). */
  log: PluginLogSink;
  /** Called when an in-flight call is abandoned (timeout): host functions stop their work. */
  onAbandon?: () => void;
  /** Largest output accepted from one call. */
  maxOutputBytes?: number;
}

/** The first line the SDK's abort handler logs, so the host can tell the user why a plugin crashed. */
export const ABORT_MARKER = 'nook-abort: ';

interface BackgroundInternals {
  worker: Worker | null;
  hostFlag?: Int32Array;
}

export class PluginCallError extends AppError {
  constructor(
    code: 'TIMEOUT' | 'INTERNAL' | 'NOT_FOUND' | 'INVALID_INPUT',
    message: string,
    readonly kind: 'timeout' | 'crash' | 'error' | 'missing',
  ) {
    super(code, message);
    this.name = 'PluginCallError';
  }
}

export class PluginRuntime {
  private plugin: Plugin | null = null;
  private loading: Promise<Plugin> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private lastAbort: string | null = null;
  private disposed = false;
  private workerDied: ((e: Error) => void) | null = null;
  /** Cold load time of the current instance (ms), for the benchmark. */
  lastLoadMs = 0;

  constructor(private readonly o: RuntimeOptions) {}

  get loaded(): boolean {
    return this.plugin !== null;
  }

  /** Starts the worker now (otherwise the first call does). */
  async load(): Promise<void> {
    await this.instance();
  }

  private instance(): Promise<Plugin> {
    if (this.disposed) return Promise.reject(new AppError('UNAVAILABLE', `Plugin ${this.o.id} is stopped.`));
    if (this.plugin) return Promise.resolve(this.plugin);
    if (!this.loading) {
      const t0 = performance.now();
      this.loading = createPlugin(
        { wasm: [{ data: this.o.wasm }] },
        {
          runInWorker: true,
          useWasi: this.o.dataDir !== undefined,
          enableWasiOutput: false,
          allowedPaths: this.o.dataDir !== undefined ? { '/data': this.o.dataDir } : {},
          allowedHosts: [],
          fetch: () => Promise.reject(new Error('network access is only available through http_fetch')),
          config: this.o.config,
          functions: { 'extism:host/user': this.o.functions },
          logger: this.kernelLogger() as unknown as Console,
        },
      ).then(
        (p) => {
          this.loading = null;
          if (this.disposed) {
            void p.close();
            throw new AppError('UNAVAILABLE', `Plugin ${this.o.id} is stopped.`);
          }
          this.lastLoadMs = performance.now() - t0;
          const worker = (p as unknown as BackgroundInternals).worker;
          // A worker that dies (out of memory, internal error) fails the call in flight; the next
          // call builds a new instance. Without an 'error' listener Node would throw in the main thread.
          worker?.on('error', (e) => {
            if (this.plugin === p) this.workerDied?.(e);
          });
          worker?.on('exit', (code) => {
            if (this.plugin === p) this.workerDied?.(new Error(`the plugin's worker exited (code ${code})`));
          });
          this.plugin = p;
          return p;
        },
        (e: unknown) => {
          this.loading = null;
          throw new PluginCallError(
            'INVALID_INPUT',
            `Plugin ${this.o.id} failed to load: ${describe(e)}`,
            'crash',
          );
        },
      );
    }
    return this.loading;
  }

  private kernelLogger() {
    const sink = (level: 'debug' | 'info' | 'warn' | 'error') => (msg: unknown) => {
      const text = String(msg);
      if (text.startsWith(ABORT_MARKER)) this.lastAbort = text.slice(ABORT_MARKER.length);
      this.o.log(level, text);
    };
    return {
      debug: sink('debug'),
      info: sink('info'),
      warn: sink('warn'),
      error: sink('error'),
      trace: sink('debug'),
    };
  }

  /** Calls an export with a text input; resolves with the text output. */
  call(exportName: string, input: string, timeoutMs = this.o.timeoutMs): Promise<string> {
    const run = this.queue.then(() => this.callNow(exportName, input, timeoutMs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async callNow(exportName: string, input: string, timeoutMs: number): Promise<string> {
    const plugin = await this.instance();
    this.lastAbort = null;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await new Promise<
      { ok: true; out: string } | { ok: false; kind: 'timeout' | 'crash' | 'error'; error: string }
    >((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, kind: 'timeout', error: '' }), timeoutMs);
      this.workerDied = (e) => resolve({ ok: false, kind: 'crash', error: e.message });
      plugin.call(exportName, input).then(
        (out) => {
          const bytes = out?.bytes() ?? new Uint8Array();
          if (bytes.length > (this.o.maxOutputBytes ?? 4 * 1024 * 1024))
            resolve({
              ok: false,
              kind: 'error',
              error: `its output is larger than ${this.o.maxOutputBytes ?? 4194304} bytes`,
            });
          else resolve({ ok: true, out: new TextDecoder().decode(bytes) });
        },
        (e: unknown) => {
          const msg = describe(e);
          // "Plugin-originated error" is the plugin reporting failure itself (error_set); anything
          // else is a trap (unreachable, out of bounds, memory.grow refused) or a host failure.
          const own = msg.startsWith('Plugin-originated error: ');
          resolve({ ok: false, kind: own ? 'error' : 'crash', error: own ? msg.slice(25) : msg });
        },
      );
    });
    clearTimeout(timer);
    this.workerDied = null;
    if (outcome.ok) return outcome.out;
    if (outcome.kind === 'timeout') {
      this.abandon();
      throw new PluginCallError(
        'TIMEOUT',
        `Plugin ${this.o.id} did not finish ${exportName} within ${timeoutMs} ms and was stopped.`,
        'timeout',
      );
    }
    if (outcome.kind === 'crash') {
      // After a trap the module's own state (its heap, globals) cannot be trusted: start afresh.
      this.abandon();
      const why = this.lastAbort ?? outcome.error;
      if (/function .* does not exist/.test(outcome.error))
        throw new PluginCallError('NOT_FOUND', `Plugin ${this.o.id} has no export ${exportName}.`, 'missing');
      throw new PluginCallError('INTERNAL', `Plugin ${this.o.id} crashed in ${exportName}: ${why}`, 'crash');
    }
    throw new PluginCallError(
      'INTERNAL',
      `Plugin ${this.o.id} failed in ${exportName}: ${outcome.error}`,
      'error',
    );
  }

  /** Terminates the worker; a host function still running for it is told to stop. */
  private abandon(): void {
    const p = this.plugin as (Plugin & BackgroundInternals) | null;
    this.plugin = null;
    if (!p) return;
    this.o.onAbandon?.();
    void p.close();
    // Extism's host-call writer waits on the shared flag for the (now dead) worker to read its
    // answer; poke the flag for a while so an in-flight host call can finish instead of polling forever.
    const flag = p.hostFlag;
    if (flag) {
      let n = 0;
      const poke = setInterval(() => {
        Atomics.store(flag, 0, -1);
        Atomics.notify(flag, 0);
        if (++n > 200) clearInterval(poke);
      }, 25);
      poke.unref();
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const p = this.plugin ?? (await this.loading?.catch(() => null)) ?? null;
    this.plugin = null;
    if (p) await p.close();
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e && typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}
