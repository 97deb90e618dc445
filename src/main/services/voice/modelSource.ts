/**
 * The voice engine's models from the model manager: the active VAD (Silero ONNX), speech-to-text
 * (whisper.cpp ggml) and embedding (intents) models, with their files verified by `resolve`.
 */
import { AppError } from '../../../shared/ipc/result';
import { EmbeddingParamsSchema } from '../../../shared/types/models';
import type { ModelManager } from '../models/modelManager';
import type { EngineModels } from './engine';

function fileEnding(files: Record<string, string>, ends: string[], what: string, id: string): string {
  const f = Object.entries(files).find(([p]) => ends.some((e) => p.endsWith(e)));
  if (!f) throw new AppError('UNAVAILABLE', `The ${what} model ${id} has no ${ends.join(' or ')} file.`);
  return f[1];
}

export async function voiceModels(models: ModelManager, language: string): Promise<EngineModels> {
  const [vad, stt] = await Promise.all([models.resolve('vad'), models.resolve('stt')]);
  const out: EngineModels = {
    vadPath: fileEnding(vad.files, ['.onnx'], 'voice activity', vad.id),
    sttPath: fileEnding(stt.files, ['.bin', '.ggml'], 'speech recognition', stt.id),
    language,
  };
  // Local speech: the Piper voice when one is installed, else espeak-ng alone.
  const tts = await models.resolve('tts').catch(() => null);
  if (tts) {
    const onnx = Object.entries(tts.files).find(([p]) => p.endsWith('.onnx'));
    const config = Object.entries(tts.files).find(([p]) => p.endsWith('.onnx.json'));
    if (onnx && config) out.piper = { onnxPath: onnx[1], configPath: config[1] };
  }
  // Intents work without an embedding model (patterns only), so a missing one is not fatal.
  const emb = await models.resolve('embedding').catch(() => null);
  if (emb) {
    const p = EmbeddingParamsSchema.safeParse(emb.params);
    if (p.success && emb.files[p.data.onnx] && emb.files[p.data.tokenizer])
      out.embedding = {
        onnxPath: emb.files[p.data.onnx]!,
        tokenizerPath: emb.files[p.data.tokenizer]!,
        params: p.data,
      };
  }
  return out;
}
