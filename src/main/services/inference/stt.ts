/**
 * Speech to text. The app talks to the `SpeechToText` interface; `createWhisperStt` is the local
 * implementation: whisper.cpp on the CPU through one of two bindings.
 *
 * - smart-whisper (preferred): whisper.cpp compiled here by scripts/buildWhisper.mjs with AVX2/FMA/F16C,
 *   and it exposes `audio_ctx`, so a 2 s command encodes about 2 s of audio instead of whisper's fixed
 *   30 s window (`fitContext`). Together about 30x less work per command than the fallback.
 * - @fugood/whisper.node (fallback): a prebuilt generic x86-64 binary (no AVX) without `audio_ctx`;
 *   used when smart-whisper did not build or needs instructions this CPU lacks.
 * Input is 16 kHz mono PCM.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../shared/ipc/result';
import { CpuShare, sttThreadsFor } from './cpuShare';
import { toPcm16 } from './wav';

export interface TranscriptSegment {
  text: string;
  /** Seconds from the start of the audio. */
  start: number;
  end: number;
}

export interface Transcription {
  text: string;
  segments: TranscriptSegment[];
  language?: string;
  /** CPU threads whisper ran on, where the binding reports it. */
  threads?: number;
}

export interface TranscribeOptions {
  /** ISO 639-1 code ('en'); English-only models ignore it. Default: the engine's configured language. */
  language?: string;
  /** Earlier text that conditions the decoder (names, jargon). */
  prompt?: string;
  signal?: AbortSignal;
  /**
   * One short utterance (a spoken command): the encoder context is sized to the audio and the text is
   * one segment without timestamps. Much faster for short audio; ignored by the fallback binding.
   */
  fitContext?: boolean;
  /**
   * Greedy decoding only, without whisper.cpp's temperature fallback (which re-decodes a short
   * command at up to five temperatures because any 3-word text fails its entropy test). The fast
   * first pass of a spoken command; the caller decodes again without it when the text is not usable.
   */
  greedy?: boolean;
}

export interface SpeechToText {
  /** Which binding runs whisper ('smart-whisper' or '@fugood/whisper.node'). */
  readonly backend: string;
  /** 16 kHz mono samples: float in [-1, 1] or 16-bit integers. */
  transcribe(samples: Float32Array | Int16Array, options?: TranscribeOptions): Promise<Transcription>;
  dispose(): Promise<void>;
}

export const STT_SAMPLE_RATE = 16_000;

export interface WhisperSttOptions {
  /** A whisper.cpp ggml model file. */
  modelPath: string;
  /**
   * CPU threads for one transcription. Default: chosen per transcription, every core (at most 4) when
   * the machine has been idle for the last second, else defaultSttThreads (cpuShare.ts says why).
   */
  threads?: number;
  /** Default language for multilingual models (default 'en'). */
  language?: string;
  /** 1 = greedy decoding (fast); whisper.cpp's default beam is 5. Default 1. */
  beamSize?: number;
  /** Which binding; 'auto' (default) prefers smart-whisper and falls back to @fugood. */
  backend?: 'auto' | 'smart-whisper' | 'fugood';
}

/**
 * whisper.cpp's threads spin while they wait for each other, so more threads than free cores is far
 * slower, not faster: on a 2-core machine one thread is left for the app (VAD, UI), up to 4 elsewhere.
 */
export function defaultSttThreads(cores = os.availableParallelism()): number {
  return Math.max(1, Math.min(4, cores <= 2 ? 1 : cores - 1));
}

/** Most tokens a spoken command of `sec` seconds can need (whisper's max_tokens for one segment). */
export function commandTokenBudget(sec: number): number {
  return Math.min(96, Math.ceil(10 + 8 * sec));
}

/**
 * The encoder frames for `samples` of audio (already padded by padForWhisper): whisper's encoder has
 * 50 positions per second (1500 = 30 s). Half a second of margin keeps the end of speech clear of the
 * edge (a context cut right at the last word makes whisper repeat itself); at least 3 s.
 */
export function audioContextFor(samples: number): number {
  const sec = samples / STT_SAMPLE_RATE;
  return Math.min(1500, Math.max(150, Math.ceil((sec + 0.5) * 50)));
}

/**
 * Whisper's known failure on short audio: the same sentence again and again ("Open the library. Open
 * the library. Open the library."). A sentence repeating the one before it is dropped, and so is an
 * unfinished tail that only starts it again ("Please stop speaking. Please": a decode that loops and
 * is cut off by its token budget).
 */
