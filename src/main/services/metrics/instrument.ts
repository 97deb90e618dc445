/**
 * Decorators the composition root puts on service instances so their work is measured without the
 * services knowing: each replaces one method on that instance with a timed call to the original and
 * returns a Disposable that puts the original back.
 */
import { performance } from 'node:perf_hooks';
import { toDisposable, type Disposable } from '../../../shared/lifecycle';
import type { MetricsService } from './metricsService';

/** Audio the speech-to-text engine receives: 16 kHz mono samples. */
export const STT_SAMPLE_RATE = 16_000;

type AnyFn = (...args: never[]) => unknown;

export function decorate<T extends object, K extends keyof T>(
  target: T,
  key: K,
  wrap: (original: T[K]) => T[K],
): Disposable {
  const hadOwn = Object.prototype.hasOwnProperty.call(target, key);
  const previous = target[key];
  if (typeof previous !== 'function') throw new TypeError(`${String(key)} is not a method`);
  const bound = (previous as AnyFn).bind(target) as T[K];
  const replacement = wrap(bound);
  target[key] = replacement;
  return toDisposable(() => {
    if (target[key] !== replacement) return;
    if (hadOwn) target[key] = previous;
    else delete target[key];
  });
}

interface SearchTimings {
  keywordMs: number;
  embedMs: number;
  vectorMs: number;
}

/** Every search of the knowledge base (app, API, voice, assistant, plugins) into the search histogram. */
export function instrumentSearch<I, R extends { timings?: SearchTimings }>(
  metrics: MetricsService,
  knowledge: { search(input: I): Promise<R> },
): Disposable {
  return decorate(knowledge, 'search', (original) => async (input: I) => {
    const t0 = performance.now();
    try {
      const r = await original(input);
      metrics.observeSearch((performance.now() - t0) / 1000, 'ok', r.timings);
      return r;
    } catch (e) {
      metrics.observeSearch((performance.now() - t0) / 1000, 'error');
      throw e;
    }
  });
}

/** Direct embedding calls (queries, re-embedding, /v1/embeddings) counted per text and timed per call. */
export function instrumentEmbedder<A extends unknown[]>(
  metrics: MetricsService,
  embedder: { embed(modelId: string, texts: string[], kind: string, ...rest: A): Promise<Float32Array[]> },
): Disposable {
  return decorate(
    embedder,
    'embed',
    (original) =>
      async (modelId: string, texts: string[], kind: string, ...rest: A) => {
        const t0 = performance.now();
        const out = await original(modelId, texts, kind, ...rest);
        metrics.observeEmbeddings(kind, texts.length, (performance.now() - t0) / 1000);
        return out;
      },
  );
}

/** Speech-to-text real-time factor: processing time over the audio's duration, per transcription. */
export function instrumentSpeechToText<
  E extends { transcribe(samples: Float32Array, ...rest: never[]): Promise<unknown> },
>(metrics: MetricsService, engine: E): E {
  decorate(engine as { transcribe: E['transcribe'] }, 'transcribe', (original) => {
    const timed = async (samples: Float32Array, ...rest: never[]) => {
      const t0 = performance.now();
      const r = await (original as (s: Float32Array, ...x: never[]) => Promise<unknown>)(samples, ...rest);
      metrics.observeTranscription(samples.length / STT_SAMPLE_RATE, (performance.now() - t0) / 1000);
      return r;
    };
    return timed as E['transcribe'];
  });
  return engine;
}
