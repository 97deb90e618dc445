import { AppError } from '../../../shared/ipc/result';

export interface PcmAudio {
  sampleRate: number;
  /** Mono samples in [-1, 1); the first channel when the file has several. */
  samples: Float32Array;
}

/**
 * Reads a RIFF/WAVE file holding 16-bit integer or 32-bit float PCM. Walks the chunks, so files
 * with LIST/fact chunks before `data` (sox, espeak-ng, ffmpeg) read correctly.
 */
export function readWav(bytes: Uint8Array): PcmAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE')
    throw new AppError('INVALID_INPUT', 'not a RIFF/WAVE file');
  let format = 0;
  let channels = 0;
  let sampleRate = 0;
  let bits = 0;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = view.getUint16(body, true);
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      bits = view.getUint16(body + 14, true);
      if (format === 0xfffe && size >= 26) format = view.getUint16(body + 24, true); // WAVE_FORMAT_EXTENSIBLE
    } else if (id === 'data') {
      if (!channels) throw new AppError('INVALID_INPUT', 'WAV data chunk before its fmt chunk');
      const end = Math.min(body + size, bytes.length);
      const frameBytes = (bits / 8) * channels;
      const frames = Math.floor((end - body) / frameBytes);
      const samples = new Float32Array(frames);
      if (format === 1 && bits === 16) {
        for (let i = 0; i < frames; i++) samples[i] = view.getInt16(body + i * frameBytes, true) / 32768;
      } else if (format === 3 && bits === 32) {
        for (let i = 0; i < frames; i++) samples[i] = view.getFloat32(body + i * frameBytes, true);
      } else {
        throw new AppError('INVALID_INPUT', `unsupported WAV encoding (format ${format}, ${bits} bits)`);
      }
      return { sampleRate, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new AppError('INVALID_INPUT', 'WAV file has no data chunk');
}

/** Float samples -> 16-bit little-endian PCM (what whisper.cpp and most speech APIs take). */
export function toPcm16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]!));
    out[i] = s < 0 ? Math.round(s * 32768) : Math.round(s * 32767);
  }
  return out;
}

/** Linear-interpolation resampling (enough for speech going into a 16 kHz recogniser). */
export function resampleLinear(samples: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return samples.slice();
  const out = new Float32Array(Math.floor((samples.length * to) / from));
  const step = from / to;
  for (let i = 0; i < out.length; i++) {
    const x = i * step;
    const i0 = Math.floor(x);
    const i1 = Math.min(i0 + 1, samples.length - 1);
    const t = x - i0;
    out[i] = samples[i0]! * (1 - t) + samples[i1]! * t;
  }
  return out;
}
