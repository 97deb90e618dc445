/**
 * Assistant: the router's own overhead per request (a provider that streams pre-made parts with no
 * I/O, so only the router's work is timed), time to first token of the local GGUF model (worker
 * thread, a grounded prompt of ~300 tokens), and the extractive answer's latency over a 10k-document
 * corpus (retrieval with SQLite FTS5 BM25, top 8 passages, then sentence selection with [n]
 * citations).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { Router } from '../src/main/services/assistant/router';
import { ExtractiveProvider } from '../src/main/services/assistant/providers/extractiveProvider';
import { LocalProvider } from '../src/main/services/assistant/providers/localProvider';
import type { Provider, ProviderRequest, StreamPart } from '../src/main/services/assistant/providers/types';
import { ftsQuery } from '../src/main/services/assistant/conversationStore';
import { median, percentile, round, type BenchResult } from './types';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const modelsDir = process.env.NOOK_MODELS_DIR
  ? path.resolve(process.env.NOOK_MODELS_DIR)
  : path.join(root, 'models');
const GGUF = path.join(modelsDir, 'smollm2-135m-instruct', 'SmolLM2-135M-Instruct.Q4_1.gguf');

/** Streams fixed parts with no I/O: what is left of a request's time is the router's. */
class InstantProvider implements Provider {
  readonly id = 'instant';
  readonly kind = 'openai-compatible' as const;
  readonly name = 'Instant';
  readonly contextSize = 8192;
  readonly cloud = false;
  constructor(private readonly parts: StreamPart[]) {}
  async *stream(_req: ProviderRequest): AsyncIterable<StreamPart> {
    for (const p of this.parts) yield p;
  }
  probe(): Promise<void> {
    return Promise.resolve();
  }
  countTokens(texts: readonly string[]): Promise<number[]> {
    return Promise.resolve(texts.map((t) => t.length));
  }
}

async function routerOverhead(): Promise<BenchResult[]> {
  const parts: StreamPart[] = [
    ...Array.from({ length: 20 }, (_, i) => ({ type: 'delta' as const, text: `tok${i} ` })),
    { type: 'usage', promptTokens: 100, completionTokens: 20, source: 'reported' },
  ];
  const provider = new InstantProvider(parts);
  const router = new Router({
    chain: () => [provider],
    timeouts: () => ({ firstTokenMs: 20_000, totalMs: 120_000, maxRetries: 1, maxRetryWaitMs: 5000 }),
    probeOpenBreakers: false,
  });
  const req = {
    messages: [{ role: 'user' as const, content: 'q' }],
    question: 'q',
    passages: [],
    maxTokens: 64,
  };
  const direct = async (): Promise<void> => {
    const ac = new AbortController();
    let text = '';
    for await (const p of provider.stream({ ...req, signal: ac.signal }))
      if (p.type === 'delta') text += p.text;
    if (!text) throw new Error('empty');
  };
  const routed = async (): Promise<void> => {
    let n = 0;
    await router.route({ task: 'chat', build: () => req, onDelta: () => void n++ });
  };
  for (let i = 0; i < 500; i++) {
    await direct();
    await routed();
  }
  const N = 3000;
  const overhead: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await direct();
    const t1 = performance.now();
    await routed();
    const t2 = performance.now();
    overhead.push(t2 - t1 - (t1 - t0));
  }
  router.dispose();
  return [
    {
      name: 'assistant.routerOverhead.p50',
      value: round(median(overhead) * 1000, 1),
      unit: 'µs',
      target: { max: 1000 },
      notes: `router.route() minus iterating the same provider directly; 20-token answers, ${N} requests`,
    },
    {
      name: 'assistant.routerOverhead.p99',
      value: round(percentile(overhead, 99) * 1000, 1),
      unit: 'µs',
      target: { max: 1000 },
    },
  ];
}

