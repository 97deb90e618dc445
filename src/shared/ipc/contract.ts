/**
 * The one declaration of every route and event. Every other type (preload bridge, renderer api,
 * main handlers, WebSocket host, REST later) is derived from here, so they cannot drift apart.
 */
import { z } from 'zod';
import type { EventName, RouteName } from './channels';
import { SettingsPatchSchema, SettingsSchema } from '../types/settings';
import {
  DiagnosticsSchema,
  HotkeyStateSchema,
  NoticeSchema,
  ServiceHealthSchema,
  SystemStatusSchema,
} from '../types/system';
import { SecretIdSchema, SecretInfoSchema } from '../types/secrets';
import { MODEL_TASKS, ModelProgressSchema, ModelStatusSchema } from '../types/models';
import {
  DocumentDetailSchema,
  DocumentPageSchema,
  DocumentsQuerySchema,
  ImportInputSchema,
  ImportResultSchema,
  IngestJobSchema,
  IngestProgressSchema,
  IngestStatusSchema,
  KnowledgeChangedSchema,
  SearchInputSchema,
  SearchResultSchema,
} from '../types/library';
import { assistantEvents, assistantRoutes } from './assistantRoutes';
import { pluginRoutes } from './pluginRoutes';
import { metricsRoutes } from './metricsRoutes';
import { apiRoutes } from './apiRoutes';
import { voiceEvents, voiceRoutes } from './voiceRoutes';
import { briefingEvents, briefingRoutes } from './briefingRoutes';

export interface RouteDef {
  input: z.ZodType;
  output: z.ZodType;
  /** Routes that change state; the REST layer maps them to POST and the token scopes to "write". */
  mutates: boolean;
  summary: string;
}

const empty = z.object({}).strict();
const modelId = z.string().min(1).max(128);
const docId = z.number().int().positive();
const docIds = z.array(docId).min(1).max(10_000);

