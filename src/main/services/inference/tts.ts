import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { AppError } from '../../../shared/ipc/result';

/**
 * Local text to speech with a Piper (VITS) voice: text -> IPA phonemes (espeak-ng, as Piper does) ->
 * phoneme ids (the voice's .onnx.json map) -> ONNX -> float PCM at the voice's sample rate.
 */
export interface SpeechAudio {
  sampleRate: number;
  samples: Float32Array;
}

export interface TextToSpeech {
  readonly sampleRate: number;
  synthesize(text: string, options?: { lengthScale?: number; signal?: AbortSignal }): Promise<SpeechAudio>;
  dispose(): Promise<void>;
}

interface PiperConfig {
  audio: { sample_rate: number };
  espeak?: { voice?: string };
  inference?: { noise_scale?: number; length_scale?: number; noise_w?: number };
  phoneme_type?: string;
  phoneme_id_map: Record<string, number[]>;
  num_speakers?: number;
}

export interface PiperOptions {
  onnxPath: string;
  configPath: string;
  /** espeak-ng executable (default `espeak-ng` on PATH). */
  espeakCommand?: string;
  threads?: number;
}

/** Clause punctuation Piper keeps as phonemes (it shapes pauses and intonation). */
const CLAUSE = /([^.!?;:,]+)([.!?;:,]*)/g;

export async function createPiperTts(options: PiperOptions): Promise<TextToSpeech> {
  const config = JSON.parse(await readFile(options.configPath, 'utf8')) as PiperConfig;
  if (config.phoneme_type && config.phoneme_type !== 'espeak')
    throw new AppError('UNAVAILABLE', `unsupported Piper phoneme type ${config.phoneme_type}`);
  if ((config.num_speakers ?? 1) > 1)
    throw new AppError('UNAVAILABLE', 'multi-speaker Piper voices are not supported yet');
  const idMap = config.phoneme_id_map;
  const [bos, pad, eos] = [idMap['^']?.[0], idMap['_']?.[0], idMap['$']?.[0]];
  if (bos === undefined || pad === undefined || eos === undefined)
    throw new AppError('UNAVAILABLE', 'the voice config has no ^ _ $ phoneme ids');
  const espeak = options.espeakCommand ?? 'espeak-ng';
  const voice = config.espeak?.voice ?? 'en-us';
  const session = await ort.InferenceSession.create(options.onnxPath, {
    ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
  });
  const sampleRate = config.audio.sample_rate;

  const phonemeIds = (phonemes: string): number[] => {
    const ids = [bos, pad];
    for (const ch of phonemes.normalize('NFD')) {
      const mapped = idMap[ch];
      if (!mapped) continue; // Piper drops phonemes its voice does not know
      for (const id of mapped) ids.push(id, pad);
    }
    ids.push(eos);
    return ids;
  };

  return {
    sampleRate,
    async synthesize(text, opts = {}) {
      const clauses = [...text.replace(/\s+/g, ' ').matchAll(CLAUSE)]
        .map((m) => ({ words: m[1]!.trim(), punct: m[2] ?? '' }))
        .filter((c) => c.words.length > 0);
      if (clauses.length === 0) return { sampleRate, samples: new Float32Array(0) };
      const parts: string[] = [];
      for (const c of clauses) {
        if (opts.signal?.aborted) throw new AppError('CANCELLED', 'speech synthesis cancelled');
        const ipa = (await phonemize(espeak, voice, c.words)).replace(/\s+/g, ' ').trim();
        parts.push(ipa + c.punct.slice(0, 1));
      }
      const ids = phonemeIds(parts.join(' '));
      const inference = config.inference ?? {};
      const out = await session.run({
        input: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
        input_lengths: new ort.Tensor('int64', BigInt64Array.from([BigInt(ids.length)]), [1]),
        scales: new ort.Tensor(
          'float32',
          Float32Array.from([
            inference.noise_scale ?? 0.667,
            opts.lengthScale ?? inference.length_scale ?? 1,
            inference.noise_w ?? 0.8,
          ]),
          [3],
        ),
      });
      const output = out[session.outputNames[0]!]!;
      return { sampleRate, samples: Float32Array.from(output.data as Float32Array) };
    },
    async dispose() {
      await session.release();
    },
  };
}

/** IPA phonemes of one clause, from espeak-ng (text on stdin, never through a shell). */
export function phonemize(command: string, voice: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      ['-q', '--ipa', '-v', voice, '--stdin'],
      { timeout: 10_000, maxBuffer: 1 << 20 },
      (error, stdout) => {
        if (error)
          reject(
            new AppError(
              'UNAVAILABLE',
              (error as NodeJS.ErrnoException).code === 'ENOENT'
                ? 'espeak-ng is not installed (Debian/Ubuntu: apt-get install espeak-ng)'
                : `espeak-ng failed: ${error.message}`,
            ),
          );
        else resolve(stdout.replace(/\n/g, ' '));
      },
    );
    child.stdin?.end(text);
  });
}
