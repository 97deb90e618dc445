/**
 * Worker-thread entry for the local GGUF model (node-llama-cpp, CPU): loading a model and generating
 * block for seconds, so this never runs on the Electron main thread. One model, one sequence:
 * requests run one after another. The chat template comes from the GGUF itself.
 *
 * Protocol (parentPort): see services/assistant/providers/llmProtocol.ts.
 */
import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import type * as NodeLlamaCppModule from 'node-llama-cpp';
import type { LlmRequest, LlmResponse } from '../services/assistant/providers/llmProtocol';

type NodeLlamaCpp = typeof NodeLlamaCppModule;
type Llama = Awaited<ReturnType<NodeLlamaCpp['getLlama']>>;
type Model = Awaited<ReturnType<Llama['loadModel']>>;
type Context = Awaited<ReturnType<Model['createContext']>>;

const port = parentPort;
if (!port) throw new Error('llmWorker must run in a worker thread');

let lib: NodeLlamaCpp | undefined;
let llama: Llama | undefined;
let model: Model | undefined;
let context: Context | undefined;
let sequence: ReturnType<Context['getSequence']> | undefined;
const aborts = new Map<number, AbortController>();
let queue: Promise<unknown> = Promise.resolve();

function send(msg: LlmResponse): void {
  port!.postMessage(msg);
}

function serial(fn: () => Promise<void>): void {
  queue = queue.then(fn, fn).catch(() => undefined);
}

async function load(
  modelPath: string,
  contextSize: number,
): Promise<{ contextSize: number; name: string | null }> {
  lib ??= await import('node-llama-cpp');
  llama ??= await lib.getLlama({
    gpu: false,
    build: 'never',
    progressLogs: false,
    logLevel: 'error' as never,
  });
  model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  // Threads = the cores this process may use: llama.cpp's own default (every core the machine has)
  // aborted with a Napi::Error here on a 2-core container that reports more.
  context = await model.createContext({
    contextSize: Math.min(contextSize, model.trainContextSize),
    threads: Math.max(1, Math.min(8, os.availableParallelism())),
  });
  // One sequence for the life of the model, cleared before each request.
  sequence = context.getSequence();
  const general = model.fileInfo.metadata?.general as { name?: string } | undefined;
  return { contextSize: context.contextSize, name: general?.name ?? null };
}

function count(text: string): number {
  return model!.tokenize(text, false).length;
}

port.on('message', (msg: LlmRequest) => {
  if (msg.t === 'abort') {
    aborts.get(msg.id)?.abort();
    return;
  }
  if (msg.t === 'dispose') {
    for (const ac of aborts.values()) ac.abort();
    serial(async () => {
      await context?.dispose();
      await model?.dispose();
      await llama?.dispose();
      context = undefined;
      sequence = undefined;
      model = undefined;
      llama = undefined;
      send({ t: 'disposed', id: msg.id });
      port.close();
    });
    return;
  }
  if (msg.t === 'load') {
    serial(async () => {
      try {
        const info = await load(msg.modelPath, msg.contextSize);
        send({ t: 'loaded', id: msg.id, ...info });
      } catch (e) {
        send({ t: 'error', id: msg.id, message: `cannot load the local model: ${(e as Error).message}` });
      }
    });
    return;
  }
  if (msg.t === 'tokenize') {
    // Tokenizing is fast and needs no sequence: answer at once, even while a generation runs.
    if (!model) send({ t: 'error', id: msg.id, message: 'no model is loaded' });
    else send({ t: 'counts', id: msg.id, counts: msg.texts.map(count) });
    return;
  }
  const ac = new AbortController();
  aborts.set(msg.id, ac);
  serial(async () => {
    try {
      if (!model || !context || !sequence || !lib) throw new Error('no model is loaded');
      if (ac.signal.aborted) return send({ t: 'done', id: msg.id, promptTokens: 0, completionTokens: 0 });
      await sequence.clearHistory();
      const system = msg.messages.filter((m) => m.role === 'system').map((m) => m.content);
      const turns = msg.messages.filter((m) => m.role !== 'system');
      const last = turns[turns.length - 1];
      if (!last || last.role !== 'user') throw new Error('the last chat message must be the user turn');
      const session = new lib.LlamaChatSession({
        contextSequence: sequence,
        ...(system.length ? { systemPrompt: system.join('\n\n') } : {}),
        autoDisposeSequence: false,
      });
      try {
        const history = session.getChatHistory();
        for (const m of turns.slice(0, -1)) {
          if (m.role === 'user') history.push({ type: 'user', text: m.content });
          else history.push({ type: 'model', response: [m.content] });
        }
        session.setChatHistory(history);
        let completionTokens = 0;
        await session.prompt(last.content, {
          maxTokens: msg.maxTokens,
          temperature: msg.temperature,
          signal: ac.signal,
          stopOnAbortSignal: true,
          onResponseChunk: (chunk) => {
            completionTokens += chunk.tokens.length;
            if (chunk.type === undefined && chunk.text) send({ t: 'delta', id: msg.id, text: chunk.text });
          },
        });
        // Prompt tokens with the model's tokenizer (the template's few control tokens not included).
        const promptTokens = msg.messages.reduce((n, m) => n + count(m.content) + 4, 0);
        send({ t: 'done', id: msg.id, promptTokens, completionTokens });
      } finally {
        session.dispose({ disposeSequence: false });
      }
    } catch (e) {
      send({ t: 'error', id: msg.id, message: (e as Error).message });
    } finally {
      aborts.delete(msg.id);
    }
  });
});
