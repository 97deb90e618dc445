/**
 * Live turns with the real models: spoken commands (espeak-ng) played in real time into VoiceService
 * through a clip microphone. A complete command is acted on while the silence timeout still runs
 * (decoded at the first silent frame); with endOnCompleteCommand off the turn waits and reuses that
 * decode; words that go on after a pause are decoded again, whole.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings } from '../../../src/shared/types/settings';
import { decodeFile, SAMPLE_RATE } from '../../../src/main/services/voice/audio';
import { concat } from '../../../src/main/services/voice/endpointer';
import {
  createLocalEngine,
  type SttRequest,
  type VoiceEngine,
} from '../../../src/main/services/voice/engine';
import type { VoiceService, VoiceSettings } from '../../../src/main/services/voice/voiceService';
import { openDatabase, type Database } from '../../../src/main/services/storage/database';
import { ClipCapture } from '../../fixtures/clipCapture';
import { makeVoiceCommands } from '../../fixtures/makeVoiceCommands';
import { engineModels, missing } from './voiceModels';
import { offlineVoiceService } from '../../fixtures/offlineVoice';

const cacheDir = path.join(os.tmpdir(), 'nook-voice-live');

async function spoken(text: string): Promise<Float32Array> {
  const [c] = makeVoiceCommands(cacheDir, [{ text, intent: 'any' }]);
  return decodeFile(c!.wav);
}

describe.skipIf(!!missing)(`live voice turns${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-liveturn-'));
  let db: Database;
  let real: VoiceEngine;
  const decodes: SttRequest[] = [];
  let engine: VoiceEngine;
  const capture = new ClipCapture();
  let settings: VoiceSettings;
  let voice: VoiceService;

  beforeAll(async () => {
    db = openDatabase(path.join(dir, 'nook.db'));
    real = await createLocalEngine(engineModels());
    // The real engine, counting speech-to-text calls.
    engine = {
      ...real,
      vadOpen: () => real.vadOpen(),
      vadPush: (s, x) => real.vadPush(s, x),
      vadClose: (s) => real.vadClose(s),
      embed: (t) => real.embed(t),
      synthesize: (t, r) => real.synthesize(t, r),
      dispose: () => real.dispose(),
      transcribe: (x, r) => {
        decodes.push(r ?? {});
        return real.transcribe(x, r);
      },
    };
    voice = offlineVoiceService({ engine, settings: () => settings, db, capture });
  }, 120_000);

  afterAll(async () => {
    await voice?.dispose();
    db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function turn(clip: Float32Array, patch: Partial<VoiceSettings>) {
    settings = { ...defaultSettings().voice, speakAnswers: false, ...patch };
    decodes.length = 0;
    capture.load(clip);
    await voice.start();
    return voice.waitForTurn();
  }

  it('a complete command is acted on before the silence timeout, from one greedy decode', async () => {
    // A 5 s timeout that the turn never waits for: it ends as soon as "Open settings." is decoded.
    const t = await turn(await spoken('Open settings'), { silenceTimeoutMs: 5000 });
    expect(t.intent?.intent).toBe('open_view');
    expect(t.intent?.entities.view).toBe('settings');
    expect(t.action?.data).toEqual({ view: 'settings' });
    expect(t.interaction!.timings.vadTail).toBeLessThan(5000);
    expect(decodes).toHaveLength(1);
    expect(decodes[0]).toMatchObject({ fitContext: true, greedy: true });
  }, 60_000);

  it('with endOnCompleteCommand off the turn waits out the silence and reuses the decode', async () => {
    const t = await turn(await spoken('Open settings'), {
      silenceTimeoutMs: 900,
      endOnCompleteCommand: false,
    });
    expect(t.intent?.intent).toBe('open_view');
    expect(t.interaction!.timings.vadTail).toBeGreaterThanOrEqual(900);
    expect(decodes).toHaveLength(1);
  }, 60_000);

  it('words after a pause are not lost: an unfinished reminder waits, and the whole is decoded', async () => {
    // "Remind me to call the dentist" is a reminder without a time: not complete, so the turn waits;
    // speech comes back after 0.7 s, and the turn ends on the words as a whole.
    const gap = new Float32Array(Math.round(0.7 * SAMPLE_RATE));
    const clip = concat([
      await spoken('Remind me to call the dentist'),
      gap,
      await spoken('on Friday at 10'),
    ]);
    const t = await turn(clip, { silenceTimeoutMs: 5000 });
    expect(t.intent?.intent).toBe('add_reminder');
    expect(t.interaction!.transcript.toLowerCase()).toContain('friday');
    expect(typeof t.intent?.entities.when).toBe('string');
    expect(new Date(String(t.intent!.entities.when)).getDay()).toBe(5);
    // One decode at the first pause, one for the whole; the turn did not wait the 5 s.
    expect(decodes.length).toBeGreaterThanOrEqual(2);
    expect(t.interaction!.timings.vadTail).toBeLessThan(5000);
  }, 90_000);
});