async function localTtft(): Promise<BenchResult[]> {
  if (!fs.existsSync(GGUF))
    return [{ name: 'assistant.localTtft', value: 0, unit: 'ms', notes: `skipped: ${GGUF} is absent` }];
  const local = new LocalProvider({ modelPath: async () => GGUF });
  const t0 = performance.now();
  await local.prepare();
  const loadMs = performance.now() - t0;
  const passage =
    'The Hutcheson lighthouse on Kerrera is painted bright red so that fishermen can see it in fog. ' +
    'It was built in 1904 and its lamp turns every twelve seconds. The passenger ferry leaves Gallanach ' +
    'pier every half hour between 8am and 6pm. Bicycles travel free of charge. ';
  const messages = [
    {
      role: 'system' as const,
      content: `Answer using only the numbered sources and cite them like [1].\n\nSources:\n[1] ${passage.repeat(3)}`,
    },
    { role: 'user' as const, content: 'What colour is the lighthouse?' },
  ];
  const [promptTokens] = await local.countTokens([messages[0]!.content]);
  const ttft: number[] = [];
  for (let i = 0; i < 3; i++) {
    const ac = new AbortController();
    const s = performance.now();
    for await (const p of local.stream({
      messages,
      question: 'x',
      passages: [],
      maxTokens: 8,
      signal: ac.signal,
    })) {
      if (p.type === 'delta') {
        ttft.push(performance.now() - s);
        ac.abort();
        break;
      }
    }
  }
  await local.dispose();
  return [
    {
      name: 'assistant.localTtft',
      value: round(median(ttft), 0),
      unit: 'ms',
      notes: `SmolLM2-135M Q4_1, CPU, worker thread, ${promptTokens} prompt tokens; median of 3 (${ttft.map((t) => round(t, 0)).join(', ')} ms); model load ${round(loadMs, 0)} ms`,
    },
  ];
}

/** A deterministic corpus: 10k documents of sentences over a 3,000-word vocabulary. */
function corpus(n: number): string[] {
  let seed = 42;
  const rnd = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const syll = ['ka', 'lo', 'mi', 'ra', 'ten', 'sho', 'vi', 'dar', 'en', 'ul', 'bri', 'no', 'pe', 'gat'];
  const vocab = Array.from({ length: 3000 }, () =>
    Array.from({ length: 2 + Math.floor(rnd() * 2) }, () => syll[Math.floor(rnd() * syll.length)]).join(''),
  );
  const zipf = (): string => vocab[Math.floor(vocab.length * rnd() ** 2.5)]!;
  return Array.from({ length: n }, () =>
    Array.from({ length: 6 + Math.floor(rnd() * 6) }, () => {
      const w = Array.from({ length: 8 + Math.floor(rnd() * 10) }, zipf).join(' ');
      return `${w.charAt(0).toUpperCase()}${w.slice(1)}.`;
    }).join(' '),
  );
}

async function extractiveAt10k(): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-bench-assistant-'));
  const db = new BetterSqlite3(path.join(dir, 'b.db'));
  try {
    const docs = corpus(10_000);
    db.exec("CREATE VIRTUAL TABLE docs USING fts5(text, tokenize = 'unicode61')");
    const ins = db.prepare('INSERT INTO docs (rowid, text) VALUES (?, ?)');
    db.transaction(() => docs.forEach((d, i) => ins.run(i + 1, d)))();
    const search = db.prepare('SELECT rowid, text FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 8');
    const extractive = new ExtractiveProvider();
    // Questions made of 4 words of a sentence of a random document (so an answer exists).
    const questions = Array.from({ length: 60 }, (_, i) => {
      const words = docs[(i * 7919) % docs.length]!.split(/[ .]+/).filter(Boolean);
      const at = (i * 13) % Math.max(1, words.length - 4);
      return `What about ${words.slice(at, at + 4).join(' ')}?`;
    });
    const times: number[] = [];
    let cited = 0;
    for (const [i, q] of questions.entries()) {
      const t0 = performance.now();
      const fts = ftsQuery(q.replace(/^What about /, ''))
        .replace(/\*$/, '')
        .split(' ')
        .join(' OR ');
      const hits = search.all(fts) as Array<{ rowid: number; text: string }>;
      const answer = await extractive.answer(
        q,
        hits.map((h, r) => ({ n: r + 1, kind: 'document' as const, text: h.text, rank: r })),
      );
      const dt = performance.now() - t0;
      if (i >= 10) times.push(dt); // the first ones warm the page cache
      if (/\[\d\]/.test(answer)) cited++;
    }
    return [
      {
        name: 'assistant.extractive10k.p50',
        value: round(median(times), 2),
        unit: 'ms',
        target: { max: 100 },
        notes: `10,000 documents (~${Math.round(docs.reduce((n, d) => n + d.length, 0) / 1e6)} MB of text), FTS5 BM25 top 8 + sentence selection; ${cited}/${questions.length} answers cited`,
      },
      {
        name: 'assistant.extractive10k.p95',
        value: round(percentile(times, 95), 2),
        unit: 'ms',
        target: { max: 100 },
      },
    ];
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  return [...(await routerOverhead()), ...(await extractiveAt10k()), ...(await localTtft())];
}
