/**
 * Streaming end-of-speech detection over Silero VAD probabilities (one per 512-sample frame at
 * 16 kHz, 32 ms). Silero's own rule, made incremental: speech starts at a frame at or above
 * `threshold`; it ends once `silenceMs` have passed since the first frame below `threshold - 0.15`
 * with no frame at or above `threshold` in between. Bursts shorter than `minSpeechMs` (a cough, a
 * click, noise) are dropped, so silence and noise never reach speech-to-text. The first silent frame
 * also reports a 'pause' with the utterance so far (and speech coming back a 'resume'), so a listener
 * can decode while the silence timeout still runs.
 */
export const FRAME_SAMPLES = 512;
const SR = 16_000;
const FRAME_MS = (FRAME_SAMPLES / SR) * 1000;

export interface EndpointParams {
  threshold: number;
  /** Silence that ends an utterance (ms). Shorter = faster answers, but a pause mid-sentence cuts it. */
  silenceMs: number;
  /** Speech (frames at or above threshold) an utterance needs to count (ms). */
  minSpeechMs: number;
  /** Audio kept from before the first speech frame (ms): the onset of the first word. */
  preRollMs: number;
  /** Audio kept after the last speech frame (ms). */
  padMs: number;
  /** An utterance is cut here even without a pause (ms). */
  maxUtteranceMs: number;
}

export const DEFAULT_ENDPOINT: EndpointParams = {
  threshold: 0.5,
  silenceMs: 600,
  minSpeechMs: 250,
  preRollMs: 200,
  padMs: 150,
  maxUtteranceMs: 25_000,
};

export interface Utterance {
  /** Absolute position of the first kept sample in the stream. */
  startSample: number;
  samples: Float32Array;
  /** Speech frames (at or above threshold), in ms. */
  speechMs: number;
  /** Where speech last was (absolute sample); the end-of-speech moment. */
  lastSpeechSample: number;
}

export type EndpointEvent =
  | { type: 'start'; atSample: number }
  /**
   * Silence began after enough speech: the utterance so far, which is what 'end' will hold if no
   * speech follows. Listeners may decode it now (speculatively) instead of waiting out `silenceMs`.
   */
  | { type: 'pause'; utterance: Utterance }
  /** Speech came back after a 'pause': whatever was started for that pause is stale. */
  | { type: 'resume'; atSample: number }
  | { type: 'end'; utterance: Utterance; reason: 'silence' | 'max-length' | 'flush' }
  | { type: 'discard'; atSample: number; speechMs: number };

export class Endpointer {
  private readonly p: EndpointParams;
  private inSpeech = false;
  private frames: Float32Array[] = [];
  private preRoll: Float32Array[] = [];
  private startSample = 0;
  private speechFrames = 0;
  private lastSpeechEnd = 0;
  private silenceSince = -1;
  private paused = false;
  private position = 0;

  constructor(params: Partial<EndpointParams> = {}) {
    this.p = { ...DEFAULT_ENDPOINT, ...params };
  }

  get speaking(): boolean {
    return this.inSpeech;
  }

  /** Samples seen so far. */
  get samplesSeen(): number {
    return this.position;
  }

  /** One frame (512 samples) and its speech probability. */
  push(frame: Float32Array, prob: number): EndpointEvent[] {
    const at = this.position;
    this.position += frame.length;
    const events: EndpointEvent[] = [];
    const neg = Math.max(this.p.threshold - 0.15, 0.01);
    if (!this.inSpeech) {
      if (prob >= this.p.threshold) {
        this.inSpeech = true;
        this.frames = [...this.preRoll, frame];
        this.startSample = at - this.preRoll.reduce((n, f) => n + f.length, 0);
        this.preRoll = [];
        this.speechFrames = 1;
        this.lastSpeechEnd = at + frame.length;
        this.silenceSince = -1;
        events.push({ type: 'start', atSample: at });
      } else {
        this.preRoll.push(frame);
        const keep = Math.ceil(this.p.preRollMs / FRAME_MS);
        if (this.preRoll.length > keep) this.preRoll.shift();
      }
      return events;
    }
    this.frames.push(frame);
    if (prob >= this.p.threshold) {
      this.speechFrames++;
      this.lastSpeechEnd = at + frame.length;
      this.silenceSince = -1;
      if (this.paused) {
        this.paused = false;
        events.push({ type: 'resume', atSample: at });
      }
    } else if (prob < neg && this.silenceSince < 0) {
      this.silenceSince = at;
      if (this.speechFrames * FRAME_MS >= this.p.minSpeechMs) {
        this.paused = true;
        events.push({ type: 'pause', utterance: this.snapshot() });
      }
    }
    const silentMs = this.silenceSince < 0 ? 0 : ((this.position - this.silenceSince) / SR) * 1000;
    const lengthMs = ((this.position - this.startSample) / SR) * 1000;
    if (silentMs >= this.p.silenceMs) events.push(this.finish('silence'));
    else if (lengthMs >= this.p.maxUtteranceMs) events.push(this.finish('max-length'));
    return events;
  }

  /** Ends an utterance in progress (the stream stopped): its event, or null when there was none. */
  flush(): EndpointEvent | null {
    return this.inSpeech ? this.finish('flush') : null;
  }

  reset(): void {
    this.inSpeech = false;
    this.frames = [];
    this.preRoll = [];
    this.silenceSince = -1;
    this.paused = false;
  }

  /** The utterance in progress, as 'end' would give it now (speech up to the last speech frame + pad). */
  private snapshot(): Utterance {
    const total = this.frames.reduce((n, f) => n + f.length, 0);
    const start = this.startSample;
    const keepUntil = Math.min(start + total, this.lastSpeechEnd + Math.round((this.p.padMs / 1000) * SR));
    const samples = new Float32Array(Math.max(0, keepUntil - start));
    let at = 0;
    for (const f of this.frames) {
      if (at >= samples.length) break;
      samples.set(f.subarray(0, Math.min(f.length, samples.length - at)), at);
      at += f.length;
    }
    return {
      startSample: start,
      samples,
      speechMs: this.speechFrames * FRAME_MS,
      lastSpeechSample: this.lastSpeechEnd,
    };
  }

  private finish(reason: 'silence' | 'max-length' | 'flush'): EndpointEvent {
    const speechMs = this.speechFrames * FRAME_MS;
    const start = this.startSample;
    const utterance = speechMs < this.p.minSpeechMs ? null : this.snapshot();
    this.reset();
    if (!utterance) return { type: 'discard', atSample: start, speechMs };
    return { type: 'end', reason, utterance };
  }
}

/** Splits a stream of samples of any chunk size into 512-sample frames (the remainder is kept). */
export class Framer {
  private rest = new Float32Array(0);

  push(samples: Float32Array): Float32Array[] {
    const all = this.rest.length ? concat([this.rest, samples]) : samples;
    const out: Float32Array[] = [];
    let i = 0;
    for (; i + FRAME_SAMPLES <= all.length; i += FRAME_SAMPLES) out.push(all.slice(i, i + FRAME_SAMPLES));
    this.rest = all.slice(i);
    return out;
  }

  /** The last partial frame, zero-padded (or null). */
  flush(): Float32Array | null {
    if (!this.rest.length) return null;
    const f = new Float32Array(FRAME_SAMPLES);
    f.set(this.rest);
    this.rest = new Float32Array(0);
    return f;
  }
}

export function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
