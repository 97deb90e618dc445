/**
 * The desktop app's local API (issue #9): when Settings `api.enabled` is on, the host's API (REST,
 * WebSocket, OpenAPI, `/v1/*`, `/metrics`) listens on 127.0.0.1:`api.port`, over the same core as the
 * window; turning it off (or quitting) stops it. No renderer files are served there: the app has its
 * own window. Allowed origins and the rate limit are read per request, so changing them needs no
 * restart; a port change restarts the server. A taken port is reported as a notice, not a crash.
 *
 * Electron-free (it takes the core and a start function), so it is tested in plain Node.
 */
import type { Disposable } from '../../shared/lifecycle';
import type { ApiSettings } from '../../shared/types/apiTokens';
import type { Core } from '../core';
import { corePlugins } from '../host/hostPlugins';
import { startHost, type HostHandle, type StartHostOptions } from '../host/server';

export interface DesktopApiState {
  running: boolean;
  /** Where it listens when running. */
  url: string | null;
  /** Why it is not running although enabled (port taken, keychain locked). */
  problem: string | null;
}

export type ApiCore = Pick<Core, 'dispatcher' | 'events' | 'settings' | 'secrets' | 'apiTokens' | 'log'>;

export interface DesktopApiOptions {
  /** The host's start function (tests may wrap it). */
  start?: (options: StartHostOptions) => Promise<HostHandle>;
  /** The core again, for host plugins that need more than the dispatcher (`/v1`, `/metrics`). */
  fullCore?: Core;
}

export class DesktopApiServer implements Disposable {
  private host: HostHandle | null = null;
  private running: { enabled: boolean; port: number } = { enabled: false, port: 0 };
  private chain: Promise<void> = Promise.resolve();
  private disposed = false;
  private readonly subscription: Disposable;
  state: DesktopApiState = { running: false, url: null, problem: null };

  constructor(
    private readonly core: ApiCore,
    private readonly options: DesktopApiOptions = {},
  ) {
    this.subscription = core.settings.onDidChange((s) => void this.apply(s.api));
    void this.apply(core.settings.get().api);
  }

  /** Resolves once the server matches the settings it was given (and every earlier change). */
  apply(api: Pick<ApiSettings, 'enabled' | 'port'>): Promise<void> {
    this.chain = this.chain.then(() => this.reconcile(api));
    return this.chain;
  }

  /** Waits for pending starts and stops (tests). */
  settled(): Promise<void> {
    return this.chain;
  }

  private async reconcile(api: Pick<ApiSettings, 'enabled' | 'port'>): Promise<void> {
    const want = { enabled: api.enabled && !this.disposed, port: api.port };
    if (want.enabled === this.running.enabled && (!want.enabled || want.port === this.running.port)) return;
    if (this.host) {
      const h = this.host;
      this.host = null;
      await h.close().catch((e: unknown) => this.core.log.warn({ err: e }, 'stopping the local API failed'));
      this.core.log.info({ url: h.url }, 'local API stopped');
    }
    this.running = { enabled: false, port: 0 };
    this.state = { running: false, url: null, problem: null };
    if (!want.enabled) return;
    const { core } = this;
    const fullCore = this.options.fullCore;
    try {
      this.host = await (this.options.start ?? startHost)({
        dispatcher: core.dispatcher,
        events: core.events,
        keychain: { get: (id) => core.secrets.reveal(id), set: (id, v) => core.secrets.set(id, v) },
        tokens: core.apiTokens,
        log: {
          info: (obj, msg) => core.log.info({ component: 'api', ...obj }, msg),
          warn: (obj, msg) => core.log.warn({ component: 'api', ...obj }, msg),
          error: (obj, msg) => core.log.error({ component: 'api', ...obj }, msg),
        },
        port: want.port,
        rendererDir: null,
        apiOnly: true,
        allowedOrigins: () => core.settings.get().api.allowedOrigins,
        rateLimitPerMinute: () => core.settings.get().api.rateLimitPerMinute,
        plugins: fullCore ? corePlugins(async () => fullCore) : [],
      });
      this.running = want;
      this.state = { running: true, url: this.host.url, problem: null };
      core.log.info({ url: this.host.url }, 'local API listening');
    } catch (e) {
      const problem =
        (e as NodeJS.ErrnoException).code === 'EADDRINUSE'
          ? `Port ${want.port} is already in use; choose another port for the local API in Settings.`
          : `The local API could not start: ${(e as Error).message}`;
      // Remember what was tried, so the same settings do not retry in a loop; a change retries.
      this.running = want;
      this.state = { running: false, url: null, problem };
      core.log.warn({ port: want.port, err: (e as Error).message }, 'local API not started');
      core.events.emit('system.notice', { level: 'warning', message: problem });
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.subscription.dispose();
    await this.apply({ enabled: false, port: 0 });
  }
}
