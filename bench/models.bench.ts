/**
 * Local models: for each model present in `$NOOK_MODELS_DIR` (default models/), load time and resident
 * memory added by loading it and running it once, each in a fresh child process so the numbers do not
 * leak into each other; plus throughput: embedding tokens/s on SciFact abstracts, whisper and Piper
 * real-time factor on jfk.wav / a sentence, VAD frames/s, LLM tokens/s. Models not fetched are
 * reported in `notes` of a zero row, never invented.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { EmbeddingParamsSchema, ModelManifestSchema, type ModelEntry } from '../src/shared/types/models';
import { round, type BenchResult } from './types';
import { fixturesDir, modelsDir, root } from './paths';

const self = fileURLToPath(import.meta.url);
const THREADS = Number(process.env.NOOK_BENCH_THREADS ?? 2);
const EMBED_DOCS = Number(process.env.NOOK_BENCH_EMBED_DOCS ?? 256);

const manifest = ModelManifestSchema.parse(
  JSON.parse(fs.readFileSync(path.join(root, 'models/manifest.json'), 'utf8')),
);

const file = (m: ModelEntry, p: string): string => path.join(modelsDir, m.id, p);
const present = (m: ModelEntry): boolean =>
  m.files.every((f) => fs.existsSync(file(m, f.path)) && fs.statSync(file(m, f.path)).size === f.size);
const rssMB = (): number => process.memoryUsage().rss / 2 ** 20;

interface ChildReport {
  loadMs: number;
  rssMB: number;
  extra: BenchResult[];
}

// ------------------------------------------------------------------------------------- child side

async function measure(id: string): Promise<ChildReport> {
  const m = manifest.models.find((x) => x.id === id)!;
  const extra: BenchResult[] = [];
  const { readWav } = await import('../src/main/services/inference/wav');
  const jfk = readWav(fs.readFileSync(path.join(fixturesDir, 'audio/jfk.wav')));
  const jfkSeconds = jfk.samples.length / jfk.sampleRate;

  if (m.task === 'embedding') {
    const { createEmbedder } = await import('../src/main/services/inference/embedder');
    const params = EmbeddingParamsSchema.parse(m.params);
    const docs = fs
      .readFileSync(path.join(fixturesDir, 'eval/scifact/corpus.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .slice(0, EMBED_DOCS)
      .map((l) => {
        const d = JSON.parse(l) as { title: string; text: string };
        return `${d.title}. ${d.text}`;
      });
    const before = rssMB();
    const t0 = performance.now();
    const e = await createEmbedder({
      onnxPath: file(m, params.onnx),
      tokenizerPath: file(m, params.tokenizer),
      params,
      threads: THREADS,
    });
    await e.embed(['warm up'], 'query');
    const loadMs = performance.now() - t0;
    const rss = rssMB() - before;
    const tokens = e.countTokens(docs, 'document').reduce((a, b) => a + b, 0);
    const t1 = performance.now();
    await e.embed(docs, 'document');
    const seconds = (performance.now() - t1) / 1000;
    extra.push({
      name: `${id} document tokens/s`,
      value: round(tokens / seconds, 0),
      unit: 'tokens/s',
      notes: `${docs.length} SciFact abstracts (${tokens} tokens, truncated at ${params.maxTokens}), batch 32, ${THREADS} threads`,
    });
    const q: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await e.embed([`query number ${i}: does vitamin D lower the risk of fractures?`], 'query');
      q.push(performance.now() - t);
    }
    q.sort((a, b) => a - b);
    extra.push({
      name: `${id} query latency p50`,
      value: round(q[10]!, 1),
      unit: 'ms',
      notes: 'one short query',
    });
    await e.dispose();
    return { loadMs, rssMB: rss, extra };
  }

  if (m.task === 'stt') {
    const { createWhisperStt } = await import('../src/main/services/inference/stt');
    const before = rssMB();
    const t0 = performance.now();
    const stt = await createWhisperStt({ modelPath: file(m, m.files[0]!.path), threads: THREADS });
    const loadMs = performance.now() - t0;
    const t1 = performance.now();
    await stt.transcribe(jfk.samples, { language: 'en' });
    const seconds = (performance.now() - t1) / 1000;
    const rss = rssMB() - before;
    extra.push({
      name: `${id} real-time factor`,
      value: round(seconds / jfkSeconds, 2),
      unit: 'x (lower is faster)',
      notes: `jfk.wav ${jfkSeconds.toFixed(1)} s transcribed in ${seconds.toFixed(1)} s, greedy, ${THREADS} threads`,
    });
    await stt.dispose();
    return { loadMs, rssMB: rss, extra };
  }

  if (m.task === 'vad') {
    const { createVad } = await import('../src/main/services/inference/vad');
    const before = rssMB();
    const t0 = performance.now();
    const vad = await createVad({ onnxPath: file(m, m.files[0]!.path) });
    const loadMs = performance.now() - t0;
    const t1 = performance.now();
    const probs = await vad.probabilities(jfk.samples);
    const seconds = (performance.now() - t1) / 1000;
    const rss = rssMB() - before;
    extra.push({
      name: `${id} frames/s`,
      value: round(probs.length / seconds, 0),
      unit: 'frames/s',
      notes: `32 ms frames; real time needs 31.25/s (jfk.wav: ${probs.length} frames in ${(seconds * 1000).toFixed(0)} ms)`,
    });
    await vad.dispose();
    return { loadMs, rssMB: rss, extra };
  }

  if (m.task === 'llm') {
    const { createLocalLlm } = await import('../src/main/services/inference/llm');
    const before = rssMB();
    const t0 = performance.now();
    const llm = await createLocalLlm({
      modelPath: file(m, m.files[0]!.path),
      contextSize: 2048,
      threads: THREADS,
    });
    const loadMs = performance.now() - t0;
    await llm.continueText('Hello', 1);
    const t1 = performance.now();
    const out = await llm.chat(
      [{ role: 'user', content: 'Write a short story about a lighthouse keeper.' }],
      {
        maxTokens: 64,
      },
    );
    const seconds = (performance.now() - t1) / 1000;
    const rss = rssMB() - before;
    extra.push({
      name: `${id} generation tokens/s`,
      value: round(out.tokens / seconds, 1),
      unit: 'tokens/s',
      notes: `${out.tokens} tokens of a chat answer, greedy, prompt evaluation included, context 2048, ${THREADS} threads`,
    });
    await llm.dispose();
    return { loadMs, rssMB: rss, extra };
  }

  // tts
  const { createPiperTts } = await import('../src/main/services/inference/tts');
  const p = m.params as { onnx: string; config: string };
  const before = rssMB();
  const t0 = performance.now();
  const tts = await createPiperTts({
    onnxPath: file(m, p.onnx),
    configPath: file(m, p.config),
    threads: THREADS,
  });
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  const audio = await tts.synthesize(
    'Good morning. You have three meetings today, and the first one starts at nine.',
  );
  const seconds = (performance.now() - t1) / 1000;
  const rss = rssMB() - before;
  const audioSeconds = audio.samples.length / audio.sampleRate;
  extra.push({
    name: `${id} real-time factor`,
    value: round(seconds / audioSeconds, 2),
    unit: 'x (lower is faster)',
    notes: `${audioSeconds.toFixed(1)} s of speech in ${seconds.toFixed(2)} s incl. espeak-ng`,
  });
  await tts.dispose();
  return { loadMs, rssMB: rss, extra };
}

// ------------------------------------------------------------------------------------ parent side

function runChild(id: string): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', self], {
      cwd: root,
      env: { ...process.env, NOOK_MODEL_BENCH_CHILD: id },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-2000)));
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('NOOK_BENCH '));
      if (code === 0 && line) resolve(JSON.parse(line.slice('NOOK_BENCH '.length)) as ChildReport);
      else
        reject(
          new Error(`bench child for ${id} exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`),
        );
    });
  });
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const only = process.env.NOOK_BENCH_MODELS?.split(',').filter(Boolean);
  for (const m of manifest.models) {
    if (only && !only.includes(m.id)) continue;
    if (!present(m)) {
      results.push({
        name: `${m.id} load`,
        value: 0,
        unit: 'ms',
        notes: `not measured: files not in ${path.join(modelsDir, m.id)} (npm run models:fetch)`,
      });
      continue;
    }
    const r = await runChild(m.id);
    results.push({
      name: `${m.id} load`,
      value: round(r.loadMs, 0),
      unit: 'ms',
      notes: `${m.task}, ${m.displayName}`,
    });
    results.push({
      name: `${m.id} RSS added`,
      value: round(r.rssMB, 0),
      unit: 'MB',
      notes: 'resident memory after loading and one inference, minus before loading',
    });
    results.push(...r.extra);
  }
  return results;
}

if (process.env.NOOK_MODEL_BENCH_CHILD) {
  measure(process.env.NOOK_MODEL_BENCH_CHILD).then(
    (r) => {
      process.stdout.write(`NOOK_BENCH ${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
