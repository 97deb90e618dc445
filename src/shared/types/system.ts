import { z } from 'zod';
import { KnowledgeDiagnosticsSchema } from './library';

export const ServiceHealthSchema = z.object({
  id: z.enum(['database', 'vectors', 'models', 'sidecar', 'keychain', 'settings', 'assistant', 'plugins']),
  label: z.string(),
  state: z.enum(['ok', 'starting', 'degraded', 'down', 'off']),
  detail: z.string(),
});
export type ServiceHealth = z.infer<typeof ServiceHealthSchema>;

export const SystemStatusSchema = z.object({
  version: z.string(),
  mode: z.enum(['desktop', 'host']),
  services: z.array(ServiceHealthSchema),
});
export type SystemStatus = z.infer<typeof SystemStatusSchema>;

export const DiagnosticsSchema = z.object({
  version: z.string(),
  mode: z.enum(['desktop', 'host']),
  platform: z.string(),
  arch: z.string(),
  versions: z.record(z.string(), z.string()),
  dataDir: z.string(),
  logFile: z.string(),
  uptimeSeconds: z.number(),
  memory: z.object({ rssBytes: z.number(), heapUsedBytes: z.number() }),
  database: z.object({ path: z.string(), schemaVersion: z.number().int(), sizeBytes: z.number() }),
  settingsWarnings: z.array(z.string()),
  recentErrors: z.array(z.object({ time: z.string(), message: z.string() })),
  /** Document, chunk and vector counts, the index in use and the ingest queue (when it runs). */
  knowledge: KnowledgeDiagnosticsSchema.optional(),
});
export type Diagnostics = z.infer<typeof DiagnosticsSchema>;

export const NoticeSchema = z.object({
  level: z.enum(['info', 'warning', 'error']),
  message: z.string(),
});
export type Notice = z.infer<typeof NoticeSchema>;

export const HotkeyStateSchema = z.object({
  id: z.enum(['pushToTalk', 'quickAsk']),
  accelerator: z.string(),
  registered: z.boolean(),
  /** Why it is not registered: taken by another application, invalid, or not supported in this mode. */
  problem: z.string().nullable(),
});
export type HotkeyState = z.infer<typeof HotkeyStateSchema>;
