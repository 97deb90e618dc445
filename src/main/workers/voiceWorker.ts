/**
 * The voice worker: Silero VAD, whisper and the intent embedder run here (services/voice/engine.ts),
 * off the Electron main thread. Requests are `{ id, method, args }`; replies `{ id, ok, value }` or
 * `{ id, ok: false, error: { code, message } }`. Float32Arrays travel by transfer.
 */
import { parentPort } from 'node:worker_threads';
import { isAppError } from '../../shared/ipc/result';
import { createLocalEngine, type EngineModels, type VoiceEngine } from '../services/voice/engine';

const port = parentPort;
if (!port) throw new Error('voiceWorker must run in a worker thread');

export type VoiceWorkerRequest = { id: number; method: string; args: unknown[] };
export type VoiceWorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { code: string; message: string } };

let engine: Promise<VoiceEngine> | null = null;

async function handle(method: string, args: unknown[]): Promise<[unknown, ArrayBuffer[]]> {
  if (method === 'init') {
    if (engine) await (await engine.catch(() => null))?.dispose();
    engine = createLocalEngine(args[0] as EngineModels);
    await engine;
    return [true, []];
  }
  if (!engine) throw new Error('the voice worker has no models loaded');
  const e = await engine;
  switch (method) {
    case 'vadOpen':
      return [await e.vadOpen(), []];
    case 'vadPush': {
      const probs = await e.vadPush(args[0] as number, args[1] as Float32Array);
      return [probs, [probs.buffer as ArrayBuffer]];
    }
    case 'vadClose':
      return [await e.vadClose(args[0] as number), []];
    case 'transcribe':
      return [await e.transcribe(args[0] as Float32Array, args[1] as object), []];
    case 'embed': {
      const vecs = await e.embed(args[0] as string[]);
      return [vecs, vecs.map((v) => v.buffer as ArrayBuffer)];
    }
    case 'synthesize': {
      const audio = await e.synthesize(args[0] as string, args[1] as number | undefined);
      return [audio, [audio.samples.buffer as ArrayBuffer]];
    }
    case 'dispose':
      await e.dispose();
      engine = null;
      return [true, []];
    default:
      throw new Error(`unknown voice worker method ${method}`);
  }
}

port.on('message', (m: VoiceWorkerRequest) => {
  handle(m.method, m.args).then(
    ([value, transfer]) =>
      port.postMessage({ id: m.id, ok: true, value } satisfies VoiceWorkerReply, transfer),
    (err: unknown) =>
      port.postMessage({
        id: m.id,
        ok: false,
        error: {
          code: isAppError(err) ? err.code : 'INTERNAL',
          message: err instanceof Error ? err.message : String(err),
        },
      } satisfies VoiceWorkerReply),
  );
});
