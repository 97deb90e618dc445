import type { Token } from 'node-llama-cpp';
import { AppError } from '../../../shared/ipc/result';

/**
 * A small local language model (GGUF) run by llama.cpp through node-llama-cpp, CPU only. Used where
 * Nook must work offline: short answers, titles, query rewriting. The chat template comes from the
 * GGUF itself (node-llama-cpp reads it), so any instruct GGUF works.
 *
 * node-llama-cpp is ESM-only and heavy to load; it is imported lazily on first use.
 */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface GenerateOptions {
  maxTokens?: number;
  /** 0 = greedy, the same output every run. Default 0. */
  temperature?: number;
  signal?: AbortSignal;
  onText?: (chunk: string) => void;
}

export interface Completion {
  text: string;
  /** Tokens the model generated. */
  tokens: number;
}

export interface LocalLlm {
  /** Metadata read from the GGUF header. */
  readonly info: { name: string | undefined; architecture: string | undefined; contextSize: number };
  /** Chat completion: the last message is the user's turn. */
  chat(messages: readonly ChatMessage[], options?: GenerateOptions): Promise<Completion>;
  /** Raw continuation of `prompt` (no chat template): the generated token ids and their text. */
  continueText(prompt: string, maxTokens: number): Promise<{ tokens: number[]; text: string }>;
  dispose(): Promise<void>;
}

export interface LocalLlmOptions {
  modelPath: string;
  /** Context window in tokens (default 2048, capped by the model's own). */
  contextSize?: number;
  threads?: number;
}

export async function createLocalLlm(options: LocalLlmOptions): Promise<LocalLlm> {
  const { getLlama, LlamaChatSession, LlamaLogLevel } = await import('node-llama-cpp');
  let llama: Awaited<ReturnType<typeof getLlama>>;
  try {
    // Prebuilt CPU binaries from npm only: never build from source or download anything.
    llama = await getLlama({
      gpu: false,
      build: 'never',
      progressLogs: false,
      logLevel: LlamaLogLevel.error,
    });
  } catch (e) {
    throw new AppError('UNAVAILABLE', `llama.cpp is not available on this machine: ${(e as Error).message}`);
  }
  let model: Awaited<ReturnType<typeof llama.loadModel>>;
  try {
    model = await llama.loadModel({ modelPath: options.modelPath, gpuLayers: 0 });
  } catch (e) {
    await llama.dispose();
    throw new AppError('UNAVAILABLE', `cannot load the language model: ${(e as Error).message}`);
  }
  const trainContext = model.trainContextSize;
  const context = await model.createContext({
    contextSize: Math.min(options.contextSize ?? 2048, trainContext),
    ...(options.threads ? { threads: options.threads } : {}),
  });
  const sequence = context.getSequence();
  const general = model.fileInfo.metadata?.general as { name?: string; architecture?: string } | undefined;

  // One sequence: generations run one after another.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    info: { name: general?.name, architecture: general?.architecture, contextSize: context.contextSize },

    chat(messages, opts = {}) {
      const last = messages[messages.length - 1];
      if (!last || last.role !== 'user')
        return Promise.reject(new AppError('INVALID_INPUT', 'the last chat message must be the user turn'));
      return serial(async () => {
        await sequence.clearHistory();
        const system = messages.filter((m) => m.role === 'system').map((m) => m.content);
        const session = new LlamaChatSession({
          contextSequence: sequence,
          ...(system.length ? { systemPrompt: system.join('\n\n') } : {}),
          autoDisposeSequence: false,
        });
        try {
          const history = session.getChatHistory();
          for (const m of messages.slice(0, -1)) {
            if (m.role === 'user') history.push({ type: 'user', text: m.content });
            if (m.role === 'assistant') history.push({ type: 'model', response: [m.content] });
          }
          session.setChatHistory(history);
          let tokens = 0;
          const text = await session.prompt(last.content, {
            maxTokens: opts.maxTokens ?? 256,
            temperature: opts.temperature ?? 0,
            ...(opts.signal ? { signal: opts.signal, stopOnAbortSignal: true } : {}),
            onResponseChunk: (chunk) => {
              tokens += chunk.tokens.length;
              if (chunk.type === undefined && chunk.text) opts.onText?.(chunk.text);
            },
          });
          return { text, tokens };
        } finally {
          session.dispose({ disposeSequence: false });
        }
      });
    },

    continueText(prompt, maxTokens) {
      return serial(async () => {
        await sequence.clearHistory();
        const input = model.tokenize(prompt, true);
        const generated: Token[] = [];
        for await (const token of sequence.evaluate(input, { temperature: 0 })) {
          if (model.isSpecialToken(token) && token === model.tokens.eos) break;
          generated.push(token);
          if (generated.length >= maxTokens) break;
        }
        return { tokens: [...generated], text: model.detokenize(generated) };
      });
    },

    async dispose() {
      await queue;
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}
