/**
 * Versioned settings migrations: each step turns a raw object of version N-1 into version N.
 * Version 0 is the pre-versioned file (no `version` key). To change the schema: bump SETTINGS_VERSION
 * in src/shared/types/settings.ts and add the step here, with a test.
 */
import { SETTINGS_VERSION } from '../../../shared/types/settings';

export type RawSettings = Record<string, unknown>;

export interface SettingsMigration {
  /** The version this step produces. */
  to: number;
  describe: string;
  up(raw: RawSettings): RawSettings;
}

function isRecord(v: unknown): v is RawSettings {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function section(raw: RawSettings, name: string): RawSettings {
  const s = raw[name];
  return isRecord(s) ? { ...s } : {};
}

export const SETTINGS_MIGRATIONS: readonly SettingsMigration[] = [
  {
    to: 1,
    describe: 'Flat keys of the first builds (theme, closeToTray, logLevel) move into their sections',
    up(raw) {
      const out: RawSettings = { ...raw };
      const moves: [flat: string, sectionName: string, key: string][] = [
        ['theme', 'appearance', 'theme'],
        ['closeToTray', 'general', 'closeToTray'],
        ['launchAtLogin', 'general', 'launchAtLogin'],
        ['logLevel', 'logging', 'level'],
      ];
      for (const [flat, name, key] of moves) {
        if (!(flat in out)) continue;
        const s = section(out, name);
        // A value already in its section wins over the old flat key.
        if (!(key in s)) s[key] = out[flat];
        out[name] = s;
        delete out[flat];
      }
      return out;
    },
  },
];

export interface MigrationOutcome {
  value: RawSettings;
  from: number;
  to: number;
  warnings: string[];
}

/** Reads the stored version (missing = 0) and applies every step above it, up to SETTINGS_VERSION. */
export function migrateSettings(
  raw: RawSettings,
  steps: readonly SettingsMigration[] = SETTINGS_MIGRATIONS,
): MigrationOutcome {
  const warnings: string[] = [];
  const stored = raw.version;
  let from = 0;
  if (stored !== undefined) {
    if (typeof stored === 'number' && Number.isInteger(stored) && stored >= 0) from = stored;
    else
      warnings.push(
        `The settings file had an invalid version (${JSON.stringify(stored)}); it was read as version 0.`,
      );
  }
  if (from > SETTINGS_VERSION) {
    warnings.push(
      `Your settings were saved by a newer version of Nook (settings version ${from}); settings this version does not know were ignored.`,
    );
    return { value: { ...raw, version: SETTINGS_VERSION }, from, to: SETTINGS_VERSION, warnings };
  }
  let value: RawSettings = { ...raw };
  for (const step of steps) {
    if (step.to > from && step.to <= SETTINGS_VERSION) value = step.up(value);
  }
  value.version = SETTINGS_VERSION;
  return { value, from, to: SETTINGS_VERSION, warnings };
}