export function dropRepeats(text: string): string {
  const sentences = text.match(/[^.!?]+[.!?]*/g) ?? [];
  const key = (x: string): string =>
    x
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim();
  const kept: string[] = [];
  for (const s of sentences) {
    if (kept.length && key(kept[kept.length - 1]!) === key(s)) continue;
    kept.push(s.trim());
  }
  const last = kept[kept.length - 1];
  if (kept.length > 1 && last && !/[.!?]$/.test(last)) {
    const tail = key(last);
    const before = key(kept[kept.length - 2]!);
    if (tail && (before === tail || before.startsWith(`${tail} `))) kept.pop();
  }
  return kept.join(' ').trim();
}

/**
 * Whisper's other looping failure on a short command: one phrase again and again, with small
 * variations and no clean sentence ends ("Open the library if open the library. Open the library
 * open the library, open the library ..."). When one phrase of 1-6 words (compared loosely: case,
 * punctuation, a plural s) occurs at least 3 times and covers at least 60% of the words, only its
 * first occurrence is kept; other text is returned as it is.
 */
export function cutPhraseLoop(text: string): string {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const norm = words.map((w) =>
    w
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, '')
      .replace(/ies$/, 'y')
      .replace(/s$/, ''),
  );
  let best: { at: number; n: number; cover: number } | undefined;
  for (let n = 1; n <= 6; n++) {
    const seen = new Map<string, { at: number; count: number; next: number }>();
    for (let i = 0; i + n <= norm.length; i++) {
      const key = norm.slice(i, i + n).join(' ');
      const e = seen.get(key);
      // Count occurrences that do not overlap.
      if (!e) seen.set(key, { at: i, count: 1, next: i + n });
      else if (i >= e.next) {
        e.count++;
        e.next = i + n;
      }
    }
    for (const e of seen.values()) {
      const cover = (e.count * n) / words.length;
      if (
        e.count >= 3 &&
        cover >= 0.6 &&
        (!best || cover > best.cover || (cover === best.cover && n > best.n))
      )
        best = { at: e.at, n, cover };
    }
  }
  if (!best) return text.trim();
  return words
    .slice(best.at, best.at + best.n)
    .join(' ')
    .replace(/[,;:]+$/, '');
}

/** At least `tailSec` of silence after the audio, and at least 1.5 s in all. */
export function padForWhisper(samples: Float32Array, tailSec: number): Float32Array {
  const want = Math.max(
    samples.length + Math.round(tailSec * STT_SAMPLE_RATE),
    Math.round(1.5 * STT_SAMPLE_RATE),
  );
  if (want <= samples.length) return samples;
  const out = new Float32Array(want);
  out.set(samples);
  return out;
}

// ---- smart-whisper -------------------------------------------------------------------------------

interface SmartSegment {
  from: number;
  to: number;
  text: string;
}
interface SmartBinding {
  WhisperModel: { load(file: string, gpu?: boolean): Promise<{ handle: unknown; free(): Promise<void> }> };
  transcribe(
    handle: unknown,
    pcm: Float32Array,
    params: Record<string, unknown>,
    finish: (segments: SmartSegment[]) => void,
    progress: (segment: SmartSegment) => void,
  ): void;
}

/** The native flags the local build needs (scripts/buildWhisper.mjs records them). */
function missingCpuFeatures(buildDir: string): string[] {
  let requires: string[] = [];
  try {
    requires =
      (JSON.parse(fs.readFileSync(path.join(buildDir, 'nook-build.json'), 'utf8')) as { requires?: string[] })
        .requires ?? [];
  } catch {
    return [];
  }
  if (!requires.length || process.platform !== 'linux') return [];
  try {
    const line = fs
      .readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    const have = new Set((line ?? '').split(':')[1]?.trim().split(/\s+/) ?? []);
    return requires.filter((f) => !have.has(f));
  } catch {
    return [];
  }
}

/** The smart-whisper addon, or why it cannot be used here. */
export function loadSmartWhisper(): { binding: SmartBinding } | { error: string } {
  const req = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = path.dirname(req.resolve('smart-whisper/package.json'));
  } catch {
    return { error: 'smart-whisper is not installed' };
  }
  const buildDir = path.join(dir, 'build', 'Release');
  const addon = path.join(buildDir, 'smart-whisper.node');
  if (!fs.existsSync(addon))
    return { error: 'smart-whisper is not built (npm install runs scripts/buildWhisper.mjs)' };
  const missing = missingCpuFeatures(buildDir);
  if (missing.length) return { error: `this CPU lacks ${missing.join(', ')}, which the whisper build needs` };
  // The addon silences whisper.cpp's own logging when NODE_ENV is 'production' at load.
  const env = process.env.NODE_ENV;
  if (!process.env.NOOK_WHISPER_LOG) process.env.NODE_ENV = 'production';
  try {
    return { binding: req(addon) as SmartBinding };
  } catch (e) {
    return { error: `smart-whisper does not load: ${(e as Error).message}` };
  } finally {
    if (env === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = env;
  }
}

