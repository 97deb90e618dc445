/** The voice pipeline's logic without audio models: endpointing, packing, intents, history, errors. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/shared/ipc/result';
import { openDatabase } from '../../../src/main/services/storage/database';
import { Endpointer, FRAME_SAMPLES } from '../../../src/main/services/voice/endpointer';
import { assignSegments, packWindows } from '../../../src/main/services/voice/transcriber';
import {
  BUILTIN_INTENTS,
  IntentRecognizer,
  normalizeUtterance,
  reminderEntities,
} from '../../../src/main/services/voice/intents';
import { VoiceHistory } from '../../../src/main/services/voice/history';
import { isCompleteCommand } from '../../../src/main/services/voice/command';
import type { IntentResultData } from '../../../src/shared/types/voice';
import { classifyRecorderFailure, MicrophoneCapture } from '../../../src/main/services/voice/capture';
import { decodeFile, encodeWav, probeAudio } from '../../../src/main/services/voice/audio';

const frame = (v = 0.1): Float32Array => new Float32Array(FRAME_SAMPLES).fill(v);
const FRAME_MS = 32;

describe('endpointer', () => {
  it('ends an utterance after the configured silence and keeps pre-roll and padding', () => {
    const ep = new Endpointer({ silenceMs: 320, minSpeechMs: 96, preRollMs: 64, padMs: 64 });
    const probs = [...Array(10).fill(0.05), ...Array(20).fill(0.9), ...Array(20).fill(0.02)];
    let seenAtEnd = 0;
    const events = probs.flatMap((p) => {
      const ev = ep.push(frame(), p);
      if (ev.some((e) => e.type === 'end')) seenAtEnd = ep.samplesSeen;
      return ev;
    });
    expect(events.map((e) => e.type)).toEqual(['start', 'pause', 'end']);
    const end = events[2]!;
    if (end.type !== 'end') throw new Error('no end');
    expect(end.reason).toBe('silence');
    expect(end.utterance.startSample).toBe(8 * FRAME_SAMPLES); // two pre-roll frames
    expect(end.utterance.speechMs).toBe(20 * FRAME_MS);
    // speech frames 10..29, padded by 64 ms (two frames) after the last one
    expect(end.utterance.samples.length).toBe((2 + 20 + 2) * FRAME_SAMPLES);
    // The end fired ~320 ms after speech stopped, not later.
    expect(seenAtEnd - end.utterance.lastSpeechSample).toBeLessThanOrEqual(11 * FRAME_SAMPLES);
  });

  it('drops bursts shorter than minSpeechMs (clicks, noise) and ignores pure silence', () => {
    const ep = new Endpointer({ silenceMs: 200, minSpeechMs: 250 });
    const probs = [...Array(5).fill(0.01), 0.9, 0.9, ...Array(20).fill(0.01)];
    const events = probs.flatMap((p) => ep.push(frame(), p));
    expect(events.map((e) => e.type)).toEqual(['start', 'discard']);
    const quiet = new Endpointer();
    expect(Array.from({ length: 100 }, () => quiet.push(frame(0), 0.01)).flat()).toEqual([]);
    expect(quiet.flush()).toBeNull();
  });

  it('a short dip below the threshold does not end speech; max length cuts a monologue', () => {
    const ep = new Endpointer({ silenceMs: 300, maxUtteranceMs: 2000 });
    const probs = [...Array(10).fill(0.9), ...Array(5).fill(0.1), ...Array(10).fill(0.9)];
    expect(probs.flatMap((p) => ep.push(frame(), p)).map((e) => e.type)).toEqual([
      'start',
      'pause',
      'resume',
    ]);
    const more = Array.from({ length: 60 }, () => ep.push(frame(), 0.9)).flat();
    expect(more.map((e) => (e.type === 'end' ? e.reason : e.type))).toContain('max-length');
  });

  it("'pause' at the first silent frame holds what 'end' will hold; 'resume' when speech returns", () => {
    const ep = new Endpointer({ silenceMs: 320, minSpeechMs: 96, preRollMs: 64, padMs: 64 });
    const events: Array<{ type: string; at: number; n?: number; last?: number }> = [];
    const push = (p: number): void => {
      for (const e of ep.push(frame(), p))
        events.push({
          type: e.type,
          at: ep.samplesSeen,
          ...(e.type === 'pause' || e.type === 'end'
            ? { n: e.utterance.samples.length, last: e.utterance.lastSpeechSample }
            : {}),
        });
    };
    // speech, a 3-frame gap (pause, then resume), more speech, then silence to the end
    [...Array(4).fill(0.02), ...Array(10).fill(0.9), 0.4, 0.1, 0.1, 0.1, ...Array(6).fill(0.9)].forEach(push);
    [...Array(20).fill(0.02)].forEach(push);
    expect(events.map((e) => e.type)).toEqual(['start', 'pause', 'resume', 'pause', 'end']);
    // The first pause fires at the first frame under threshold - 0.15 (not at the 0.4 frame).
    expect(events[1]!.at).toBe(16 * FRAME_SAMPLES);
    const [pause, end] = [events[3]!, events[4]!];
    // The last pause fires one frame after speech ended, long before the silence timeout...
    expect(pause.at - pause.last!).toBe(FRAME_SAMPLES);
    expect(end.at - end.last!).toBeGreaterThanOrEqual(10 * FRAME_SAMPLES);
    // ...and holds the same speech: only the padding not yet heard differs (one frame short).
    expect(pause.last).toBe(end.last);
    expect(end.n! - pause.n!).toBe(FRAME_SAMPLES);
    // Speech shorter than minSpeechMs never pauses (nothing worth decoding).
    const short = new Endpointer({ minSpeechMs: 250 });
    const types = [0.9, 0.9, 0.01, 0.01].flatMap((p) => short.push(frame(), p)).map((e) => e.type);
    expect(types).toEqual(['start']);
  });
});

describe('complete commands (acted on before the silence timeout)', () => {
  const recognizer = new IntentRecognizer(null);
  for (const d of BUILTIN_INTENTS) recognizer.register(d);
  const complete = async (transcript: string): Promise<boolean> =>
    isCompleteCommand({
      transcript,
      intent: (await recognizer.recognize(transcript, new Date(2026, 10, 21, 12))) as IntentResultData,
      sttMs: 0,
      intentMs: 0,
    });

  it('a recognised command with what it needs, ended as a sentence, is complete', async () => {
    expect(await complete('Stop.')).toBe(true);
    expect(await complete('Open settings.')).toBe(true);
    expect(await complete('Read me my briefing.')).toBe(true);
    expect(await complete('Find my notes about the Lisbon trip.')).toBe(true);
    expect(await complete('Remind me to call the dentist on Friday at 10.')).toBe(true);
    expect(await complete('When did the second world war end?')).toBe(true);
  });

  it('words that may go on are not: no sentence end, a missing time or screen, notes, short questions', async () => {
    expect(await complete('Open settings')).toBe(false);
    expect(await complete('Remind me to call the dentist.')).toBe(false);
    expect(await complete('Open the.')).toBe(false);
    expect(await complete('Take a note the garage code is 4271.')).toBe(false);
    expect(await complete('Why cats?')).toBe(false);
    expect(await complete('Wydoolcaster.')).toBe(false);
    expect(isCompleteCommand({ transcript: '', intent: null, sttMs: 0, intentMs: 0 })).toBe(false);
  });
});

describe('window packing', () => {
  it('packs pieces into windows of at most 28 s and maps segments back by overlap', () => {
    const sec = (s: number): Float32Array => new Float32Array(s * 16_000);
    const windows = packWindows([
      { samples: sec(10), offsetSec: 0 },
      { samples: sec(10), offsetSec: 100 },
      { samples: sec(10), offsetSec: 200 },
    ]);
    expect(windows.map((w) => w.spans.length)).toEqual([2, 1]);
    expect(windows[0]!.spans[1]!.start).toBeCloseTo(10.8);
    const texts = assignSegments(
      windows[0]!,
      {
        text: 'a b',
        segments: [
          { text: 'first', start: 0.2, end: 9.5 },
          { text: 'second', start: 10.5, end: 20.5 },
        ],
      },
      3,
    );
    expect(texts.map((t) => t.text)).toEqual(['first', 'second', '']);
    expect(texts[1]!.segments[0]!.start).toBeCloseTo(-0.3);
  });
});

describe('intents (patterns and entities, no embedder)', () => {
  const r = new IntentRecognizer(null);
  for (const d of BUILTIN_INTENTS) r.register(d);

  it('normalizes whisper punctuation', () => {
    expect(normalizeUtterance(' Remind me at 7 p.m. to call Bob. ')).toBe('remind me at 7 pm to call bob');
  });

  it('recognises app commands by pattern, with entities', async () => {
    const now = new Date(2026, 10, 18, 12, 0); // a Wednesday
    const rem = await r.recognize('Remind me to call the dentist on Friday at 10.', now);
    expect(rem).toMatchObject({ intent: 'add_reminder', method: 'pattern', confidence: 1 });
    expect(rem.entities.task).toBe('call the dentist');
    const when = new Date(rem.entities.when as string);
    expect([when.getDay(), when.getHours(), when.getDate()]).toEqual([5, 10, 20]);
    expect((await r.recognize('Open the settings', now)).entities.view).toBe('settings');
    expect((await r.recognize('Stop talking!', now)).intent).toBe('stop_speaking');
    expect((await r.recognize('Take a note: the code is 4271', now)).entities.text).toBe('the code is 4271');
    expect((await r.recognize('Find my notes about the Lisbon trip', now)).entities.query).toBe(
      'the lisbon trip',
    );
    // Without an embedder anything else goes to the assistant.
    expect(await r.recognize('tell me about the moon', now)).toMatchObject({
      intent: 'ask_question',
      method: 'pattern',
    });
    expect(await r.recognize('the weather', now)).toMatchObject({
      intent: 'ask_question',
      method: 'fallback',
    });
  });

  it('a reminder without a time defaults to 9:00 and says so', () => {
    const e = reminderEntities('remind me to renew my passport tomorrow', new Date(2026, 10, 18, 15, 0));
    expect(e).toMatchObject({ task: 'renew my passport', hasTime: false, whenText: 'tomorrow' });
    expect(new Date(e.when as string).getHours()).toBe(9);
  });

  it('plugins register intents (and may not take an existing id)', async () => {
    const rec = new IntentRecognizer(null);
    const d = rec.register({
      id: 'plugin.lights',
      examples: ['turn on the lights'],
      patterns: [/^turn (on|off) the lights$/],
    });
    expect((await rec.recognize('Turn on the lights.')).intent).toBe('plugin.lights');
    expect(() => rec.register({ id: 'plugin.lights', examples: [] })).toThrow(/already/);
    d.dispose();
    expect((await rec.recognize('Turn on the lights.')).intent).toBe('ask_question');
  });
});

describe('history (migration 0060)', () => {
  it('stores each interaction and lists newest first', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-voice-'));
    const db = openDatabase(path.join(dir, 'nook.db'));
    try {
      const h = new VoiceHistory(db);
      h.add({
        transcript: 'open settings',
        intent: 'open_view',
        confidence: 1,
        entities: { view: 'settings' },
        timings: { stt: 800, intent: 2 },
        source: 'microphone',
        createdAt: 1,
      });
      h.add({
        transcript: 'stop',
        intent: 'stop_speaking',
        confidence: 1,
        entities: {},
        timings: { intent: 1 },
        source: 'text',
        createdAt: 2,
      });
      const list = h.list(10);
      expect(list.map((i) => i.intent)).toEqual(['stop_speaking', 'open_view']);
      expect(list[1]).toMatchObject({ entities: { view: 'settings' }, timings: { stt: 800, intent: 2 } });
      expect(h.list(1)).toHaveLength(1);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad input without models', () => {
  it('a corrupt audio file is a clear INVALID_INPUT error; a missing one NOT_FOUND', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-voice-'));
    const bad = path.join(dir, 'corrupt.wav');
    fs.writeFileSync(bad, Buffer.concat([Buffer.from('RIFF\x10\x00\x00\x00WAVEjunk'), Buffer.alloc(100, 7)]));
    await expect(decodeFile(bad)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('Cannot read'),
    });
    const mp3 = path.join(dir, 'fake.mp3');
    fs.writeFileSync(mp3, 'this is not audio at all');
    await expect(probeAudio(mp3)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(decodeFile(path.join(dir, 'nope.wav'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a 44.1 kHz stereo file is resampled to 16 kHz mono', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-voice-'));
    const f = path.join(dir, 'tone.wav');
    fs.writeFileSync(f, encodeWav(new Float32Array(16_000).map((_, i) => 0.5 * Math.sin(i / 10))));
    const st = path.join(dir, 'stereo44.wav');
    const { execFileSync } = await import('node:child_process');
    execFileSync('sox', [f, '-r', '44100', '-c', '2', st]);
    expect(await probeAudio(st)).toMatchObject({ sampleRate: 44100, channels: 2 });
    const s = await decodeFile(st);
    expect(Math.abs(s.length - 16_000)).toBeLessThan(50);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('no microphone: the recorder pointed at a missing device fails with UNAVAILABLE', async () => {
    const cap = new MicrophoneCapture();
    const err = await cap
      .start({ device: 'hw:97,0', recorder: 'arecord', onAudio: () => undefined, startTimeoutMs: 4000 })
      .then(
        () => null,
        (e: unknown) => e,
      );
    cap.stop();
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/^No microphone found "hw:97,0"/),
    });
    expect(
      classifyRecorderFailure('arecord', 'arecord: main:850: audio open error: Permission denied', 'default'),
    ).toMatchObject({ code: 'FORBIDDEN' });
  });
});
