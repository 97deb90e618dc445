/**
 * `nook serve` / `node out/main/serve.js`: the headless host CLI. Builds the core (mode 'host'),
 * starts the host on 127.0.0.1, prints a one-time login URL and a machine-readable line:
 *
 *   NOOK_LISTENING {"url":"http://127.0.0.1:4141","port":4141}      (serving pages; calls wait for the core)
 *   NOOK_READY {"url":"http://127.0.0.1:4141","loginUrl":"http://127.0.0.1:4141/login?token=...","port":4141}
 *
 * The host listens before the core is loaded: module loading is most of the start-up time, and the
 * browser can fetch the page meanwhile. With --print-token both lines also carry `token`.
 *
 * Options: --data-dir DIR (default NOOK_DATA_DIR or the platform data dir), --port N (default 4141,
 * falling back to a free port when taken; 0 = any free port), --renderer-dir DIR, --no-open (do not
 * open a browser), --print-token (also print the installation token for `Authorization: Bearer`).
 * A leading `serve` word is ignored, so `nook serve ...` and `node out/main/serve.js ...` both work.
 * SIGINT/SIGTERM dispose everything and exit 0; any start failure exits 1 with a clear message.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { AppError, isAppError } from '../../shared/ipc/result';
import type { EventName } from '../../shared/ipc/channels';
import type { Disposable } from '../../shared/lifecycle';
import type { Dispatcher } from '../rpc/dispatcher';
import { KeytarBackend } from '../services/secrets/keytarBackend';
import type { Core } from '../core';
import { loadOrCreateInstallationToken, type TokenKeychain } from './auth';
import {
  startHost,
  type ApiTokenVerifier,
  type HostEvents,
  type HostHandle,
  type HostLogger,
} from './server';
import { corePlugins } from './hostPlugins';
import { version } from '../../../package.json';

export const DEFAULT_PORT = 4141;

export interface ServeArgs {
  dataDir: string;
  port: number;
  /** True when --port was given: then a taken port is an error, not a reason to fall back. */
  portExplicit: boolean;
  rendererDir: string | null;
  open: boolean;
  printToken: boolean;
  help: boolean;
}

const USAGE = `Usage: nook serve [--data-dir DIR] [--port N] [--renderer-dir DIR] [--no-open] [--print-token]

Runs Nook without a window: the app in your browser and the API on 127.0.0.1 only.
  --data-dir DIR      where Nook keeps its data (default: $NOOK_DATA_DIR or ${defaultDataDir()})
  --port N            port to listen on (default ${DEFAULT_PORT}, or a free one if it is taken; 0 = any free port)
  --renderer-dir DIR  the built renderer (default: out/renderer next to this script)
  --no-open           do not open a browser
  --print-token       also print the installation token (for Authorization: Bearer)`;

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.NOOK_DATA_DIR) return path.resolve(env.NOOK_DATA_DIR);
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Nook');
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Nook');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'Nook');
}

export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeArgs {
  const args = argv[0] === 'serve' ? argv.slice(1) : argv;
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      'renderer-dir': { type: 'string' },
      'no-open': { type: 'boolean', default: false },
      'print-token': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  let port = DEFAULT_PORT;
  if (values.port !== undefined) {
    if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) {
      throw new Error(`--port must be a number from 0 to 65535, not "${values.port}"`);
    }
    port = Number(values.port);
  }
  return {
    dataDir: values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir(env),
    port,
    portExplicit: values.port !== undefined,
    rendererDir: values['renderer-dir'] ? path.resolve(values['renderer-dir']) : null,
    open: !values['no-open'],
    printToken: values['print-token'],
    help: values.help,
  };
}

/** out/renderer next to the built script, or the repository's out/renderer when run from source with tsx. */
function findRendererDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../renderer'), path.resolve(here, '../../../out/renderer')];
  return candidates.find((d) => fs.existsSync(path.join(d, 'index.html'))) ?? candidates[0]!;
}

function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No browser here (a server, a container): the printed URL is enough.
  }
}

