import { z } from 'zod';

/**
 * The assistant as routes, events and settings see it: providers (OpenAI-compatible endpoints, a
 * local GGUF model, the extractive fallback), conversations with cited answers, and long-term memory.
 */
export const PROVIDER_KINDS = ['openai-compatible', 'local-gguf', 'extractive'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export const ASSISTANT_TASKS = ['chat', 'summarise', 'extractFacts'] as const;
export type AssistantTask = (typeof ASSISTANT_TASKS)[number];

export const ProviderIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,47}$/, 'A provider id is lowercase letters, digits, "-" or "_"');

export const ProviderConfigSchema = z.object({
  id: ProviderIdSchema,
  kind: z.enum(PROVIDER_KINDS),
  name: z.string().trim().min(1).max(80),
  /** OpenAI-compatible only: https://api.openai.com/v1, http://127.0.0.1:11434/v1 (Ollama), ... */
  baseUrl: z.url().max(2048).optional(),
  /** The model name the endpoint expects (OpenAI-compatible), or a model id of the model manager (GGUF). */
  model: z.string().trim().min(1).max(200).optional(),
  /** Context window in tokens (prompt + answer); a default per kind when absent. */
  contextSize: z.number().int().min(256).max(2_000_000).optional(),
  enabled: z.boolean().default(true),
  order: z.number().int().min(0).max(1000).default(0),
});
export type ProviderConfig = z.infer<typeof ProviderConfigSchema>;

const chain = z.array(ProviderIdSchema).max(20);

export const AssistantSettingsSchema = z.object({
  providers: z
    .array(ProviderConfigSchema)
    .max(20)
    .default([
      { id: 'local', kind: 'local-gguf', name: 'Local model', enabled: true, order: 0 },
      { id: 'extractive', kind: 'extractive', name: 'Extractive (no model)', enabled: true, order: 1 },
    ]),
  /**
   * Provider ids per task, in order; an empty chain means every enabled provider by `order`. The
   * extractive provider is always appended as the last resort of `chat` and `summarise`.
   */
  chains: z
    .object({ chat: chain.default([]), summarise: chain.default([]), extractFacts: chain.default([]) })
    .prefault({}),
  /** Per attempt: time to the first token, and the whole answer. */
  firstTokenTimeoutMs: z.number().int().min(100).max(600_000).default(20_000),
  totalTimeoutMs: z.number().int().min(500).max(3_600_000).default(120_000),
  /** The local model's own limits: on a CPU the prompt alone takes seconds before the first token. */
  localFirstTokenTimeoutMs: z.number().int().min(100).max(600_000).default(120_000),
  localTotalTimeoutMs: z.number().int().min(500).max(3_600_000).default(600_000),
  /** Retries of one provider on 429 / 5xx before failing over. */
  maxRetries: z.number().int().min(0).max(5).default(1),
  /** Longest Retry-After honoured before failing over instead (ms). */
  maxRetryWaitMs: z.number().int().min(0).max(120_000).default(5_000),
  /** Extract facts about the user with the language model (patterns such as "remember that" always run). */
  llmMemoryExtraction: z.boolean().default(true),
});
export type AssistantSettings = z.infer<typeof AssistantSettingsSchema>;

// ---- answers ----------------------------------------------------------------------------------------

export const AnswerCitationSchema = z.object({
  /** The [n] the answer uses. */
  n: z.number().int().min(1),
  documentId: z.number().int(),
  chunkId: z.number().int(),
  name: z.string(),
  path: z.string(),
  page: z.number().int().nullable(),
  headingPath: z.array(z.string()),
  /** The passage the model saw (shortened). */
  excerpt: z.string(),
  /** Whether the answer text refers to it. */
  cited: z.boolean(),
});
export type AnswerCitation = z.infer<typeof AnswerCitationSchema>;

export const UsageSchema = z.object({
  promptTokens: z.number().int().min(0),
  completionTokens: z.number().int().min(0),
  /** How the counts were obtained: reported by the endpoint, counted with the model's tokenizer, or estimated. */
  source: z.enum(['reported', 'tokenizer', 'estimate']),
});
export type Usage = z.infer<typeof UsageSchema>;

