/**
 * The assistant's routes and events (spread into contract.ts): asking with streamed answers,
 * conversations, long-term memory and providers.
 */
import { z } from 'zod';
import {
  AskInputSchema,
  AskResultSchema,
  AssistantDeltaSchema,
  AssistantDoneSchema,
  AssistantHealthSchema,
  ConversationDetailSchema,
  ConversationSchema,
  ConversationSearchHitSchema,
  MemorySchema,
  ProviderChangedSchema,
  ProviderIdSchema,
  ProviderSaveSchema,
  ProviderStatusSchema,
} from '../types/assistant';
import type { RouteDef } from './contract';

const id = z.number().int().positive();

export const assistantRoutes = {
  'assistant.ask': {
    input: AskInputSchema,
    output: AskResultSchema,
    mutates: true,
    summary:
      'Ask a question (in a new conversation unless one is given). Returns the ids at once; the answer streams as assistant.delta and ends with assistant.done (citations, provider, notice, usage).',
  },
  'assistant.stop': {
    input: z.object({ messageId: id }).strict(),
    output: z.object({ stopped: z.boolean() }),
    mutates: true,
    summary: 'Stop an answer that is streaming; what arrived is kept.',
  },
  'conversations.list': {
    input: z.object({}).strict(),
    output: z.array(ConversationSchema),
    mutates: false,
    summary: 'Conversations, most recent first.',
  },
  'conversations.get': {
    input: z.object({ id }).strict(),
    output: ConversationDetailSchema,
    mutates: false,
    summary: 'One conversation with its messages, citations, providers and notices.',
  },
  'conversations.rename': {
    input: z.object({ id, title: z.string().trim().min(1).max(200) }).strict(),
    output: ConversationSchema,
    mutates: true,
    summary: 'Rename a conversation.',
  },
  'conversations.delete': {
    input: z.object({ id }).strict(),
    output: z.object({ deleted: z.boolean() }),
    mutates: true,
    summary: 'Delete a conversation and its messages (memories learnt from it stay).',
  },
  'conversations.search': {
    input: z.object({ query: z.string().trim().min(1).max(500) }).strict(),
    output: z.array(ConversationSearchHitSchema),
    mutates: false,
    summary: 'Full-text search over conversation titles and messages.',
  },
  'app.openConversation': {
    input: z.object({ id }).strict(),
    output: z.object({ opened: z.boolean() }),
    mutates: false,
    summary:
      'Desktop only: show a conversation in the main window (the quick-ask window\'s "Continue in Nook"; the quick ask hides). The host answers UNAVAILABLE (a browser follows the link).',
  },
  'memory.list': {
    input: z.object({}).strict(),
    output: z.array(MemorySchema),
    mutates: false,
    summary: 'What the assistant remembers about the user.',
  },
  'memory.update': {
    input: z.object({ id, text: z.string().trim().min(1).max(500) }).strict(),
    output: MemorySchema,
    mutates: true,
    summary: 'Edit a remembered fact (refused as CONFLICT when it would duplicate another).',
  },
  'memory.delete': {
    input: z.object({ id }).strict(),
    output: z.object({ deleted: z.boolean() }),
    mutates: true,
    summary: 'Forget a fact.',
  },
  'providers.list': {
    input: z.object({}).strict(),
    output: z.array(ProviderStatusSchema),
    mutates: false,
    summary: 'Answer providers in order, with health and whether a key is stored (never the key).',
  },
  'providers.save': {
    input: ProviderSaveSchema,
    output: ProviderStatusSchema,
    mutates: true,
    summary: 'Add or change a provider; an apiKey goes to the OS keychain only.',
  },
  'providers.test': {
    input: z.object({ id: ProviderIdSchema }).strict(),
    output: z.object({ ok: z.boolean(), message: z.string() }),
    mutates: false,
    summary: 'Check that a provider answers (closes its circuit breaker when it does).',
  },
  'providers.remove': {
    input: z.object({ id: ProviderIdSchema }).strict(),
    output: z.object({ removed: z.boolean() }),
    mutates: true,
    summary: 'Remove a provider and its stored key.',
  },
  'providers.reorder': {
    input: z.object({ ids: z.array(ProviderIdSchema).min(1).max(20) }).strict(),
    output: z.array(ProviderStatusSchema),
    mutates: true,
    summary: 'Set the order in which providers are tried.',
  },
} as const satisfies Record<string, RouteDef>;

export const assistantEvents = {
  'assistant.delta': AssistantDeltaSchema,
  'assistant.done': AssistantDoneSchema,
  'assistant.providerChanged': ProviderChangedSchema,
  'assistant.health': AssistantHealthSchema,
} as const;