async function createSmartWhisperStt(
  binding: SmartBinding,
  options: WhisperSttOptions,
): Promise<SpeechToText> {
  let model: { handle: unknown; free(): Promise<void> };
  try {
    model = await binding.WhisperModel.load(options.modelPath, false);
  } catch (e) {
    throw new AppError('UNAVAILABLE', `cannot load the speech model: ${(e as Error).message}`);
  }
  const meter = options.threads === undefined ? new CpuShare().start() : null;
  const threadsNow = (): number => options.threads ?? sttThreadsFor(meter!.busyCores(), defaultSttThreads());
  return serialized(
    'smart-whisper',
    async (samples, opts) => {
      const raw = samples instanceof Float32Array ? samples : Float32Array.from(samples, (x) => x / 32768);
      // This whisper.cpp returns nothing for less than 1 s of audio ("stop"): pad short audio with
      // silence (commands also get a little after the last word, as a recording would have).
      const pcm = padForWhisper(raw, opts.fitContext ? 0.5 : 0);
      const threads = threadsNow();
      const params: Record<string, unknown> = {
        language: opts.language ?? options.language ?? 'en',
        n_threads: threads,
        strategy: (options.beamSize ?? 1) > 1 ? 1 : 0,
        beam_size: options.beamSize ?? 1,
        suppress_non_speech_tokens: true,
        ...(opts.prompt ? { initial_prompt: opts.prompt } : {}),
        ...(opts.fitContext
          ? {
              audio_ctx: audioContextFor(pcm.length),
              single_segment: true,
              no_timestamps: true,
              // People say at most 4-5 words (6-8 tokens) a second: a cap near that stops a decode
              // that loops ("Open settings. Open settings. Open") after a few tokens instead of 96.
              max_tokens: commandTokenBudget(raw.length / STT_SAMPLE_RATE),
            }
          : {}),
        // whisper.cpp's temperature fallback (entropy_thold 2.4) fails every 3-word command and decodes
        // it again at higher temperatures, 2-4x the CPU; `greedy` turns it off for the fast first pass.
        ...(opts.greedy ? { temperature_inc: 0 } : {}),
      };
      const decode = (p: Record<string, unknown>): Promise<SmartSegment[]> =>
        new Promise<SmartSegment[]>((resolve) =>
          binding.transcribe(model.handle, pcm, p, resolve, () => undefined),
        );
      const joined = (segs: SmartSegment[]): string =>
        segs
          .map((s) => s.text)
          .join('')
          .trim();
      let segments = await decode(params);
      if (!opts.fitContext) {
        const texts = segments.map((s) => ({ text: s.text.trim(), start: s.from / 1000, end: s.to / 1000 }));
        return { text: joined(segments), segments: texts, threads };
      }
      // A command is short: a phrase that fills most of the decode is whisper looping; keep one.
      let text = cutPhraseLoop(dropRepeats(joined(segments)));
      // Far more words than the audio can hold (people say 2-4 words a second), once a looping
      // phrase is cut, is whisper hallucinating, which a prompt can set off on short audio: decode
      // again without it.
      const words = text.split(/\s+/).filter(Boolean).length;
      if (opts.prompt && words > 4 + 5 * (raw.length / STT_SAMPLE_RATE)) {
        const { initial_prompt: _, ...plain } = params;
        segments = await decode(plain);
        text = cutPhraseLoop(dropRepeats(joined(segments)));
      }
      return { text, segments: text ? [{ text, start: 0, end: raw.length / STT_SAMPLE_RATE }] : [], threads };
    },
    () => {
      meter?.stop();
      return model.free();
    },
  );
}

// ---- @fugood/whisper.node (fallback) -------------------------------------------------------------

