import * as ort from 'onnxruntime-node';
import { AppError } from '../../../shared/ipc/result';

/**
 * Voice activity detection with Silero VAD (v5/v6 ONNX, 16 kHz): one speech probability per 32 ms
 * frame, then Silero's own rule for turning probabilities into speech segments.
 */
export const VAD_SAMPLE_RATE = 16_000;
/** Samples per frame the model scores (32 ms at 16 kHz). */
export const VAD_FRAME = 512;
/** Samples of the previous frame the model sees in front of each new one. */
const CONTEXT = 64;

export interface SegmentParams {
  /** Probability above which a frame is speech (Silero default 0.5). */
  threshold: number;
  /** Speech shorter than this is dropped (ms). */
  minSpeechMs: number;
  /** Silence shorter than this does not end a segment (ms). */
  minSilenceMs: number;
  /** Padding added on both sides of each segment (ms). */
  speechPadMs: number;
}

export const DEFAULT_SEGMENT_PARAMS: SegmentParams = {
  threshold: 0.5,
  minSpeechMs: 250,
  minSilenceMs: 100,
  speechPadMs: 30,
};

export interface SpeechSegment {
  /** Seconds from the start of the audio. */
  start: number;
  end: number;
}

/** Scores consecutive frames of one audio stream; keeps the model's recurrent state between calls. */
export interface VadStream {
  /** Speech probability of the next 512-sample frame (16 kHz mono float PCM). */
  push(frame: Float32Array): Promise<number>;
  reset(): void;
}

export interface Vad {
  createStream(): VadStream;
  /** One probability per 512-sample frame (the last partial frame is zero-padded). */
  probabilities(samples: Float32Array): Promise<Float32Array>;
  segments(samples: Float32Array, params?: Partial<SegmentParams>): Promise<SpeechSegment[]>;
  dispose(): Promise<void>;
}

export async function createVad(options: { onnxPath: string; threads?: number }): Promise<Vad> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(options.onnxPath, {
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
    });
  } catch (e) {
    throw new AppError('UNAVAILABLE', `cannot load the VAD model: ${(e as Error).message}`);
  }
  for (const name of ['input', 'state', 'sr'])
    if (!session.inputNames.includes(name))
      throw new AppError('UNAVAILABLE', `not a Silero VAD v5/v6 model (no "${name}" input)`);
  const sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(VAD_SAMPLE_RATE)]), []);

  // onnxruntime runs one inference at a time per session here; queue calls so streams never interleave.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };

  const createStream = (): VadStream => {
    let state = new Float32Array(2 * 128);
    let context = new Float32Array(CONTEXT);
    return {
      push(frame) {
        if (frame.length !== VAD_FRAME)
          throw new AppError('INVALID_INPUT', `VAD frames are ${VAD_FRAME} samples, got ${frame.length}`);
        return serial(async () => {
          const input = new Float32Array(CONTEXT + VAD_FRAME);
          input.set(context, 0);
          input.set(frame, CONTEXT);
          const out = await session.run({
            input: new ort.Tensor('float32', input, [1, input.length]),
            state: new ort.Tensor('float32', state, [2, 1, 128]),
            sr,
          });
          state = Float32Array.from(out.stateN!.data as Float32Array);
          context = input.slice(input.length - CONTEXT);
          return (out.output!.data as Float32Array)[0]!;
        });
      },
      reset() {
        state = new Float32Array(2 * 128);
        context = new Float32Array(CONTEXT);
      },
    };
  };

  const probabilities = async (samples: Float32Array): Promise<Float32Array> => {
    const stream = createStream();
    const frames = Math.ceil(samples.length / VAD_FRAME);
    const probs = new Float32Array(frames);
    for (let i = 0; i < frames; i++) {
      const frame = new Float32Array(VAD_FRAME);
      frame.set(samples.subarray(i * VAD_FRAME, (i + 1) * VAD_FRAME));
      probs[i] = await stream.push(frame);
    }
    return probs;
  };

  return {
    createStream,
    probabilities,
    async segments(samples, params) {
      return speechSegments(await probabilities(samples), samples.length, {
        ...DEFAULT_SEGMENT_PARAMS,
        ...params,
      });
    },
    async dispose() {
      await session.release();
    },
  };
}

/**
 * Silero's get_speech_timestamps: speech starts when a frame crosses `threshold`, ends after
 * `minSilenceMs` below `threshold - 0.15`; short segments are dropped; segments are padded.
 */
export function speechSegments(
  probs: Float32Array,
  totalSamples: number,
  params: SegmentParams,
): SpeechSegment[] {
  const sr = VAD_SAMPLE_RATE;
  const negThreshold = Math.max(params.threshold - 0.15, 0.01);
  const minSpeech = (sr * params.minSpeechMs) / 1000;
  const minSilence = (sr * params.minSilenceMs) / 1000;
  const pad = (sr * params.speechPadMs) / 1000;
  const raw: Array<{ start: number; end: number }> = [];
  let triggered = false;
  let start = 0;
  let tempEnd = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    const at = i * VAD_FRAME;
    if (p >= params.threshold && tempEnd) tempEnd = 0;
    if (p >= params.threshold && !triggered) {
      triggered = true;
      start = at;
      continue;
    }
    if (p < negThreshold && triggered) {
      if (!tempEnd) tempEnd = at;
      if (at - tempEnd < minSilence) continue;
      if (tempEnd - start > minSpeech) raw.push({ start, end: tempEnd });
      triggered = false;
      tempEnd = 0;
    }
  }
  if (triggered && totalSamples - start > minSpeech) raw.push({ start, end: totalSamples });

  // Pad, without overlapping the neighbours (split the gap when it is shorter than two pads).
  const out = raw.map((s) => ({ ...s }));
  out.forEach((s, i) => {
    if (i === 0) s.start = Math.max(0, s.start - pad);
    const next = out[i + 1];
    if (next) {
      const gap = next.start - s.end;
      if (gap < 2 * pad) {
        s.end += gap / 2;
        next.start = Math.max(0, next.start - gap / 2);
      } else {
        s.end = Math.min(totalSamples, s.end + pad);
        next.start = Math.max(0, next.start - pad);
      }
    } else {
      s.end = Math.min(totalSamples, s.end + pad);
    }
  });
  return out.map((s) => ({ start: s.start / sr, end: s.end / sr }));
}
