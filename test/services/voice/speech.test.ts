/**
 * Speech to text and intents on real audio with the real models: WER on jfk.wav and LibriSpeech, and
 * the spoken command set (espeak-ng, several voices and speeds) through VAD -> whisper -> intents.
 * whisper runs as in the app: files as VAD-cut speech packed into 28 s windows (transcriber.ts), each
 * spoken command decoded on its own (VoiceService.runTurn).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wordErrorRate } from '../../../src/main/services/inference/stt';
import { decodeFile, SAMPLE_RATE } from '../../../src/main/services/voice/audio';
import { concat, Endpointer, Framer, type Utterance } from '../../../src/main/services/voice/endpointer';
import { createLocalEngine, type VoiceEngine } from '../../../src/main/services/voice/engine';
import { decodeCommand } from '../../../src/main/services/voice/command';
import { BUILTIN_INTENTS, IntentRecognizer } from '../../../src/main/services/voice/intents';
import { transcribePieces } from '../../../src/main/services/voice/transcriber';
import { makeVoiceCommands, type ExpectedWhen } from '../../fixtures/makeVoiceCommands';
import { engineModels, fixturesDir, missing, sttPath } from './voiceModels';

/** Runs the live endpointer over a clip followed by 1 s of silence: the utterance VAD cuts out. */
async function endpoint(engine: VoiceEngine, samples: Float32Array): Promise<Utterance[]> {
  const vad = await engine.vadOpen();
  const framer = new Framer();
  const ep = new Endpointer({ silenceMs: 600 });
  const out: Utterance[] = [];
  const frames = framer.push(concat([samples, new Float32Array(SAMPLE_RATE)]));
  const probs = await engine.vadPush(vad, concat(frames));
  frames.forEach((f, i) => {
    for (const e of ep.push(f, probs[i]!)) if (e.type === 'end') out.push(e.utterance);
  });
  await engine.vadClose(vad);
  return out;
}

function whenMatches(iso: unknown, exp: ExpectedWhen, now: Date): boolean {
  if (typeof iso !== 'string') return false;
  const d = new Date(iso);
  if (exp.weekday !== undefined && d.getDay() !== exp.weekday) return false;
  if (exp.dayOffset !== undefined) {
    const day = new Date(now);
    day.setDate(day.getDate() + exp.dayOffset);
    if (d.toDateString() !== day.toDateString()) return false;
  }
  if (exp.hour !== undefined && d.getHours() !== exp.hour) return false;
  if (exp.minute !== undefined && d.getMinutes() !== exp.minute) return false;
  return true;
}

