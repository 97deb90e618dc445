import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddingParamsSchema } from '../../src/shared/types/models';
import { type Embedder, cosine, createEmbedder } from '../../src/main/services/inference/embedder';
import { modelFiles } from './modelFiles';

const reference = JSON.parse(
  readFileSync(path.join(import.meta.dirname, 'fixtures/minilmReference.json'), 'utf8'),
) as { sentences: string[]; embeddings: number[][] };

/** [anchor, paraphrase, unrelated]: the paraphrase must be the closer one. */
const TRIPLES: Array<[string, string, string]> = [
  ['A man is eating food.', 'A man is eating a piece of bread.', 'A monkey is playing drums.'],
  [
    'How do I reset my password?',
    'I forgot my login password, how can I change it?',
    'The cat sits outside.',
  ],
  ['The weather is lovely today.', "It's so sunny outside!", 'He drove to the stadium.'],
  [
    'Schedule a meeting with the design team on Friday.',
    'Book time with the designers for the end of the week.',
    'Photosynthesis converts light into chemical energy.',
  ],
  [
    'Quarterly revenue grew 12%.',
    'Sales in the last quarter rose by twelve percent.',
    'A woman is playing violin.',
  ],
];

/** The fp32 variants must match sentence-transformers to 1e-4; int8 weights cost a little more. */
const VARIANTS: Array<{ id: string; minReferenceCosine: number }> = [
  { id: 'all-minilm-l6-v2-int8', minReferenceCosine: 0.99 },
  { id: 'all-minilm-l6-v2-converted', minReferenceCosine: 1 - 1e-4 },
  { id: 'all-minilm-l6-v2', minReferenceCosine: 1 - 1e-4 },
];

for (const variant of VARIANTS) {
  const files = modelFiles(variant.id);
  describe.skipIf(!files.present)(
    `embedding model ${variant.id}${files.present ? '' : ` (skipped: ${files.missing})`}`,
    () => {
      let embedder: Embedder;
      beforeAll(async () => {
        const params = EmbeddingParamsSchema.parse(files.entry.params);
        embedder = await createEmbedder({
          onnxPath: files.file(params.onnx),
          tokenizerPath: files.file(params.tokenizer),
          params,
          batchSize: 8,
        });
      });
      afterAll(() => embedder?.dispose());

      it('returns unit vectors of the declared dimension, in input order', async () => {
        const texts = ['first text', 'a much longer second text with several more words in it', 'third'];
        const vectors = await embedder.embed(texts, 'document');
        expect(vectors).toHaveLength(3);
        for (const v of vectors) {
          expect(v).toHaveLength(384);
          expect(Math.hypot(...v)).toBeCloseTo(1, 5);
        }
        // Batching sorts by length internally: each vector must still belong to its own text.
        const single = await embedder.embed([texts[1]!], 'document');
        expect(cosine(single[0]!, vectors[1]!)).toBeGreaterThan(0.9999);
        expect(cosine(vectors[0]!, vectors[1]!)).toBeLessThan(0.99);
      });

      it('orders sentence pairs by meaning: each paraphrase is closer than an unrelated sentence', async () => {
        for (const [anchor, close, far] of TRIPLES) {
          const [a, c, f] = await embedder.embed([anchor, close, far], 'document');
          const near = cosine(a!, c!);
          const away = cosine(a!, f!);
          expect(near, `${anchor} ~ ${close} vs ${far}`).toBeGreaterThan(away + 0.2);
        }
      });

      it(`agrees with sentence-transformers (cosine >= ${variant.minReferenceCosine})`, async () => {
        const ours = await embedder.embed(reference.sentences, 'query');
        reference.embeddings.forEach((expected, i) => {
          expect(
            cosine(ours[i]!, Float32Array.from(expected)),
            reference.sentences[i],
          ).toBeGreaterThanOrEqual(variant.minReferenceCosine);
        });
      });

      it('truncates long texts to the model limit instead of failing', async () => {
        const long = 'knowledge '.repeat(1000);
        expect(embedder.countTokens([long], 'document')[0]).toBe(256);
        const [v] = await embedder.embed([long], 'document');
        expect(v).toHaveLength(384);
      });
    },
  );
}
