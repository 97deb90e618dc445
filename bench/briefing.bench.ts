/**
 * Daily briefing at 10k documents (the generated corpus of the briefing tests: 10,000 documents of
 * 2 chunks, a tenth from the last 7 days, planted dates and rising terms, 6% changed since
 * yesterday): the one-time analysis of the library (dates with chrono, term counts; done in the
 * background after ingest in the app), generation without a language model (the target), generation
 * after 50 new documents arrive (their analysis included), and generation with the local GGUF model
 * summarising the updates (SmolLM2-135M through the assistant's router and local provider).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventBus } from '../src/main/rpc/eventBus';
import { Router } from '../src/main/services/assistant/router';
import { LocalProvider } from '../src/main/services/assistant/providers/localProvider';
import { BriefingService } from '../src/main/services/briefing/briefingService';
import { routerSummariser } from '../src/main/services/briefing/summarise';
import type { Summariser } from '../src/main/services/briefing/sections';
import { zonedTime } from '../src/main/services/briefing/time';
import type { Briefing } from '../src/shared/types/briefing';
import { openDatabase, type Database } from '../src/main/services/storage/database';
import { makeBriefingCorpus } from '../test/fixtures/makeBriefingCorpus';
import { median, percentile, round, type BenchResult } from './types';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const modelsDir = process.env.NOOK_MODELS_DIR
  ? path.resolve(process.env.NOOK_MODELS_DIR)
  : path.join(root, 'models');
const GGUF = path.join(modelsDir, 'smollm2-135m-instruct', 'SmolLM2-135M-Instruct.Q4_1.gguf');

const TZ = 'Europe/Berlin';
const NOW = zonedTime({ year: 2026, month: 11, day: 18 }, 7, 30, TZ);
const DOCS = 10_000;

function service(db: Database, now: () => number, summarise?: Summariser): BriefingService {
  return new BriefingService({
    db,
    events: new EventBus(),
    clock: { now, setTimeout: () => 0, clearTimeout: () => undefined },
    timeZone: () => TZ,
    settings: () => ({ enabled: false, time: '07:30', days: [], speakWhenReady: false }),
    ...(summarise ? { summarise } : {}),
  });
}

export async function run(): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-bench-briefing-'));
  const db = openDatabase(path.join(dir, 'nook.db'));
  const results: BenchResult[] = [];
  try {
    const corpus = makeBriefingCorpus(db, { now: NOW, timeZone: TZ, documents: DOCS, seed: 5 });
    const chunks = (db.prepare('SELECT COUNT(*) AS n FROM chunks').get() as { n: number }).n;
    let now = NOW;
    const s = service(db, () => now);

    const cold = await s.index.catchUp();
    const rows = (db.prepare('SELECT COUNT(*) AS n FROM briefing_terms').get() as { n: number }).n;
    results.push({
      name: 'briefing.analyse10k',
      value: round(cold.ms, 0),
      unit: 'ms',
      notes: `one-time analysis of ${cold.documents} documents (${chunks} chunks): ${cold.dates} dates, ${rows} term rows; batches of 100 with event-loop yields, in the background after ingest`,
    });

    const times: number[] = [];
    let last = await s.generate();
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      last = await s.generate();
      times.push(performance.now() - t);
    }
    const deadlines = last.sections.find((x) => x.kind === 'deadlines')!.items.length;
    const topics = last.sections
      .find((x) => x.kind === 'trending')!
      .items.slice(0, 3)
      .map((i) => i.text);
    results.push({
      name: 'briefing.generate10k',
      value: round(median(times), 1),
      unit: 'ms',
      target: { max: 500 },
      notes: `no language model; median of 7 (p95 ${round(percentile(times, 95), 1)} ms); per section ${Object.entries(
        last.timings.sections,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ', ',
        )} ms; ${deadlines} deadlines (${corpus.expected.length} planted), top topics ${topics.join(', ')}`,
    });

    // 50 new documents arrive; the next briefing analyses them first.
    now = NOW + 3600_000;
    makeBriefingCorpus(db, {
      now,
      timeZone: TZ,
      documents: 50,
      recentShare: 1,
      seed: 99,
      plantDates: false,
      pathPrefix: '/corpus/new',
    });
    const t = performance.now();
    const inc = await s.generate();
    results.push({
      name: 'briefing.generateAfter50New',
      value: round(performance.now() - t, 1),
      unit: 'ms',
      notes: `analysis of the 50 new documents included (index ${inc.timings.sections.index} ms)`,
    });
    await s.dispose();

    if (!fs.existsSync(GGUF)) {
      results.push({
        name: 'briefing.generateLocalLlm',
        value: 0,
        unit: 'ms',
        notes: `skipped: ${GGUF} is absent`,
      });
    } else {
      results.push(await withLocalModel(db, () => now, inc));
    }
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** Generation with SmolLM2 summarising the updates; a model that cannot load is reported, not fatal. */
async function withLocalModel(db: Database, now: () => number, previous: Briefing): Promise<BenchResult> {
  const local = new LocalProvider({ modelPath: async () => GGUF });
  try {
    const router = new Router({
      chain: () => [local],
      timeouts: () => ({ firstTokenMs: 300_000, totalMs: 600_000, maxRetries: 0, maxRetryWaitMs: 0 }),
      probeOpenBreakers: false,
    });
    const l0 = performance.now();
    await local.prepare();
    const loadMs = performance.now() - l0;
    // Keep what the model wrote (or why it failed), to report it next to the outcome.
    let raw = '';
    const watched: Pick<Router, 'route'> = {
      route: async (req) => {
        try {
          const r = await router.route(req);
          raw = r.text;
          return r;
        } catch (e) {
          raw = `(failed: ${e instanceof Error ? e.message : String(e)})`;
          throw e;
        }
      },
    };
    const withLlm = service(db, now, routerSummariser(watched));
    const llmTimes: number[] = [];
    let b = previous;
    for (let i = 0; i < 2; i++) {
      const s0 = performance.now();
      b = await withLlm.generate();
      llmTimes.push(performance.now() - s0);
    }
    await withLlm.dispose();
    router.dispose();
    const updates = b.sections.find((x) => x.kind === 'updates')!;
    return {
      name: 'briefing.generateLocalLlm',
      value: round(median(llmTimes), 0),
      unit: 'ms',
      notes: `${
        updates.summarizer === 'extractive'
          ? `the model's text was not used (refused by usableSummary, or the model failed), the extractive summary stayed; the model wrote: "${raw.replace(/\s+/g, ' ').slice(0, 120)}"`
          : `updates summarised by ${updates.summarizer}`
      } (SmolLM2-135M Q4_1, CPU, digest up to 2,000 characters, answer up to 160 tokens); runs ${llmTimes
        .map((x) => round(x, 0))
        .join(', ')} ms; model load ${round(loadMs, 0)} ms not included; summary: "${(updates.summary ?? '')
        .replace(/\s+/g, ' ')
        .slice(0, 160)}"`,
    };
  } catch (e) {
    return {
      name: 'briefing.generateLocalLlm',
      value: 0,
      unit: 'ms',
      notes: `not measured: the local model failed (${e instanceof Error ? e.message : String(e)})`,
    };
  } finally {
    await local.dispose();
  }
}
