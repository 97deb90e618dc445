/**
 * One streaming interface for every answer source: an OpenAI-compatible endpoint, the local GGUF
 * model (in a worker thread), and the extractive fallback that needs no model.
 */
import type { ProviderKind } from '../../../../shared/types/assistant';
import type { SentenceVectors } from '../../knowledge/sentenceVectors';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A passage the answer may use: a retrieved document chunk (numbered [n]) or a remembered fact. */
export interface ContextPassage {
  /** The [n] of a document passage; undefined for a memory. */
  n?: number;
  kind: 'document' | 'memory';
  text: string;
  /** Retrieval rank order (0 = best) for tie-breaks. */
  rank: number;
  /** The passage's stored sentence vectors, of the model of the request's `queryVector`. */
  sentences?: SentenceVectors;
}

/** The question's vector as the search computed it, and the model that made it. */
export interface QueryVector {
  modelId: string;
  vector: Float32Array;
}

export interface ProviderRequest {
  messages: ChatMessage[];
  /** The question in plain text (the extractive provider scores sentences against it). */
  question: string;
  passages: ContextPassage[];
  /** The search's query vector (the extractive provider pairs it with passages' sentence vectors). */
  queryVector?: QueryVector;
  maxTokens: number;
  temperature?: number;
  signal: AbortSignal;
}

export type StreamPart =
  | { type: 'delta'; text: string }
  | {
      type: 'usage';
      promptTokens: number;
      completionTokens: number;
      source: 'reported' | 'tokenizer' | 'estimate';
    };

export interface Provider {
  readonly id: string;
  readonly kind: ProviderKind;
  readonly name: string;
  /** Context window in tokens (prompt + answer). */
  readonly contextSize: number;
  /** True when requests leave the machine. */
  readonly cloud: boolean;
  /**
   * Overrides of the router's per-request timeouts: a local model on a CPU evaluates the prompt for
   * seconds before its first token, which must not read as a dead endpoint.
   */
  readonly timeouts?: { firstTokenMs?: number; totalMs?: number };
  stream(req: ProviderRequest): AsyncIterable<StreamPart>;
  /**
   * One-time warm-up before the first request (loading a local model); the router awaits it before
   * the per-request timers start, so a model load is not mistaken for a slow first token.
   */
  prepare?(): Promise<void>;
  /** A cheap check that the provider answers at all (throws a ProviderError when not). */
  probe(signal: AbortSignal): Promise<void>;
  /** Token counts of texts, with the model's tokenizer when it has one. */
  countTokens(texts: readonly string[]): Promise<number[]>;
  dispose?(): Promise<void>;
}

export type ProviderErrorKind =
  | 'timeout'
  | 'rate_limit'
  | 'server'
  | 'auth'
  | 'bad_request'
  | 'bad_response'
  | 'cut'
  | 'unavailable'
  | 'aborted';

/** A provider failure the router understands: retried, failed over or reported. */
export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly status?: number,
    /** From a Retry-After header (ms). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }

  get retryable(): boolean {
    return this.kind === 'rate_limit' || this.kind === 'server';
  }
}

/**
 * Characters per token for endpoints whose tokenizer Nook does not have: English BPE tokenizers
 * (cl100k, o200k, Gemini's) average 3.5-4.5 characters per token; 3.5 over-counts a little, so a
 * prompt built with it stays inside the real budget.
 */
export const CHARS_PER_TOKEN_ESTIMATE = 3.5;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN_ESTIMATE);
}

/** Parses Retry-After: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