export const routes = {
  'system.status': {
    input: empty,
    output: SystemStatusSchema,
    mutates: false,
    summary: 'Health of each service (database, vector index, models, sidecar, keychain, settings).',
  },
  'system.diagnostics': {
    input: empty,
    output: DiagnosticsSchema,
    mutates: false,
    summary: 'Versions, paths, memory, database and recent errors, for support.',
  },
  'settings.get': { input: empty, output: SettingsSchema, mutates: false, summary: 'Current settings.' },
  'settings.update': {
    input: SettingsPatchSchema,
    output: SettingsSchema,
    mutates: true,
    summary: 'Change some settings; returns the whole result.',
  },
  'settings.reset': {
    input: empty,
    output: SettingsSchema,
    mutates: true,
    summary: 'Restore default settings.',
  },
  'secrets.list': {
    input: empty,
    output: z.array(SecretInfoSchema),
    mutates: false,
    summary: 'Which secrets are stored (never their values).',
  },
  'secrets.has': {
    input: z.object({ id: SecretIdSchema }).strict(),
    output: z.object({ present: z.boolean() }),
    mutates: false,
    summary: 'Whether a secret is stored.',
  },
  'secrets.set': {
    input: z.object({ id: SecretIdSchema, value: z.string().min(1).max(8192) }).strict(),
    output: z.object({ present: z.literal(true) }),
    mutates: true,
    summary: 'Store a secret in the OS keychain. Write-only: it can never be read back.',
  },
  'secrets.delete': {
    input: z.object({ id: SecretIdSchema }).strict(),
    output: z.object({ present: z.literal(false) }),
    mutates: true,
    summary: 'Remove a secret from the OS keychain.',
  },
  'secrets.test': {
    input: z.object({ id: SecretIdSchema }).strict(),
    output: z.object({ ok: z.boolean(), message: z.string() }),
    mutates: false,
    summary: 'Check a stored secret against its service without revealing it.',
  },
  'hotkeys.list': {
    input: empty,
    output: z.array(HotkeyStateSchema),
    mutates: false,
    summary: 'Global hotkeys, whether each is registered, and why not.',
  },
  'models.list': {
    input: empty,
    output: z.array(ModelStatusSchema),
    mutates: false,
    summary: 'Every model (manifest and custom) with its status: missing, downloading, ready, corrupt.',
  },
  'models.download': {
    input: z.object({ id: modelId }).strict(),
    output: ModelStatusSchema,
    mutates: true,
    summary: 'Start (or resume) downloading a model in the background; progress arrives as models.progress.',
  },
  'models.cancel': {
    input: z.object({ id: modelId }).strict(),
    output: ModelStatusSchema,
    mutates: true,
    summary: 'Stop a download; what was downloaded is kept so the next download resumes.',
  },
  'models.import': {
    input: z
      .object({
        path: z.string().min(1).max(4096),
        id: modelId.optional(),
        task: z.enum(MODEL_TASKS).optional(),
        displayName: z.string().trim().min(1).max(120).optional(),
        params: z.record(z.string(), z.unknown()).optional(),
      })
      .strict(),
    output: z.object({ id: z.string(), matched: z.boolean(), status: ModelStatusSchema }),
    mutates: true,
    summary:
      'Import a model file or folder: placed as the manifest model whose checksum it matches, else kept as a custom model for the given task.',
  },
  'models.delete': {
    input: z.object({ id: modelId }).strict(),
    output: z.object({ id: z.string(), removed: z.boolean() }),
    mutates: true,
    summary: "Delete a model's files (and a custom model's entry).",
  },
  'models.setActive': {
    input: z.object({ task: z.enum(MODEL_TASKS), id: modelId.nullable() }).strict(),
    output: z.array(ModelStatusSchema),
    mutates: true,
    summary: 'Choose the model a task uses (null: the default one).',
  },
  'knowledge.import': {
    input: ImportInputSchema,
    output: ImportResultSchema,
    mutates: true,
    summary:
      'Queue files and folders (absolute paths; folders recursively, supported types only) for indexing; progress arrives as ingest.progress.',
  },
  'knowledge.search': {
    input: SearchInputSchema,
    output: SearchResultSchema,
    mutates: false,
    summary:
      'Hybrid search (BM25 + vectors fused by reciprocal rank) with filters, highlighted snippets and citations.',
  },
  'knowledge.documents': {
    input: DocumentsQuerySchema,
    output: DocumentPageSchema,
    mutates: false,
    summary: 'A page of the Library: documents with type, size, chunks, status and dates.',
  },
  'knowledge.document': {
    input: z.object({ id: docId }).strict(),
    output: DocumentDetailSchema,
    mutates: false,
    summary: 'One document with its chunks, warnings and metadata.',
  },
  'knowledge.delete': {
    input: z.object({ ids: docIds }).strict(),
    output: z.object({ deleted: z.number().int(), purgeAt: z.number() }),
    mutates: true,
    summary: 'Delete documents from the knowledge base; knowledge.restore undoes it until purgeAt.',
  },
  'knowledge.restore': {
    input: z.object({ ids: docIds }).strict(),
    output: z.object({ restored: z.number().int() }),
    mutates: true,
    summary: 'Undo a delete within its grace period.',
  },
  'knowledge.reindex': {
    input: z.object({ ids: docIds.optional() }).strict(),
    output: ImportResultSchema,
    mutates: true,
    summary: 'Index documents again (all when no ids are given), even if their files did not change.',
  },
  'ingest.status': {
    input: empty,
    output: IngestStatusSchema,
    mutates: false,
    summary: 'The ingest queue: totals, ETA, every job of the current run and every unresolved failure.',
  },
  'ingest.pause': {
    input: empty,
    output: IngestStatusSchema,
    mutates: true,
    summary: 'Pause the ingest queue (kept across restarts); the file in progress goes back to the queue.',
  },
  'ingest.resume': {
    input: empty,
    output: IngestStatusSchema,
    mutates: true,
    summary: 'Resume the ingest queue.',
  },
  'ingest.cancel': {
    input: z
      .object({
        batchId: z.string().min(1).max(100).optional(),
        jobId: z.number().int().positive().optional(),
      })
      .strict(),
    output: z.object({ cancelled: z.number().int() }),
    mutates: true,
    summary: 'Cancel one job, one import batch, or (neither given) everything queued or running.',
  },
  'ingest.retry': {
    input: z.object({ jobId: z.number().int().positive() }).strict(),
    output: IngestJobSchema,
    mutates: true,
    summary: 'Queue a failed or cancelled file again.',
  },
  'knowledge.openOriginal': {
    input: z.object({ id: docId }).strict(),
    output: z.object({
      /** True when the desktop app opened the file with the system's default application. */
      opened: z.boolean(),
      /** In a browser: where the host serves the file (same origin, needs the session). */
      downloadUrl: z.string().nullable(),
      path: z.string(),
    }),
    mutates: false,
    summary:
      "Open a document's original file: with the system's application on the desktop, or as a host URL in a browser.",
  },
  'app.pickFiles': {
    input: z.object({ folders: z.boolean().default(false) }).strict(),
    output: z.object({ paths: z.array(z.string()) }),
    mutates: false,
    summary:
      'Desktop only: the system picker for files (or folders); empty when cancelled. The host answers UNAVAILABLE (browsers upload).',
  },
  ...assistantRoutes,
  ...voiceRoutes,
  ...pluginRoutes,
  ...metricsRoutes,
  ...apiRoutes,
  ...briefingRoutes,
} as const satisfies Record<RouteName, RouteDef>;

export const events = {
  'settings.changed': SettingsSchema,
  'system.statusChanged': SystemStatusSchema,
  'secrets.changed': z.object({ id: SecretIdSchema, present: z.boolean() }),
  'system.notice': NoticeSchema,
  'hotkeys.changed': z.array(HotkeyStateSchema),
  'models.progress': ModelProgressSchema,
  'ingest.progress': IngestProgressSchema,
  'knowledge.changed': KnowledgeChangedSchema,
  /** Desktop only: the shell asks the main window to show a screen (a notification or tray item was clicked). */
  'app.openView': z.object({
    view: z.string().min(1).max(40),
    /** With view `ask`: the conversation to show ("Continue in Nook" from the quick ask). */
    conversationId: z.number().int().positive().optional(),
  }),
  ...assistantEvents,
  ...voiceEvents,
  ...briefingEvents,
} as const satisfies Record<EventName, z.ZodType>;

// Compile-time check: the contract declares exactly the names in channels.ts, no more.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _routesMatch: Exact<keyof typeof routes, RouteName> = true;
const _eventsMatch: Exact<keyof typeof events, EventName> = true;
void _routesMatch;
void _eventsMatch;

export type Routes = typeof routes;
export type RouteInput<R extends RouteName> = z.input<Routes[R]['input']>;
export type RouteParsedInput<R extends RouteName> = z.output<Routes[R]['input']>;
export type RouteOutput<R extends RouteName> = z.output<Routes[R]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export { ServiceHealthSchema };
export type { RouteName, EventName } from './channels';
