/**
 * Which CPUs get the embedding model's int8 MatMuls (inference/cpuFeatures.ts): x86-64 Linux with
 * VNNI in /proc/cpuinfo, any arm64, nothing it cannot probe; NOOK_INT8_MATMUL overrides.
 */
import { describe, expect, it } from 'vitest';
import { int8DotProduct } from '../../../src/main/services/inference/cpuFeatures';

const cpuinfo = (flags: string) => () =>
  `processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu vme ${flags} sse4_2\nbugs\t\t: sysret_ss_attrs avx_vnni_bug\n\nprocessor\t: 1\nflags\t\t: fpu vme ${flags} sse4_2\n`;

describe('int8DotProduct', () => {
  it('reads VNNI from the flags line on x86-64 Linux', () => {
    expect(int8DotProduct({}, 'linux', 'x64', cpuinfo('avx2 avx512f avx512_vnni'))).toBe(true);
    expect(int8DotProduct({}, 'linux', 'x64', cpuinfo('avx2 avx_vnni'))).toBe(true);
    // AVX2 alone (the u8s8 kernel may saturate); a VNNI word elsewhere than the flags does not count.
    expect(int8DotProduct({}, 'linux', 'x64', cpuinfo('avx2 avx512f'))).toBe(false);
    expect(int8DotProduct({}, 'linux', 'x64', cpuinfo('avx2 avx512_vnnix'))).toBe(false);
  });

  it('says yes on arm64 and no where it cannot look', () => {
    const never = () => {
      throw new Error('not read');
    };
    expect(int8DotProduct({}, 'darwin', 'arm64', never)).toBe(true);
    expect(int8DotProduct({}, 'linux', 'arm64', never)).toBe(true);
    expect(int8DotProduct({}, 'win32', 'x64', never)).toBe(false);
    expect(int8DotProduct({}, 'darwin', 'x64', never)).toBe(false);
    expect(int8DotProduct({}, 'linux', 'x64', never)).toBe(false); // no /proc/cpuinfo
  });

  it('follows NOOK_INT8_MATMUL when it is 0 or 1', () => {
    const vnni = cpuinfo('avx512_vnni');
    expect(int8DotProduct({ NOOK_INT8_MATMUL: '0' }, 'linux', 'x64', vnni)).toBe(false);
    expect(int8DotProduct({ NOOK_INT8_MATMUL: '1' }, 'win32', 'x64', vnni)).toBe(true);
    expect(int8DotProduct({ NOOK_INT8_MATMUL: 'yes' }, 'linux', 'x64', vnni)).toBe(true);
  });
});
