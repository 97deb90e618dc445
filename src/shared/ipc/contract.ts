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

export interface RouteDef {
  input: z.ZodType;
  output: z.ZodType;
  /** Routes that change state; the REST layer maps them to POST and the token scopes to "write". */
  mutates: boolean;
  summary: string;
}

const empty = z.object({}).strict();
const modelId = z.string().min(1).max(128);

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
} as const satisfies Record<RouteName, RouteDef>;

export const events = {
  'settings.changed': SettingsSchema,
  'system.statusChanged': SystemStatusSchema,
  'secrets.changed': z.object({ id: SecretIdSchema, present: z.boolean() }),
  'system.notice': NoticeSchema,
  'hotkeys.changed': z.array(HotkeyStateSchema),
  'models.progress': ModelProgressSchema,
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
