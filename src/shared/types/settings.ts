import { z } from 'zod';

/** Current settings schema version; bump it and add a migration in services/settings/migrations.ts. */
export const SETTINGS_VERSION = 1;

const accelerator = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9+ ]+$/, 'An accelerator is keys joined by "+", for example Ctrl+Alt+K');

export const SettingsSchema = z.object({
  version: z.number().int().min(0).default(SETTINGS_VERSION),
  appearance: z
    .object({
      theme: z.enum(['system', 'light', 'dark']).default('system'),
    })
    .prefault({}),
  general: z
    .object({
      closeToTray: z.boolean().default(true),
      launchAtLogin: z.boolean().default(false),
    })
    .prefault({}),
  hotkeys: z
    .object({
      /** Toggle mode: press to start, press again to stop (Electron's globalShortcut has no key-up). */
      pushToTalk: accelerator.default('CommandOrControl+Alt+Space'),
      quickAsk: accelerator.default('CommandOrControl+Alt+K'),
    })
    .prefault({}),
  privacy: z
    .object({
      /** Nothing leaves the machine unless the user turns a cloud provider on. */
      allowCloudProviders: z.boolean().default(false),
    })
    .prefault({}),
  logging: z
    .object({
      level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    })
    .prefault({}),
});

export type Settings = z.infer<typeof SettingsSchema>;

/** A partial update: every section optional, every field in a section optional. */
export const SettingsPatchSchema = z
  .object({
    appearance: SettingsSchema.shape.appearance.unwrap().partial().strict(),
    general: SettingsSchema.shape.general.unwrap().partial().strict(),
    hotkeys: SettingsSchema.shape.hotkeys.unwrap().partial().strict(),
    privacy: SettingsSchema.shape.privacy.unwrap().partial().strict(),
    logging: SettingsSchema.shape.logging.unwrap().partial().strict(),
  })
  .partial()
  .strict();

export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export function defaultSettings(): Settings {
  return SettingsSchema.parse({});
}
