/**
 * Audio files in, 16 kHz mono 16-bit PCM out. Decoding and resampling are sox's job (a child
 * process: WAV, FLAC, MP3, OGG, ... at any rate and channel count), so a long file is streamed in
 * bounded chunks and never held in memory whole.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { AppError } from '../../../shared/ipc/result';

export const SAMPLE_RATE = 16_000;

export interface AudioInfo {
  sampleRate: number;
  channels: number;
  durationSec: number;
}

function soxError(file: string, stderr: string, code: number | null): AppError {
  const why = stderr
    .split('\n')
    .map((l) => l.replace(/^sox (FAIL|WARN) \w+: /, '').trim())
    .filter(Boolean)
    .pop();
  return new AppError(
    'INVALID_INPUT',
    `Cannot read ${file} as audio${why ? `: ${why}` : code !== null ? ` (sox exited ${code})` : ''}`,
  );
}

function checkFile(file: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new AppError('NOT_FOUND', `No audio file at ${file}`);
  }
  if (!st.isFile()) throw new AppError('INVALID_INPUT', `${file} is not a file`);
  if (st.size === 0) throw new AppError('INVALID_INPUT', `${file} is empty`);
}

function missingSox(e: NodeJS.ErrnoException): AppError | null {
  return e.code === 'ENOENT'
    ? new AppError('UNAVAILABLE', 'sox is not installed: it is needed to read audio files (apt install sox)')
    : null;
}

/** Rate, channels and duration of an audio file (`soxi`-like, through `sox --i`). */
export function probeAudio(file: string): Promise<AudioInfo> {
  checkFile(file);
  return new Promise((resolve, reject) => {
    const p = spawn('sox', ['--i', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', (e) => reject(missingSox(e) ?? e));
    p.on('close', (code) => {
      const rate = /Sample Rate\s*:\s*(\d+)/.exec(out);
      const ch = /Channels\s*:\s*(\d+)/.exec(out);
      const dur = /Duration\s*:\s*(\d+):(\d+):([\d.]+)/.exec(out);
      if (code !== 0 || !rate || !ch || !dur) return reject(soxError(file, err, code));
      resolve({
        sampleRate: Number(rate[1]),
        channels: Number(ch[1]),
        durationSec: Number(dur[1]) * 3600 + Number(dur[2]) * 60 + Number(dur[3]),
      });
    });
  });
}

export interface DecodeOptions {
  /** Samples per chunk handed to `onChunk` (default 30 s). */
  chunkSamples?: number;
  signal?: AbortSignal;
}

/**
 * Streams a file as 16 kHz mono float samples, `chunkSamples` at a time (the last chunk may be
 * shorter). `onChunk` may be async: sox is paused until it resolves, so memory stays bounded.
 * Resolves with the number of samples decoded.
 */
export async function decodeStream(
  file: string,
  onChunk: (samples: Float32Array, offsetSamples: number) => Promise<void> | void,
  options: DecodeOptions = {},
): Promise<number> {
  checkFile(file);
  const chunkSamples = options.chunkSamples ?? 30 * SAMPLE_RATE;
  const p = spawn(
    'sox',
    ['-V1', file, '-t', 'raw', '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    p.on('error', (e) => reject(missingSox(e) ?? e));
    p.on('close', (code) => resolve(code));
  });
  const onAbort = (): void => void p.kill('SIGKILL');
  options.signal?.addEventListener('abort', onAbort, { once: true });

  let pending: Buffer = Buffer.alloc(0);
  let offset = 0;
  const emit = async (bytes: Buffer): Promise<void> => {
    const n = bytes.length >> 1;
    const samples = new Float32Array(n);
    for (let i = 0; i < n; i++) samples[i] = bytes.readInt16LE(i * 2) / 32768;
    await onChunk(samples, offset);
    offset += n;
  };
  try {
    for await (const data of p.stdout as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, data]) : data;
      while (pending.length >= chunkSamples * 2) {
        await emit(pending.subarray(0, chunkSamples * 2));
        pending = pending.subarray(chunkSamples * 2);
      }
    }
    const code = await exited;
    if (options.signal?.aborted) throw new AppError('CANCELLED', 'decoding cancelled');
    if (code !== 0) throw soxError(file, err, code);
    if (pending.length >= 2) await emit(pending.subarray(0, pending.length & ~1));
    if (offset === 0) throw new AppError('INVALID_INPUT', `${file} holds no audio samples`);
    return offset;
  } catch (e) {
    p.kill('SIGKILL');
    throw e;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** A whole (short) file as 16 kHz mono float samples. */
export async function decodeFile(
  file: string,
  options: { signal?: AbortSignal } = {},
): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  const total = await decodeStream(file, (s) => void parts.push(s), {
    ...options,
    chunkSamples: 60 * SAMPLE_RATE,
  });
  const out = new Float32Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** 16 kHz mono float samples -> a 16-bit PCM WAV file's bytes. */
export function encodeWav(samples: Float32Array | Int16Array, sampleRate = SAMPLE_RATE): Buffer {
  const n = samples.length;
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + n * 2, 4);
  buf.write('WAVEfmt ', 8, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) {
    const v = samples[i]!;
    const s = samples instanceof Int16Array ? v : Math.round(Math.max(-1, Math.min(1, v)) * 32767);
    buf.writeInt16LE(s, 44 + i * 2);
  }
  return buf;
}

/** RMS and peak (0..1) of a frame of float samples. */
export function levels(samples: Float32Array): { rms: number; peak: number } {
  let sum = 0;
  let peak = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    sum += v * v;
    const a = Math.abs(v);
    if (a > peak) peak = a;
  }
  return { rms: samples.length ? Math.sqrt(sum / samples.length) : 0, peak };
}

/** 16-bit little-endian PCM bytes -> float samples. */
export function pcm16ToFloat(bytes: Buffer): Float32Array {
  const n = bytes.length >> 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = bytes.readInt16LE(i * 2) / 32768;
  return out;
}
