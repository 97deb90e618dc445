import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SpeechToText, createWhisperStt, wordErrorRate } from '../../src/main/services/inference/stt';
import { readWav } from '../../src/main/services/inference/wav';
import { fixturesDir, modelFiles } from './modelFiles';

const jfkWav = path.join(fixturesDir, 'audio/jfk.wav');
const jfkText = readFileSync(path.join(fixturesDir, 'audio/jfk.txt'), 'utf8');

describe('word error rate', () => {
  it('counts substitutions, insertions and deletions over reference words, ignoring case and punctuation', () => {
    expect(wordErrorRate('Ask not, what your country can do.', 'ask not what your country can do')).toBe(0);
    expect(wordErrorRate('a b c d', 'a x c d')).toBe(0.25);
    expect(wordErrorRate('a b c d', 'a b c')).toBe(0.25);
    expect(wordErrorRate('a b c d', 'a b c d e f')).toBe(0.5);
  });
});

// The whisper.cpp models Nook can run; the ones not fetched here skip with the reason.
const MODELS = ['whisper-tiny-en-converted', 'whisper-base-converted', 'whisper-tiny-en', 'whisper-base'];

for (const id of MODELS) {
  const files = modelFiles(id);
  describe.skipIf(!files.present)(
    `speech to text with ${id}${files.present ? '' : ` (skipped: ${files.missing})`}`,
    () => {
      let stt: SpeechToText;
      beforeAll(async () => {
        stt = await createWhisperStt({ modelPath: files.file(files.entry.files[0]!.path), threads: 2 });
      });
      afterAll(() => stt?.dispose());

      it('transcribes jfk.wav with a word error rate under 15%', { timeout: 300_000 }, async () => {
        const audio = readWav(readFileSync(jfkWav));
        expect(audio.sampleRate).toBe(16_000);
        const result = await stt.transcribe(audio.samples, { language: 'en' });
        const wer = wordErrorRate(jfkText, result.text);
        console.log(`${id}: WER ${(wer * 100).toFixed(1)}% :: ${result.text}`);
        expect(wer).toBeLessThan(0.15);
        expect(result.segments.length).toBeGreaterThan(0);
        const last = result.segments[result.segments.length - 1]!;
        // Timestamps are seconds within the 11 s clip.
        expect(last.end).toBeGreaterThan(8);
        expect(last.end).toBeLessThanOrEqual(11.5);
      });
    },
  );
}
