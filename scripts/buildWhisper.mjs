#!/usr/bin/env node
/**
 * Builds smart-whisper (whisper.cpp compiled from source by node-gyp) with the CPU's vector
 * instructions. Runs as the project's `postinstall`; `node scripts/buildWhisper.mjs --force` rebuilds.
 *
 * Why not smart-whisper's own install script: it compiles with the compiler's defaults, which on
 * x86-64 means SSE2 only, and ggml picks its SIMD code at compile time from -m flags, so that build is
 * as slow as the generic prebuilt @fugood binary (about 10x slower than an AVX2 one). package.json's
 * allowScripts therefore leaves smart-whisper's script off and this one builds it once, with flags.
 *
 * Flags (x86-64 with gcc or clang): `-mavx -mavx2 -mfma -mf16c` when the build machine has them
 * (ggml's own "AVX2" build; every x86-64 desktop CPU since 2013-2015), else none. The binary then
 * needs those instructions, so `nook-build.json` next to it records them and the app checks the
 * running CPU before loading it (src/main/services/inference/stt.ts falls back to @fugood otherwise).
 * NOOK_WHISPER_CFLAGS overrides the flags ("-march=native" for one machine, "" for a portable build).
 * Other platforms (macOS arm64: Metal/Accelerate, Windows/MSVC) build with smart-whisper's defaults.
 *
 * A failed build is reported but does not fail `npm install`: voice then runs on @fugood/whisper.node.
 *
 * Source patches (patches/smart-whisper+<version>.patch, applied by patch-package first in the same
 * postinstall): the decoder computes logits only for the last token of a prompt, which is the only
 * row whisper.cpp reads (about 100 ms of a spoken command's decode with the commands' prompt), and the
 * binding keeps one whisper_state per model instead of creating one per transcription (allocating and
 * clearing the KV caches and reserving four compute graphs: about 15 ms a command).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = path.join(root, 'node_modules', 'smart-whisper');
const binary = path.join(pkgDir, 'build', 'Release', 'smart-whisper.node');
const stampFile = path.join(pkgDir, 'build', 'Release', 'nook-build.json');
const AVX2_FLAGS = ['-mavx', '-mavx2', '-mfma', '-mf16c'];
// node-gyp's Release build leaves NDEBUG undefined: ggml then keeps its debug asserts and prints
// allocator notes to stderr on every call.
const ALWAYS = ['-DNDEBUG'];
const AVX2_REQUIRES = ['avx', 'avx2', 'fma', 'f16c'];

function cpuFlags() {
  try {
    const line = fs
      .readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    return new Set((line ?? '').split(':')[1]?.trim().split(/\s+/) ?? []);
  } catch {
    return null;
  }
}

function plan() {
  if (process.env.NOOK_WHISPER_CFLAGS !== undefined) {
    const flags = process.env.NOOK_WHISPER_CFLAGS.split(/\s+/).filter(Boolean);
    // -march=native ties the binary to this CPU model: record every flag this CPU has.
    const requires = flags.includes('-march=native')
      ? [...(cpuFlags() ?? [])].filter((f) => /^(avx|fma|f16c|sse|bmi)/.test(f))
      : flags.flatMap((f) => (f.startsWith('-m') && !f.startsWith('-march') ? [f.slice(2)] : []));
    return { flags, requires };
  }
  if (process.arch === 'x64' && process.platform === 'linux') {
    const have = cpuFlags();
    if (have && AVX2_REQUIRES.every((f) => have.has(f)))
      return { flags: AVX2_FLAGS, requires: AVX2_REQUIRES };
  }
  return { flags: [], requires: [] };
}

/**
 * The whisper.cpp source as built: patch-package applies patches/smart-whisper+*.patch before this
 * script runs (postinstall), so a new or changed patch changes this hash and forces a rebuild.
 */
function sourceHash() {
  try {
    const binding = path.join(pkgDir, 'src', 'binding');
    const files = [
      path.join(pkgDir, 'whisper.cpp', 'src', 'whisper.cpp'),
      ...fs
        .readdirSync(binding)
        .sort()
        .map((f) => path.join(binding, f)),
    ];
    const hash = createHash('sha256');
    for (const f of files) hash.update(fs.readFileSync(f));
    return hash.digest('hex').slice(0, 16);
  } catch {
    return null;
  }
}

function readStamp() {
  try {
    return JSON.parse(fs.readFileSync(stampFile, 'utf8'));
  } catch {
    return null;
  }
}

function nodeGyp() {
  if (process.env.npm_config_node_gyp && fs.existsSync(process.env.npm_config_node_gyp))
    return process.env.npm_config_node_gyp;
  try {
    return createRequire(path.join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return null;
  }
}

function main() {
  const force = process.argv.includes('--force');
  if (!fs.existsSync(path.join(pkgDir, 'binding.gyp'))) {
    console.log('[buildWhisper] smart-whisper is not installed; nothing to build.');
    return 0;
  }
  const want = plan();
  const stamp = readStamp();
  if (
    !force &&
    fs.existsSync(binary) &&
    stamp &&
    JSON.stringify(stamp.flags) === JSON.stringify([...ALWAYS, ...want.flags]) &&
    stamp.node === process.versions.napi &&
    stamp.source === sourceHash()
  ) {
    console.log(`[buildWhisper] smart-whisper already built (${want.flags.join(' ') || 'default flags'}).`);
    return 0;
  }
  const gyp = nodeGyp();
  if (!gyp) {
    console.warn('[buildWhisper] node-gyp not found; voice will use @fugood/whisper.node.');
    return 0;
  }
  const jobs = String(Math.max(1, os.availableParallelism()));
  const flags = [...ALWAYS, ...want.flags].join(' ');
  const env = {
    ...process.env,
    CFLAGS: `${process.env.CFLAGS ?? ''} ${flags}`.trim(),
    CXXFLAGS: `${process.env.CXXFLAGS ?? ''} ${flags}`.trim(),
  };
  console.log(`[buildWhisper] building whisper.cpp (smart-whisper) with ${flags || 'default flags'} ...`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [gyp, 'rebuild', '-j', jobs], { cwd: pkgDir, env, stdio: 'inherit' });
  if (r.status !== 0 || !fs.existsSync(binary)) {
    console.warn(`[buildWhisper] build failed (exit ${r.status}); voice will use @fugood/whisper.node.`);
    fs.rmSync(stampFile, { force: true });
    return 0;
  }
  fs.writeFileSync(
    stampFile,
    `${JSON.stringify({ flags: [...ALWAYS, ...want.flags], requires: want.requires, node: process.versions.napi, source: sourceHash(), builtAt: new Date().toISOString() }, null, 2)}\n`,
  );
  console.log(`[buildWhisper] built in ${((Date.now() - t0) / 1000).toFixed(0)} s.`);
  return 0;
}

process.exit(main());
