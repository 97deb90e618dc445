/**
 * VoiceService without a microphone: typed commands through intents, actions, events and history;
 * listening that cannot start (no microphone, no models) leaves a clear error state.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/shared/ipc/result';
import { defaultSettings } from '../../../src/shared/types/settings';
import type { VoiceAction, VoiceState } from '../../../src/shared/types/voice';
import type { SearchInput, SearchResult } from '../../../src/shared/types/library';
import { createEmbedder, type Embedder } from '../../../src/main/services/inference/embedder';
import { openDatabase, type Database } from '../../../src/main/services/storage/database';
import type { VoiceEngine } from '../../../src/main/services/voice/engine';
import { VoiceService } from '../../../src/main/services/voice/voiceService';
import { embedding } from './voiceModels';
import { offlineVoiceService } from '../../fixtures/offlineVoice';

describe.skipIf(!embedding)('voice service (typed commands, no microphone)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-voicesvc-'));
  let db: Database;
  let embedder: Embedder;
  let voice: VoiceService;
  const states: VoiceState[] = [];
  const actions: VoiceAction[] = [];
  const searches: SearchInput[] = [];
  const settings = { ...defaultSettings().voice, inputDevice: 'hw:97,0', recorder: 'arecord' as const };

  beforeAll(async () => {
    db = openDatabase(path.join(dir, 'nook.db'));
    embedder = await createEmbedder({ ...embedding!, threads: 1 });
    const unused = (): never => {
      throw new Error('not used in this test');
    };
    const engine: VoiceEngine = {
      vadOpen: async () => 1,
      vadPush: async (_s, x) => new Float32Array(Math.floor(x.length / 512)),
      vadClose: async () => undefined,
      transcribe: unused,
      synthesize: unused,
      embed: (t) => embedder.embed(t, 'query'),
      dispose: async () => undefined,
    };
    voice = offlineVoiceService({
      engine,
      settings: () => settings,
      db,
      onEvent: (event, payload) => {
        if (event === 'voice.state') states.push(payload as VoiceState);
        if (event === 'voice.action') actions.push(payload as VoiceAction);
      },
      search: async (input) => {
        searches.push(input);
        return {
          query: input.query,
          mode: 'hybrid',
          hits: [
            {
              chunkId: 7,
              score: 1,
              snippet: [],
              text: 'We land in Lisbon on the 3rd.',
              citation: { title: 'Trip plan' },
              ranks: { keyword: 1, vector: 1 },
              legScores: { bm25: null, cosine: null },
            },
          ],
          ftsQuery: '',
          modelId: null,
          timings: { keywordMs: 0, embedMs: 0, vectorMs: 0, totalMs: 0 },
          notes: [],
        } as unknown as SearchResult;
      },
    });
  });
  afterAll(async () => {
    await voice?.dispose();
    await embedder?.dispose();
    db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('acts on each intent, emits the states, and stores every turn with its timings', async () => {
    const search = await voice.understand('Find my notes about the Lisbon trip.', 'text');
    expect(searches.at(-1)).toEqual({ query: 'the lisbon trip', k: 5 });
    expect(search.action).toMatchObject({
      kind: 'search',
      reply: 'I found 1 result; the best is in Trip plan.',
    });
    const view = await voice.understand('Take me to the plugins', 'text');
    expect(actions.at(-1)).toEqual({ kind: 'open_view', data: { view: 'plugins' }, reply: '' });
    expect(view.intent?.intent).toBe('open_view');
    const rem = await voice.understand('Remind me to call the dentist on Friday at 10', 'text');
    expect(rem.action).toMatchObject({ kind: 'reminder', data: { task: 'call the dentist', hasTime: true } });
    expect(rem.action!.reply).toMatch(/^I'll remind you to call the dentist on Friday/);
    // Similarity (no pattern): a new phrasing of a briefing request.
    const brief = await voice.understand('catch me up on what is happening today', 'text');
    expect(brief.intent).toMatchObject({ intent: 'read_briefing', method: 'similarity' });
    const ask = await voice.understand('the history of the roman empire', 'text');
    expect(ask.action).toMatchObject({ kind: 'ask', data: { question: 'the history of the roman empire' } });

    const seq = states.map((s) => s.state);
    expect(seq).toContain('thinking');
    expect(seq.at(-1)).toBe('idle');
    const h = voice.listHistory(10);
    expect(h.map((x) => x.intent)).toEqual([
      'ask_question',
      'read_briefing',
      'add_reminder',
      'open_view',
      'search_knowledge',
    ]);
    expect(h[0]!.timings).toMatchObject({ intent: expect.any(Number), total: expect.any(Number) });
  });

  it('no microphone: start fails with UNAVAILABLE and the state says why', async () => {
    const err = await voice.start().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('No microphone found'),
    });
    expect(voice.state).toMatchObject({ state: 'idle', error: { code: 'UNAVAILABLE' } });
    // Push-to-talk from idle tries to listen again and fails the same way; stop and cancel are harmless.
    await expect(voice.pushToTalk()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(await voice.stop()).toMatchObject({ noSpeech: true });
    expect(voice.cancel().state).toBe('idle');
  });

  it('models missing: voice cannot start, as UNAVAILABLE with the model manager message', async () => {
    const v = new VoiceService({
      engine: () => Promise.reject(new AppError('NOT_FOUND', 'No speech recognition model is available.')),
      settings: () => settings,
      allowCloud: () => false,
      elevenlabsKey: async () => null,
      db,
      events: { emit: () => undefined },
      playback: 'none',
    });
    await expect(v.start()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'Voice cannot start: No speech recognition model is available.',
    });
    await v.dispose();
  });
});
