/** Settings in `<dataDir>/settings.json` through `conf`, for plain Node (the headless host, tests). */
import fs from 'node:fs';
import path from 'node:path';
import Conf from 'conf';
import type { SettingsBackend } from './settingsService';
import { quarantineCorruptSettings, type SettingsRecovery } from './recovery';

export class ConfSettingsBackend implements SettingsBackend {
  readonly path: string;
  private conf: Conf<Record<string, unknown>>;
  private _recovered: SettingsRecovery | null;

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.path = path.join(dataDir, 'settings.json');
    // Before conf reads it: conf throws on invalid JSON.
    this._recovered = quarantineCorruptSettings(this.path);
    this.conf = this.create();
  }

  get recovered(): SettingsRecovery | null {
    return this._recovered;
  }

  read(): unknown | undefined {
    // The file may have been damaged since start; recover again rather than let conf throw.
    const again = quarantineCorruptSettings(this.path);
    if (again) this._recovered = again;
    if (!fs.existsSync(this.path)) return undefined;
    const store = this.conf.store;
    return Object.keys(store).length === 0 ? undefined : store;
  }

  write(value: unknown): void {
    this.conf.store = value as Record<string, unknown>;
  }

  private create(): Conf<Record<string, unknown>> {
    return new Conf<Record<string, unknown>>({
      cwd: path.dirname(this.path),
      configName: path.basename(this.path, '.json'),
      projectName: 'nook',
      // Our own schema and migrations run in SettingsService; conf only stores the object.
      accessPropertiesByDotNotation: false,
      clearInvalidConfig: false,
    });
  }
}
