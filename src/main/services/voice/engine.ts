/**
 * The blocking native parts of the voice pipeline behind one interface: Silero VAD, whisper
 * speech-to-text and the sentence embedder (for intents). `createLocalEngine` runs them in the
 * calling thread; the app uses `VoiceWorkerClient` (workerClient.ts), which runs the same engine in
 * a worker thread, so audio, ONNX and whisper never block the Electron main thread.
 */
import os from 'node:os';
import { AppError } from '../../../shared/ipc/result';
import { createEmbedder, type Embedder, type EmbeddingRuntimeParams } from '../inference/embedder';
import { createWhisperStt, type SpeechToText, type Transcription } from '../inference/stt';
import { createPiperTts, type SpeechAudio, type TextToSpeech as PiperVoice } from '../inference/tts';
import { createVad, type Vad, type VadStream } from '../inference/vad';
import { FRAME_SAMPLES } from './endpointer';

export interface EngineModels {
  vadPath: string;
  sttPath: string;
  embedding?: { onnxPath: string; tokenizerPath: string; params: EmbeddingRuntimeParams };
  /** A Piper voice for local speech (loaded on first use). */
  piper?: { onnxPath: string; configPath: string };
  /** CPU threads for whisper (default: chosen per transcription from how busy the machine is, stt.ts). */
  threads?: number;
  language?: string;
}

export interface SttRequest {
  language?: string;
  prompt?: string;
  /** One short utterance: encoder context sized to the audio (see TranscribeOptions.fitContext). */
  fitContext?: boolean;
  /** Greedy only, no temperature fallback (TranscribeOptions.greedy): a command's fast first pass. */
  greedy?: boolean;
}

export interface VoiceEngine {
  /** Which whisper binding runs speech to text, where known ('smart-whisper', '@fugood/whisper.node'). */
  readonly sttBackend?: string;
  /** Opens a VAD stream (model state kept between pushes); returns its handle. */
  vadOpen(): Promise<number>;
  /** Speech probability of each 512-sample frame (`samples.length` must be a multiple of 512). */
  vadPush(stream: number, samples: Float32Array): Promise<Float32Array>;
  vadClose(stream: number): Promise<void>;
  transcribe(samples: Float32Array, request?: SttRequest): Promise<Transcription>;
  embed(texts: string[]): Promise<Float32Array[]>;
  /** Speech from the Piper voice; rejects with UNAVAILABLE when no voice is configured. */
  synthesize(text: string, lengthScale?: number): Promise<SpeechAudio>;
  dispose(): Promise<void>;
}

export async function createLocalEngine(models: EngineModels): Promise<VoiceEngine> {
  const vad: Vad = await createVad({ onnxPath: models.vadPath, threads: 1 });
  let stt: SpeechToText | undefined;
  let embedder: Embedder | undefined;
  try {
    stt = await createWhisperStt({
      modelPath: models.sttPath,
      ...(models.threads ? { threads: models.threads } : {}),
      language: models.language ?? 'en',
      beamSize: 1,
    });
    if (models.embedding) embedder = await createEmbedder({ ...models.embedding, threads: 1, batchSize: 64 });
  } catch (e) {
    await vad.dispose();
    await stt?.dispose();
    throw e;
  }
  let piper: Promise<PiperVoice> | undefined;
  const streams = new Map<number, VadStream>();
  let next = 1;
  return {
    sttBackend: stt.backend,
    async vadOpen() {
      const id = next++;
      streams.set(id, vad.createStream());
      return id;
    },
    async vadPush(id, samples) {
      const s = streams.get(id);
      if (!s) throw new Error(`no VAD stream ${id}`);
      const n = Math.floor(samples.length / FRAME_SAMPLES);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++)
        out[i] = await s.push(samples.slice(i * FRAME_SAMPLES, (i + 1) * FRAME_SAMPLES));
      return out;
    },
    async vadClose(id) {
      streams.delete(id);
    },
    transcribe(samples, request = {}) {
      return stt!.transcribe(samples, {
        ...(request.language ? { language: request.language } : {}),
        ...(request.prompt ? { prompt: request.prompt } : {}),
        ...(request.fitContext ? { fitContext: true } : {}),
        ...(request.greedy ? { greedy: true } : {}),
      });
    },
    async embed(texts) {
      if (!embedder) throw new Error('no embedding model loaded');
      return embedder.embed(texts, 'query');
    },
    async synthesize(text, lengthScale) {
      if (!models.piper) throw new AppError('UNAVAILABLE', 'No Piper voice is installed.');
      piper ??= createPiperTts({
        ...models.piper,
        threads: models.threads ?? Math.max(1, os.availableParallelism()),
      });
      piper.catch(() => (piper = undefined));
      return (await piper).synthesize(text, lengthScale !== undefined ? { lengthScale } : {});
    },
    async dispose() {
      streams.clear();
      const voice = await piper?.catch(() => undefined);
      await Promise.all([vad.dispose(), stt?.dispose(), embedder?.dispose(), voice?.dispose()]);
    },
  };
}
