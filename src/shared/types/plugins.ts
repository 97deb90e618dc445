/**
 * Plugins: the package manifest (`nook-plugin.json`) and what the plugins.* routes return.
 * A plugin is a WebAssembly module run by Extism in its own worker; it gets nothing it was not granted.
 */
import { z } from 'zod';

/** One permission per host function family; `fs` grants a WASI view of the plugin's own data folder only. */
export const PLUGIN_PERMISSIONS = [
  'kb.search',
  'notes.add',
  'notify',
  'http.fetch',
  'kv',
  'log',
  'fs',
] as const;
export type PluginPermission = (typeof PLUGIN_PERMISSIONS)[number];

export const PERMISSION_DESCRIPTIONS: Record<PluginPermission, string> = {
  'kb.search': 'Search your knowledge base (read the text of your documents)',
  'notes.add': 'Add notes to your knowledge base',
  notify: 'Show notifications',
  'http.fetch': 'Fetch from the internet, only from the hosts listed',
  kv: 'Keep its own small key-value storage',
  log: 'Write to its own log',
  fs: 'Read and write files in its own data folder (nothing else on disk)',
};

/** Limits a manifest may ask for, and their ceilings (a manifest asking for more is refused). */
export const PLUGIN_LIMITS = {
  memoryMb: { default: 32, max: 512 },
  timeoutMs: { default: 5_000, max: 60_000 },
} as const;

const pluginId = z
  .string()
  .min(3)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*$/, 'lowercase letters, digits, dashes and dots');
const exportName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a WebAssembly export name');
const localId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes');
/** A host name (optionally with :port): no scheme, no path, no wildcard. */
const hostName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:]+\](:\d{1,5})?$/, 'a host name such as api.example.org');

export const PluginCommandSchema = z
  .object({
    id: localId,
    title: z.string().min(1).max(120),
    export: exportName,
    /** Example utterances for the voice intent registry ("convert 5 km to miles"). */
    voiceExamples: z.array(z.string().min(1).max(200)).max(20).default([]),
  })
  .strict();

export const PluginBriefingSectionSchema = z
  .object({ id: localId, title: z.string().min(1).max(120), export: exportName })
  .strict();

export const PluginScheduleSchema = z
  .object({
    id: localId,
    export: exportName,
    /** Five-field cron (minute hour day-of-month month day-of-week), or a plain interval. */
    cron: z.string().min(9).max(100).optional(),
    everyMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .optional(),
  })
  .strict()
  .refine((s) => (s.cron === undefined) !== (s.everyMinutes === undefined), {
    message: 'a schedule has exactly one of cron or everyMinutes',
  });

export const PluginManifestSchema = z
  .object({
    id: pluginId,
    name: z.string().min(1).max(80),
    version: z.string().regex(/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, 'a semantic version such as 1.0.0'),
    description: z.string().max(500).default(''),
    author: z.string().max(120).default(''),
    entry: z
      .object({
        wasm: z
          .string()
          .min(1)
          .max(200)
          .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*\.wasm$/, 'a relative path to a .wasm file')
          .refine((p) => !p.split('/').includes('..'), 'no ".." in the path'),
        sha256: z.string().regex(/^[0-9a-f]{64}$/, 'the lowercase hex SHA-256 of the wasm file'),
      })
      .strict(),
    permissions: z
      .array(z.enum(PLUGIN_PERMISSIONS))
      .max(PLUGIN_PERMISSIONS.length)
      .default([])
      .refine((p) => new Set(p).size === p.length, 'permissions are listed once each'),
    http: z
      .object({ allowedHosts: z.array(hostName).max(20).default([]) })
      .strict()
      .default({ allowedHosts: [] }),
    limits: z
      .object({
        memoryMb: z
          .number()
          .int()
          .min(1)
          .max(PLUGIN_LIMITS.memoryMb.max)
          .default(PLUGIN_LIMITS.memoryMb.default),
        timeoutMs: z
          .number()
          .int()
          .min(10)
          .max(PLUGIN_LIMITS.timeoutMs.max)
          .default(PLUGIN_LIMITS.timeoutMs.default),
      })
      .strict()
      .default({ memoryMb: PLUGIN_LIMITS.memoryMb.default, timeoutMs: PLUGIN_LIMITS.timeoutMs.default }),
    /** Plain strings the plugin reads with Extism's config_get. */
    config: z.record(z.string().max(64), z.string().max(2000)).default({}),
    contributes: z
      .object({
        commands: z.array(PluginCommandSchema).max(50).default([]),
        briefingSections: z.array(PluginBriefingSectionSchema).max(10).default([]),
        schedules: z.array(PluginScheduleSchema).max(10).default([]),
      })
      .strict()
      .default({ commands: [], briefingSections: [], schedules: [] }),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.http.allowedHosts.length > 0 && !m.permissions.includes('http.fetch'))
      ctx.addIssue({
        code: 'custom',
        path: ['http'],
        message: 'allowedHosts needs the http.fetch permission',
      });
    if (m.permissions.includes('http.fetch') && m.http.allowedHosts.length === 0)
      ctx.addIssue({ code: 'custom', path: ['http'], message: 'http.fetch needs at least one allowed host' });
    const ids = [
      ...m.contributes.commands.map((c) => `command ${c.id}`),
      ...m.contributes.briefingSections.map((c) => `briefing section ${c.id}`),
      ...m.contributes.schedules.map((c) => `schedule ${c.id}`),
    ];
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id))
        ctx.addIssue({ code: 'custom', path: ['contributes'], message: `${id} is declared twice` });
      seen.add(id);
    }
  });