/**
 * The keychain service the host token lives under: the core's SecretStore default ("Nook"), or the
 * throwaway one tests and benchmarks set in NOOK_KEYCHAIN_SERVICE. Read directly through keytar so
 * the host can listen before the core (and zod, conf, SQLite) has even been loaded.
 */
export const HOST_KEYCHAIN_SERVICE = 'Nook';
const KEYCHAIN_TIMEOUT_MS = 15_000;

function keychainService(): string {
  return process.env.NOOK_KEYCHAIN_SERVICE || HOST_KEYCHAIN_SERVICE;
}

function tokenKeychain(service: string): TokenKeychain {
  const backend = new KeytarBackend();
  const guard = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(new Error(`it did not answer within ${KEYCHAIN_TIMEOUT_MS / 1000} s (is it locked?)`)),
            KEYCHAIN_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (e) {
      if (isAppError(e)) throw e;
      throw new AppError(
        'KEYCHAIN_UNAVAILABLE',
        `The OS keychain is not reachable: ${(e as Error).message} (while trying to ${what})`,
      );
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    get: (id) => guard('read the host token', () => backend.getPassword(service, id)),
    set: (id, value) => guard('store the host token', () => backend.setPassword(service, id, value)),
  };
}

/**
 * The core loads after the host listens (its modules are most of the start-up time), so the page is
 * served early; calls wait for the core and events flow once it exists.
 */
class LateCore {
  core: Core | null = null;
  private readonly waiting: Array<{
    listener: (event: EventName, payload: unknown) => void;
    sub: Disposable | null;
    cancelled: boolean;
  }> = [];
  private resolveReady!: (core: Core) => void;
  readonly ready = new Promise<Core>((resolve) => (this.resolveReady = resolve));

  set(core: Core): void {
    this.core = core;
    for (const w of this.waiting.splice(0)) if (!w.cancelled) w.sub = core.events.onAny(w.listener);
    this.resolveReady(core);
  }

  readonly dispatcher: Dispatcher = {
    dispatch: async (route, input, ctx) =>
      (this.core ?? (await this.ready)).dispatcher.dispatch(route, input, ctx),
  };

  readonly events: HostEvents = {
    onAny: (listener) => {
      if (this.core) return this.core.events.onAny(listener);
      const w: { listener: typeof listener; sub: Disposable | null; cancelled: boolean } = {
        listener,
        sub: null,
        cancelled: false,
      };
      this.waiting.push(w);
      return {
        dispose: () => {
          w.cancelled = true;
          return w.sub?.dispose();
        },
      };
    },
  };

  /** User API tokens; a request with one waits for the core (the installation token does not). */
  readonly tokens: ApiTokenVerifier = {
    verify: async (value) => (this.core ?? (await this.ready)).apiTokens.verify(value),
  };

  readonly log: HostLogger = {
    info: (obj, msg) => this.core?.log.info({ component: 'host', ...obj }, msg),
    warn: (obj, msg) => this.core?.log.warn({ component: 'host', ...obj }, msg),
    error: (obj, msg) => this.core?.log.error({ component: 'host', ...obj }, msg),
  };
}

