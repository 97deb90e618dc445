import { readFileSync } from 'node:fs';

/**
 * Whether this CPU has the int8 dot-product instructions onnxruntime's int8 MatMul kernels are built
 * on (MLAS's MatMulNBits int8 path: AVX-512 VNNI or AVX-VNNI on x86-64, SDOT on ARM), so that the
 * embedding model's int8 MatMuls (onnxSimplify.ts `int8MatMuls`) pay off. Measured here on x86-64
 * with AVX-512 VNNI (1.34x one thread's throughput); 64-bit ARM is taken on onnxruntime's word, not
 * measured here. Any other CPU keeps the float path, which every CPU runs well.
 *
 * Linux reads the flags from /proc/cpuinfo. Node has no cpuid, so Windows and macOS on x86-64 are
 * not probed and keep the float path. `NOOK_INT8_MATMUL=1` or `=0` overrides the answer (diagnostics,
 * and comparing both paths on one machine).
 */
export function int8DotProduct(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
  cpuinfo: () => string = () => readFileSync('/proc/cpuinfo', 'utf8'),
): boolean {
  const forced = env.NOOK_INT8_MATMUL?.trim();
  if (forced === '1') return true;
  if (forced === '0') return false;
  if (arch === 'arm64') return true;
  if (arch !== 'x64' || platform !== 'linux') return false;
  try {
    return /^flags\s*:.*\b(avx512_vnni|avx_vnni)\b/m.test(cpuinfo());
  } catch {
    return false;
  }
}
