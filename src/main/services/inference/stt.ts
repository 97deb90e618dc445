import { createRequire } from 'node:module';
import os from 'node:os';
import { AppError } from '../../../shared/ipc/result';
import { toPcm16 } from './wav';

/**
 * Speech to text. The app talks to the `SpeechToText` interface; `createWhisperStt` is the local
 * implementation (whisper.cpp through @fugood/whisper.node, CPU). Input is 16 kHz mono PCM.
 */
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
}

export interface TranscribeOptions {
  /** ISO 639-1 code ('en'); English-only models ignore it. Default: the engine's configured language. */
  language?: string;
  /** Earlier text that conditions the decoder (names, jargon). */
  prompt?: string;
  signal?: AbortSignal;
}

export interface SpeechToText {
  /** 16 kHz mono samples: float in [-1, 1] or 16-bit integers. */
  transcribe(samples: Float32Array | Int16Array, options?: TranscribeOptions): Promise<Transcription>;
  dispose(): Promise<void>;
}

export const STT_SAMPLE_RATE = 16_000;

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

export interface WhisperSttOptions {
  /** A whisper.cpp ggml model file. */
  modelPath: string;
  /** CPU threads for one transcription (default 4, at most the cores there are). */
  threads?: number;
  /** Default language for multilingual models (default 'en'). */
  language?: string;
  /** 1 = greedy decoding (fast); whisper.cpp's default beam is 5. Default 1. */
  beamSize?: number;
}

export async function createWhisperStt(options: WhisperSttOptions): Promise<SpeechToText> {
  const whisper = createRequire(import.meta.url)('@fugood/whisper.node') as WhisperModule;
  if (typeof whisper.initWhisper !== 'function')
    throw new AppError('UNAVAILABLE', '@fugood/whisper.node has no initWhisper: unsupported version');
  let ctx: WhisperContext;
  try {
    ctx = await whisper.initWhisper({ filePath: options.modelPath, useGpu: false });
  } catch (e) {
    throw new AppError('UNAVAILABLE', `cannot load the speech model: ${(e as Error).message}`);
  }
  // More threads than cores slows whisper.cpp down (its threads spin while they wait).
  const threads = options.threads ?? Math.max(1, Math.min(4, os.availableParallelism()));
  // whisper.cpp runs one transcription per context at a time.
  let queue: Promise<unknown> = Promise.resolve();
  let disposed = false;

  const run = async (samples: Float32Array | Int16Array, opts: TranscribeOptions): Promise<Transcription> => {
    if (disposed) throw new AppError('UNAVAILABLE', 'the speech model was released');
    if (opts.signal?.aborted) throw new AppError('CANCELLED', 'transcription cancelled');
    const pcm = samples instanceof Int16Array ? samples : toPcm16(samples);
    const audio = pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.byteLength) as ArrayBuffer;
    const job = ctx.transcribeData(audio, {
      language: opts.language ?? options.language ?? 'en',
      maxThreads: threads,
      beamSize: options.beamSize ?? 1,
      ...(opts.prompt ? { prompt: opts.prompt } : {}),
    });
    const onAbort = (): void => void job.stop();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const r = await job.promise;
      if (r.isAborted || opts.signal?.aborted) throw new AppError('CANCELLED', 'transcription cancelled');
      return {
        text: r.result.trim(),
        // @fugood/whisper.node reports segment times in milliseconds.
        segments: r.segments.map((s) => ({ text: s.text.trim(), start: s.t0 / 1000, end: s.t1 / 1000 })),
        ...(r.language ? { language: r.language } : {}),
      };
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  };

  return {
    transcribe(samples, opts = {}) {
      const next = queue.then(
        () => run(samples, opts),
        () => run(samples, opts),
      );
      queue = next.catch(() => undefined);
      return next;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await queue;
      await ctx.release();
    },
  };
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
