/** The models the voice tests run with (skipped with the reason when one is missing). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir, modelsDir } from '../../models/modelFiles';
import type { EngineModels } from '../../../src/main/services/voice/engine';

export { fixturesDir };

/** whisper: $NOOK_VOICE_STT, else the fastest converted model fetched here (tiny.en, then base). */
const sttCandidates = [
  process.env.NOOK_VOICE_STT,
  path.join(modelsDir, 'whisper-tiny-en-converted/ggml-tiny.en.bin'),
  path.join(modelsDir, 'whisper-tiny-en/ggml-tiny.en.bin'),
  path.join(modelsDir, 'whisper-base-converted/ggml-base.bin'),
  path.join(modelsDir, 'whisper-base/ggml-base.bin'),
].filter((p): p is string => !!p);

export const sttPath = sttCandidates.find((p) => existsSync(p));
export const vadPath = [
  path.join(modelsDir, 'silero-vad/silero_vad.onnx'),
  path.join(fixturesDir, 'models/silero-vad/silero_vad.onnx'),
].find((p) => existsSync(p));
const embDir = ['all-minilm-l6-v2-int8', 'all-minilm-l6-v2-converted', 'all-minilm-l6-v2']
  .map((id) => path.join(modelsDir, id))
  .find((d) => existsSync(path.join(d, 'model.onnx')) && existsSync(path.join(d, 'tokenizer.json')));

export const embedding = embDir
  ? {
      onnxPath: path.join(embDir, 'model.onnx'),
      tokenizerPath: path.join(embDir, 'tokenizer.json'),
      params: { dimension: 384, pooling: 'mean' as const, normalize: true, maxTokens: 256 },
    }
  : undefined;

export const missing = [
  !sttPath && 'no whisper model (npm run models:fetch -- --set test)',
  !vadPath && 'no Silero VAD model',
  !embedding && 'no all-MiniLM-L6-v2 embedding model',
]
  .filter(Boolean)
  .join('; ');

export function engineModels(): EngineModels {
  return { vadPath: vadPath!, sttPath: sttPath!, ...(embedding ? { embedding } : {}), language: 'en' };
}
