/**
 * The knowledge base's embedding model, from the model manager: the active embedding model (files
 * verified by `resolve`), and any other installed one by id (the old model keeps answering searches
 * while a new one re-embeds the library).
 */
import { AppError } from '../../../shared/ipc/result';
import { EmbeddingParamsSchema } from '../../../shared/types/models';
import { modelFilePath } from '../models/fetcher';
import type { ModelManager } from '../models/modelManager';
import type { ModelSpec } from '../../workers/knowledgeProtocol';
import type { EmbeddingModelSource } from './knowledgeService';

function toSpec(
  id: string,
  params: Record<string, unknown>,
  file: (p: string) => string | undefined,
): ModelSpec {
  const parsed = EmbeddingParamsSchema.safeParse(params);
  if (!parsed.success)
    throw new AppError(
      'INVALID_INPUT',
      `The embedding model ${id} has invalid parameters: ${parsed.error.message}`,
    );
  const p = parsed.data;
  const onnxPath = file(p.onnx);
  const tokenizerPath = file(p.tokenizer);
  if (!onnxPath || !tokenizerPath)
    throw new AppError(
      'INVALID_INPUT',
      `The embedding model ${id} does not list its ONNX or tokenizer file.`,
    );
  return { id, onnxPath, tokenizerPath, params: p };
}

export function modelManagerSource(models: ModelManager, modelsDir: string): EmbeddingModelSource {
  return {
    async current() {
      const r = await models.resolve('embedding');
      return toSpec(r.id, r.params, (p) => r.files[p]);
    },
    async byId(id) {
      const e = models.entry(id);
      if (!e || e.task !== 'embedding') return undefined;
      return toSpec(id, e.params, (p) =>
        e.files.some((f) => f.path === p) ? modelFilePath(modelsDir, id, p) : undefined,
      );
    },
  };
}
