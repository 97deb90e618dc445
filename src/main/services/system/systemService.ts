/**
 * Health of every service and a diagnostics snapshot for support. Each health entry is computed on
 * demand from the real thing (the database answers `select 1`, the keychain's last probe, settings
 * warnings). Services that arrive later (vectors, models, sidecar) plug in with `registerHealth`;
 * until then they are reported truthfully as "off".
 */
import fs from 'node:fs';
import { toDisposable, type Disposable } from '../../../shared/lifecycle';
import type { Diagnostics, ServiceHealth, SystemStatus } from '../../../shared/types/system';
import type { EventBus } from '../../rpc/eventBus';
import type { Logger } from '../logging/logger';
import type { SecretStore } from '../secrets/secretStore';
import type { SettingsService } from '../settings/settingsService';
import { ErrorLog, KeyValueStore } from '../storage/appState';
import { schemaVersion, type Database } from '../storage/database';

export type HealthId = ServiceHealth['id'];
export type HealthProvider = () => Omit<ServiceHealth, 'id' | 'label'> & { label?: string };

export interface SystemServiceDeps {
  mode: 'desktop' | 'host';
  version: string;
  dataDir: string;
  versions: Record<string, string>;
  db: Database;
  settings: SettingsService;
  secrets: SecretStore;
  log: Logger;
  events: EventBus;
  /**
   * Re-check health this often (ms) so a failure nobody reported (a database that stopped
   * answering) still reaches the status bar; 0 turns it off. Default 30 s. Services that know
   * their state changed call `refresh()` at once instead of waiting.
   */
  pollMs?: number;
}

const ORDER: readonly HealthId[] = [
  'database',
  'vectors',
  'models',
  'sidecar',
  'keychain',
  'settings',
  'assistant',
  'plugins',
];
const LABELS: Record<HealthId, string> = {
  database: 'Database',
  vectors: 'Vector index',
  models: 'Local models',
  sidecar: 'Sidecar',
  keychain: 'OS keychain',
  settings: 'Settings',
  assistant: 'Assistant',
  plugins: 'Plugins',
};
const NOT_YET: Partial<Record<HealthId, string>> = {
  vectors: 'No vector index yet',
  models: 'No local model installed yet',
  sidecar: 'No sidecar process is running',
  assistant: 'The assistant is not running',
  plugins: 'Plugins are not running',
};

export class SystemService implements Disposable {
  private readonly providers = new Map<HealthId, HealthProvider>();
  private knowledge: (() => NonNullable<Diagnostics['knowledge']>) | undefined;
  private readonly subscriptions: Disposable[] = [];
  private readonly errorLog: ErrorLog;
  private readonly kv: KeyValueStore;
  private readonly startedAt = Date.now();
  private readonly previousVersion: string | undefined;
  private lastStatus = '';
  private persistErrors = true;
  private poll: NodeJS.Timeout | undefined;

  constructor(private readonly d: SystemServiceDeps) {
    this.errorLog = new ErrorLog(d.db);
    this.kv = new KeyValueStore(d.db);

    this.providers.set('database', () => this.databaseHealth());
    this.providers.set('keychain', () => this.keychainHealth());
    this.providers.set('settings', () => this.settingsHealth());
    for (const [id, detail] of Object.entries(NOT_YET))
      this.providers.set(id as HealthId, () => ({ state: 'off', detail }));

    this.previousVersion = this.kv.get('app.lastVersion');
    if (!this.kv.get('app.firstRunAt')) this.kv.set('app.firstRunAt', new Date().toISOString());
    if (this.previousVersion !== d.version) {
      this.kv.set('app.lastVersion', d.version);
      if (this.previousVersion) d.log.info({ from: this.previousVersion, to: d.version }, 'Nook was updated');
    }

    // Warnings and errors outlive a restart in error_log (already redacted by the logger).
    // Problems logged before this service existed (e.g. a settings recovery) are added once.
    const known = new Set(this.safeRecent().map((e) => `${e.time}|${e.message}`));
    for (const e of d.log.recentErrors()) {
      if (!known.has(`${e.time}|${e.message}`)) this.persist({ ...e, level: 'warn' });
    }
    this.subscriptions.push(
      d.log.onProblem((p) => this.persist(p)),
      d.secrets.onDidChangeKeychainStatus(() => this.refresh()),
      d.settings.onDidChange(() => this.refresh()),
    );
    this.lastStatus = JSON.stringify(this.status());
    const pollMs = d.pollMs ?? 30_000;
    if (pollMs > 0) {
      this.poll = setInterval(() => this.refresh(), pollMs);
      this.poll.unref();
    }
  }

  /** The knowledge base's counts for `diagnostics()` (set by the core once the knowledge base runs). */
  registerKnowledge(provider: () => NonNullable<Diagnostics['knowledge']>): Disposable {
    this.knowledge = provider;
    return toDisposable(() => {
      if (this.knowledge === provider) this.knowledge = undefined;
    });
  }

