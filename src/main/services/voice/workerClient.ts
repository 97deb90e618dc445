/**
 * A VoiceEngine in a worker thread (src/main/workers/voiceWorker.ts). If the worker dies, pending
 * calls fail with UNAVAILABLE and the next call starts a fresh worker with the same models.
 */
import type { Worker } from 'node:worker_threads';
import { AppError, ERROR_CODES, type ErrorCode } from '../../../shared/ipc/result';
import type { Transcription } from '../inference/stt';
import type { SpeechAudio } from '../inference/tts';
import { createWorker } from '../../workers/createWorker';
import type { VoiceWorkerReply } from '../../workers/voiceWorker';
import type { EngineModels, SttRequest, VoiceEngine } from './engine';

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export class VoiceWorkerClient implements VoiceEngine {
  private worker: Worker | undefined;
  private ready: Promise<Worker> | undefined;
  private readonly pending = new Map<number, Pending>();
  private next = 1;
  private disposed = false;

  constructor(private readonly models: EngineModels) {}

  vadOpen(): Promise<number> {
    return this.call('vadOpen', []) as Promise<number>;
  }
  vadPush(stream: number, samples: Float32Array): Promise<Float32Array> {
    const copy = samples.slice();
    return this.call('vadPush', [stream, copy], [copy.buffer]) as Promise<Float32Array>;
  }
  async vadClose(stream: number): Promise<void> {
    await this.call('vadClose', [stream]);
  }
  transcribe(samples: Float32Array, request: SttRequest = {}): Promise<Transcription> {
    const copy = samples.slice();
    return this.call('transcribe', [copy, request], [copy.buffer]) as Promise<Transcription>;
  }
  embed(texts: string[]): Promise<Float32Array[]> {
    return this.call('embed', [texts]) as Promise<Float32Array[]>;
  }

  synthesize(text: string, lengthScale?: number): Promise<SpeechAudio> {
    return this.call('synthesize', [text, lengthScale]) as Promise<SpeechAudio>;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const w = this.worker;
    if (w) {
      await Promise.race([
        this.send(w, 'dispose', []).catch(() => undefined),
        new Promise((r) => setTimeout(r, 3000)),
      ]);
      await w.terminate();
    }
    this.fail(new AppError('CANCELLED', 'The voice engine was stopped.'));
  }

  private fail(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private start(): Promise<Worker> {
    if (this.disposed) return Promise.reject(new AppError('UNAVAILABLE', 'The voice engine was stopped.'));
    if (this.ready) return this.ready;
    const worker = createWorker('voiceWorker');
    worker.unref();
    this.worker = worker;
    worker.on('message', (m: VoiceWorkerReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else {
        const code = (ERROR_CODES as readonly string[]).includes(m.error.code)
          ? (m.error.code as ErrorCode)
          : 'INTERNAL';
        p.reject(new AppError(code, m.error.message));
      }
    });
    const onDead = (why: string): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.ready = undefined;
      this.fail(new AppError('UNAVAILABLE', `The voice worker stopped (${why}).`));
    };
    worker.on('error', (e) => onDead(e.message));
    worker.on('exit', (code) => onDead(`exit code ${code}`));
    this.ready = this.send(worker, 'init', [this.models]).then(
      () => worker,
      (e: unknown) => {
        this.ready = undefined;
        void worker.terminate();
        throw e;
      },
    );
    return this.ready;
  }

  private send(
    worker: Worker,
    method: string,
    args: unknown[],
    transfer: ArrayBuffer[] = [],
  ): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, method, args }, transfer);
    });
  }

  private async call(method: string, args: unknown[], transfer: ArrayBuffer[] = []): Promise<unknown> {
    const w = await this.start();
    return this.send(w, method, args, transfer);
  }
}
