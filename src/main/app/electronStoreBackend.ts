/**
 * Settings inside Electron: `<userData>/settings.json` through electron-store. electron-store extends
 * conf, so this is the plain-Node ConfSettingsBackend with electron-store's class: the same file, the
 * same corrupt-file recovery, the same behaviour the headless host has.
 *
 * electron-store imports `electron` when it loads, so the class is passed in (main.ts imports it
 * lazily inside Electron; tests pass conf's class, which electron-store extends).
 */
import { ConfSettingsBackend, type StoreCtor } from '../services/settings/confBackend';

export type { StoreCtor, StoreLike } from '../services/settings/confBackend';

export class ElectronStoreBackend extends ConfSettingsBackend {
  constructor(Store: StoreCtor, dataDir: string) {
    super(dataDir, Store);
  }
}
