/**
 * The assistant with the real embedding model (all-MiniLM-L6-v2 int8, ONNX), run the way the app
 * runs it: in the knowledge worker thread, off the main thread. The extractive provider ranks
 * sentences by meaning (a paraphrased question finds the sentence that shares no word with it,
 * where keywords alone pick a wrong one), and memory drops near duplicates by embedding similarity
 * while keeping facts that differ in one detail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Retriever } from '../../../src/main/services/assistant/grounding';
import { ExtractiveProvider } from '../../../src/main/services/assistant/providers/extractiveProvider';
import type { ContextPassage } from '../../../src/main/services/assistant/providers/types';
import { KnowledgeWorkerClient } from '../../../src/main/services/knowledge/workerClient';
import { testModel } from '../knowledge/ingestHarness';
import { makeHarness, type Harness } from './helpers';

const model = testModel();
if (!model.spec)
  console.warn(`Skipping the embedding-ranking tests: ${model.missing} (npm run models:fetch).`);

const HANDBOOK = [
  'The Hutcheson lighthouse on Kerrera is painted bright red so that fishermen can see it in fog. ' +
    'It was built in 1904 and its lamp turns every twelve seconds. ' +
    'The old signal tower on the hill is now a viewpoint with a bench.',
  'The passenger ferry to Kerrera leaves Gallanach pier every half hour between 8am and 6pm. ' +
    'Bicycles travel free of charge. Dogs must be kept on a lead. ' +
    'Take the south path to reach the tea garden, which sells home-made cakes.',
  'Visitors pay for parking at the pier, and the boat shed rents kayaks by the hour.',
];
const passages: ContextPassage[] = HANDBOOK.map((text, i) => ({
  n: i + 1,
  kind: 'document',
  text,
  rank: i,
}));

const extractiveOnly = {
  assistant: { providers: [{ id: 'extractive', kind: 'extractive', name: 'Extractive (no model)' }] },
};

/** The handbook as the knowledge base would return it (the retrieval itself is tested elsewhere). */
const handbookRetriever: Retriever = {
  async search() {
    return HANDBOOK.map((text, i) => ({
      chunkId: i + 1,
      text,
      cosine: null,
      keyword: true,
      citation: {
        documentId: 10 + i,
        name: 'kerrera-handbook.pdf',
        title: null,
        path: '/docs/kerrera-handbook.pdf',
        format: 'pdf' as const,
        page: i + 1,
        headingPath: [],
        chunkOrdinal: i,
        charStart: 0,
        charEnd: text.length,
      },
    }));
  },
};

describe.skipIf(!model.spec)('the real embedding model in the knowledge worker', () => {
  let worker: KnowledgeWorkerClient;
  let calls = 0;
  const embed = async (texts: string[]): Promise<Float32Array[]> => {
    calls++;
    return worker.embed(model.spec!.id, texts, 'query');
  };
  let h: Harness | undefined;

  beforeAll(async () => {
    worker = new KnowledgeWorkerClient({ threads: 1 });
    await worker.load(model.spec!);
  });
  afterAll(async () => {
    await h?.close();
    await worker?.dispose();
  });

  it('extractive: a paraphrased question picks the right sentence; keywords alone pick a wrong one', async () => {
    const question = 'Can I take my puppy?';
    // Keywords: "take" is the only word shared with any sentence, and it is in the wrong one.
    const lexical = new ExtractiveProvider({ maxSentences: 1 });
    expect(await lexical.answer(question, passages)).toBe(
      'Take the south path to reach the tea garden, which sells home-made cakes [2].',
    );
    // By meaning: "puppy" is close to "dogs", though the sentence shares no word with the question.
    const before = calls;
    const semantic = new ExtractiveProvider({ maxSentences: 1, embed });
    expect(await semantic.answer(question, passages)).toBe('Dogs must be kept on a lead [2].');
    expect(calls).toBe(before + 1); // one batch: the question and the sentences together
  });

  it('extractive: questions that share words with the answer still get it', async () => {
    const semantic = new ExtractiveProvider({ maxSentences: 1, embed });
    expect(await semantic.answer('When was the lighthouse built?', passages)).toBe(
      'It was built in 1904 and its lamp turns every twelve seconds [1].',
    );
    expect(await semantic.answer('How often does the ferry leave?', passages)).toBe(
      'The passenger ferry to Kerrera leaves Gallanach pier every half hour between 8am and 6pm [2].',
    );
    expect(await semantic.answer('What colour is the lighthouse?', passages)).toContain('bright red');
  });

  it('extractive: a sentence holding every word of the question settles it without embedding', async () => {
    const semantic = new ExtractiveProvider({ maxSentences: 1, embed });
    const before = calls;
    expect(await semantic.answer('Are dogs kept on a lead?', passages)).toBe(
      'Dogs must be kept on a lead [2].',
    );
    expect(calls).toBe(before);
  });

  it('extractive: falls back to keywords when the embedder fails', async () => {
    const broken = new ExtractiveProvider({
      maxSentences: 1,
      embed: () => Promise.reject(new Error('no model')),
    });
    expect(await broken.answer('When was the lighthouse built?', passages)).toBe(
      'It was built in 1904 and its lamp turns every twelve seconds [1].',
    );
  });

  it('the assistant service hands its embedder to the extractive provider (a grounded answer by meaning)', async () => {
    h = makeHarness({ embed, retriever: handbookRetriever }, extractiveOnly);
    const a = await h.ask('Can I take my puppy?');
    expect(a.status).toBe('done');
    expect(a.provider).toBe('Extractive (no model)');
    expect(a.content).toContain('Dogs must be kept on a lead [1].');
    expect(a.content).not.toContain('south path');
    expect(a.citations.find((c) => c.n === 1)).toMatchObject({ page: 2, cited: true });
    await h.close();
    h = undefined;
  });

  it('memory: near duplicates (cosine > 0.9) are not stored twice; facts differing in one detail are', async () => {
    h = makeHarness({ embed }, extractiveOnly);
    const memory = h.assistant.memory;
    expect((await memory.remember('my dog is called Biscuit', null)).duplicate).toBe(false);
    // Other words, same fact: different hashes, embeddings within 0.9 of each other.
    expect((await memory.remember("My dog's name is Biscuit", null)).duplicate).toBe(true);
    expect((await memory.remember('Biscuit is the name of my dog', null)).duplicate).toBe(true);
    // Close in wording, different facts: kept (MiniLM puts these at 0.86 and 0.61).
    expect((await memory.remember('my cat is called Biscuit', null)).duplicate).toBe(false);
    expect((await memory.remember('my dog is called Pepper', null)).duplicate).toBe(false);
    expect(memory.list().map((m) => m.text)).toEqual([
      'my dog is called Biscuit',
      'my cat is called Biscuit',
      'my dog is called Pepper',
    ]);

    // Through a conversation: "remember that" with a paraphrase is recognised as already known.
    const again = await h.ask("Remember that my sister's birthday is on March 3", undefined, false);
    expect(again.content).toBe("Okay, I will remember that your sister's birthday is on March 3.");
    const dup = await h.ask("Remember that my sister's birthday is on the 3rd of March", undefined, false);
    expect(dup.content).toMatch(/^I already know that your sister's birthday is on March 3\.$/);
    expect(memory.list()).toHaveLength(4);
    // A different person's birthday on the same day is a new fact.
    await h.ask("Remember that my brother's birthday is on March 3", undefined, false);
    expect(memory.list()).toHaveLength(5);
  });
});
