/**
 * Plugins (issue #8): cold load time (a fresh Extism worker compiling and instantiating the module)
 * and call overhead p50/p99 (a trivial export through the service: queue, worker round trip, stats
 * row), plus a host-function round trip (kv_set into SQLite) and how late a spinning plugin is given
 * up after its timeout. Builds the plugins first; the measuring runs as plain JavaScript in a child
 * process (see pluginsMeasure.ts for why).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import type { BenchResult } from './types';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

export async function run(): Promise<BenchResult[]> {
  execFileSync(process.execPath, [path.join(root, 'scripts/buildPlugins.mjs'), '--all'], {
    cwd: root,
    stdio: 'inherit',
  });
  const outfile = path.join(root, '.cache', 'bench-plugins-measure.mjs');
  await build({
    entryPoints: [path.join(root, 'bench', 'pluginsMeasure.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile,
    logLevel: 'error',
  });
  try {
    const out = execFileSync('node', [outfile, '--measure'], {
      cwd: root,
      env: { ...process.env, NOOK_REPO: root },
      maxBuffer: 16 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'inherit'],
    }).toString();
    const line = out.split('\n').find((l) => l.startsWith('@@RESULTS@@'));
    if (!line) throw new Error('the plugin measurement printed no results');
    return JSON.parse(line.slice('@@RESULTS@@'.length)) as BenchResult[];
  } finally {
    fs.rmSync(outfile, { force: true });
  }
}
