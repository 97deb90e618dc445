/**
 * Assistant: the router's own overhead per request (a provider that streams pre-made parts with no
 * I/O, so only the router's work is timed), time to first token of the local GGUF model (worker
 * thread, a grounded prompt of ~300 tokens), and the extractive answer's latency over a 10k-document
 * corpus along the app's path (the knowledge service's hybrid search, top 8 passages, the relevance
 * gate, then sentences ranked by meaning with [n] citations: stored sentence vectors against the
 * search's own query vector, so no model runs for the answer).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Router } from '../src/main/services/assistant/router';
import { ExtractiveProvider } from '../src/main/services/assistant/providers/extractiveProvider';
import { LocalProvider } from '../src/main/services/assistant/providers/localProvider';
import type { Provider, ProviderRequest, StreamPart } from '../src/main/services/assistant/providers/types';
import { buildPrompt, knowledgeRetriever, relevantPassages } from '../src/main/services/assistant/grounding';
import { collectionFor } from '../src/main/services/knowledge/knowledgeService';
import type { SentenceVectors } from '../src/main/services/knowledge/sentenceVectors';
import { payloadOf, vectorToBlob } from '../src/main/services/knowledge/store';
import { sentenceSpans } from '../src/main/services/assistant/text';
import { openKnowledge, testModel } from '../test/services/knowledge/ingestHarness';
import { median, percentile, round, type BenchResult } from './types';
import { modelsDir } from './paths';

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

/** Corpus documents whose text is embedded for real; the others reuse those vectors, nudged. */
const EMBEDDED_DOCS = 200;

/**
 * The extractive answer at 10k documents along the app's path: the knowledge service's hybrid search
 * (query embedding in the knowledge worker, sqlite-vec KNN + FTS5 BM25, RRF) with the hits' stored
 * sentence vectors, the relevance gate and prompt building of the assistant, then the extractive
 * provider ranking sentences by their stored vectors against the search's query vector. The
 * documents are written straight into the knowledge tables (one chunk each, like a short note)
 * rather than ingested: embedding 10k generated texts would take many minutes here, so 200 are
 * embedded for real (chunk and late-pooled sentence vectors from one run, as ingest makes them) and
 * the rest reuse those vectors, the chunk's with a little noise, a sentence's from the same position
 * of the embedded document (the KNN and the sentence ranking do the same work either way).
 */