export type PluginManifest = z.output<typeof PluginManifestSchema>;
export type PluginManifestInput = z.input<typeof PluginManifestSchema>;
export type PluginCommand = z.output<typeof PluginCommandSchema>;

export const PluginStatsSchema = z.object({
  calls: z.number().int(),
  errors: z.number().int(),
  timeouts: z.number().int(),
  totalMs: z.number(),
  lastError: z.string().nullable(),
  lastCallAt: z.string().nullable(),
});
export type PluginStats = z.infer<typeof PluginStatsSchema>;

export const PluginInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  description: z.string(),
  author: z.string(),
  enabled: z.boolean(),
  /** The permissions the user approved at install (a subset of what the manifest asks for). */
  permissions: z.array(z.enum(PLUGIN_PERMISSIONS)),
  requestedPermissions: z.array(z.enum(PLUGIN_PERMISSIONS)),
  allowedHosts: z.array(z.string()),
  commands: z.array(z.object({ id: z.string(), title: z.string(), voiceExamples: z.array(z.string()) })),
  briefingSections: z.array(z.object({ id: z.string(), title: z.string() })),
  schedules: z.array(
    z.object({ id: z.string(), cron: z.string().nullable(), everyMinutes: z.number().nullable() }),
  ),
  installedAt: z.string(),
  /** 'ok', or why it cannot run now (disabled, failed to load). */
  state: z.enum(['ok', 'disabled', 'error']),
  problem: z.string().nullable(),
  stats: PluginStatsSchema,
});
export type PluginInfo = z.infer<typeof PluginInfoSchema>;

export const PluginInspectSchema = z.object({
  manifest: z.object({
    id: z.string(),
    name: z.string(),
    version: z.string(),
    description: z.string(),
    author: z.string(),
    allowedHosts: z.array(z.string()),
    limits: z.object({ memoryMb: z.number(), timeoutMs: z.number() }),
    commands: z.array(z.object({ id: z.string(), title: z.string(), voiceExamples: z.array(z.string()) })),
    briefingSections: z.array(z.object({ id: z.string(), title: z.string() })),
    schedules: z.array(z.object({ id: z.string() })),
  }),
  permissions: z.array(z.object({ id: z.enum(PLUGIN_PERMISSIONS), description: z.string() })),
  sha256: z.string(),
  /** Set when a plugin with this id is installed already (install replaces it). */
  installedVersion: z.string().nullable(),
});
export type PluginInspect = z.infer<typeof PluginInspectSchema>;

export const PluginLogEntrySchema = z.object({
  time: z.string(),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
});
export type PluginLogEntry = z.infer<typeof PluginLogEntrySchema>;

export const PluginRunResultSchema = z.object({
  output: z.string(),
  durationMs: z.number(),
});
export type PluginRunResult = z.infer<typeof PluginRunResultSchema>;

/** What a briefing-section export returns (JSON), checked before it reaches a briefing. */
export const BriefingSectionOutputSchema = z.object({
  title: z.string().min(1).max(120),
  items: z
    .array(z.object({ text: z.string().min(1).max(1000), source: z.string().max(500).optional() }))
    .max(20),
});
export type BriefingSectionOutput = z.infer<typeof BriefingSectionOutputSchema>;

export const PluginBriefingSectionResultSchema = BriefingSectionOutputSchema.extend({
  pluginId: z.string(),
  sectionId: z.string(),
});
export type PluginBriefingSectionResult = z.infer<typeof PluginBriefingSectionResultSchema>;
