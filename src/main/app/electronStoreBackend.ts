/**
 * Settings inside Electron: `<userData>/settings.json` through electron-store (conf underneath, so the
 * file is the same one the headless host reads with ConfSettingsBackend). Schema, defaults and
 * migrations stay in SettingsService; this only stores the object. An unreadable file is moved aside
 * by H1's `quarantineCorruptSettings` before electron-store can throw on it or wipe it.
 *
 * electron-store imports `electron` when it loads, so the class is passed in (main.ts imports it
 * lazily inside Electron; tests pass conf's class, which electron-store extends).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SettingsBackend } from '../services/settings/settingsService';
import { quarantineCorruptSettings, type SettingsRecovery } from '../services/settings/recovery';

export interface StoreLike {
  store: Record<string, unknown>;
}

export type StoreCtor = new (options: {
  cwd: string;
  name?: string;
  configName?: string;
  projectName?: string;
  accessPropertiesByDotNotation: boolean;
  clearInvalidConfig: boolean;
}) => StoreLike;

export class ElectronStoreBackend implements SettingsBackend {
  readonly path: string;
  private readonly store: StoreLike;
  private _recovered: SettingsRecovery | null;

  constructor(Store: StoreCtor, dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.path = path.join(dataDir, 'settings.json');
    this._recovered = quarantineCorruptSettings(this.path);
    this.store = new Store({
      cwd: dataDir,
      // electron-store takes `name`, conf takes `configName`: give both, each ignores the other.
      name: 'settings',
      configName: 'settings',
      projectName: 'nook',
      accessPropertiesByDotNotation: false,
      clearInvalidConfig: false,
    });
  }

  get recovered(): SettingsRecovery | null {
    return this._recovered;
  }

  read(): unknown | undefined {
    const again = quarantineCorruptSettings(this.path);
    if (again) this._recovered = again;
    if (!fs.existsSync(this.path)) return undefined;
    const value = this.store.store;
    return Object.keys(value).length === 0 ? undefined : value;
  }

  write(value: unknown): void {
    this.store.store = value as Record<string, unknown>;
  }
}
