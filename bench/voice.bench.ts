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
import { VoiceWorkerClient } from '../src/main/services/voice/workerClient';
import { openDatabase } from '../src/main/services/storage/database';
import { defaultSettings } from '../src/shared/types/settings';
import type { VoiceState } from '../src/shared/types/voice';
import { ClipCapture } from '../test/fixtures/clipCapture';
import { TextToSpeech, type TtsSettings } from '../src/main/services/voice/tts';
import { makeVoiceCommands } from '../test/fixtures/makeVoiceCommands';
import { modelsDir } from '../test/models/modelFiles';
import { engineModels, fixturesDir, missing, sttPath } from '../test/services/voice/voiceModels';
import { median, percentile, round, type BenchResult } from './types';
import { offlineVoiceService } from '../test/fixtures/offlineVoice';

/** Every other command of the 62-command set (all seven intents), played in real time. */
const COMMAND_STRIDE = 2;

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
    const threadsUsed = new Set<number>();
    for (let i = 0; i < 2; i++) {
      const c = process.cpuUsage();
      const t = performance.now();
      const r = await engine.transcribe(jfk, { language: 'en' });
      if (r.threads) threadsUsed.add(r.threads);
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
      notes: `${round(median(times), 0)} ms for ${round(sec, 1)} s (full 30 s window, timestamps); ${[...threadsUsed].join('/') || '?'} thread(s) (chosen per call from how busy the machine was), greedy; ${engine.sttBackend ?? 'whisper'}; load average ${round(os.loadavg()[0]!, 1)}; lower is faster`,
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

    out.push(...(await commandLatency(model)));
  } finally {
    await engine.dispose();
  }
  return out;
}

/**
 * End of speech -> recognised intent, as a user gets it: VoiceService (the app's turn logic, its
 * engine in the voice worker) listening to a microphone that plays each spoken command in real time
 * (ClipCapture), default settings. Measured from outside: from the moment the last speech sample
 * was spoken (found by the same VAD over the clip) to the `voice.state` event that carries the
 * intent. Stages from the turn's history: silence heard before decoding began, speech-to-text,
 * intent.
 */