async function extractiveAt10k(): Promise<BenchResult[]> {
  const model = testModel();
  if (!model.spec)
    return [
      { name: 'assistant.extractive10k.p50', value: 0, unit: 'ms', notes: `skipped: ${model.missing}` },
    ];
  const spec = model.spec;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-bench-assistant-'));
  const k = openKnowledge(dir, spec, { workerThreads: 1 });
  try {
    const docs = corpus(10_000);
    await k.worker.load(spec);
    const t0 = performance.now();
    const base: Float32Array[] = [];
    const baseSentences: Array<SentenceVectors | null> = [];
    for (let i = 0; i < EMBEDDED_DOCS; i += 32) {
      const r = await k.worker.embedDocuments(spec.id, docs.slice(i, Math.min(EMBEDDED_DOCS, i + 32)));
      base.push(...r.vectors);
      baseSentences.push(...r.sentences);
    }
    const embedMs = performance.now() - t0;
    const dim = spec.params.dimension;
    /** Document i's own sentence spans, with the vectors of the embedded document it borrows from. */
    const sentencesOf = (i: number, text: string): SentenceVectors | null => {
      const from = baseSentences[i % EMBEDDED_DOCS];
      if (!from || from.scales.length === 0) return null;
      const spans = sentenceSpans(text);
      const out: SentenceVectors = {
        spans: new Uint32Array(spans.flatMap((s) => [s.start, s.end])),
        vectors: new Int8Array(spans.length * dim),
        scales: new Float32Array(spans.length),
      };
      spans.forEach((_, j) => {
        const row = j % from.scales.length;
        out.vectors.set(from.vectors.subarray(row * dim, (row + 1) * dim), j * dim);
        out.scales[j] = from.scales[row]!;
      });
      return out;
    };
    let seed = 7;
    const noise = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed / 0x7fffffff - 0.5) * 0.02;
    };
    const coll = collectionFor(spec.id);
    k.index.ensureCollectionSync({ name: coll, dimension: spec.params.dimension, distance: 'cosine' });
    const insDoc = k.db.prepare(
      `INSERT INTO documents (path, folder, name, ext, format, size, mtime, status, title, chunk_count, created_at, updated_at)
       VALUES (?, '/bench', ?, '.txt', 'text', ?, ?, 'indexed', ?, 1, 0, 0)`,
    );
    const insChunk = k.db.prepare(
      'INSERT INTO chunks (document_id, ordinal, text, token_count, heading_path, char_start, char_end) VALUES (?, 0, ?, ?, ?, 0, ?)',
    );
    const insVec = k.db.prepare('INSERT INTO chunk_vectors (chunk_id, model_id, vector) VALUES (?, ?, ?)');
    for (let start = 0; start < docs.length; start += 2000) {
      const items: Parameters<typeof k.index.upsertSync>[1][number][] = [];
      k.db.transaction(() => {
        for (let i = start; i < Math.min(docs.length, start + 2000); i++) {
          const text = docs[i]!;
          const docId = Number(
            insDoc.run(`/bench/d${i}.txt`, `d${i}.txt`, text.length, i, `d${i}`).lastInsertRowid,
          );
          const chunkId = Number(
            insChunk.run(docId, text, Math.ceil(text.length / 4), '[]', text.length).lastInsertRowid,
          );
          const v = new Float32Array(base[i % EMBEDDED_DOCS]!);
          if (i >= EMBEDDED_DOCS) {
            let norm = 0;
            for (let d = 0; d < v.length; d++) {
              v[d]! += noise();
              norm += v[d]! * v[d]!;
            }
            for (let d = 0; d < v.length; d++) v[d]! /= Math.sqrt(norm);
          }
          insVec.run(chunkId, spec.id, vectorToBlob(v));
          k.service.store.writeSentences(chunkId, spec.id, sentencesOf(i, text));
          items.push({
            id: chunkId,
            vector: v,
            payload: payloadOf({ id: docId, format: 'text', folder: '/bench', mtime: i, tags: '[]' }),
          });
        }
      })();
      k.index.upsertSync(coll, items);
    }

    const retriever = knowledgeRetriever(k.service);
    const embed = (texts: string[]) => k.worker.embed(spec.id, texts, 'query');
    // As in the app: stored sentence vectors first, an embedder only for passages without them.
    const byMeaning = new ExtractiveProvider({ embed });
    const keywordsOnly = new ExtractiveProvider();
    // Questions made of 4 words of a sentence of a random document (so an answer exists): keywords
    // often find a sentence with all of them (then the keyword ranking stands). Reworded ones swap a
    // word for one the document does not have: no sentence has them all, so sentences are ranked by
    // meaning, with the stored vectors.
    const vocabulary = [...new Set(docs.slice(0, 200).join(' ').toLowerCase().split(/[ .]+/))];
    const questions = Array.from({ length: 60 }, (_, i) => {
      const doc = docs[(i * 7919) % docs.length]!;
      const words = doc.split(/[ .]+/).filter(Boolean);
      const at = (i * 13) % Math.max(1, words.length - 4);
      const picked = words.slice(at, at + 4);
      const lower = doc.toLowerCase();
      const other =
        vocabulary.find((w, j) => j >= (i * 37) % vocabulary.length && !lower.includes(w)) ?? 'zzq';
      return {
        lexical: `What about ${picked.join(' ')}?`,
        reworded: `What about ${[...picked.slice(0, 3), other].join(' ')}?`,
      };
    });
    const measure = async (q: string) => {
      const texts0 = (await k.worker.stats()).embeddedTexts;
      const t1 = performance.now();
      const got = await retriever.retrieve!(q, 8);
      const passages = relevantPassages(q, got.passages);
      const built = await buildPrompt({
        provider: byMeaning,
        question: q,
        history: [],
        passages,
        memories: [],
        grounded: true,
        maxAnswerTokens: 512,
      });
      const t2 = performance.now();
      const answer = await byMeaning.answer(q, built.passages, got.queryVector ?? undefined);
      const t3 = performance.now();
      const texts = (await k.worker.stats()).embeddedTexts - texts0;
      await keywordsOnly.answer(q, built.passages);
      const t4 = performance.now();
      // The path before sentence vectors were stored: the question and up to 16 sentences embedded now.
      const plain = built.passages.map(({ sentences: _stored, ...p }) => p);
      await byMeaning.answer(q, plain);
      const t5 = performance.now();
      return {
        total: t3 - t1,
        search: t2 - t1,
        answer: t3 - t2,
        keyword: t4 - t3,
        onTheSpot: t5 - t4,
        texts,
        stored: built.passages.filter((p) => p.sentences).length,
        passages: built.passages.length,
        cited: /\[\d\]/.test(answer),
      };
    };
    const total: number[] = [];
    const search: number[] = [];
    const answerMs: number[] = [];
    const keywordAnswerMs: number[] = [];
    const reworded: number[] = [];
    const rewordedAnswer: number[] = [];
    const rewordedSearch: number[] = [];
    const onTheSpot: number[] = [];
    let cited = 0;
    let rewordedCited = 0;
    let texts = 0;
    let stored = 0;
    let passagesSeen = 0;
    for (const [i, q] of questions.entries()) {
      const a = await measure(q.lexical);
      const b = await measure(q.reworded);
      if (i < 10) continue; // the first ones warm the page cache, statements and the worker
      total.push(a.total);
      search.push(a.search);
      answerMs.push(a.answer);
      keywordAnswerMs.push(a.keyword);
      reworded.push(b.total);
      rewordedAnswer.push(b.answer);
      rewordedSearch.push(b.search);
      onTheSpot.push(b.onTheSpot);
      texts += a.texts + b.texts;
      stored += a.stored + b.stored;
      passagesSeen += a.passages + b.passages;
      if (a.cited) cited++;
      if (b.cited) rewordedCited++;
    }
    const n = total.length;
    const modelRuns = `${texts} texts through the model for ${2 * n} questions (the searches' query embeddings); ${stored} of ${passagesSeen} passages had stored sentence vectors`;
    return [
      {
        name: 'assistant.extractive10k.p50',
        value: round(median(total), 1),
        unit: 'ms',
        target: { max: 100 },
        notes: `10,000 documents; knowledge service hybrid search (incl. query embedding and loading the hits' sentence vectors) p50 ${round(median(search), 1)} ms + extractive answer p50 ${round(median(answerMs), 1)} ms; ${cited}/${n} answers cited; ${modelRuns}; ${EMBEDDED_DOCS} documents embedded (chunk + sentence vectors) in ${round(embedMs / 1000, 1)} s, the rest reuse their vectors`,
      },
      {
        name: 'assistant.extractive10k.p95',
        value: round(percentile(total, 95), 1),
        unit: 'ms',
        target: { max: 100 },
        notes: `search p95 ${round(percentile(search, 95), 1)} ms, answer p95 ${round(percentile(answerMs, 95), 1)} ms`,
      },
      {
        name: 'assistant.extractive10k.reworded.p50',
        value: round(median(reworded), 1),
        unit: 'ms',
        target: { max: 100 },
        notes: `questions with one word the document lacks, so sentences are ranked by meaning with their stored vectors and the search's query vector (no model run): search p50 ${round(median(rewordedSearch), 1)} ms, answer p50 ${round(median(rewordedAnswer), 2)} ms; ${rewordedCited}/${n} cited`,
      },
      {
        name: 'assistant.extractive10k.reworded.p95',
        value: round(percentile(reworded, 95), 1),
        unit: 'ms',
        target: { max: 100 },
        notes: `answer p95 ${round(percentile(rewordedAnswer, 95), 2)} ms`,
      },
      {
        name: 'assistant.extractive10k.reworded.embedOnTheSpot.p50',
        value: round(median(onTheSpot), 1),
        unit: 'ms',
        notes:
          'the same reworded answers without stored sentence vectors (chunks indexed before they existed): the question and up to 16 sentences embedded in the knowledge worker per answer, the path before issue #6 stored them',
      },
      {
        name: 'assistant.extractive10k.keywordAnswer.p50',
        value: round(median(keywordAnswerMs), 2),
        unit: 'ms',
        notes:
          'the same passages answered with keyword (BM25) sentence scores only, as when no embedding model is installed',
      },
    ];
  } finally {
    await k.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  return [...(await routerOverhead()), ...(await extractiveAt10k()), ...(await localTtft())];
}