// The subset of @fugood/whisper.node 1.1.x this module uses (its package ships TypeScript sources,
// not declarations, so the shape is written down here and checked at run time).
interface WhisperResult {
  result: string;
  language?: string;
  segments: Array<{ text: string; t0: number; t1: number }>;
  isAborted: boolean;
}
interface WhisperContext {
  transcribeData(
    audio: ArrayBuffer,
    options?: {
      language?: string;
      prompt?: string;
      maxThreads?: number;
      beamSize?: number;
      temperature?: number;
      temperatureInc?: number;
    },
  ): { stop: () => Promise<void>; promise: Promise<WhisperResult> };
  release(): Promise<void>;
}
interface WhisperModule {
  initWhisper(options: {
    filePath: string;
    useGpu?: boolean;
    useFlashAttn?: boolean;
  }): Promise<WhisperContext>;
}

async function createFugoodStt(options: WhisperSttOptions): Promise<SpeechToText> {
  const whisper = createRequire(import.meta.url)('@fugood/whisper.node') as WhisperModule;
  if (typeof whisper.initWhisper !== 'function')
    throw new AppError('UNAVAILABLE', '@fugood/whisper.node has no initWhisper: unsupported version');
  let ctx: WhisperContext;
  try {
    ctx = await whisper.initWhisper({ filePath: options.modelPath, useGpu: false });
  } catch (e) {
    throw new AppError('UNAVAILABLE', `cannot load the speech model: ${(e as Error).message}`);
  }
  const threads = options.threads ?? defaultSttThreads();
  return serialized(
    '@fugood/whisper.node',
    async (samples, opts) => {
      const pcm = samples instanceof Int16Array ? samples : toPcm16(samples);
      const audio = pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.byteLength) as ArrayBuffer;
      const job = ctx.transcribeData(audio, {
        language: opts.language ?? options.language ?? 'en',
        maxThreads: threads,
        beamSize: options.beamSize ?? 1,
        ...(opts.prompt ? { prompt: opts.prompt } : {}),
        ...(opts.greedy ? { temperatureInc: 0 } : {}),
      });
      const onAbort = (): void => void job.stop();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const r = await job.promise;
        if (r.isAborted) throw new AppError('CANCELLED', 'transcription cancelled');
        return {
          text: r.result.trim(),
          // @fugood/whisper.node reports segment times in milliseconds.
          segments: r.segments.map((s) => ({ text: s.text.trim(), start: s.t0 / 1000, end: s.t1 / 1000 })),
          ...(r.language ? { language: r.language } : {}),
        };
      } finally {
        opts.signal?.removeEventListener('abort', onAbort);
      }
    },
    () => ctx.release(),
  );
}

// ---- shared --------------------------------------------------------------------------------------

/** One transcription at a time per model (whisper.cpp contexts are not shared between calls). */
function serialized(
  backend: string,
  run: (samples: Float32Array | Int16Array, opts: TranscribeOptions) => Promise<Transcription>,
  release: () => Promise<void>,
): SpeechToText {
  let queue: Promise<unknown> = Promise.resolve();
  let disposed = false;
  const guarded = async (
    samples: Float32Array | Int16Array,
    opts: TranscribeOptions,
  ): Promise<Transcription> => {
    if (disposed) throw new AppError('UNAVAILABLE', 'the speech model was released');
    if (opts.signal?.aborted) throw new AppError('CANCELLED', 'transcription cancelled');
    const r = await run(samples, opts);
    if (opts.signal?.aborted) throw new AppError('CANCELLED', 'transcription cancelled');
    return r;
  };
  return {
    backend,
    transcribe(samples, opts = {}) {
      const next = queue.then(
        () => guarded(samples, opts),
        () => guarded(samples, opts),
      );
      queue = next.catch(() => undefined);
      return next;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await queue;
      await release();
    },
  };
}

export async function createWhisperStt(options: WhisperSttOptions): Promise<SpeechToText> {
  const backend = options.backend ?? 'auto';
  if (backend !== 'fugood') {
    const smart = loadSmartWhisper();
    if ('binding' in smart) return createSmartWhisperStt(smart.binding, options);
    if (backend === 'smart-whisper') throw new AppError('UNAVAILABLE', smart.error);
  }
  return createFugoodStt(options);
}

/** Lower-case words without punctuation, for word error rate. */
export function normalizeWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s]/gu, ' ')
    .replace(/'(?!\p{L})/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/** Word error rate: (substitutions + deletions + insertions) / reference words, after normalizeWords. */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const ref = normalizeWords(reference);
  const hyp = normalizeWords(hypothesis);
  if (ref.length === 0) return hyp.length === 0 ? 0 : 1;
  let prev = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const cur = [i];
    for (let j = 1; j <= hyp.length; j++) {
      const cost = ref[i - 1] === hyp[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[hyp.length]! / ref.length;
}
