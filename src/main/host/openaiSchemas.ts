/**
 * Request schemas of the OpenAI-compatible surface (`/v1/*`), in zod so the OpenAPI document can be
 * generated from them (`z.toJSONSchema`). Unknown fields are allowed (`z.looseObject`): clients send
 * fields this server does not use (`user`, `logprobs: false`, ...). Fields that change the answer and
 * that Nook cannot honour are refused with a clear 400 instead (see `openaiChat.ts`).
 *
 * Loaded on first use (a dynamic import in openai.ts): the host listens before zod is loaded.
 */
import { z } from 'zod';

/** Most inputs in one embeddings request (OpenAI allows 2048; the local model runs them in batches). */
export const MAX_EMBEDDING_INPUTS = 512;
/** Characters of one embedding input before tokenising (a cheap guard; the token limit is the real one). */
export const MAX_EMBEDDING_INPUT_CHARS = 32_000;
/** Characters of one speech request (OpenAI's limit is 4096 too). */
export const MAX_SPEECH_CHARS = 4096;
/** Most messages in one chat request. */
export const MAX_CHAT_MESSAGES = 256;
/** Passages a grounded answer may retrieve. */
export const MAX_GROUNDED_K = 20;

/** Text with something in it (an all-blank input has no meaning to embed). */
const embeddingText = z
  .string()
  .max(MAX_EMBEDDING_INPUT_CHARS)
  .regex(/\S/, 'must contain text, not only white space');

export const EmbeddingsRequestSchema = z.looseObject({
  model: z
    .string()
    .min(1)
    .meta({ examples: ['nook'] }),
  // OpenAI also takes token ids, but of OpenAI's tokenizers: refused before parsing, with that reason.
  input: z.union([embeddingText, z.array(embeddingText).min(1).max(MAX_EMBEDDING_INPUTS)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
  /**
   * Nook's extension: which side of the knowledge base the text is (models with query/document
   * prefixes, e5 or bge, embed the two differently). Default `document`: the vectors stored for chunks.
   */
  nook: z.object({ kind: z.enum(['query', 'document']).optional() }).optional(),
});
export type EmbeddingsRequest = z.infer<typeof EmbeddingsRequestSchema>;

const TextPartSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
const OtherPartSchema = z.looseObject({ type: z.string() });

export const ChatMessageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(z.union([TextPartSchema, OtherPartSchema])), z.null()]).optional(),
  name: z.string().optional(),
});
export type ChatMessageIn = z.infer<typeof ChatMessageSchema>;

export const ChatRequestSchema = z.looseObject({
  model: z
    .string()
    .min(1)
    .meta({ examples: ['nook'] }),
  messages: z.array(ChatMessageSchema).min(1).max(MAX_CHAT_MESSAGES),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  n: z.number().int().positive().nullable().optional(),
  stop: z
    .union([z.string(), z.array(z.string())])
    .nullable()
    .optional(),
  tools: z.array(z.unknown()).nullable().optional(),
  functions: z.array(z.unknown()).nullable().optional(),
  response_format: z.looseObject({ type: z.string() }).nullable().optional(),
  /**
   * Nook's extension: answer from the knowledge base (hybrid search, the app's relevance gate and
   * prompt) and return the sources as `nook.citations` in the response or the final chunk.
   */
  nook: z
    .object({
      grounded: z.boolean().optional(),
      k: z.number().int().min(1).max(MAX_GROUNDED_K).optional(),
    })
    .optional(),
});
export type ChatRequest = z.infer<typeof ChatRequestSchema>;

export const SpeechRequestSchema = z.looseObject({
  model: z
    .string()
    .min(1)
    .meta({ examples: ['nook'] }),
  input: z.string().min(1).max(MAX_SPEECH_CHARS).regex(/\S/, 'must contain text, not only white space'),
  /** Accepted and ignored: the voice is the one chosen in Settings → Voice. */
  voice: z.union([z.string(), z.looseObject({ id: z.string() })]).optional(),
  response_format: z
    .enum(['wav'], {
      error:
        "Nook's local speech is 16-bit PCM WAV: ask for response_format 'wav' (mp3, opus, aac, flac and pcm are not made)",
    })
    .optional(),
  speed: z
    .literal(1, {
      error: "speed is not adjustable per request; set the speaking rate in Nook's Settings → Voice",
    })
    .optional(),
  instructions: z.string().optional(),
});
export type SpeechRequest = z.infer<typeof SpeechRequestSchema>;

/** The text fields of a multipart transcription request (the file is streamed separately). */
export const TranscriptionFieldsSchema = z.looseObject({
  model: z
    .string()
    .min(1)
    .meta({ examples: ['nook'] }),
  language: z
    .string()
    .regex(/^[a-z]{2,3}$/, 'an ISO-639-1 code such as "en"')
    .optional(),
  prompt: z.string().max(2000).optional(),
  response_format: z.enum(['json', 'text', 'verbose_json', 'srt', 'vtt']).optional(),
  temperature: z.coerce.number().min(0).max(1).optional(),
});
export type TranscriptionFields = z.infer<typeof TranscriptionFieldsSchema>;

type Issue = z.core.$ZodIssue;

/**
 * A union that matched no branch: the branch whose type matched (its deeper issue says what is
 * wrong), else one message listing the types expected.
 */
function explain(issue: Issue): { path: PropertyKey[]; message: string } {
  if (issue.code === 'invalid_union' && issue.errors.length) {
    const typed = issue.errors.find(
      (b) => b.length > 0 && !(b[0]!.code === 'invalid_type' && b[0]!.path.length === 0),
    );
    if (typed) {
      const inner = explain(typed[0]!);
      return { path: [...issue.path, ...inner.path], message: inner.message };
    }
    const expected = issue.errors
      .map((b) => (b[0]?.code === 'invalid_type' ? b[0].expected : null))
      .filter((e): e is string => !!e);
    if (expected.length)
      return { path: issue.path, message: `expected ${[...new Set(expected)].join(' or ')}` };
  }
  return { path: issue.path, message: issue.message };
}

/** The first issue of a failed parse as an OpenAI `param` path and a message. */
export function firstIssue(error: z.ZodError): { param: string | null; message: string } {
  const issue = error.issues[0];
  if (!issue) return { param: null, message: 'Invalid request body' };
  const { path, message } = explain(issue);
  const param = path.length
    ? path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('')
    : null;
  return { param, message: param ? `Invalid '${param}': ${message}` : message };
}
