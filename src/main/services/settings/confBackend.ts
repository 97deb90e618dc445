/**
 * Settings in `<dataDir>/settings.json` through `conf` (plain Node: the headless host, tests) or any
 * conf-compatible store class: inside Electron the shell passes electron-store, which extends conf, so
 * both read and write the same file. Schema, defaults and migrations stay in SettingsService; the store
 * only holds the object. An unreadable file is moved aside before the store can throw on it or wipe it.
 */
import fs from 'node:fs';
import path from 'node:path';
import Conf from 'conf';
import type { SettingsBackend } from './settingsService';
import { quarantineCorruptSettings, type SettingsRecovery } from './recovery';

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

export class ConfSettingsBackend implements SettingsBackend {
  readonly path: string;
  private readonly file: StoreLike;
  private _recovered: SettingsRecovery | null;

  constructor(dataDir: string, Store: StoreCtor = Conf as unknown as StoreCtor) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.path = path.join(dataDir, 'settings.json');
    // Before the store reads it: conf throws on invalid JSON.
    this._recovered = quarantineCorruptSettings(this.path);
    this.file = new Store({
      cwd: dataDir,
      // electron-store takes `name`, conf takes `configName`: give both, each ignores the other.
      name: 'settings',
      configName: 'settings',
      projectName: 'nook',
      // Our own schema and migrations run in SettingsService; the store only keeps the object.
      accessPropertiesByDotNotation: false,
      clearInvalidConfig: false,
    });
  }

  get recovered(): SettingsRecovery | null {
    return this._recovered;
  }

  read(): unknown | undefined {
    // The file may have been damaged since start; recover again rather than let the store throw.
    const again = quarantineCorruptSettings(this.path);
    if (again) this._recovered = again;
    if (!fs.existsSync(this.path)) return undefined;
    const value = this.file.store;
    return Object.keys(value).length === 0 ? undefined : value;
  }

  write(value: unknown): void {
    this.file.store = value as Record<string, unknown>;
  }
}
