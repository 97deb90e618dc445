/**
 * Voice benchmarks: whisper's real-time factor, end-of-speech -> intent latency for 2-3 s spoken
 * commands (with each stage's cost), VAD cost per frame and local TTS time to first audio.
 * Models as in the tests (test/services/voice/voiceModels.ts): the fastest whisper fetched here.
 */
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { createPiperTts } from '../src/main/services/inference/tts';
import { decodeFile, SAMPLE_RATE } from '../src/main/services/voice/audio';
import { concat, Endpointer, Framer } from '../src/main/services/voice/endpointer';
import { createLocalEngine } from '../src/main/services/voice/engine';
import { defaultSttThreads } from '../src/main/services/inference/stt';
import { BUILTIN_INTENTS, IntentRecognizer } from '../src/main/services/voice/intents';
import { TextToSpeech, type TtsSettings } from '../src/main/services/voice/tts';
import { makeVoiceCommands } from '../test/fixtures/makeVoiceCommands';
import { modelsDir } from '../test/models/modelFiles';
import { engineModels, fixturesDir, missing, sttPath } from '../test/services/voice/voiceModels';
import { median, percentile, round, type BenchResult } from './types';

const COMMANDS = 8;

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const settings: TtsSettings = {
    engine: 'espeak',
    voice: 'en-us',
    rate: 175,
    elevenlabsVoiceId: '',
    elevenlabsModel: '',
    elevenlabsBaseUrl: 'http://127.0.0.1:9',
  };
  const tts = new TextToSpeech({
    settings: () => settings,
    allowCloud: () => false,
    apiKey: async () => null,
  });
  const firsts: number[] = [];
  for (let i = 0; i < 7; i++) {
    const r = await tts.speak('Your next meeting is at ten thirty with the design team.', { play: false });
    if (i > 0) firsts.push(r.firstAudioMs);
  }
  out.push({
    name: 'voice: local TTS time to first audio (espeak-ng)',
    value: round(median(firsts), 1),
    unit: 'ms',
    notes: 'median of 6 after a warm-up; a 10-word sentence; Piper is not used (no voice in the manifest)',
  });
  const piperDir = path.join(modelsDir, 'piper-en-us-joe-medium');
  if (fs.existsSync(path.join(piperDir, 'en_US-joe-medium.onnx'))) {
    const voice = await createPiperTts({
      onnxPath: path.join(piperDir, 'en_US-joe-medium.onnx'),
      configPath: path.join(piperDir, 'en_US-joe-medium.onnx.json'),
      threads: os.availableParallelism(),
    });
    const piper = new TextToSpeech({
      settings: () => ({ ...settings, engine: 'local' }),
      allowCloud: () => false,
      apiKey: async () => null,
      piper: (text, lengthScale) => voice.synthesize(text, { lengthScale }),
    });
    const pf: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await piper.speak('Your next meeting is at ten thirty. It is with the design team.', {
        play: false,
      });
      if (i > 0) pf.push(r.firstAudioMs);
    }
    await voice.dispose();
    out.push({
      name: 'voice: local TTS time to first audio (Piper joe-medium)',
      value: round(median(pf), 0),
      unit: 'ms',
      notes: 'median of 3 after a warm-up; first of two sentences synthesised before playback starts',
    });
  }
  if (missing) {
    out.push({
      name: 'voice: whisper and latency benchmarks',
      value: Number.NaN,
      unit: '-',
      notes: `skipped: ${missing}`,
    });
    return out;
  }

  const model = path.basename(sttPath!);
  const engine = await createLocalEngine(engineModels());
  try {
    // Whisper real-time factor on jfk.wav (11 s) in one window.
    const jfk = await decodeFile(path.join(fixturesDir, 'audio/jfk.wav'));
    const times: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < 2; i++) {
      const c = process.cpuUsage();
      const t = performance.now();
      await engine.transcribe(jfk, { language: 'en' });
      times.push(performance.now() - t);
      const u = process.cpuUsage(c);
      cpu.push((u.user + u.system) / 1000);
    }
    const sec = jfk.length / SAMPLE_RATE;
    out.push({
      name: `voice: whisper real-time factor (${model}, jfk.wav 11 s)`,
      value: round(median(times) / 1000 / sec, 2),
      unit: 'x',
      target: { max: 1 },
      notes: `${round(median(times), 0)} ms for ${round(sec, 1)} s (full 30 s window, timestamps); ${defaultSttThreads()} thread(s), greedy; ${engine.sttBackend ?? 'whisper'}; load average ${round(os.loadavg()[0]!, 1)}; lower is faster`,
    });

    // VAD cost per 32 ms frame.
    const vad = await engine.vadOpen();
    const frames = Math.floor(jfk.length / 512);
    const t0 = performance.now();
    await engine.vadPush(vad, jfk.subarray(0, frames * 512));
    const vadUs = ((performance.now() - t0) * 1000) / frames;
    await engine.vadClose(vad);
    out.push({ name: 'voice: Silero VAD per 32 ms frame', value: round(vadUs, 0), unit: 'µs' });
    out.push({
      name: `voice: whisper CPU time for jfk.wav (${model})`,
      value: round(median(cpu), 0),
      unit: 'ms',
      notes: 'CPU seconds the process spent (all threads): what the machine load does not change much',
    });

    // End of speech -> intent for short commands, per stage.
    const recognizer = new IntentRecognizer((t) => engine.embed(t));
    for (const d of BUILTIN_INTENTS) recognizer.register(d);
    await recognizer.prepare();
    // As the app decodes a command (VoiceService.runTurn): encoder context cut to the utterance,
    // the recogniser's vocabulary as whisper's prompt.
    const prompt = recognizer.decoderPrompt();
    const silenceMs = 600;
    const cmds = makeVoiceCommands()
      .filter((c, i) => i % 15 === 0)
      .slice(0, COMMANDS);
    const rows: Array<{
      tail: number;
      vadLast: number;
      stt: number;
      sttCpu: number;
      intent: number;
      total: number;
      sec: number;
    }> = [];
    for (const c of cmds) {
      const audio = concat([await decodeFile(c.wav), new Float32Array(SAMPLE_RATE)]);
      const stream = await engine.vadOpen();
      const framer = new Framer();
      const ep = new Endpointer({ silenceMs });
      let result: { tail: number; vadLast: number; samples: Float32Array } | null = null;
      for (const f of framer.push(audio)) {
        const t = performance.now();
        const [p] = await engine.vadPush(stream, f);
        const vadLast = performance.now() - t;
        for (const e of ep.push(f, p!))
          if (e.type === 'end' && !result)
            result = {
              tail: ((ep.samplesSeen - e.utterance.lastSpeechSample) / SAMPLE_RATE) * 1000,
              vadLast,
              samples: e.utterance.samples,
            };
      }
      await engine.vadClose(stream);
      if (!result) continue;
      const c1 = process.cpuUsage();
      const t1 = performance.now();
      const text = (await engine.transcribe(result.samples, { language: 'en', fitContext: true, prompt }))
        .text;
      const stt = performance.now() - t1;
      const u1 = process.cpuUsage(c1);
      const t2 = performance.now();
      await recognizer.recognize(text);
      const intent = performance.now() - t2;
      rows.push({
        tail: result.tail,
        vadLast: result.vadLast,
        stt,
        sttCpu: (u1.user + u1.system) / 1000,
        intent,
        total: result.tail + result.vadLast + stt + intent,
        sec: result.samples.length / SAMPLE_RATE,
      });
    }
    const col = (k: keyof (typeof rows)[number]): number[] => rows.map((r) => r[k]);
    const n = `${rows.length} espeak-ng commands of ${round(Math.min(...col('sec')), 1)}-${round(Math.max(...col('sec')), 1)} s`;
    out.push(
      {
        name: 'voice: end of speech -> intent, p50',
        value: round(median(col('total')), 0),
        unit: 'ms',
        target: { max: 300 },
        notes: `${n}; VAD tail (${silenceMs} ms setting) + last VAD frame + whisper (${model}) + intent`,
      },
      {
        name: 'voice: end of speech -> intent, p95',
        value: round(percentile(col('total'), 95), 0),
        unit: 'ms',
        notes: n,
      },
      {
        name: 'voice: stage VAD tail (silence waited), median',
        value: round(median(col('tail')), 0),
        unit: 'ms',
      },
      {
        name: 'voice: stage speech-to-text, median',
        value: round(median(col('stt')), 0),
        unit: 'ms',
        notes: model,
      },
      {
        name: 'voice: stage speech-to-text CPU time, median',
        value: round(median(col('sttCpu')), 0),
        unit: 'ms',
        notes: `${model}, ${engine.sttBackend ?? 'whisper'}; CPU time of all threads (load average ${round(os.loadavg()[0]!, 1)})`,
      },
      {
        name: 'voice: stage intent (patterns + embedding), median',
        value: round(median(col('intent')), 1),
        unit: 'ms',
      },
    );
  } finally {
    await engine.dispose();
  }
  return out;
}
