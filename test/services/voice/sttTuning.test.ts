/**
 * The short-command tuning around whisper, without models: encoder context sizing, padding, the
 * repeated-sentence filter, thread choice, the decoder prompt, and the recogniser's sound-alike
 * second pass and tolerant patterns.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  audioContextFor,
  defaultSttThreads,
  cutPhraseLoop,
  commandTokenBudget,
  dropRepeats,
  padForWhisper,
  STT_SAMPLE_RATE,
} from '../../../src/main/services/inference/stt';
import { BUILTIN_INTENTS, IntentRecognizer, soundKey } from '../../../src/main/services/voice/intents';

const SR = STT_SAMPLE_RATE;

function recognizer(): IntentRecognizer {
  const r = new IntentRecognizer(null);
  for (const d of BUILTIN_INTENTS) r.register(d);
  return r;
}

describe('whisper settings for a short command', () => {
  it('sizes the encoder context to the audio (50 per second) plus margin, between 3 s and 30 s', () => {
    expect(audioContextFor(4 * SR)).toBe(Math.ceil(4.5 * 50));
    expect(audioContextFor(0.2 * SR)).toBe(150);
    expect(audioContextFor(10 * SR)).toBe(525);
    expect(audioContextFor(40 * SR)).toBe(1500);
  });

  it('pads short audio to 1.5 s and adds a silent tail, leaving the samples as they were', () => {
    const a = new Float32Array(0.5 * SR).fill(0.25);
    const p = padForWhisper(a, 0.5);
    expect(p.length).toBe(1.5 * SR);
    expect(p.subarray(0, a.length).every((x) => x === 0.25)).toBe(true);
    expect(p.subarray(a.length).every((x) => x === 0)).toBe(true);
    expect(padForWhisper(new Float32Array(3 * SR), 0.5).length).toBe(3.5 * SR);
    const long = new Float32Array(3 * SR);
    expect(padForWhisper(long, 0)).toBe(long);
  });

  it('drops a sentence that repeats the one before it, and only that', () => {
    expect(dropRepeats('Open the library. Open the library. open the library')).toBe('Open the library.');
    expect(dropRepeats('Stop. Go on. Stop.')).toBe('Stop. Go on. Stop.');
    expect(dropRepeats('What is the capital of Canada?')).toBe('What is the capital of Canada?');
    expect(dropRepeats('')).toBe('');
  });

  it('drops an unfinished tail that starts the sentence again (a loop cut off by the token budget)', () => {
    expect(dropRepeats('Please start speaking. Please')).toBe('Please start speaking.');
    expect(dropRepeats('Open the My screen. Open the My')).toBe('Open the My screen.');
    expect(dropRepeats('Be quiet. Be')).toBe('Be quiet.');
    // A second sentence that is not a restart of the first stays.
    expect(dropRepeats('Open settings. Then search')).toBe('Open settings. Then search');
    expect(dropRepeats('Stop. Stop reading')).toBe('Stop. Stop reading');
  });

  it("caps a command's tokens near what speech can hold, so a looping decode stops early", () => {
    expect(commandTokenBudget(1)).toBe(18);
    expect(commandTokenBudget(3)).toBe(34);
    expect(commandTokenBudget(30)).toBe(96);
  });

  it('keeps one copy of a phrase whisper looped on, and leaves ordinary text alone', () => {
    const looped =
      'Open for libraries open for libraries open for libraries open for library open for Library open open for';
    expect(cutPhraseLoop(looped)).toBe('Open for libraries');
    expect(cutPhraseLoop('stop stop stop stop')).toBe('stop');
    expect(
      cutPhraseLoop(
        'Open the library if open the library. Open the library open the library open the library, open the library. Open the library, open the library,',
      ),
    ).toBe('Open the library');
    const plain = 'what is the capital of canada and what is the capital of france';
    expect(cutPhraseLoop(plain)).toBe(plain);
    expect(cutPhraseLoop('remind me to call Bob')).toBe('remind me to call Bob');
  });

  it('leaves a core to the app on small machines and uses at most 4 threads', () => {
    expect(defaultSttThreads(1)).toBe(1);
    expect(defaultSttThreads(2)).toBe(1);
    expect(defaultSttThreads(4)).toBe(3);
    expect(defaultSttThreads(16)).toBe(4);
  });

  it('the decoder prompt is the intents descriptions and the screens, bounded; plugin intents join', () => {
    const r = recognizer();
    const p = r.decoderPrompt();
    expect(p).toContain('Read the daily briefing aloud.');
    expect(p).toContain('Screens: home, library');
    expect(p).not.toContain('(');
    expect(p.length).toBeLessThanOrEqual(360);
    r.register({ id: 'plugin.weather', description: 'Tell the weather forecast', examples: ['weather'] });
    expect(r.decoderPrompt(1000)).toContain('Tell the weather forecast.');
  });
});

describe('recogniser tolerance', () => {
  it('sound keys merge letters that sound alike', () => {
    expect(soundKey('breathing')).toBe(soundKey('briefing'));
    expect(soundKey('reading')).not.toBe(soundKey('briefing'));
    expect(soundKey('Settings')).toBe('stngs');
  });

  it('a word that sounds like a command word is read as it when no pattern matched as heard', async () => {
    const r = recognizer();
    const a = await r.recognize("What's on my breathing?");
    expect(a).toMatchObject({ intent: 'read_briefing', method: 'pattern', confidence: 0.9 });
    // A pattern that matches the words as heard wins: a real question about breathing stays one.
    expect((await r.recognize('Why is my breathing so fast?')).intent).toBe('ask_question');
    // Nothing sounds like a command word: no pattern, and no embedder here, so the fallback.
    expect(await r.recognize('The weather is lovely')).toMatchObject({
      intent: 'ask_question',
      method: 'fallback',
    });
  });

  it('"stop ..." and "<verb> a reminder ..." are commands whatever follows or precedes', async () => {
    const r = recognizer();
    expect((await r.recognize('OK, stop the owl.')).intent).toBe('stop_speaking');
    expect((await r.recognize('Stop reading please')).intent).toBe('stop_speaking');
    const rem = await r.recognize('Make a reminder to call mom on Sunday at 5 pm');
    expect(rem.intent).toBe('add_reminder');
    expect(rem.entities.hasTime).toBe(true);
    expect((await r.recognize('Search my notes for the reminder about taxes')).intent).toBe(
      'search_knowledge',
    );
  });
});

describe('whisper.cpp build', () => {
  it('carries the patches (last-token logits, a kept whisper_state) and was built from them', () => {
    const dir = path.dirname(createRequire(import.meta.url).resolve('smart-whisper/package.json'));
    const source = path.join(dir, 'whisper.cpp/src/whisper.cpp');
    const binding = path.join(dir, 'src/binding');
    expect(fs.readFileSync(source, 'utf8')).toContain('whisper_batch_last_logits_only');
    expect(fs.readFileSync(path.join(binding, 'transcribe.cc'), 'utf8')).toContain(
      'smart_whisper_take_state',
    );
    const stampFile = path.join(dir, 'build/Release/nook-build.json');
    if (!fs.existsSync(stampFile)) return; // not built here: voice runs on @fugood (stt.ts says why)
    // scripts/buildWhisper.mjs sourceHash: whisper.cpp, then the binding's files in name order.
    const hash = createHash('sha256');
    for (const f of [
      source,
      ...fs
        .readdirSync(binding)
        .sort()
        .map((f) => path.join(binding, f)),
    ])
      hash.update(fs.readFileSync(f));
    const stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8')) as { source?: string };
    expect(stamp.source).toBe(hash.digest('hex').slice(0, 16));
  });

  it('a kept whisper_state starts each transcription without the last one as context', async () => {
    // Two different utterances decoded one after the other by the same model: the second must not
    // be conditioned on the first's text (what a fresh state per call guaranteed).
    const { createWhisperStt } = await import('../../../src/main/services/inference/stt');
    const { sttPath } = await import('./voiceModels');
    const { decodeFile } = await import('../../../src/main/services/voice/audio');
    const { makeVoiceCommands } = await import('../../fixtures/makeVoiceCommands');
    if (!sttPath) return;
    const stt = await createWhisperStt({ modelPath: sttPath, threads: 1 });
    try {
      // With "Don't let me forget to buy bread tomorrow morning." as context, tiny.en hears the second
      // command as "Read me my breathing." (measured with that text as the prompt); alone, as "Please
      // read me my briefing."
      const all = makeVoiceCommands();
      const first = await decodeFile(all.find((c) => c.text.startsWith("Don't let me forget"))!.wav);
      const second = await decodeFile(all.find((c) => c.text === 'Read me my briefing')!.wav);
      const alone = (await stt.transcribe(second, { fitContext: true, greedy: true })).text;
      const firstText = (await stt.transcribe(first, { fitContext: true, greedy: true })).text;
      const after = (await stt.transcribe(second, { fitContext: true, greedy: true })).text;
      const withContext = (
        await stt.transcribe(second, { fitContext: true, greedy: true, prompt: firstText })
      ).text;
      expect(withContext).not.toBe(alone); // the pair tells the two apart
      expect(after).toBe(alone);
    } finally {
      await stt.dispose();
    }
  }, 60_000);
});