  /** Lets a later service report its own health (vectors, models, sidecar, ...). */
  registerHealth(id: HealthId, provider: HealthProvider): Disposable {
    this.providers.set(id, provider);
    this.refresh();
    return toDisposable(() => {
      if (this.providers.get(id) !== provider) return;
      const detail = NOT_YET[id];
      if (detail) this.providers.set(id, () => ({ state: 'off', detail }));
      else this.providers.delete(id);
      this.refresh();
    });
  }

  /** Re-reads every health entry and emits `system.statusChanged` when something changed. */
  refresh(): SystemStatus {
    const status = this.status();
    const json = JSON.stringify(status);
    if (json !== this.lastStatus) {
      this.lastStatus = json;
      this.d.events.emit('system.statusChanged', status);
    }
    return status;
  }

  status(): SystemStatus {
    const services: ServiceHealth[] = [];
    for (const id of ORDER) {
      const provider = this.providers.get(id);
      if (!provider) continue;
      let h: ReturnType<HealthProvider>;
      try {
        h = provider();
      } catch (e) {
        h = { state: 'down', detail: `Health check failed: ${(e as Error).message}` };
      }
      services.push({
        id,
        label: h.label ?? LABELS[id],
        state: h.state,
        detail: this.d.secrets.redactor.redact(h.detail),
      });
    }
    return { version: this.d.version, mode: this.d.mode, services };
  }

  diagnostics(): Diagnostics {
    const mem = process.memoryUsage();
    const db = this.d.db;
    let schema = -1;
    try {
      schema = schemaVersion(db);
    } catch {
      // closed database: reported as -1
    }
    let recentErrors: Diagnostics['recentErrors'];
    try {
      recentErrors = this.errorLog.recent(50).map(({ time, message }) => ({ time, message }));
    } catch {
      recentErrors = this.d.log.recentErrors();
    }
    const versions: Record<string, string> = {
      nook: this.d.version,
      node: process.versions.node,
      v8: process.versions.v8,
      sqlite: this.sqliteVersion(),
      ...this.d.versions,
    };
    if (this.previousVersion && this.previousVersion !== this.d.version)
      versions.nookPrevious = this.previousVersion;
    return {
      version: this.d.version,
      mode: this.d.mode,
      platform: process.platform,
      arch: process.arch,
      versions,
      dataDir: this.d.dataDir,
      logFile: this.d.log.file,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed },
      database: {
        path: db.name,
        schemaVersion: schema,
        sizeBytes: fileSize(db.name) + fileSize(`${db.name}-wal`),
      },
      settingsWarnings: [...this.d.settings.warnings],
      ...this.knowledgeDiagnostics(),
      recentErrors: recentErrors.map((e) => ({
        time: e.time,
        message: this.d.secrets.redactor.redact(e.message),
      })),
    };
  }

  dispose(): void {
    clearInterval(this.poll);
    this.persistErrors = false;
    for (const s of this.subscriptions.splice(0)) void s.dispose();
  }

  private persist(p: { time: string; level: 'warn' | 'error' | 'fatal'; message: string }): void {
    if (!this.persistErrors || !this.d.db.open) return;
    try {
      this.errorLog.add(p);
    } catch {
      // Never log from here: a failing write would log, which would write again.
    }
  }

  private safeRecent(): { time: string; message: string }[] {
    try {
      return this.errorLog.recent(50);
    } catch {
      return [];
    }
  }

  private knowledgeDiagnostics(): Pick<Diagnostics, 'knowledge'> {
    try {
      return this.knowledge ? { knowledge: this.knowledge() } : {};
    } catch {
      return {}; // a closed database: the rest of the snapshot still helps
    }
  }

  private sqliteVersion(): string {
    try {
      return String(this.d.db.prepare('select sqlite_version()').pluck().get());
    } catch {
      return 'unknown';
    }
  }

  private databaseHealth(): ReturnType<HealthProvider> {
    const db = this.d.db;
    if (!db.open) return { state: 'down', detail: 'The database is closed' };
    try {
      db.prepare('select 1').pluck().get();
      const mode = String(db.pragma('journal_mode', { simple: true }));
      const detail = `SQLite ${this.sqliteVersion()}, ${mode.toUpperCase()} journal, schema version ${schemaVersion(db)}`;
      return mode === 'wal'
        ? { state: 'ok', detail }
        : { state: 'degraded', detail: `${detail} (expected WAL)` };
    } catch (e) {
      return { state: 'down', detail: `The database does not answer: ${(e as Error).message}` };
    }
  }

  private keychainHealth(): ReturnType<HealthProvider> {
    const s = this.d.secrets.keychainStatus();
    if (s.state === 'unknown') return { state: 'starting', detail: 'Checking the OS keychain' };
    if (s.state === 'ok')
      return { state: 'ok', detail: `Reachable; secrets are filed under "${this.d.secrets.service}"` };
    return { state: 'down', detail: `Not reachable: ${s.detail}. Secrets cannot be saved until it is.` };
  }

  private settingsHealth(): ReturnType<HealthProvider> {
    const w = this.d.settings.warnings;
    if (w.length > 0) return { state: 'degraded', detail: w.at(-1)! };
    return { state: 'ok', detail: `Saved in ${this.d.settings.path}` };
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
