/**
 * The plugin routes (spread into contract.ts): inspect a package before approving it, install with
 * the approved permissions, enable, disable, uninstall, run a command, logs and the command palette.
 */
import { z } from 'zod';
import {
  PLUGIN_PERMISSIONS,
  PluginBriefingSectionResultSchema,
  PluginInfoSchema,
  PluginInspectSchema,
  PluginLogEntrySchema,
  PluginRunResultSchema,
} from '../types/plugins';
import type { RouteDef } from './contract';

const empty = z.object({}).strict();
const pluginId = z.string().min(3).max(64);
const packagePath = z.string().min(1).max(4096);

export const pluginRoutes = {
  'plugins.list': {
    input: empty,
    output: z.array(PluginInfoSchema),
    mutates: false,
    summary: 'Installed plugins with their permissions, state, calls, errors and time.',
  },
  'plugins.inspect': {
    input: z.object({ path: packagePath }).strict(),
    output: PluginInspectSchema,
    mutates: false,
    summary:
      'Read a plugin package (folder or .zip) without installing it: its manifest and the permissions it asks for, for the approval dialog. A bad manifest or a wasm not matching its hash is refused with the reason.',
  },
  'plugins.install': {
    input: z
      .object({
        path: packagePath,
        approvedPermissions: z.array(z.enum(PLUGIN_PERMISSIONS)).max(PLUGIN_PERMISSIONS.length),
      })
      .strict(),
    output: PluginInfoSchema,
    mutates: true,
    summary:
      'Install (or replace) a plugin package with the permissions the user approved; permissions not approved stay denied.',
  },
  'plugins.enable': {
    input: z.object({ id: pluginId }).strict(),
    output: PluginInfoSchema,
    mutates: true,
    summary: 'Enable a plugin (its wasm is checked against the installed hash again).',
  },
  'plugins.disable': {
    input: z.object({ id: pluginId }).strict(),
    output: PluginInfoSchema,
    mutates: true,
    summary: 'Disable a plugin: its worker stops, its commands, sections and schedules go away.',
  },
  'plugins.uninstall': {
    input: z.object({ id: pluginId }).strict(),
    output: z.object({ id: z.string(), removed: z.boolean() }),
    mutates: true,
    summary: 'Remove a plugin with its data, storage and logs.',
  },
  'plugins.run': {
    input: z
      .object({
        id: pluginId,
        command: z.string().min(1).max(64),
        input: z.string().max(100_000).default(''),
      })
      .strict(),
    output: PluginRunResultSchema,
    mutates: true,
    summary: "Run a plugin's command with a text input (what the command palette and voice intents do).",
  },
  'plugins.logs': {
    input: z.object({ id: pluginId, limit: z.number().int().min(1).max(2000).default(200) }).strict(),
    output: z.array(PluginLogEntrySchema),
    mutates: false,
    summary: "A plugin's own log, newest last.",
  },
  'plugins.commands': {
    input: empty,
    output: z.array(
      z.object({
        pluginId: z.string(),
        pluginName: z.string(),
        commandId: z.string(),
        title: z.string(),
        voiceExamples: z.array(z.string()),
      }),
    ),
    mutates: false,
    summary: 'Commands of every enabled plugin, for the command palette.',
  },
  'plugins.briefingSections': {
    input: empty,
    output: z.array(PluginBriefingSectionResultSchema),
    mutates: false,
    summary: "Run every enabled plugin's briefing sections for today (sections that fail are left out).",
  },
} as const satisfies Record<string, RouteDef>;