async function listen(
  late: LateCore,
  keychain: TokenKeychain,
  args: ServeArgs,
  rendererDir: string,
): Promise<HostHandle> {
  const common = {
    dispatcher: late.dispatcher,
    events: late.events,
    keychain,
    log: late.log,
    rendererDir,
    uploadsDir: path.join(args.dataDir, 'imports'),
    tokens: late.tokens,
    // The API settings apply at once (read per request); before the core loads: none allowed, defaults.
    allowedOrigins: () => late.core?.settings.get().api.allowedOrigins ?? [],
    rateLimitPerMinute: () => late.core?.settings.get().api.rateLimitPerMinute ?? 600,
    plugins: corePlugins(async () => late.core ?? late.ready),
  };
  try {
    return await startHost({ ...common, port: args.port });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || args.portExplicit) throw e;
    const host = await startHost({ ...common, port: 0 });
    console.log(`Port ${args.port} is taken; using ${host.port} instead.`);
    return host;
  }
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  // Milliseconds since the process started: node bootstrap plus the host's module imports.
  const importedAt = performance.now();
  let args: ServeArgs;
  try {
    args = parseServeArgs(argv);
  } catch (e) {
    console.error(`nook serve: ${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }

  const late = new LateCore();
  let corePromise: Promise<Core> | null = null;
  let host: HostHandle | null = null;
  let stopping = false;
  const disposeCore = async () => {
    const core = late.core ?? (corePromise ? await corePromise.catch(() => null) : null);
    await core?.dispose();
  };
  const stop = async (signal: string) => {
    // A repeated signal (a second Ctrl+C, or a wrapper such as tsx relaying it) does not cut the
    // shutdown short; a watchdog ends a shutdown that hangs.
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      console.error(`nook serve: shutdown after ${signal} took longer than 10 s; exiting.`);
      process.exit(1);
    }, 10_000).unref();
    let code = 0;
    try {
      await host?.close();
    } catch (e) {
      code = 1;
      console.error(`nook serve: stopping the host failed: ${(e as Error).message}`);
    }
    try {
      await disposeCore();
    } catch (e) {
      code = 1;
      console.error(`nook serve: shutting down failed: ${(e as Error).message}`);
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  try {
    const keychain = tokenKeychain(keychainService());
    const rendererDir = args.rendererDir ?? findRendererDir();
    host = await listen(late, keychain, args, rendererDir);
    const listeningAt = performance.now();
    const token = args.printToken ? await loadOrCreateInstallationToken(keychain) : null;
    // Early, machine-readable: the page is served from here on; calls wait for the core.
    console.log(
      `NOOK_LISTENING ${JSON.stringify({ url: host.url, port: host.port, ...(token ? { token } : {}) })}`,
    );

    corePromise = import('../core').then(({ createCore }) =>
      createCore({
        mode: 'host',
        dataDir: args.dataDir,
        version,
        ...(process.env.NOOK_KEYCHAIN_SERVICE
          ? { secretStore: { service: process.env.NOOK_KEYCHAIN_SERVICE } }
          : {}),
      }),
    );
    const core = await corePromise;
    late.set(core);
    const coreAt = performance.now();

    if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
      console.log(
        `The renderer is not built (${rendererDir}); run \`npx electron-vite build\` for the app UI.`,
      );
    }
    console.log(`Nook is running at ${host.loginUrl}`);
    console.log('Open that link to log in; it works once and for 10 minutes. Stop with Ctrl+C.');
    if (process.stdin.isTTY) {
      // Login links are one-time and short-lived: Enter prints a fresh one (no restart needed).
      console.log('Press Enter for a new login link.');
      const running = host;
      process.stdin.on('data', () => console.log(`New login link: ${running.newLoginUrl()}`));
    }
    const ready: Record<string, unknown> = {
      url: host.url,
      loginUrl: host.loginUrl,
      port: host.port,
      // Where start-up time goes (benchmarks read it): ms since process start at each step.
      startup: {
        imported: Math.round(importedAt),
        listening: Math.round(listeningAt),
        core: Math.round(coreAt),
      },
    };
    if (token) {
      console.log(`Installation token (send as "Authorization: Bearer <token>"): ${token}`);
      ready.token = token;
    }
    console.log(`NOOK_READY ${JSON.stringify(ready)}`);
    core.log.info({ url: host.url, dataDir: args.dataDir }, 'headless host started');
    if (args.open && process.stdout.isTTY) openBrowser(host.loginUrl);
  } catch (e) {
    const why = isAppError(e)
      ? e.code === 'KEYCHAIN_UNAVAILABLE'
        ? `${e.message}. The host keeps its access token in the OS keychain and will not start without one.`
        : e.message
      : (e as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? `port ${args.port} is already in use (choose another with --port, or --port 0 for any free port)`
        : (e as Error).message;
    console.error(`nook serve: could not start: ${why}`);
    await host?.close().catch(() => undefined);
    await disposeCore().catch(() => undefined);
    process.exit(1);
  }
}

const invokedDirectly = (() => {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return fs.realpathSync(entry) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

if (invokedDirectly) void main();
