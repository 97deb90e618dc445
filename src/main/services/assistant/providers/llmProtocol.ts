/** Messages between the local-model provider and src/main/workers/llmWorker.ts. */
import type { ChatMessage } from './types';

export type LlmRequest =
  | { t: 'load'; id: number; modelPath: string; contextSize: number }
  | { t: 'chat'; id: number; messages: ChatMessage[]; maxTokens: number; temperature: number }
  | { t: 'tokenize'; id: number; texts: string[] }
  | { t: 'abort'; id: number }
  /** Frees the model and lets the worker exit (terminating it with llama.cpp loaded can abort the process). */
  | { t: 'dispose'; id: number };

export type LlmResponse =
  | { t: 'loaded'; id: number; contextSize: number; name: string | null }
  | { t: 'delta'; id: number; text: string }
  | { t: 'done'; id: number; promptTokens: number; completionTokens: number }
  | { t: 'counts'; id: number; counts: number[] }
  | { t: 'error'; id: number; message: string }
  | { t: 'disposed'; id: number };
