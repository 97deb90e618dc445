import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalLlm, createLocalLlm } from '../../src/main/services/inference/llm';
import { modelFiles } from './modelFiles';

const files = modelFiles('smollm2-135m-instruct');

describe.skipIf(!files.present)(
  `local language model smollm2-135m-instruct${files.present ? '' : ` (skipped: ${files.missing})`}`,
  () => {
    let llm: LocalLlm;
    beforeAll(async () => {
      llm = await createLocalLlm({
        modelPath: files.file(files.entry.files[0]!.path),
        contextSize: 512,
        threads: 2,
      });
    }, 120_000);
    afterAll(() => llm?.dispose());

    it('reads the GGUF header', () => {
      expect(llm.info.architecture).toBe('llama');
      expect(llm.info.contextSize).toBe(512);
    });

    it('generates three tokens that continue the prompt', { timeout: 120_000 }, async () => {
      const out = await llm.continueText('The capital of France is', 3);
      console.log(`smollm2 continuation: ${JSON.stringify(out.text)} (token ids ${out.tokens.join(', ')})`);
      expect(out.tokens).toHaveLength(3);
      expect(out.text.trim().length).toBeGreaterThan(0);
      // Greedy decoding is deterministic: the same prompt gives the same tokens.
      const again = await llm.continueText('The capital of France is', 3);
      expect(again.tokens).toEqual(out.tokens);
    });

    it('answers a chat turn through the GGUF chat template', { timeout: 120_000 }, async () => {
      const answer = await llm.chat(
        [{ role: 'user', content: 'What is the capital of France? Answer in one word.' }],
        {
          maxTokens: 8,
        },
      );
      console.log(`smollm2 chat: ${JSON.stringify(answer.text)}`);
      expect(answer.tokens).toBeGreaterThan(0);
      expect(answer.tokens).toBeLessThanOrEqual(8);
      expect(answer.text).toMatch(/paris/i);
    });
  },
);
