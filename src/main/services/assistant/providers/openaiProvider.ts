/**
 * Any OpenAI-compatible chat endpoint through the official `openai` client: OpenAI, Gemini's
 * OpenAI-compatible endpoint, Ollama, LM Studio, a llama.cpp server, or any base URL.
 *
 * The API key comes from the keychain through `getKey` at request time; it is handed to the client
 * and nowhere else (never logged, never in an error message: the client's errors carry no headers
 * of the request). The router owns retries and timeouts, so the client's own are off.
 */
import OpenAI from 'openai';
import {
  ProviderError,
  estimateTokens,
  parseRetryAfter,
  type Provider,
  type ProviderRequest,
  type StreamPart,
} from './types';

export interface OpenAiProviderOptions {
  id: string;
  name: string;
  baseUrl: string;
  model: string;
  contextSize?: number;
  /** The key from the keychain (null: the endpoint needs none, as Ollama). */
  getKey: () => Promise<string | null>;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)$/i;

/** Whether requests to this base URL leave the machine. */
export function isCloudUrl(baseUrl: string): boolean {
  try {
    return !LOOPBACK.test(new URL(baseUrl).hostname);
  } catch {
    return true;
  }
}

export class OpenAiProvider implements Provider {
  readonly kind = 'openai-compatible' as const;
  readonly cloud: boolean;
  readonly contextSize: number;
  private client: OpenAI | undefined;
  private clientKey: string | null | undefined;

  constructor(private readonly o: OpenAiProviderOptions) {
    this.cloud = isCloudUrl(o.baseUrl);
    this.contextSize = o.contextSize ?? 8192;
  }

  get id(): string {
    return this.o.id;
  }
  get name(): string {
    return this.o.name;
  }

  private async getClient(): Promise<OpenAI> {
    const key = await this.o.getKey();
    if (!this.client || key !== this.clientKey) {
      this.clientKey = key;
      this.client = new OpenAI({
        apiKey: key ?? 'no-key',
        baseURL: this.o.baseUrl,
        maxRetries: 0,
        timeout: 3_600_000,
        logLevel: 'off',
      });
    }
    return this.client;
  }

  async *stream(req: ProviderRequest): AsyncIterable<StreamPart> {
    const client = await this.getClient();
    let stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
    try {
      stream = await client.chat.completions.create(
        {
          model: this.o.model,
          messages: req.messages,
          stream: true,
          stream_options: { include_usage: true },
          max_tokens: req.maxTokens,
          temperature: req.temperature ?? 0.2,
        },
        { signal: req.signal },
      );
    } catch (e) {
      throw toProviderError(e, req.signal);
    }
    let finished = false;
    let usage: StreamPart | undefined;
    let text = '';
    try {
      for await (const chunk of stream) {
        if (!chunk || typeof chunk !== 'object' || !Array.isArray(chunk.choices))
          throw new ProviderError('bad_response', 'the endpoint sent a chunk that is not a chat completion');
        for (const choice of chunk.choices) {
          const delta = choice.delta?.content;
          if (delta) {
            text += delta;
            yield { type: 'delta', text: delta };
          }
          if (choice.finish_reason) finished = true;
        }
        if (chunk.usage)
          usage = {
            type: 'usage',
            promptTokens: chunk.usage.prompt_tokens,
            completionTokens: chunk.usage.completion_tokens,
            source: 'reported',
          };
      }
    } catch (e) {
      // The connection dropping mid-stream surfaces as a fetch error ("terminated"), not an APIError.
      if (
        !req.signal.aborted &&
        !(e instanceof OpenAI.APIError) &&
        !(e instanceof SyntaxError) &&
        !(e instanceof ProviderError)
      )
        throw new ProviderError('cut', 'the connection dropped mid-stream');
      throw toProviderError(e, req.signal);
    }
    // A stream that ends without a finish reason was cut (connection dropped, proxy timeout).
    if (!finished) throw new ProviderError('cut', 'the stream ended before the answer was finished');
    yield (
      usage ?? {
        type: 'usage',
        promptTokens: estimateTokens(req.messages.map((m) => m.content).join('\n')),
        completionTokens: estimateTokens(text),
        source: 'estimate',
      }
    );
  }

  async probe(signal: AbortSignal): Promise<void> {
    const client = await this.getClient();
    try {
      await client.models.list({ signal });
    } catch (e) {
      throw toProviderError(e, signal);
    }
  }

  countTokens(texts: readonly string[]): Promise<number[]> {
    return Promise.resolve(texts.map(estimateTokens));
  }
}

function toProviderError(e: unknown, signal: AbortSignal): ProviderError {
  if (e instanceof ProviderError) return e;
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof ProviderError) return reason;
    return new ProviderError('aborted', 'stopped');
  }
  if (e instanceof OpenAI.APIConnectionTimeoutError)
    return new ProviderError('timeout', 'the request timed out');
  if (e instanceof OpenAI.APIUserAbortError) return new ProviderError('aborted', 'stopped');
  if (e instanceof OpenAI.APIConnectionError)
    return new ProviderError('unavailable', 'the endpoint cannot be reached');
  if (e instanceof OpenAI.APIError) {
    const status = e.status;
    const retryAfter = parseRetryAfter(e.headers?.get('retry-after'));
    if (status === 429) return new ProviderError('rate_limit', 'rate limited (HTTP 429)', status, retryAfter);
    if (status === 401 || status === 403)
      return new ProviderError('auth', `the API key was refused (HTTP ${status})`, status);
    if (status !== undefined && status >= 500)
      return new ProviderError('server', `server error (HTTP ${status})`, status, retryAfter);
    if (status !== undefined && status >= 400)
      return new ProviderError('bad_request', `the request was refused (HTTP ${status})`, status);
    // The SSE stream carried an error event, or the body was not JSON.
    return new ProviderError('bad_response', 'the endpoint sent a malformed response');
  }
  if (e instanceof SyntaxError) return new ProviderError('bad_response', 'the endpoint sent malformed JSON');
  return new ProviderError('bad_response', `unexpected response: ${(e as Error)?.message ?? String(e)}`);
}