export async function commandLatency(model: string): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-voicebench-'));
  const db = openDatabase(path.join(dir, 'nook.db'));
  const engine = new VoiceWorkerClient(engineModels());
  const capture = new ClipCapture();
  const settings = { ...defaultSettings().voice, speakAnswers: false };
  let intentAt = 0;
  const voice = offlineVoiceService({
    engine,
    settings: () => settings,
    db,
    capture,
    onEvent: (event, payload) => {
      if (event === 'voice.state' && (payload as VoiceState).intent && !intentAt)
        intentAt = performance.now();
    },
  });
  const rows: Array<{
    total: number;
    early: boolean;
    tail: number;
    stt: number;
    intent: number;
    sec: number;
    ok: boolean;
    threads: number;
  }> = [];
  try {
    // Warm-up: the worker, its models and the intents' example embeddings.
    await voice.understand('open settings', 'text');
    const cmds = makeVoiceCommands().filter((_, i) => i % COMMAND_STRIDE === 0);
    for (const c of cmds) {
      const clip = await decodeFile(c.wav);
      const end = await lastSpeechSample(engine, clip);
      if (end === null) continue;
      intentAt = 0;
      capture.load(clip);
      await voice.start();
      const turn = await voice.waitForTurn();
      if (!turn.interaction || !intentAt) continue;
      const t = turn.interaction.timings;
      rows.push({
        total: intentAt - capture.timeOfSample(end),
        early: (t.vadTail ?? Infinity) < settings.silenceTimeoutMs,
        tail: t.vadTail ?? 0,
        stt: t.stt ?? 0,
        intent: t.intent ?? 0,
        sec: end / SAMPLE_RATE,
        ok: turn.intent?.intent === c.intent,
        threads: t.sttThreads ?? 0,
      });
      if (process.env.NOOK_BENCH_VERBOSE)
        console.log(
          `  ${Math.round(rows.at(-1)!.total)} ms (tail ${Math.round(t.vadTail ?? 0)}, stt ${Math.round(t.stt ?? 0)}) "${c.text}" -> "${turn.interaction.transcript}" ${turn.intent?.intent}`,
        );
    }
  } finally {
    await voice.dispose();
    await engine.dispose();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const col = (k: 'total' | 'tail' | 'stt' | 'intent', which = rows): number[] => which.map((r) => r[k]);
  const early = rows.filter((r) => r.early);
  const waited = rows.filter((r) => !r.early);
  const n = `${rows.length} espeak-ng commands (every ${COMMAND_STRIDE}nd of the 62, all 7 intents) of ${round(Math.min(...rows.map((r) => r.sec)), 1)}-${round(Math.max(...rows.map((r) => r.sec)), 1)} s, played in real time into VoiceService (voice worker, ${model}, default settings); ${rows.filter((r) => r.ok).length} recognised right; load average ${round(os.loadavg()[0]!, 1)}; whisper on ${threadCounts(rows.map((r) => r.threads))}`;
  return [
    {
      name: 'voice: end of speech -> intent, p50',
      value: round(median(col('total')), 0),
      unit: 'ms',
      target: { max: 300 },
      notes: `${n}; ${early.length} ended as complete commands while the ${settings.silenceTimeoutMs} ms silence timeout ran, ${waited.length} waited for it`,
    },
    {
      name: 'voice: end of speech -> intent, p95',
      value: round(percentile(col('total'), 95), 0),
      unit: 'ms',
      notes: n,
    },
    {
      name: 'voice: end of speech -> intent, complete commands, p50',
      value: early.length ? round(median(col('total', early)), 0) : Number.NaN,
      unit: 'ms',
      notes: `${early.length} commands acted on before the silence timeout (command.ts isCompleteCommand)`,
    },
    {
      name: 'voice: end of speech -> intent, after the silence timeout, p50',
      value: waited.length ? round(median(col('total', waited)), 0) : Number.NaN,
      unit: 'ms',
      notes: `${waited.length} commands (notes, reminders without a time, unrecognised text) waited for ${settings.silenceTimeoutMs} ms of silence`,
    },
    {
      name: 'voice: stage silence heard before decoding, complete commands, median',
      value: early.length ? round(median(col('tail', early)), 0) : Number.NaN,
      unit: 'ms',
      notes: 'the VAD frame that starts a pause (32 ms frames) + the 32 ms audio block',
    },
    {
      name: 'voice: stage speech-to-text, median',
      value: round(median(col('stt')), 0),
      unit: 'ms',
      notes: `${model}, greedy, prompt, audio context cut to the command`,
    },
    {
      name: 'voice: stage intent (patterns + embedding), median',
      value: round(median(col('intent')), 1),
      unit: 'ms',
    },
  ];
}

/** Where the VAD puts the end of the clip's speech (as the live endpointer will), or null. */
async function lastSpeechSample(engine: VoiceWorkerClient, clip: Float32Array): Promise<number | null> {
  const stream = await engine.vadOpen();
  const framer = new Framer();
  const ep = new Endpointer();
  let end: number | null = null;
  const frames = framer.push(concat([clip, new Float32Array(SAMPLE_RATE)]));
  const probs = await engine.vadPush(stream, concat(frames));
  frames.forEach((f, i) => {
    for (const e of ep.push(f, probs[i]!))
      if (e.type === 'end' && end === null) end = e.utterance.lastSpeechSample;
  });
  await engine.vadClose(stream);
  return end;
}

/** "2 threads for 30 commands, 1 thread for 1" */
function threadCounts(threads: number[]): string {
  const counts = new Map<number, number>();
  for (const t of threads) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([t, n], i) => `${t || '?'} thread${t === 1 ? '' : 's'} for ${n}${i === 0 ? ' commands' : ''}`)
    .join(', ');
}