describe.skipIf(!!missing)(
  `speech with ${path.basename(sttPath ?? '?')}${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    let engine: VoiceEngine;
    beforeAll(async () => {
      engine = await createLocalEngine(engineModels());
    });
    afterAll(() => engine?.dispose());

    it('word error rate on jfk.wav and the LibriSpeech utterances', { timeout: 900_000 }, async () => {
      const refs: Array<{ file: string; text: string }> = [
        {
          file: path.join(fixturesDir, 'audio/jfk.wav'),
          text: readFileSync(path.join(fixturesDir, 'audio/jfk.txt'), 'utf8'),
        },
      ];
      const libri = path.join(fixturesDir, 'audio/librispeech/1089');
      for (const chapter of readdirSync(libri)) {
        const dir = path.join(libri, chapter);
        const trans = readdirSync(dir).find((f) => f.endsWith('.trans.txt'))!;
        for (const line of readFileSync(path.join(dir, trans), 'utf8').split('\n').filter(Boolean)) {
          const [id, ...words] = line.split(' ');
          refs.push({ file: path.join(dir, `${id}.flac`), text: words.join(' ') });
        }
      }
      const pieces = await Promise.all(
        refs.map(async (r) => ({ samples: await decodeFile(r.file), offsetSec: 0 })),
      );
      const t0 = performance.now();
      const texts = await transcribePieces(engine, pieces, { language: 'en' });
      const audioSec = pieces.reduce((n, p) => n + p.samples.length / SAMPLE_RATE, 0);
      const wers = refs.map((r, i) => wordErrorRate(r.text, texts[i]!.text));
      refs.forEach((r, i) =>
        console.log(`WER ${(wers[i]! * 100).toFixed(1)}% ${path.basename(r.file)} :: ${texts[i]!.text}`),
      );
      const libriWer = wers.slice(1).reduce((a, b) => a + b, 0) / (wers.length - 1);
      console.log(
        `jfk WER ${(wers[0]! * 100).toFixed(1)}%, LibriSpeech mean WER ${(libriWer * 100).toFixed(1)}%, ` +
          `${audioSec.toFixed(1)} s of audio in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      expect(refs.length).toBe(5);
      expect(wers[0]).toBeLessThan(0.15);
      expect(libriWer).toBeLessThan(0.35);
    });

    it(
      'the spoken command set: VAD -> whisper -> intents (accuracy reported, >= 90%)',
      { timeout: 1_800_000 },
      async () => {
        const commands = makeVoiceCommands();
        expect(commands.length).toBeGreaterThanOrEqual(60);
        expect(new Set(commands.map((c) => c.intent)).size).toBe(7);
        const utterances: Utterance[] = [];
        for (const c of commands) {
          const cut = await endpoint(engine, await decodeFile(c.wav));
          // The endpointer ends each command by itself (silence after speech), as one utterance.
          expect(cut.length, c.text).toBe(1);
          utterances.push(cut[0]!);
        }
        const recognizer = new IntentRecognizer((t) => engine.embed(t));
        for (const d of BUILTIN_INTENTS) recognizer.register(d);
        // Each command decoded on its own, as VoiceService's turns do for the microphone
        // (command.ts decodeCommand): encoder context cut to the utterance, the recogniser's
        // vocabulary as whisper's prompt, greedy.
        const texts: Array<{ text: string }> = [];
        for (const u of utterances)
          texts.push({ text: (await decodeCommand(engine, recognizer, u.samples, 'en')).transcript });
        const now = new Date();
        let right = 0;
        let entityChecks = 0;
        let entityRight = 0;
        const perIntent = new Map<string, { n: number; ok: number }>();
        for (const [i, c] of commands.entries()) {
          const r = await recognizer.recognize(texts[i]!.text, now);
          const ok = r.intent === c.intent;
          if (ok) right++;
          const s = perIntent.get(c.intent) ?? { n: 0, ok: 0 };
          perIntent.set(c.intent, { n: s.n + 1, ok: s.ok + (ok ? 1 : 0) });
          if (c.entities?.when) {
            entityChecks++;
            if (ok && whenMatches(r.entities.when, c.entities.when, now)) entityRight++;
          }
          if (c.entities?.view) {
            entityChecks++;
            if (ok && r.entities.view === c.entities.view) entityRight++;
          }
          if (!ok)
            console.log(
              `MISS [${c.voice} ${c.speed}] "${c.text}" heard "${texts[i]!.text}" -> ${r.intent} (${r.method} ${r.confidence})`,
            );
        }
        const accuracy = right / commands.length;
        console.log(
          `intent accuracy ${(accuracy * 100).toFixed(1)}% (${right}/${commands.length}); ` +
            `entity accuracy ${entityRight}/${entityChecks}; per intent ${JSON.stringify(Object.fromEntries(perIntent))}`,
        );
        // The issue's target: at least 90% (95% stretch). Measured with tiny.en on these espeak-ng voices,
        // each command decoded alone, greedy, with the intents' vocabulary as prompt: 90.3% (56/62;
        // BENCHMARKS.md lists the misses, all whisper mishearing synthetic speech).
        expect(accuracy).toBeGreaterThanOrEqual(0.9);
      },
    );
  },
);
