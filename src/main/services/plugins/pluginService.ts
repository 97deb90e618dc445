/**
 * Plugins: install (after the user approved the permissions a package asks for), enable, disable,
 * uninstall (with its data), run commands, produce briefing sections, run scheduled jobs, keep
 * per-plugin logs and call statistics.
 *
 * On disk, under `<root>/<id>/`: `package/` (the manifest and wasm as installed), `data/` (the only
 * folder the `fs` permission opens, as `/data`), `plugin.log` (+ `.1`). In SQLite: see migration 0080.
 * The wasm is hashed again at every load and compared with the hash recorded at install; a file
 * changed on disk since is refused.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Disposable } from '../../../shared/lifecycle';
import { AppError } from '../../../shared/ipc/result';
import {
  BriefingSectionOutputSchema,
  PERMISSION_DESCRIPTIONS,
  type PluginBriefingSectionResult,
  type PluginInfo,
  type PluginInspect,
  type PluginLogEntry,
  type PluginPermission,
  type PluginRunResult,
} from '../../../shared/types/plugins';
import type { Database } from '../storage/database';
import type { Logger } from '../logging/logger';
import { PluginStore, type PluginRow } from './pluginStore';
import { readPluginPackage, sha256, MANIFEST_FILE } from './pluginPackage';
import { limitMemory, mbToPages, preflightStart } from './wasmLimits';
import { PluginCallError, PluginRuntime } from './pluginRuntime';
import { createHostFunctions, HOST_FUNCTIONS, type HostPorts } from './hostFunctions';
import { Scheduler } from './scheduler';

/**
 * The voice intent registry as plugins use it (VoiceService.registerIntent, over the recogniser in
 * src/main/services/voice/intents.ts): a command's voice examples become an intent whose handler
 * runs the command with the utterance.
 */
export interface IntentRegistry {
  registerIntent(def: {
    id: string;
    description?: string;
    examples: string[];
    handler?: (result: { text: string }) => unknown;
  }): Disposable;
}

/** What a plugin command's voice intent hands back to the voice loop. */
export interface PluginIntentResult {
  pluginId: string;
  commandId: string;
  output: string;
  /** The output's "text" field when it is JSON with one, else the output. */
  text: string;
}

export interface PluginServiceOptions {
  db: Database;
  /** `<dataDir>/plugins`. */
  root: string;
  log: Logger;
  ports?: Omit<HostPorts, 'kvGet' | 'kvSet' | 'log'>;
  /** Removes secrets from plugin log lines (the app's redactor). */
  redact?: (text: string) => string;
  intents?: IntentRegistry;
  /** Scheduler clock and timer (tests drive `scheduler.tick`). */
  scheduler?: { now?: () => Date; autoStart?: boolean };
  /** Called when `health()` may have changed (the system service refreshes the status bar). */
  onHealthChanged?: () => void;
}

export interface PluginCommandEntry {
  pluginId: string;
  pluginName: string;
  commandId: string;
  title: string;
  voiceExamples: string[];
}

const LOG_MAX_BYTES = 256 * 1024;

interface Loaded {
  runtime: PluginRuntime;
  disposables: Disposable[];
  abort: AbortController;
}

