/**
 * The load-time rewrites of the embedding model (onnxSimplify.ts):
 * - the removal of the softmax NaN guards (`Where(IsNaN(p), 0, p)`): exactly those nodes go, the
 *   rewritten protobuf loads, and the vectors are those of the untouched file;
 * - int8 MatMuls: the 36 weight-only int8 MatMuls of MiniLM become 8-bit MatMulNBits, the vectors
 *   stay close to the float path's, and a text's vector does not depend on its batch;
 * models without the patterns and bytes that are no ONNX model come back unchanged.
 */
import fs from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { describe, expect, it, vi } from 'vitest';
import { cosine, createEmbedder } from '../../../src/main/services/inference/embedder';
import { dropNanGuards, int8MatMuls } from '../../../src/main/services/inference/onnxSimplify';
import { modelFiles } from '../../models/modelFiles';
import { testModel } from './ingestHarness';

const model = testModel();
if (!model.spec) console.warn(`[skip] NaN-guard removal tests: ${model.missing}`);

/** The test model on one thread, its MatMuls in int8 or in float. */
const miniLm = (int8MatMul: boolean) => createEmbedder({ ...model.spec!, threads: 1, int8MatMul });

/** A model with neither pattern (Silero VAD). */
const silero = modelFiles('silero-vad');
const sileroBytes = (): Buffer =>
  fs.readFileSync(silero.file(silero.entry.files.find((f) => f.path.endsWith('.onnx'))!.path));

describe('dropNanGuards', () => {
  it('leaves bytes that are not an ONNX model alone', () => {
    const junk = new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]);
    expect(dropNanGuards(junk)).toEqual({ bytes: junk, removed: 0 });
    const empty = new Uint8Array(0);
    expect(dropNanGuards(empty).bytes).toBe(empty);
  });

  it.skipIf(!silero.present)('leaves a model without the pattern byte for byte', () => {
    const bytes = sileroBytes();
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
      const embedder = await miniLm(false);
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

const bytes = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

const count = (bytes: Uint8Array, word: string): number =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1').split(word).length - 1;

describe('int8MatMuls', () => {
  it('leaves bytes that are not an ONNX model alone', () => {
    const junk = new Uint8Array([0x3a, 0x05, 0xff, 0xff, 0xff]);
    expect(int8MatMuls(junk)).toEqual({ bytes: junk, rewritten: 0 });
  });

  it.skipIf(!silero.present)('leaves a model without int8 weights byte for byte', () => {
    const bytes = sileroBytes();
    const r = int8MatMuls(bytes);
    expect(r.rewritten).toBe(0);
    expect(r.bytes).toBe(bytes);
  });

  it.skipIf(!modelFiles('all-minilm-l6-v2-converted').present)('leaves an fp32 model byte for byte', () => {
    const m = modelFiles('all-minilm-l6-v2-converted');
    const bytes = fs.readFileSync(m.file('model.onnx'));
    expect(int8MatMuls(bytes).bytes).toBe(bytes);
  });

  it.skipIf(!model.spec)(
    "rewrites MiniLM's 36 int8 MatMuls to MatMulNBits; vectors as the float path's, whatever the batch",
    async () => {
      const spec = model.spec!;
      const original = fs.readFileSync(spec.onnxPath);
      const r = int8MatMuls(dropNanGuards(original).bytes);
      expect(r.rewritten).toBe(36);
      expect(count(r.bytes, 'MatMulNBits')).toBe(36);
      expect(count(r.bytes, 'com.microsoft')).toBe(37); // each node's domain + one opset import
      // The float MatMuls left are the 12 attention products.
      const matmuls = (b: Uint8Array): number => count(b, '\x22\x06MatMul'); // op_type field, 6 bytes
      expect(matmuls(original) - matmuls(r.bytes)).toBe(36);
      expect(matmuls(r.bytes)).toBe(12);
      // The int8 weights are kept once (repacked), not twice: the model grows by the block scales only.
      expect(r.bytes.length).toBeLessThan(original.length * 1.05);
      // A second pass finds nothing left to do; the Buffer the file was read into works as well.
      expect(int8MatMuls(r.bytes).rewritten).toBe(0);
      expect(int8MatMuls(original).rewritten).toBe(36);

      const texts = [
        'The lighthouse keeper slept in the harbour while the storm passed.',
        'Error E-4012: the sync service could not reach the server before the timeout.',
        'Mitochondria produce most of the chemical energy needed to power the cell.',
        'Quarterly revenue grew by eleven percent, driven by subscriptions in Europe, while costs in every other region fell.',
      ];
      const [floats, int8] = await Promise.all([miniLm(false), miniLm(true)]);
      try {
        const a = await floats.embed(texts, 'document');
        const b = await int8.embed(texts, 'document');
        for (let i = 0; i < texts.length; i++) {
          const c = cosine(a[i]!, b[i]!);
          // Computed in int8 (not the float path under another name), and still the same vector.
          expect(c).toBeLessThan(0.99999);
          expect(c).toBeGreaterThan(0.998);
          // Activations are quantised per row: alone or with others, a text gets the same vector.
          const [alone] = await int8.embed([texts[i]!], 'document');
          expect(Buffer.from(alone!.buffer, alone!.byteOffset, alone!.byteLength)).toEqual(
            Buffer.from(b[i]!.buffer, b[i]!.byteOffset, b[i]!.byteLength),
          );
        }
        // Which text is nearest to which is unchanged.
        const q = await int8.embed(['power plant of the cell'], 'query');
        const qf = await floats.embed(['power plant of the cell'], 'query');
        const best = (v: Float32Array, docs: Float32Array[]) =>
          docs.map((d, i) => [cosine(v, d), i] as const).sort((x, y) => y[0] - x[0])[0]![1];
        expect(best(q[0]!, b)).toBe(2);
        expect(best(qf[0]!, a)).toBe(2);
      } finally {
        await floats.dispose();
        await int8.dispose();
      }
    },
    60_000,
  );

  it.skipIf(!model.spec)(
    'an onnxruntime that refuses the int8 graph gets the float path, not an error',
    async () => {
      const create = ort.InferenceSession.create.bind(ort.InferenceSession);
      const spy = vi
        .spyOn(ort.InferenceSession, 'create')
        .mockImplementation(((m: unknown, o: never) =>
          m instanceof Uint8Array && count(m, 'MatMulNBits') > 0
            ? Promise.reject(new Error('Could not find an implementation for MatMulNBits(1) node'))
            : create(m as Uint8Array, o)) as typeof ort.InferenceSession.create);
      try {
        const refused = await miniLm(true);
        const floats = await miniLm(false);
        expect(refused.int8MatMul).toBe(false);
        expect(floats.int8MatMul).toBe(false);
        const text = ['The lighthouse keeper slept in the harbour while the storm passed.'];
        const [a] = await refused.embed(text, 'document');
        const [b] = await floats.embed(text, 'document');
        expect(bytes(a!)).toEqual(bytes(b!));
        await refused.dispose();
        await floats.dispose();
      } finally {
        spy.mockRestore();
      }
      const accepted = await miniLm(true);
      expect(accepted.int8MatMul).toBe(true);
      await accepted.dispose();
    },
    60_000,
  );
});
