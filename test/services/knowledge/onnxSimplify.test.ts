/**
 * The load-time removal of the softmax NaN guards (`Where(IsNaN(p), 0, p)`) from the embedding
 * model: exactly those nodes go, the rewritten protobuf loads, and the vectors are those of the
 * untouched file; models without the pattern and bytes that are no ONNX model come back unchanged.
 */
import fs from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { cosine, createEmbedder } from '../../../src/main/services/inference/embedder';
import { dropNanGuards } from '../../../src/main/services/inference/onnxSimplify';
import { modelFiles } from '../../models/modelFiles';
import { testModel } from './ingestHarness';

const model = testModel();
if (!model.spec) console.warn(`[skip] NaN-guard removal tests: ${model.missing}`);

describe('dropNanGuards', () => {
  it('leaves bytes that are not an ONNX model alone', () => {
    const junk = new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]);
    expect(dropNanGuards(junk)).toEqual({ bytes: junk, removed: 0 });
    const empty = new Uint8Array(0);
    expect(dropNanGuards(empty).bytes).toBe(empty);
  });

  it.skipIf(!modelFiles('silero-vad').present)('leaves a model without the pattern byte for byte', () => {
    const m = modelFiles('silero-vad');
    const onnx = m.entry.files.find((f) => f.path.endsWith('.onnx'))!;
    const bytes = fs.readFileSync(m.file(onnx.path));
    const r = dropNanGuards(bytes);
    expect(r.removed).toBe(0);
    expect(r.bytes).toBe(bytes);
  });

  it.skipIf(!model.spec)(
    "removes MiniLM's six guards (12 nodes) and embeds as the untouched file does",
    async () => {
      const spec = model.spec!;
      const original = fs.readFileSync(spec.onnxPath);
      const r = dropNanGuards(original);
      expect(r.removed).toBe(12);
      const simplified = await ort.InferenceSession.create(r.bytes);
      const untouched = await ort.InferenceSession.create(spec.onnxPath);
      const count = (s: ort.InferenceSession): number => s.inputNames.length + s.outputNames.length;
      expect(count(simplified)).toBe(count(untouched));

      // The embedder (which loads the simplified graph) against the untouched file run by hand.
      const embedder = await createEmbedder({
        onnxPath: spec.onnxPath,
        tokenizerPath: spec.tokenizerPath,
        params: spec.params,
        threads: 1,
      });
      try {
        const text = 'The lighthouse keeper slept in the harbour while the storm passed.';
        const tokenizerJson = JSON.parse(fs.readFileSync(spec.tokenizerPath, 'utf8')) as Record<
          string,
          unknown
        >;
        const ids = new Tokenizer(tokenizerJson, { do_lower_case: true }).encode(text).ids;
        const [ours] = await embedder.embed([text], 'document');
        expect(embedder.countTokens([text], 'document')[0]).toBe(ids.length);
        const n = ids.length;
        const feeds: Record<string, ort.Tensor> = {
          input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, n]),
          attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
          token_type_ids: new ort.Tensor('int64', new BigInt64Array(n), [1, n]),
        };
        const pick = (s: ort.InferenceSession): Record<string, ort.Tensor> =>
          Object.fromEntries(Object.entries(feeds).filter(([k]) => s.inputNames.includes(k)));
        const a = (await untouched.run(pick(untouched)))[untouched.outputNames[0]!]!;
        const b = (await simplified.run(pick(simplified)))[simplified.outputNames[0]!]!;
        const da = a.data as Float32Array;
        const db = b.data as Float32Array;
        expect(db.length).toBe(da.length);
        let worst = 0;
        for (let i = 0; i < da.length; i++) worst = Math.max(worst, Math.abs(da[i]! - db[i]!));
        expect(worst).toBeLessThan(1e-4);
        // Mean-pooled and normalised by hand, the untouched graph's states give the embedder's vector.
        const dim = spec.params.dimension;
        const pooled = new Float32Array(dim);
        for (let t = 0; t < n; t++) for (let d = 0; d < dim; d++) pooled[d]! += da[t * dim + d]! / n;
        expect(cosine(pooled, ours!)).toBeGreaterThan(0.99999);
      } finally {
        await embedder.dispose();
        await simplified.release();
        await untouched.release();
      }
    },
    60_000,
  );
});
