/**
 * The local GGUF model as a provider. The model runs in a worker thread (src/main/workers/llmWorker.ts),
 * started on first use and kept warm; token counts use the model's own tokenizer.
 */
import fs from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { createWorker } from '../../../workers/createWorker';
import type { LlmRequest, LlmResponse } from './llmProtocol';
import { ProviderError, type Provider, type ProviderRequest, type StreamPart } from './types';

export interface LocalProviderOptions {
  id?: string;
  name?: string;
  /** The .gguf file (throws an AppError when no local model is installed). */
  modelPath: () => Promise<string>;
  contextSize?: number;
  /** Time to first token and total (ms); CPU prompt evaluation is slow. Defaults 120 s and 600 s. */
  timeouts?: () => { firstTokenMs?: number; totalMs?: number };
  /** Tests and the bench pass a factory; the app uses createWorker('llmWorker'). */
  spawn?: () => Worker;
}

type Listener = (msg: LlmResponse) => void;

export class LocalProvider implements Provider {
  readonly kind = 'local-gguf' as const;
  readonly cloud = false;
  readonly id: string;
  readonly name: string;
  contextSize: number;
  private worker: Worker | undefined;
  private loading: Promise<void> | undefined;
  private loadedPath: string | undefined;
  private nextId = 1;
  private readonly listeners = new Map<number, Listener>();

  constructor(private readonly o: LocalProviderOptions) {
    this.id = o.id ?? 'local';
    this.name = o.name ?? 'Local model';
    this.contextSize = o.contextSize ?? 2048;
  }

  get timeouts(): { firstTokenMs: number; totalMs: number } {
    return { firstTokenMs: 120_000, totalMs: 600_000, ...this.o.timeouts?.() };
  }

  private spawn(): Worker {
    const w = this.o.spawn?.() ?? createWorker('llmWorker');
    w.on('message', (msg: LlmResponse) => this.listeners.get(msg.id)?.(msg));
    w.on('error', (e) => this.failAll(`the local model worker failed: ${e.message}`));
    w.on('exit', () => {
      if (this.worker === w) {
        this.worker = undefined;
        this.loading = undefined;
        this.failAll('the local model worker stopped');
      }
    });
    return w;
  }

  private failAll(message: string): void {
    for (const [id, l] of [...this.listeners]) l({ t: 'error', id, message });
  }

  private request(msg: LlmRequest, onMessage: Listener): void {
    this.listeners.set(msg.id, onMessage);
    this.worker!.postMessage(msg);
  }

  /** Starts the worker and loads the model (once; again after a crash or a model change). */
  async ready(): Promise<void> {
    const path = await this.o.modelPath().catch((e: Error) => {
      throw new ProviderError('unavailable', e.message);
    });
    if (this.worker && this.loadedPath === path && this.loading) return this.loading;
    if (this.worker && this.loadedPath !== path) await this.dispose();
    this.worker = this.spawn();
    this.loadedPath = path;
    const id = this.nextId++;
    this.loading = new Promise<void>((resolve, reject) => {
      this.request({ t: 'load', id, modelPath: path, contextSize: this.contextSize }, (msg) => {
        this.listeners.delete(id);
        if (msg.t === 'loaded') {
          this.contextSize = msg.contextSize;
          resolve();
        } else reject(new ProviderError('unavailable', msg.t === 'error' ? msg.message : 'unexpected reply'));
      });
    });
    this.loading.catch(() => {
      this.loading = undefined;
      void this.dispose();
    });
    return this.loading;
  }

  prepare(): Promise<void> {
    return this.ready();
  }

  async *stream(req: ProviderRequest): AsyncIterable<StreamPart> {
    await this.ready();
    const id = this.nextId++;
    const queue: Array<LlmResponse> = [];
    let wake: (() => void) | undefined;
    this.request(
      { t: 'chat', id, messages: req.messages, maxTokens: req.maxTokens, temperature: req.temperature ?? 0 },
      (msg) => {
        queue.push(msg);
        wake?.();
      },
    );
    const onAbort = (): void => this.worker?.postMessage({ t: 'abort', id } satisfies LlmRequest);
    req.signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const msg = queue.shift();
        if (!msg) {
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
          continue;
        }
        if (msg.t === 'delta') yield { type: 'delta', text: msg.text };
        else if (msg.t === 'done') {
          yield {
            type: 'usage',
            promptTokens: msg.promptTokens,
            completionTokens: msg.completionTokens,
            source: 'tokenizer',
          };
          return;
        } else if (msg.t === 'error') {
          if (req.signal.aborted) return;
          throw new ProviderError('unavailable', msg.message);
        }
      }
    } finally {
      req.signal.removeEventListener('abort', onAbort);
      this.listeners.delete(id);
    }
  }

  /** Cheap: the model file is installed (loading it waits for the first question). */
  async probe(): Promise<void> {
    if (this.loading) return this.loading;
    const path = await this.o.modelPath().catch((e: Error) => {
      throw new ProviderError('unavailable', e.message);
    });
    if (!fs.existsSync(path)) throw new ProviderError('unavailable', `${path} is missing`);
  }

  async countTokens(texts: readonly string[]): Promise<number[]> {
    await this.ready();
    const id = this.nextId++;
    return new Promise<number[]>((resolve, reject) => {
      this.request({ t: 'tokenize', id, texts: [...texts] }, (msg) => {
        this.listeners.delete(id);
        if (msg.t === 'counts') resolve(msg.counts);
        else reject(new ProviderError('unavailable', msg.t === 'error' ? msg.message : 'unexpected reply'));
      });
    });
  }

  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.loading = undefined;
    this.loadedPath = undefined;
    if (!w) return;
    // Ask the worker to free llama.cpp and exit on its own; terminate only if it does not.
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    w.postMessage({ t: 'dispose', id: this.nextId++ } satisfies LlmRequest);
    const timer = setTimeout(() => void w.terminate(), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
