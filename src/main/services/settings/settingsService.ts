/**
 * Settings: one zod schema with defaults (src/shared/types/settings.ts), versioned migrations, and a
 * storage backend chosen by the shell (electron-store in Electron, conf in plain Node).
 * Reading is forgiving: unknown keys are dropped and an invalid field falls back to its default with
 * a warning. Writing is strict: an invalid patch is refused and nothing changes.
 */
import type { z } from 'zod';
import { AppError } from '../../../shared/ipc/result';
import { toDisposable, type Disposable } from '../../../shared/lifecycle';
import {
  SETTINGS_VERSION,
  SettingsPatchSchema,
  SettingsSchema,
  defaultSettings,
  type Settings,
  type SettingsPatch,
} from '../../../shared/types/settings';
import type { EventBus } from '../../rpc/eventBus';
import type { Logger } from '../logging/logger';
import { migrateSettings, type RawSettings } from './migrations';
import type { SettingsRecovery } from './recovery';

export interface SettingsBackend {
  /** The file the settings live in (for diagnostics and messages). */
  readonly path: string;
  /** The stored object, or undefined when nothing is stored yet. */
  read(): unknown | undefined;
  write(value: unknown): void;
  /** Calls back when the file changed outside this process (optional). */
  watch?(cb: () => void): Disposable;
  /** Set when the backend found an unreadable file and moved it aside (see recovery.ts). */
  readonly recovered?: SettingsRecovery | null;
  dispose?(): void;
}

type SectionName = Exclude<keyof Settings, 'version'>;
const SECTIONS = Object.keys(SettingsSchema.shape).filter((k) => k !== 'version') as SectionName[];

function isRecord(v: unknown): v is RawSettings {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sectionShape(name: SectionName): Record<string, z.ZodType> {
  return SettingsSchema.shape[name].unwrap().shape as Record<string, z.ZodType>;
}

/**
 * Turns whatever was stored into valid Settings: migrates, drops unknown keys, and replaces each
 * invalid field with its default. Returns the warnings a user should see.
 */
export function sanitizeSettings(raw: unknown): { settings: Settings; warnings: string[]; changed: boolean } {
  const warnings: string[] = [];
  if (raw === undefined) return { settings: defaultSettings(), warnings, changed: true };
  if (!isRecord(raw)) {
    warnings.push('Your settings were not an object; the default settings were restored.');
    return { settings: defaultSettings(), warnings, changed: true };
  }
  const migrated = migrateSettings(raw);
  warnings.push(...migrated.warnings);
  const out: RawSettings = { version: SETTINGS_VERSION };
  for (const name of SECTIONS) {
    const stored = migrated.value[name];
    const section: RawSettings = {};
    if (stored !== undefined && !isRecord(stored)) {
      warnings.push(`The "${name}" settings were not readable; their defaults were restored.`);
    }
    const src = isRecord(stored) ? stored : {};
    for (const [key, schema] of Object.entries(sectionShape(name))) {
      if (!(key in src)) continue;
      const parsed = schema.safeParse(src[key]);
      if (parsed.success) section[key] = parsed.data;
      else {
        const fallback = schema.parse(undefined);
        warnings.push(
          `The setting ${name}.${key} had an invalid value; it was reset to ${JSON.stringify(fallback)}.`,
        );
      }
    }
    out[name] = section;
  }
  const settings = SettingsSchema.parse(out);
  const changed = migrated.from !== SETTINGS_VERSION || JSON.stringify(settings) !== JSON.stringify(raw);
  return { settings, warnings, changed };
}

export class SettingsService implements Disposable {
  private current: Settings;
  private readonly listeners = new Set<(s: Settings) => void>();
  private readonly subscriptions: Disposable[] = [];
  private seenRecovery: SettingsRecovery | null | undefined = null;
  /** Problems found while loading, for the UI to show on first load. */
  readonly warnings: string[] = [];

  constructor(
    private readonly backend: SettingsBackend,
    private readonly events: EventBus,
    private readonly log: Logger,
  ) {
    this.current = this.load();
    if (backend.watch) this.subscriptions.push(backend.watch(() => this.reloadFromDisk()));
  }

  get path(): string {
    return this.backend.path;
  }

  get(): Settings {
    return structuredClone(this.current);
  }

  update(patch: SettingsPatch): Settings {
    const parsedPatch = SettingsPatchSchema.safeParse(patch);
    if (!parsedPatch.success) throw invalid(parsedPatch.error);
    const merged: RawSettings = { ...this.current };
    for (const [name, values] of Object.entries(parsedPatch.data)) {
      if (values === undefined) continue;
      merged[name] = { ...(this.current[name as SectionName] as object), ...values };
    }
    const next = SettingsSchema.safeParse(merged);
    if (!next.success) throw invalid(next.error);
    return this.commit(next.data);
  }

  reset(): Settings {
    return this.commit(defaultSettings(), true);
  }

  onDidChange(cb: (s: Settings) => void): Disposable {
    this.listeners.add(cb);
    return toDisposable(() => void this.listeners.delete(cb));
  }

  dispose(): void {
    for (const s of this.subscriptions.splice(0)) void s.dispose();
    this.listeners.clear();
    this.backend.dispose?.();
  }

  private load(): Settings {
    let raw: unknown;
    let readError: Error | undefined;
    try {
      raw = this.backend.read();
    } catch (e) {
      readError = e as Error;
    }
    // The backend moves an unreadable file aside at start and on any later read; tell the user each time.
    const recovered = this.backend.recovered;
    if (recovered && recovered !== this.seenRecovery) {
      this.seenRecovery = recovered;
      this.warn(recovered.message);
    }
    if (readError) {
      this.warn(`Your settings could not be read (${readError.message}); the defaults are used for now.`);
      return defaultSettings();
    }
    const { settings, warnings, changed } = sanitizeSettings(raw);
    for (const w of warnings) this.warn(w);
    if (changed) {
      try {
        this.backend.write(settings);
      } catch (e) {
        this.warn(`Your settings could not be saved to ${this.backend.path}: ${(e as Error).message}`);
      }
    }
    return settings;
  }

  private reloadFromDisk(): void {
    const next = this.load();
    if (JSON.stringify(next) === JSON.stringify(this.current)) return;
    this.current = next;
    this.log.info('settings changed on disk; reloaded');
    this.notify();
  }

  private commit(next: Settings, force = false): Settings {
    if (!force && JSON.stringify(next) === JSON.stringify(this.current)) return this.get();
    try {
      this.backend.write(next);
    } catch (e) {
      this.log.error({ err: e, file: this.backend.path }, 'settings could not be saved');
      throw new AppError('UNAVAILABLE', `Your settings could not be saved: ${(e as Error).message}`);
    }
    this.current = next;
    this.notify();
    return this.get();
  }

  private notify(): void {
    const snapshot = this.get();
    this.events.emit('settings.changed', snapshot);
    for (const cb of this.listeners) {
      try {
        cb(this.get());
      } catch (e) {
        this.log.error({ err: e }, 'settings listener failed');
      }
    }
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.log.warn({ file: this.backend.path }, message);
    this.events.emit('system.notice', { level: 'warning', message });
  }
}

function invalid(error: z.ZodError): AppError {
  const first = error.issues[0];
  const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
  return new AppError('INVALID_INPUT', `Invalid settings${where}: ${first?.message ?? 'malformed'}`);
}
