/**
 * File transcription with the real models on awkward input: silence and noise (nothing reaches
 * whisper), a 44.1 kHz stereo file and an MP3 (resampled), and a 30-minute file (streamed in
 * chunks with progress, memory bounded, only its speech transcribed).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wordErrorRate } from '../../../src/main/services/inference/stt';
import { createLocalEngine, type VoiceEngine } from '../../../src/main/services/voice/engine';
import { transcribeFile } from '../../../src/main/services/voice/transcriber';
import { engineModels, fixturesDir, missing } from './voiceModels';

const jfk = path.join(fixturesDir, 'audio/jfk.wav');
const jfkText = fs.readFileSync(path.join(fixturesDir, 'audio/jfk.txt'), 'utf8');

describe.skipIf(!!missing)(`file transcription${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let engine: VoiceEngine;
  let calls = 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-voice-files-'));
  beforeAll(async () => {
    const local = await createLocalEngine(engineModels());
    engine = {
      ...local,
      transcribe: (s, r) => {
        calls++;
        return local.transcribe(s, r);
      },
    };
  });
  afterAll(async () => {
    await engine?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('silence and noise: no speech found, whisper never called', { timeout: 120_000 }, async () => {
    for (const clip of ['silence_1000ms.wav', 'noise_1000ms.wav']) {
      const r = await transcribeFile(engine, path.join(fixturesDir, 'audio/speech-commands', clip));
      expect(r, clip).toMatchObject({ noSpeech: true, text: '', windows: 0, speechSec: 0 });
    }
    expect(calls).toBe(0);
  });

  it(
    'a 44.1 kHz stereo WAV and an MP3 are resampled to 16 kHz mono and transcribed',
    { timeout: 900_000 },
    async () => {
      const stereo = path.join(dir, 'jfk-44k-stereo.wav');
      execFileSync('sox', [jfk, '-r', '44100', '-c', '2', stereo]);
      const r = await transcribeFile(engine, stereo);
      expect(r).toMatchObject({ sampleRate: 44100, channels: 2, noSpeech: false });
      expect(r.durationSec).toBeCloseTo(11, 0);
      expect(wordErrorRate(jfkText, r.text)).toBeLessThan(0.15);
      const mp3 = await transcribeFile(engine, path.join(fixturesDir, 'audio/jfk.mp3'));
      expect(wordErrorRate(jfkText, mp3.text)).toBeLessThan(0.15);
    },
  );

  it(
    'a 30-minute file: chunked with progress, bounded memory, only the speech transcribed',
    { timeout: 1_200_000 },
    async () => {
      const lead = path.join(dir, 'lead.wav');
      const tail = path.join(dir, 'tail.wav');
      const long = path.join(dir, 'long.flac');
      execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', lead, 'trim', '0', '600']);
      execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', tail, 'trim', '0', '1189']);
      execFileSync('sox', [lead, jfk, tail, long]);
      const progress: number[] = [];
      let peakRss = 0;
      const rss0 = process.memoryUsage().rss;
      const before = calls;
      const r = await transcribeFile(engine, long, {
        onProgress: (p) => {
          progress.push(p.doneSec);
          // Decoding + VAD only (the speech waits for its window until the end): whisper's own
          // first-use buffers are not the transcriber's.
          if (!p.text) peakRss = Math.max(peakRss, process.memoryUsage().rss);
          expect(p.totalSec).toBeCloseTo(1800, 0);
        },
      });
      console.log(
        `30-minute file: ${progress.length} progress events, rss +${((peakRss - rss0) / 2 ** 20).toFixed(0)} MiB, "${r.text}"`,
      );
      expect(r.durationSec).toBeCloseTo(1800, 0);
      expect(progress.length).toBeGreaterThan(100);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(progress.at(-1)).toBeCloseTo(1800, 0);
      // The whole file as float samples would be 110 MiB; it is never held at once.
      expect(peakRss - rss0).toBeLessThan(80 * 2 ** 20);
      expect(calls - before).toBe(1);
      expect(r.speechSec).toBeLessThan(15);
      expect(wordErrorRate(jfkText, r.text)).toBeLessThan(0.15);
      expect(r.segments[0]!.start).toBeGreaterThan(599);
      expect(r.segments[0]!.start).toBeLessThan(601.5);
    },
  );
});
