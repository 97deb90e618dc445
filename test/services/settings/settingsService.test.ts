import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/main/rpc/eventBus';
import type { Logger } from '../../../src/main/services/logging/logger';
import { ConfSettingsBackend } from '../../../src/main/services/settings/confBackend';
import { migrateSettings } from '../../../src/main/services/settings/migrations';
import {
  quarantineCorruptSettings,
  type SettingsRecovery,
} from '../../../src/main/services/settings/recovery';
import { SettingsService, type SettingsBackend } from '../../../src/main/services/settings/settingsService';
import { AppError } from '../../../src/shared/ipc/result';
import {
  SETTINGS_VERSION,
  defaultSettings,
  type Settings,
  type SettingsPatch,
} from '../../../src/shared/types/settings';
import type { Notice } from '../../../src/shared/types/system';
import { readLogs, tempDir, testLogger } from '../helpers/tmp';

let dir: string;
let log: Logger;
let events: EventBus;
let notices: Notice[];
let changed: Settings[];
const services: SettingsService[] = [];

beforeEach(() => {
  dir = tempDir('settings');
  log = testLogger(dir);
  events = new EventBus();
  notices = [];
  changed = [];
  events.on('system.notice', (n) => notices.push(n));
  events.on('settings.changed', (s) => changed.push(s));
});
afterEach(async () => {
  for (const s of services.splice(0)) s.dispose();
  await log.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const file = () => path.join(dir, 'settings.json');
const onDisk = () => JSON.parse(fs.readFileSync(file(), 'utf8')) as Record<string, unknown>;
function open(): SettingsService {
  const s = new SettingsService(new ConfSettingsBackend(dir), events, log);
  services.push(s);
  return s;
}

describe('SettingsService over conf', () => {
  it('starts from defaults with no file and writes them', () => {
    const s = open();
    expect(s.get()).toEqual(defaultSettings());
    expect(s.get().version).toBe(SETTINGS_VERSION);
    expect(s.warnings).toEqual([]);
    expect(onDisk()).toEqual(defaultSettings());
  });

  it('merges a patch per section, persists it and emits settings.changed', () => {
    const s = open();
    const seen: Settings[] = [];
    s.onDidChange((v) => seen.push(v));
    const next = s.update({ appearance: { theme: 'dark' }, general: { launchAtLogin: true } });
    expect(next.appearance.theme).toBe('dark');
    expect(next.general).toEqual({ closeToTray: true, launchAtLogin: true }); // closeToTray kept
    expect(onDisk()).toMatchObject({
      appearance: { theme: 'dark' },
      general: { closeToTray: true, launchAtLogin: true },
    });
    expect(changed).toHaveLength(1);
    expect(changed[0]!.appearance.theme).toBe('dark');
    expect(seen).toHaveLength(1);

    // Reloading from the file gives the same settings.
    expect(open().get()).toEqual(next);
    // A patch that changes nothing emits nothing.
    s.update({ appearance: { theme: 'dark' } });
    expect(changed).toHaveLength(1);
  });

  it('refuses an invalid patch and changes nothing', () => {
    const s = open();
    const before = fs.readFileSync(file(), 'utf8');
    const bad = [
      { appearance: { theme: 'purple' } },
      { hotkeys: { quickAsk: '' } },
      { general: { closeToTray: 'yes' } },
      { general: { unknownKey: true } },
      { nope: {} },
    ] as unknown as SettingsPatch[];
    for (const patch of bad) {
      let error: unknown;
      try {
        s.update(patch);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(patch)).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('INVALID_INPUT');
    }
    expect(s.get()).toEqual(defaultSettings());
    expect(fs.readFileSync(file(), 'utf8')).toBe(before);
    expect(changed).toHaveLength(0);
  });

  it('reset restores defaults and emits', () => {
    const s = open();
    s.update({ logging: { level: 'debug' } });
    expect(s.reset()).toEqual(defaultSettings());
    expect(onDisk()).toEqual(defaultSettings());
    expect(changed.at(-1)).toEqual(defaultSettings());
  });

  it('get() returns a copy the caller cannot use to change the settings', () => {
    const s = open();
    const got = s.get();
    got.appearance.theme = 'dark';
    expect(s.get().appearance.theme).toBe('system');
  });

  it('migrates a pre-versioned (v0) file: flat theme/logLevel move into their sections', () => {
    fs.writeFileSync(
      file(),
      JSON.stringify({
        theme: 'dark',
        logLevel: 'warn',
        closeToTray: false,
        general: { launchAtLogin: true },
      }),
    );
    const s = open();
    expect(s.get()).toEqual({
      ...defaultSettings(),
      appearance: { theme: 'dark' },
      general: { closeToTray: false, launchAtLogin: true },
      logging: { level: 'warn' },
    });
    expect(s.warnings).toEqual([]);
    const disk = onDisk();
    expect(disk.version).toBe(1);
    expect(disk).not.toHaveProperty('theme');
    expect(disk).not.toHaveProperty('logLevel');
    expect(disk.appearance).toEqual({ theme: 'dark' });
  });

  it('drops unknown keys and resets invalid fields to their default with a warning', () => {
    fs.writeFileSync(
      file(),
      JSON.stringify({
        version: 1,
        appearance: { theme: 'neon', extra: 1 },
        hotkeys: { quickAsk: 'Ctrl+Shift+Q' },
        junk: true,
      }),
    );
    const s = open();
    expect(s.get().appearance.theme).toBe('system');
    expect(s.get().hotkeys.quickAsk).toBe('Ctrl+Shift+Q');
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toContain('appearance.theme');
    expect(notices).toEqual([{ level: 'warning', message: s.warnings[0] }]);
    expect(onDisk()).not.toHaveProperty('junk');
    expect(onDisk().appearance).toEqual({ theme: 'system' });
  });

  it('recovers from a corrupt file: backup with the original bytes, defaults, a warning and a notice', async () => {
    const corrupt = Buffer.from('{"appearance": {"theme": "dark"}, oops not json');
    fs.writeFileSync(file(), corrupt);
    const s = open();

    expect(s.get()).toEqual(defaultSettings());
    const backups = fs.readdirSync(dir).filter((f) => /^settings\.corrupt-.+\.json$/.test(f));
    expect(backups).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, backups[0]!)).equals(corrupt)).toBe(true);
    expect(onDisk()).toEqual(defaultSettings());

    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toMatch(/unreadable/);
    expect(s.warnings[0]).toContain(backups[0]);
    expect(notices).toEqual([{ level: 'warning', message: s.warnings[0] }]);

    await log.close();
    expect(readLogs(dir)).toContain(backups[0]);
  });

  it('treats an empty file and a non-object as corrupt too', () => {
    for (const content of ['', '[1,2,3]', '"text"']) {
      fs.writeFileSync(file(), content);
      const r = quarantineCorruptSettings(file());
      expect(r, content).not.toBeNull();
      expect(fs.readFileSync(r!.backupPath, 'utf8')).toBe(content);
      expect(fs.existsSync(file())).toBe(false);
    }
    fs.writeFileSync(file(), '{}');
    expect(quarantineCorruptSettings(file())).toBeNull();
  });

  it('a failing write gives a clear error and keeps the old settings', () => {
    const s = open();
    const backend = (s as unknown as { backend: { write(v: unknown): void } }).backend;
    const original = backend.write.bind(backend);
    backend.write = () => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    };
    expect(() => s.update({ appearance: { theme: 'light' } })).toThrow(/could not be saved.*EACCES/);
    expect(s.get().appearance.theme).toBe('system');
    backend.write = original;
  });
});

