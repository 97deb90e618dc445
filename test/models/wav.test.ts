import { describe, expect, it } from 'vitest';
import { readWav, resampleLinear, toPcm16 } from '../../src/main/services/inference/wav';

function wav(
  format: 1 | 3,
  bits: 16 | 32,
  channels: number,
  frames: number[][],
  extraChunk = false,
): Uint8Array {
  const bytesPer = bits / 8;
  const data = Buffer.alloc(frames.length * channels * bytesPer);
  frames.forEach((frame, i) =>
    frame.forEach((v, c) => {
      const at = (i * channels + c) * bytesPer;
      if (format === 1) data.writeInt16LE(v, at);
      else data.writeFloatLE(v, at);
    }),
  );
  const fmt = Buffer.alloc(24);
  fmt.write('fmt ', 0);
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(format, 8);
  fmt.writeUInt16LE(channels, 10);
  fmt.writeUInt32LE(16_000, 12);
  fmt.writeUInt32LE(16_000 * channels * bytesPer, 16);
  fmt.writeUInt16LE(channels * bytesPer, 20);
  fmt.writeUInt16LE(bits, 22);
  // An odd-sized LIST chunk (padded to even), as sox and ffmpeg write before the data.
  const list = extraChunk
    ? Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc'), Buffer.from([0])])
    : Buffer.alloc(0);
  const head = Buffer.alloc(8);
  head.write('data', 0);
  head.writeUInt32LE(data.length, 4);
  const body = Buffer.concat([Buffer.from('WAVE'), fmt, list, head, data]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0);
  riff.writeUInt32LE(body.length, 4);
  return new Uint8Array(Buffer.concat([riff, body]));
}

describe('readWav', () => {
  it('reads 16-bit PCM after other chunks, first channel only', () => {
    const audio = readWav(
      wav(
        1,
        16,
        2,
        [
          [16384, 1],
          [-32768, 2],
          [32767, 3],
        ],
        true,
      ),
    );
    expect(audio.sampleRate).toBe(16_000);
    expect(Array.from(audio.samples)).toEqual([0.5, -1, 32767 / 32768]);
  });
  it('reads 32-bit float PCM', () => {
    expect(Array.from(readWav(wav(3, 32, 1, [[0.25], [-0.5]])).samples)).toEqual([0.25, -0.5]);
  });
  it('rejects what is not a RIFF/WAVE file', () => {
    expect(() => readWav(new Uint8Array(64))).toThrow(/RIFF/);
  });
});

describe('toPcm16 / resampleLinear', () => {
  it('clips and scales to 16-bit integers', () => {
    expect(Array.from(toPcm16(Float32Array.from([0, 1, -1, 2, -2, 0.5])))).toEqual([
      0, 32767, -32768, 32767, -32768, 16384,
    ]);
  });
  it('resamples by linear interpolation to the new length', () => {
    const out = resampleLinear(Float32Array.from([0, 1, 2, 3]), 2, 4);
    expect(out).toHaveLength(8);
    expect(Array.from(out.subarray(0, 6))).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
  });
});