export const MESSAGE_STATUSES = ['streaming', 'done', 'stopped', 'cut', 'error'] as const;

export const MessageSchema = z.object({
  id: z.number().int(),
  conversationId: z.number().int(),
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  status: z.enum(MESSAGE_STATUSES),
  provider: z.string().nullable(),
  notice: z.string().nullable(),
  citations: z.array(AnswerCitationSchema),
  usage: UsageSchema.nullable(),
  createdAt: z.number(),
});
export type Message = z.infer<typeof MessageSchema>;

export const ConversationSchema = z.object({
  id: z.number().int(),
  title: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  messageCount: z.number().int(),
});
export type Conversation = z.infer<typeof ConversationSchema>;

export const ConversationDetailSchema = ConversationSchema.extend({ messages: z.array(MessageSchema) });
export type ConversationDetail = z.infer<typeof ConversationDetailSchema>;

export const ConversationSearchHitSchema = z.object({
  conversationId: z.number().int(),
  title: z.string(),
  messageId: z.number().int().nullable(),
  snippet: z.string(),
});

export const MemorySchema = z.object({
  id: z.number().int(),
  text: z.string(),
  sourceConversationId: z.number().int().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Memory = z.infer<typeof MemorySchema>;

export const ProviderStatusSchema = ProviderConfigSchema.extend({
  /** Whether an API key is stored in the keychain (never the key). */
  hasKey: z.boolean(),
  /** Cloud providers are used only when privacy.allowCloudProviders is on. */
  cloud: z.boolean(),
  breaker: z.enum(['closed', 'open', 'half-open']),
  state: z.enum(['ok', 'unknown', 'failing', 'blocked', 'disabled']),
  detail: z.string(),
});
export type ProviderStatus = z.infer<typeof ProviderStatusSchema>;

export const AskInputSchema = z
  .object({
    conversationId: z.number().int().positive().optional(),
    text: z.string().trim().min(1).max(20_000),
    /** Answer from the knowledge base with citations (default), or chat freely. */
    grounded: z.boolean().default(true),
  })
  .strict();
export type AskInput = z.input<typeof AskInputSchema>;

export const AskResultSchema = z.object({
  conversationId: z.number().int(),
  userMessageId: z.number().int(),
  messageId: z.number().int(),
});

export const ProviderSaveSchema = z
  .object({
    id: ProviderIdSchema.optional(),
    kind: z.enum(PROVIDER_KINDS),
    name: z.string().trim().min(1).max(80),
    baseUrl: z.url().max(2048).optional(),
    model: z.string().trim().min(1).max(200).optional(),
    contextSize: z.number().int().min(256).max(2_000_000).optional(),
    enabled: z.boolean().optional(),
    /** Stored in the OS keychain as provider.<id>; never returned. Empty string removes it. */
    apiKey: z.string().max(8192).optional(),
  })
  .strict();
export type ProviderSave = z.infer<typeof ProviderSaveSchema>;

// ---- events -----------------------------------------------------------------------------------------

export const AssistantDeltaSchema = z.object({
  conversationId: z.number().int(),
  messageId: z.number().int(),
  delta: z.string(),
});

export const AssistantDoneSchema = z.object({
  conversationId: z.number().int(),
  messageId: z.number().int(),
  status: z.enum(MESSAGE_STATUSES),
  content: z.string(),
  citations: z.array(AnswerCitationSchema),
  provider: z.string().nullable(),
  notice: z.string().nullable(),
  usage: UsageSchema.nullable(),
  error: z.string().nullable(),
});
export type AssistantDone = z.infer<typeof AssistantDoneSchema>;

export const ProviderChangedSchema = z.object({
  task: z.enum(ASSISTANT_TASKS),
  providerId: z.string(),
  name: z.string(),
  notice: z.string().nullable(),
});

export const AssistantHealthSchema = z.object({ providers: z.array(ProviderStatusSchema) });