export class PluginService implements Disposable {
  readonly store: PluginStore;
  readonly scheduler: Scheduler;
  private readonly loaded = new Map<string, Loaded>();
  private readonly problems = new Map<string, string>();
  /** Plugins whose last call failed (cleared by a call that succeeds, a reload or an uninstall). */
  private readonly callFailures = new Map<string, string>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly o: PluginServiceOptions) {
    this.store = new PluginStore(o.db);
    fs.mkdirSync(o.root, { recursive: true });
    this.scheduler = new Scheduler({
      now: o.scheduler?.now,
      autoStart: o.scheduler?.autoStart ?? true,
      onError: (id, e) => o.log.warn({ err: e, job: id }, 'plugin scheduled job failed'),
    });
  }

  /** Loads every enabled plugin; one that fails to load is reported, the others still start. */
  async start(): Promise<void> {
    for (const row of this.store.list()) if (row.enabled) await this.activate(row).catch(() => undefined);
  }

  private dir(id: string): string {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(id) || id.includes('..'))
      throw new AppError('INVALID_INPUT', 'Bad plugin id.');
    return path.join(this.o.root, id);
  }

  /** One lifecycle change per plugin at a time. */
  private exclusive<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.locks.set(
      id,
      next.catch(() => undefined),
    );
    return next;
  }

  private row(id: string): PluginRow {
    const row = this.store.get(id);
    if (!row) throw new AppError('NOT_FOUND', `No plugin ${id} is installed.`);
    return row;
  }

  // ---- logs ------------------------------------------------------------------------------------

  private writeLog(id: string, level: PluginLogEntry['level'], message: string): void {
    const file = path.join(this.dir(id), 'plugin.log');
    const clean = (this.o.redact ?? ((s: string) => s))(message.slice(0, 4000));
    const line = JSON.stringify({ time: new Date().toISOString(), level, message: clean }) + '\n';
    try {
      const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
      if (size + line.length > LOG_MAX_BYTES) fs.renameSync(file, `${file}.1`);
      fs.appendFileSync(file, line);
    } catch {
      // The plugin was uninstalled meanwhile, or the disk is full: its log is not worth failing for.
    }
  }

  async logs(id: string, limit = 200): Promise<PluginLogEntry[]> {
    this.row(id);
    const file = path.join(this.dir(id), 'plugin.log');
    const texts: string[] = [];
    for (const f of [`${file}.1`, file]) texts.push(await fsp.readFile(f, 'utf8').catch(() => ''));
    const entries = texts
      .join('')
      .split('\n')
      .filter(Boolean)
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as PluginLogEntry];
        } catch {
          return [];
        }
      });
    return entries.slice(-Math.max(1, Math.min(limit, 2000)));
  }

  // ---- install / inspect -----------------------------------------------------------------------

  async inspect(packagePath: string): Promise<PluginInspect> {
    const pkg = await readPluginPackage(packagePath);
    try {
      await checkModule(pkg.wasm, pkg.manifest.permissions);
      const m = pkg.manifest;
      await preflightStart(limitMemory(pkg.wasm, mbToPages(m.limits.memoryMb)).bytes, m.limits.timeoutMs);
      return {
        manifest: {
          id: m.id,
          name: m.name,
          version: m.version,
          description: m.description,
          author: m.author,
          allowedHosts: m.http.allowedHosts,
          limits: m.limits,
          commands: m.contributes.commands.map((c) => ({
            id: c.id,
            title: c.title,
            voiceExamples: c.voiceExamples,
          })),
          briefingSections: m.contributes.briefingSections.map((s) => ({ id: s.id, title: s.title })),
          schedules: m.contributes.schedules.map((s) => ({ id: s.id })),
        },
        permissions: m.permissions.map((p) => ({ id: p, description: PERMISSION_DESCRIPTIONS[p] })),
        sha256: m.entry.sha256,
        installedVersion: this.store.get(m.id)?.manifest.version ?? null,
      };
    } finally {
      await pkg.cleanup();
    }
  }

  /**
   * Installs (or replaces) a package. `approvedPermissions` is what the user approved; a permission
   * the manifest did not ask for cannot be approved, and one not approved stays denied (its host
   * functions answer with an error inside the plugin).
   */
  async install(
    packagePath: string,
    approvedPermissions: PluginPermission[],
    enable = true,
  ): Promise<PluginInfo> {
    const pkg = await readPluginPackage(packagePath);
    try {
      const m = pkg.manifest;
      const extra = approvedPermissions.filter((p) => !m.permissions.includes(p));
      if (extra.length)
        throw new AppError(
          'INVALID_INPUT',
          `The plugin does not ask for ${extra.join(', ')}; nothing to approve.`,
        );
      await checkModule(pkg.wasm, approvedPermissions);
      await preflightStart(limitMemory(pkg.wasm, mbToPages(m.limits.memoryMb)).bytes, m.limits.timeoutMs);
      return await this.exclusive(m.id, async () => {
        await this.deactivate(m.id);
        const dir = this.dir(m.id);
        const pkgDir = path.join(dir, 'package');
        await fsp.rm(pkgDir, { recursive: true, force: true });
        await fsp.mkdir(path.dirname(path.join(pkgDir, m.entry.wasm)), { recursive: true });
        await fsp.mkdir(path.join(dir, 'data'), { recursive: true });
        await fsp.writeFile(path.join(pkgDir, MANIFEST_FILE), JSON.stringify(m, null, 2));
        await fsp.writeFile(path.join(pkgDir, m.entry.wasm), pkg.wasm);
        const granted = [...new Set(approvedPermissions)];
        this.store.upsert(m, granted, enable);
        this.writeLog(
          m.id,
          'info',
          `installed ${m.name} ${m.version} with permissions: ${granted.join(', ') || 'none'}`,
        );
        this.o.log.info({ plugin: m.id, version: m.version, permissions: granted }, 'plugin installed');
        if (enable) await this.activate(this.row(m.id)).catch(() => undefined);
        return this.info(this.row(m.id));
      });
    } finally {
      await pkg.cleanup();
    }
  }

  async setEnabled(id: string, enabled: boolean): Promise<PluginInfo> {
    return this.exclusive(id, async () => {
      this.row(id);
      this.store.setEnabled(id, enabled);
      if (enabled) await this.activate(this.row(id)).catch(() => undefined);
      else {
        await this.deactivate(id);
        this.problems.delete(id);
        this.healthChanged();
      }
      this.writeLog(id, 'info', enabled ? 'enabled' : 'disabled');
      return this.info(this.row(id));
    });
  }

  /** Removes the plugin, its kv storage, its data folder and its logs. */
  async uninstall(id: string): Promise<{ id: string; removed: boolean }> {
    return this.exclusive(id, async () => {
      this.row(id);
      await this.deactivate(id);
      this.store.remove(id);
      this.problems.delete(id);
      this.healthChanged();
      await fsp.rm(this.dir(id), { recursive: true, force: true });
      this.o.log.info({ plugin: id }, 'plugin uninstalled');
      return { id, removed: true };
    });
  }

  // ---- load / unload ---------------------------------------------------------------------------

  private async activate(row: PluginRow): Promise<void> {
    await this.deactivate(row.id);
    const m = row.manifest;
    try {
      const wasmPath = path.join(this.dir(row.id), 'package', m.entry.wasm);
      const bytes = await fsp.readFile(wasmPath).catch(() => {
        throw new AppError('NOT_FOUND', `its wasm file ${wasmPath} is missing; install it again`);
      });
      const actual = sha256(bytes);
      if (actual !== row.sha256)
        throw new AppError(
          'CONFLICT',
          `its wasm file changed on disk since it was installed (SHA-256 ${actual.slice(0, 12)}… instead of ${row.sha256.slice(0, 12)}…); refused to load it. Install the package again.`,
        );
      await checkModule(bytes, row.permissions);
      const limited = limitMemory(bytes, mbToPages(m.limits.memoryMb));
      await preflightStart(limited.bytes, m.limits.timeoutMs);
      const loaded: Loaded = {
        runtime: null as unknown as PluginRuntime,
        disposables: [],
        abort: new AbortController(),
      };
      const granted = new Set(row.permissions);
      const functions = createHostFunctions(
        {
          pluginId: m.id,
          pluginName: m.name,
          granted,
          allowedHosts: m.http.allowedHosts,
          timeoutMs: m.limits.timeoutMs,
          signal: () => loaded.abort.signal,
        },
        {
          ...this.o.ports,
          kvGet: (key) => this.store.kvGet(m.id, key),
          kvSet: (key, value) => this.store.kvSet(m.id, key, value),
          log: (level, message) => this.writeLog(m.id, level, message),
        },
      );
      loaded.runtime = new PluginRuntime({
        id: m.id,
        wasm: limited.bytes,
        timeoutMs: m.limits.timeoutMs,
        functions,
        config: m.config,
        ...(granted.has('fs') ? { dataDir: path.join(this.dir(m.id), 'data') } : {}),
        // Kernel log lines are the plugin's own logging (needs `log`); abort reports are Nook's diagnostics.
        log: (level, message) => {
          if (granted.has('log') || message.startsWith('nook-abort: ')) this.writeLog(m.id, level, message);
        },
        onAbandon: () => {
          loaded.abort.abort();
          loaded.abort = new AbortController();
        },
      });
      await loaded.runtime.load();
      this.loaded.set(m.id, loaded);
      this.problems.delete(m.id);
      this.callFailures.delete(m.id);
      this.healthChanged();
      for (const s of m.contributes.schedules)
        loaded.disposables.push(
          this.scheduler.add({
            id: `${m.id}/${s.id}`,
            ...(s.cron !== undefined ? { cron: s.cron } : { everyMinutes: s.everyMinutes! }),
            run: () =>
              this.callExport(
                m.id,
                s.export,
                JSON.stringify({ schedule: s.id, time: new Date().toISOString() }),
              ),
          }),
        );
      if (this.o.intents)
        for (const c of m.contributes.commands) {
          if (!c.voiceExamples.length) continue;
          const intentId = `plugin.${m.id}.${c.id}`.slice(0, 64);
          try {
            loaded.disposables.push(
              this.o.intents.registerIntent({
                id: intentId,
                description: `${m.name}: ${c.title}`,
                examples: c.voiceExamples,
                handler: async (result): Promise<PluginIntentResult> => {
                  const { output } = await this.run(m.id, c.id, result.text);
                  return { pluginId: m.id, commandId: c.id, output, text: textOf(output) };
                },
              }),
            );
          } catch (e) {
            this.writeLog(m.id, 'warn', `voice intent ${intentId} not registered: ${(e as Error).message}`);
          }
        }
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      this.problems.set(row.id, why);
      this.healthChanged();
      this.writeLog(row.id, 'error', `not loaded: ${why}`);
      this.o.log.warn({ plugin: row.id, reason: why }, 'plugin not loaded');
      throw e instanceof AppError ? e : new AppError('INTERNAL', `Plugin ${row.id} failed to load: ${why}`);
    }
  }

  private async deactivate(id: string): Promise<void> {
    if (this.callFailures.delete(id)) this.healthChanged();
    const l = this.loaded.get(id);
    if (!l) return;
    this.loaded.delete(id);
    for (const d of l.disposables.reverse()) await d.dispose();
    l.abort.abort();
    await l.runtime.dispose();
  }

  // ---- calls -----------------------------------------------------------------------------------

  private async callExport(id: string, exportName: string, input: string): Promise<PluginRunResult> {
    const row = this.row(id);
    if (!row.enabled) throw new AppError('CONFLICT', `Plugin ${row.manifest.name} is disabled.`);
    let l = this.loaded.get(id);
    if (!l) {
      await this.exclusive(id, () => this.activate(row));
      l = this.loaded.get(id)!;
    }
    const t0 = performance.now();
    try {
      const output = await l.runtime.call(exportName, input);
      const ms = performance.now() - t0;
      this.store.recordCall(id, ms, 'ok', null);
      if (this.callFailures.delete(id)) this.healthChanged();
      return { output, durationMs: ms };
    } catch (e) {
      const ms = performance.now() - t0;
      const message = e instanceof Error ? e.message : String(e);
      const timeout = e instanceof PluginCallError && e.kind === 'timeout';
      this.store.recordCall(id, ms, timeout ? 'timeout' : 'error', message);
      const wasFailing = this.callFailures.has(id);
      this.callFailures.set(id, timeout ? `${exportName} timed out` : `${exportName} failed`);
      if (!wasFailing) this.healthChanged();
      this.writeLog(id, 'error', `${exportName}: ${message}`);
      throw e instanceof AppError ? e : new AppError('INTERNAL', message);
    }
  }

  /** Runs a command (palette or voice): the input text goes to the command's export. */
  async run(id: string, commandId: string, input: string): Promise<PluginRunResult> {
    const cmd = this.row(id).manifest.contributes.commands.find((c) => c.id === commandId);
    if (!cmd) throw new AppError('NOT_FOUND', `Plugin ${id} has no command ${commandId}.`);
    return this.callExport(id, cmd.export, input);
  }

  /** Every command of every enabled plugin, for the command palette. */
  commands(): PluginCommandEntry[] {
    return this.store
      .list()
      .filter((r) => r.enabled && !this.problems.has(r.id))
      .flatMap((r) =>
        r.manifest.contributes.commands.map((c) => ({
          pluginId: r.id,
          pluginName: r.manifest.name,
          commandId: c.id,
          title: c.title,
          voiceExamples: c.voiceExamples,
        })),
      );
  }

  /**
   * The briefing extension point: every enabled plugin's sections, each export given
   * `{"date":"YYYY-MM-DD"}` and answering `{title, items:[{text, source?}]}`. A section that fails,
   * times out or answers badly is left out (and logged); the others still arrive.
   */
  async briefingSections(date: Date = new Date()): Promise<PluginBriefingSectionResult[]> {
    const day = `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
    const jobs = this.store
      .list()
      .filter((r) => r.enabled)
      .flatMap((r) => r.manifest.contributes.briefingSections.map((s) => ({ r, s })));
    const results = await Promise.all(
      jobs.map(async ({ r, s }) => {
        try {
          const { output } = await this.callExport(r.id, s.export, JSON.stringify({ date: day }));
          const parsed = BriefingSectionOutputSchema.safeParse(JSON.parse(output));
          if (!parsed.success) throw new Error(`section ${s.id} answered something that is not a section`);
          return [{ ...parsed.data, pluginId: r.id, sectionId: s.id }];
        } catch (e) {
          this.writeLog(r.id, 'warn', `briefing section ${s.id} left out: ${(e as Error).message}`);
          return [];
        }
      }),
    );
    return results.flat();
  }

  // ---- views -----------------------------------------------------------------------------------

  private info(r: PluginRow): PluginInfo {
    const m = r.manifest;
    const problem = this.problems.get(r.id) ?? null;
    return {
      id: r.id,
      name: m.name,
      version: m.version,
      description: m.description,
      author: m.author,
      enabled: r.enabled,
      permissions: r.permissions,
      requestedPermissions: m.permissions,
      allowedHosts: m.http.allowedHosts,
      commands: m.contributes.commands.map((c) => ({
        id: c.id,
        title: c.title,
        voiceExamples: c.voiceExamples,
      })),
      briefingSections: m.contributes.briefingSections.map((s) => ({ id: s.id, title: s.title })),
      schedules: m.contributes.schedules.map((s) => ({
        id: s.id,
        cron: s.cron ?? null,
        everyMinutes: s.everyMinutes ?? null,
      })),
      installedAt: r.installedAt,
      state: !r.enabled ? 'disabled' : problem ? 'error' : 'ok',
      problem,
      stats: r.stats,
    };
  }

  list(): PluginInfo[] {
    return this.store.list().map((r) => this.info(r));
  }

  get(id: string): PluginInfo {
    return this.info(this.row(id));
  }

  /**
   * The status bar's plugins entry: how many plugins are enabled and how many of them fail (did not
   * load, or their last call failed or timed out), with the reasons.
   */
  health(): { state: 'ok' | 'degraded' | 'off'; detail: string } {
    const all = this.store.list();
    const rows = all.filter((r) => r.enabled);
    if (rows.length === 0)
      return {
        state: 'off',
        detail: all.length ? `${all.length} installed, none enabled` : 'No plugins installed',
      };
    const failing = rows.flatMap((r) => {
      const why = this.problems.get(r.id) ? 'did not load' : this.callFailures.get(r.id);
      return why ? [`${r.manifest.name} (${why})`] : [];
    });
    const enabled = `${rows.length} enabled`;
    if (failing.length)
      return { state: 'degraded', detail: `${enabled}, ${failing.length} failing: ${failing.join(', ')}` };
    return { state: 'ok', detail: `${enabled}, none failing` };
  }

  private healthChanged(): void {
    try {
      this.o.onHealthChanged?.();
    } catch {
      // The status bar's refresh must not break a plugin's lifecycle.
    }
  }

  /** For the benchmark: the runtime of a loaded plugin. */
  runtimeOf(id: string): PluginRuntime | undefined {
    return this.loaded.get(id)?.runtime;
  }

  async dispose(): Promise<void> {
    this.scheduler.dispose();
    for (const id of [...this.loaded.keys()]) await this.deactivate(id).catch(() => undefined);
  }
}

/**
 * Refuses a module Nook cannot run safely: one that does not compile, imports a host function that
 * does not exist, or needs WASI without the `fs` permission (WASI is where files, clocks and the
 * environment live; without `fs` Nook does not link it at all).
 */
function textOf(output: string): string {
  try {
    const v = JSON.parse(output) as unknown;
    if (v && typeof v === 'object' && typeof (v as { text?: unknown }).text === 'string')
      return (v as { text: string }).text;
  } catch {
    // not JSON: the output is the text
  }
  return output;
}

/** The kernel functions Extism's JavaScript runtime links under `extism:host/env`. */
const EXTISM_KERNEL = new Set([
  'alloc',
  'free',
  'load_u8',
  'load_u64',
  'store_u8',
  'store_u64',
  'input_offset',
  'input_length',
  'input_load_u8',
  'input_load_u64',
  'output_set',
  'error_set',
  'config_get',
  'var_get',
  'var_set',
  'http_request',
  'http_status_code',
  'length',
  'length_unsafe',
  'log_warn',
  'log_info',
  'log_debug',
  'log_error',
]);

let wasiNameSet: Promise<Set<string>> | null = null;
/** The WASI preview 1 functions Node links (read once from a WASI object that is never started). */
function wasiNames(): Promise<Set<string>> {
  return (wasiNameSet ??= import('node:wasi').then(
    ({ WASI }) => new Set(Object.keys(new WASI({ version: 'preview1', env: {}, args: [] }).wasiImport)),
  ));
}

interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  Module: {
    imports(m: object): { module: string; name: string; kind: string }[];
    exports(m: object): { name: string; kind: string }[];
  };
}
/** The global WebAssembly object (the Node lib typings declare only its types). */
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export async function checkModule(wasm: Uint8Array, granted: readonly PluginPermission[]): Promise<void> {
  let mod: object;
  try {
    mod = await wasmApi.compile(wasm);
  } catch (e) {
    throw new AppError(
      'INVALID_INPUT',
      `The wasm file is not a valid WebAssembly module: ${(e as Error).message}`,
    );
  }
  // Every import must be one Extism's worker can link: an unknown name there is a LinkError thrown
  // inside Extism's worker, which has no error listener (it would take the process down).
  for (const imp of wasmApi.Module.imports(mod)) {
    if (imp.module === 'extism:host/env') {
      if (imp.kind === 'function' && EXTISM_KERNEL.has(imp.name)) continue;
      throw new AppError(
        'INVALID_INPUT',
        `The plugin imports extism:host/env ${imp.name}, which Extism does not provide.`,
      );
    }
    if (imp.module === 'extism:host/user' && imp.name in HOST_FUNCTIONS && imp.kind === 'function') continue;
    if (imp.module === 'wasi_snapshot_preview1') {
      if (granted.includes('fs')) {
        if (imp.kind === 'function' && (await wasiNames()).has(imp.name)) continue;
        throw new AppError(
          'INVALID_INPUT',
          `The plugin imports WASI ${imp.name}, which does not exist in WASI preview 1.`,
        );
      }
      throw new AppError(
        'INVALID_INPUT',
        `The plugin imports WASI (${imp.name}); Nook links WASI only for plugins granted the fs permission.`,
      );
    }
    throw new AppError(
      'INVALID_INPUT',
      `The plugin imports ${imp.module}.${imp.name}, which Nook does not provide.`,
    );
  }
  if (!wasmApi.Module.exports(mod).some((e) => e.name === 'memory' && e.kind === 'memory'))
    throw new AppError('INVALID_INPUT', 'The plugin does not export its memory.');
}
