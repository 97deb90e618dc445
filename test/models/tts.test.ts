import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhisperStt, wordErrorRate } from '../../src/main/services/inference/stt';
import { type TextToSpeech, createPiperTts } from '../../src/main/services/inference/tts';
import { resampleLinear } from '../../src/main/services/inference/wav';
import { modelFiles } from './modelFiles';

const files = modelFiles('piper-en-us-joe-medium');
const espeak = (() => {
  try {
    execFileSync('espeak-ng', ['--version'], { stdio: 'ignore' });
    return '';
  } catch {
    return 'espeak-ng is not installed (apt-get install espeak-ng)';
  }
})();
const skip = files.missing || espeak;
const whisper = modelFiles('whisper-tiny-en-converted');

const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);

describe.skipIf(!!skip)(`Piper voice en_US joe${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let tts: TextToSpeech;
  beforeAll(async () => {
    tts = await createPiperTts({
      onnxPath: files.file('en_US-joe-medium.onnx'),
      configPath: files.file('en_US-joe-medium.onnx.json'),
    });
  });
  afterAll(() => tts?.dispose());

  it('speaks a sentence: audible audio of a plausible length at 22.05 kHz', { timeout: 60_000 }, async () => {
    const short = await tts.synthesize('Good morning.');
    const long = await tts.synthesize(
      'Good morning. You have three meetings today, and the first one starts at nine.',
    );
    expect(long.sampleRate).toBe(22_050);
    const seconds = long.samples.length / long.sampleRate;
    console.log(`piper: ${seconds.toFixed(2)} s of audio, RMS ${rms(long.samples).toFixed(3)}`);
    expect(seconds).toBeGreaterThan(3);
    expect(seconds).toBeLessThan(10);
    expect(rms(long.samples)).toBeGreaterThan(0.02);
    expect(long.samples.length).toBeGreaterThan(2 * short.samples.length);
    expect((await tts.synthesize('  ')).samples).toHaveLength(0);
  });

  it.skipIf(!whisper.present)(
    `is intelligible: whisper transcribes it back${whisper.present ? '' : ` (skipped: ${whisper.missing})`}`,
    { timeout: 300_000 },
    async () => {
      const text = 'Please remind me to water the plants tomorrow morning.';
      const audio = await tts.synthesize(text);
      const stt = await createWhisperStt({ modelPath: whisper.file('ggml-tiny.en.bin'), threads: 2 });
      try {
        const heard = await stt.transcribe(resampleLinear(audio.samples, audio.sampleRate, 16_000));
        console.log(`piper -> whisper: ${heard.text}`);
        expect(wordErrorRate(text, heard.text)).toBeLessThan(0.3);
      } finally {
        await stt.dispose();
      }
    },
  );
});
