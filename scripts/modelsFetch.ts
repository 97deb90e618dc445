/**
 * npm run models:fetch -- [--set default|test|all] [ids…] [--models-dir DIR] [--cache DIR] [--manifest FILE]
 *
 * Fetches models of models/manifest.json into the models directory (default `<repo>/models`, or
 * NOOK_MODELS_DIR), trying each model's sources in order; verified files are kept, so a second run
 * fetches nothing. NOOK_MODEL_CACHE (or --cache) names a shared cache that CI and benchmark runs reuse.
 * Exit code 1 (with every source tried and why) when a model could not be fetched.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import {
  defaultModelsDir,
  fetchModel,
  inSet,
  type FetchProgress,
  type FetchResult,
} from '../src/main/services/models/fetcher';
import { readManifestFile } from '../src/main/services/models/manifest';
import type { ModelEntry } from '../src/shared/types/models';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SETS = ['default', 'test', 'all'] as const;
type SetName = (typeof SETS)[number];

interface Args {
  set: SetName;
  ids: string[];
  modelsDir: string;
  cacheDir?: string;
  manifest: string;
}

function usage(): string {
  return 'usage: npm run models:fetch -- [--set default|test|all] [ids…] [--models-dir DIR] [--cache DIR] [--manifest FILE]';
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    set: 'default',
    ids: [],
    modelsDir: defaultModelsDir(repoRoot),
    cacheDir: process.env.NOOK_MODEL_CACHE?.trim() || undefined,
    manifest: process.env.NOOK_MODEL_MANIFEST?.trim() || path.join(repoRoot, 'models', 'manifest.json'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (!v) throw new Error(`${a} needs a value\n${usage()}`);
      return v;
    };
    if (a === '--set') {
      const v = value();
      if (!(SETS as readonly string[]).includes(v))
        throw new Error(`--set must be one of ${SETS.join(', ')}`);
      args.set = v as SetName;
    } else if (a === '--models-dir') args.modelsDir = path.resolve(value());
    else if (a === '--cache') args.cacheDir = path.resolve(value());
    else if (a === '--manifest') args.manifest = path.resolve(value());
    else if (a === '-h' || a === '--help') {
      console.log(usage());
      process.exit(0);
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a}\n${usage()}`);
    else args.ids.push(a);
  }
  return args;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function eta(seconds: number | null): string {
  if (seconds === null) return '--';
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

interface Row {
  id: string;
  files: number;
  size: number;
  result: string;
  source: string;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const manifest = readManifestFile(args.manifest);
  let chosen: ModelEntry[];
  if (args.ids.length > 0) {
    const unknown = args.ids.filter((id) => !manifest.models.some((m) => m.id === id));
    if (unknown.length > 0) {
      throw new Error(
        `unknown model(s): ${unknown.join(', ')}; known: ${manifest.models.map((m) => m.id).join(', ')}`,
      );
    }
    chosen = manifest.models.filter((m) => args.ids.includes(m.id));
  } else chosen = manifest.models.filter((m) => inSet(m, args.set));

  const where = `${args.modelsDir}${args.cacheDir ? ` (cache ${args.cacheDir})` : ''}`;
  console.log(
    `Fetching ${chosen.length} model(s) ${args.ids.length ? '' : `of set "${args.set}" `}into ${where}`,
  );

  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());

  const tty = process.stderr.isTTY === true;
  const bars = tty
    ? new cliProgress.MultiBar(
        {
          format: ' {id} |{bar}| {percentage}% | {doneH}/{totalH} | {rateH} | ETA {etaH} | {phase}',
          hideCursor: true,
          clearOnComplete: false,
          stopOnComplete: false,
          barsize: 28,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;

  const rows: Row[] = [];
  const failures: string[] = [];
  const idWidth = Math.max(...chosen.map((m) => m.id.length), 2);
  for (const m of chosen) {
    const bar = bars?.create(m.sizeBytes, 0, {
      id: m.id.padEnd(idWidth),
      doneH: mb(0),
      totalH: mb(m.sizeBytes),
      rateH: '',
      etaH: '--',
      phase: 'checking',
    });
    let lastPhase = '';
    let lastTenth = -1;
    const onProgress = (p: FetchProgress) => {
      const phase =
        p.phase === 'done' ? `${p.file} ok` : `${p.phase} ${p.file}${p.source ? ` from ${p.source}` : ''}`;
      if (bar) {
        bar.update(p.bytesDone, {
          doneH: mb(p.bytesDone),
          rateH: p.rate ? `${mb(p.rate)}/s` : '',
          etaH: eta(p.etaSeconds),
          phase,
        });
        return;
      }
      const tenth = Math.floor((p.bytesDone / Math.max(1, p.bytesTotal)) * 10);
      if (phase !== lastPhase || (p.phase === 'downloading' && tenth !== lastTenth)) {
        const pct = Math.floor((p.bytesDone / Math.max(1, p.bytesTotal)) * 100);
        console.log(
          `  ${m.id}: ${phase} (${pct}%, ${mb(p.bytesDone)}/${mb(p.bytesTotal)}, ETA ${eta(p.etaSeconds)})`,
        );
        lastPhase = phase;
        lastTenth = tenth;
      }
    };
    try {
      const r: FetchResult = await fetchModel(m, {
        modelsDir: args.modelsDir,
        cacheDir: args.cacheDir,
        repoRoot,
        signal: controller.signal,
        onProgress,
      });
      const outcomes = [...new Set(r.files.map((f) => f.outcome))];
      const sources = [...new Set(r.files.map((f) => f.source).filter((s): s is string => !!s))];
      rows.push({
        id: m.id,
        files: m.files.length,
        size: m.sizeBytes,
        result: outcomes.join('+'),
        source: sources.join(', '),
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      rows.push({
        id: m.id,
        files: m.files.length,
        size: m.sizeBytes,
        result: controller.signal.aborted ? 'CANCELLED' : 'FAILED',
        source: '',
      });
      failures.push(`${m.id}: ${message}`);
      bar?.update({ phase: controller.signal.aborted ? 'cancelled' : 'FAILED' });
      if (controller.signal.aborted) break;
    }
  }
  bars?.stop();

  console.log('');
  const head: Row = { id: 'model', files: 0, size: 0, result: 'result', source: 'source' };
  const w = {
    id: Math.max(head.id.length, ...rows.map((r) => r.id.length)),
    result: Math.max(head.result.length, ...rows.map((r) => r.result.length)),
  };
  console.log(`${'model'.padEnd(w.id)}  files  ${'size'.padStart(10)}  ${'result'.padEnd(w.result)}  source`);
  for (const r of rows) {
    console.log(
      `${r.id.padEnd(w.id)}  ${String(r.files).padStart(5)}  ${mb(r.size).padStart(10)}  ${r.result.padEnd(w.result)}  ${r.source}`,
    );
  }
  if (failures.length > 0) {
    console.error(`\n${failures.length} model(s) could not be fetched:\n`);
    for (const f of failures) console.error(`${f}\n`);
    return controller.signal.aborted ? 130 : 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
