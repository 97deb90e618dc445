/**
 * The plugin measurements behind bench/plugins.bench.ts. Run as plain JavaScript (bundled by the
 * bench with esbuild) because under tsx Node 20 cannot start Extism's worker: tsx turns source maps
 * on, and Node then fails on the worker's data: URL (its sourceMappingURL is relative).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../src/main/services/storage/database';
import { createLogger } from '../src/main/services/logging/logger';
import { Redactor } from '../src/main/services/secrets/redactor';
import { PluginService } from '../src/main/services/plugins/pluginService';
import { PluginRuntime } from '../src/main/services/plugins/pluginRuntime';
import { limitMemory, mbToPages } from '../src/main/services/plugins/wasmLimits';
import { percentile, round, type BenchResult } from './types';

const root = process.env.NOOK_REPO ?? path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const hostile = path.join(root, 'test/fixtures/plugins/hostile/dist/index.wasm');
const converter = path.join(root, 'plugins/unit-converter/dist');

function pkg(
  dir: string,
  id: string,
  permissions: string[],
  commands: Array<[string, string]>,
  timeoutMs = 5000,
): string {
  const p = path.join(dir, id);
  fs.mkdirSync(p, { recursive: true });
  fs.copyFileSync(hostile, path.join(p, 'plugin.wasm'));
  const sha = crypto.createHash('sha256').update(fs.readFileSync(hostile)).digest('hex');
  fs.writeFileSync(
    path.join(p, 'nook-plugin.json'),
    JSON.stringify({
      id,
      name: id,
      version: '1.0.0',
      entry: { wasm: 'plugin.wasm', sha256: sha },
      permissions,
      limits: { memoryMb: 16, timeoutMs },
      contributes: { commands: commands.map(([cid, exp]) => ({ id: cid, title: cid, export: exp })) },
    }),
  );
  return p;
}

export async function measure(): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-bench-plugins-'));
  const db = openDatabase(path.join(dir, 'nook.db'));
  const log = createLogger({
    file: path.join(dir, 'logs', 'nook.log'),
    redactor: new Redactor(),
    stdout: false,
  });
  const service = new PluginService({
    db,
    root: path.join(dir, 'plugins'),
    log,
    scheduler: { autoStart: false },
  });
  const out: BenchResult[] = [];
  try {
    // Cold load: a fresh runtime (worker start + compile + instantiate) of the unit converter, 15 times.
    const wasm = limitMemory(fs.readFileSync(path.join(converter, 'plugin.wasm')), mbToPages(16)).bytes;
    const loads: number[] = [];
    const firstCalls: number[] = [];
    for (let i = 0; i < 15; i++) {
      const rt = new PluginRuntime({
        id: 'bench',
        wasm,
        timeoutMs: 5000,
        functions: {},
        config: {},
        log: () => undefined,
      });
      const t0 = performance.now();
      await rt.load();
      loads.push(performance.now() - t0);
      const t1 = performance.now();
      await rt.call('convert', 'convert 5 km to miles');
      firstCalls.push(performance.now() - t1);
      await rt.dispose();
    }
    out.push(
      {
        name: 'plugin cold load p50',
        value: round(percentile(loads, 50)),
        unit: 'ms',
        notes: 'fresh worker + compile + instantiate (unit converter, 15 runs)',
      },
      { name: 'plugin cold load p99', value: round(percentile(loads, 99)), unit: 'ms' },
      { name: 'plugin first call after load p50', value: round(percentile(firstCalls, 50)), unit: 'ms' },
    );

    // Call overhead through the service (queue, worker round trip, stats row), trivial export.
    await service.install(
      pkg(
        dir,
        'bench.echo',
        ['kv'],
        [
          ['echo', 'echo'],
          ['kv', 'useKv'],
        ],
      ),
      ['kv'],
    );
    for (let i = 0; i < 50; i++) await service.run('bench.echo', 'echo', 'warm');
    const calls: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const t0 = performance.now();
      await service.run('bench.echo', 'echo', 'hello');
      calls.push(performance.now() - t0);
    }
    out.push(
      {
        name: 'plugin call overhead p50',
        value: round(percentile(calls, 50), 3),
        unit: 'ms',
        notes: 'service.run of an echo export, 1000 calls',
      },
      { name: 'plugin call overhead p99', value: round(percentile(calls, 99), 3), unit: 'ms' },
    );

    // Direct runtime call (no stats row): Extism's own cost.
    const rt = service.runtimeOf('bench.echo')!;
    const direct: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const t0 = performance.now();
      await rt.call('echo', 'hello');
      direct.push(performance.now() - t0);
    }
    out.push(
      {
        name: 'plugin runtime call p50',
        value: round(percentile(direct, 50), 3),
        unit: 'ms',
        notes: 'PluginRuntime.call, no service bookkeeping',
      },
      { name: 'plugin runtime call p99', value: round(percentile(direct, 99), 3), unit: 'ms' },
    );

    // A call that crosses back into Nook once (kv_set -> SQLite).
    const host: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t0 = performance.now();
      await service.run('bench.echo', 'kv', '');
      host.push(performance.now() - t0);
    }
    out.push(
      {
        name: 'plugin call with one host function p50',
        value: round(percentile(host, 50), 3),
        unit: 'ms',
        notes: 'kv_set into SQLite, 300 calls',
      },
      { name: 'plugin call with one host function p99', value: round(percentile(host, 99), 3), unit: 'ms' },
    );

    // Timeout: how late after the deadline the spinning call is given up.
    await service.install(pkg(dir, 'bench.spin', [], [['spin', 'spin']], 200), []);
    const late: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await service.run('bench.spin', 'spin', '').catch(() => undefined);
      late.push(performance.now() - t0 - 200);
    }
    out.push({
      name: 'plugin timeout overshoot p50',
      value: round(percentile(late, 50)),
      unit: 'ms',
      notes: '200 ms limit, infinite loop, 5 runs (includes reloading the worker)',
    });
  } finally {
    await service.dispose();
    db.close();
    await log.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

if (process.argv.includes('--measure')) {
  measure().then(
    (r) => process.stdout.write(`\n@@RESULTS@@${JSON.stringify(r)}\n`),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
