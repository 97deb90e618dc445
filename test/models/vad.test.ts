import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_SEGMENT_PARAMS,
  VAD_FRAME,
  type Vad,
  createVad,
  speechSegments,
} from '../../src/main/services/inference/vad';
import { readWav } from '../../src/main/services/inference/wav';
import { fixturesDir, modelFiles } from './modelFiles';

const audio = (name: string) => readWav(readFileSync(path.join(fixturesDir, 'audio', name)));

describe('speechSegments (Silero rule)', () => {
  const frames = (pattern: string) => Float32Array.from([...pattern].map((c) => (c === '#' ? 0.9 : 0.05)));
  it('opens on a speech frame, closes after enough silence, drops short blips and pads', () => {
    // 1 frame = 32 ms. 20 speech frames, 10 silent, 2 speech (64 ms < 250 ms: dropped), 20 silent.
    const probs = frames('#'.repeat(20) + '.'.repeat(10) + '##' + '.'.repeat(20));
    const segs = speechSegments(probs, probs.length * VAD_FRAME, DEFAULT_SEGMENT_PARAMS);
    expect(segs).toHaveLength(1);
    expect(segs[0]!.start).toBe(0);
    expect(segs[0]!.end).toBeCloseTo(20 * 0.032 + 0.03, 5);
  });
  it('keeps a segment open across a pause shorter than minSilenceMs', () => {
    const probs = frames('.'.repeat(5) + '#'.repeat(10) + '..' + '#'.repeat(10) + '.'.repeat(10));
    const segs = speechSegments(probs, probs.length * VAD_FRAME, DEFAULT_SEGMENT_PARAMS);
    expect(segs).toHaveLength(1);
    expect(segs[0]!.start).toBeCloseTo(5 * 0.032 - 0.03, 5);
  });
});

const files = modelFiles('silero-vad');

describe.skipIf(!files.present)(`Silero VAD${files.present ? '' : ` (skipped: ${files.missing})`}`, () => {
  let vad: Vad;
  beforeAll(async () => {
    vad = await createVad({ onnxPath: files.file('silero_vad.onnx') });
  });
  afterAll(() => vad?.dispose());

  it('finds the speech in jfk.wav', async () => {
    const { samples, sampleRate } = audio('jfk.wav');
    expect(sampleRate).toBe(16_000);
    const segments = await vad.segments(samples);
    console.log(
      'jfk.wav speech segments (s):',
      segments.map((s) => `${s.start.toFixed(2)}-${s.end.toFixed(2)}`).join(' '),
    );
    const duration = samples.length / sampleRate;
    const speech = segments.reduce((sum, s) => sum + (s.end - s.start), 0);
    expect(segments.length).toBeGreaterThanOrEqual(2); // the speaker pauses between phrases
    expect(segments[0]!.start).toBeLessThan(1);
    expect(segments[segments.length - 1]!.end).toBeGreaterThan(duration - 1.5);
    expect(speech).toBeGreaterThan(0.5 * duration);
    expect(speech).toBeLessThan(duration);
    for (let i = 1; i < segments.length; i++)
      expect(segments[i]!.start).toBeGreaterThanOrEqual(segments[i - 1]!.end);
  });

  it('finds no speech in silence and noise, and one word in "yes"', async () => {
    expect(await vad.segments(audio('speech-commands/silence_1000ms.wav').samples)).toEqual([]);
    const noise = await vad.probabilities(audio('speech-commands/noise_1000ms.wav').samples);
    expect(Math.max(...noise)).toBeLessThan(0.5);
    const yes = await vad.segments(audio('speech-commands/yes_1000ms.wav').samples);
    expect(yes).toHaveLength(1);
  });

  it('streams frame by frame with the same probabilities as a whole-file pass', async () => {
    const { samples } = audio('jfk.wav');
    const whole = await vad.probabilities(samples.subarray(0, 40 * VAD_FRAME));
    const stream = vad.createStream();
    for (let i = 0; i < 40; i++) {
      const p = await stream.push(samples.slice(i * VAD_FRAME, (i + 1) * VAD_FRAME));
      expect(p).toBeCloseTo(whole[i]!, 5);
    }
  });
});