/** A minimal watched backend (the shape electron-store's backend has), to test reloads from disk. */
class WatchedFileBackend implements SettingsBackend {
  recovered: SettingsRecovery | null = null;
  private cb: (() => void) | undefined;
  constructor(readonly path: string) {}
  read(): unknown {
    const r = quarantineCorruptSettings(this.path);
    if (r) this.recovered = r;
    return fs.existsSync(this.path) ? (JSON.parse(fs.readFileSync(this.path, 'utf8')) as unknown) : undefined;
  }
  write(value: unknown): void {
    fs.writeFileSync(this.path, JSON.stringify(value));
  }
  watch(cb: () => void) {
    this.cb = cb;
    return { dispose: () => (this.cb = undefined) };
  }
  fire(): void {
    this.cb?.();
  }
}

describe('SettingsService with a watched backend', () => {
  it('reloads a change made on disk and emits it; recovers a file corrupted while running', () => {
    const backend = new WatchedFileBackend(file());
    const s = new SettingsService(backend, events, log);
    services.push(s);
    backend.fire(); // our own write: nothing changed, nothing emitted
    expect(changed).toHaveLength(0);

    fs.writeFileSync(file(), JSON.stringify({ ...defaultSettings(), appearance: { theme: 'light' } }));
    backend.fire();
    expect(s.get().appearance.theme).toBe('light');
    expect(changed.map((c) => c.appearance.theme)).toEqual(['light']);

    fs.writeFileSync(file(), '{{{');
    backend.fire();
    expect(s.get()).toEqual(defaultSettings());
    expect(s.warnings).toHaveLength(1);
    expect(notices.map((n) => n.level)).toEqual(['warning']);
    const backups = fs.readdirSync(dir).filter((f) => f.startsWith('settings.corrupt-'));
    expect(backups).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, backups[0]!), 'utf8')).toBe('{{{');
    expect(changed.map((c) => c.appearance.theme)).toEqual(['light', 'system']);
  });
});

describe('migrateSettings', () => {
  it('keeps a value already in its section over the old flat key', () => {
    const out = migrateSettings({ theme: 'dark', appearance: { theme: 'light' } });
    expect(out.value).toEqual({ appearance: { theme: 'light' }, version: 1 });
    expect(out.from).toBe(0);
  });

  it('warns about settings from a newer version', () => {
    const out = migrateSettings({ version: SETTINGS_VERSION + 1 });
    expect(out.warnings[0]).toMatch(/newer version/);
  });
});
