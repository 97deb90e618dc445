/** The shell's Electron-free parts: hotkey registry, safeStorage keychain, electron-store settings backend. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Conf from 'conf';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src/shared/ipc/result';
import { HotkeyRegistry, displayAccelerator } from '../../src/main/app/hotkeys';
import {
  SAFE_STORAGE_FILE,
  SafeStorageKeychain,
  chooseKeychain,
  isNoSecretServiceError,
} from '../../src/main/app/safeStorageKeychain';
import { ElectronStoreBackend, type StoreCtor } from '../../src/main/app/electronStoreBackend';
import { applyLoginItem, autostartPath, desktopExecQuote } from '../../src/main/app/loginItem';
import { SettingsService } from '../../src/main/services/settings/settingsService';
import { EventBus } from '../../src/main/rpc/eventBus';
import type { KeychainBackend } from '../../src/main/services/secrets/secretStore';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-app-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function shortcuts(taken: string[] = []) {
  const registered = new Map<string, () => void>();
  return {
    registered,
    register: vi.fn((acc: string, cb: () => void) => {
      if (acc.includes('Bogus')) throw new Error('conversion failure');
      if (taken.includes(acc) || registered.has(acc)) return false;
      registered.set(acc, cb);
      return true;
    }),
    unregister: vi.fn((acc: string) => void registered.delete(acc)),
  };
}

function registry(gs: ReturnType<typeof shortcuts>, platform = 'linux') {
  const notices: string[] = [];
  const changes: unknown[] = [];
  const fired: string[] = [];
  const r = new HotkeyRegistry({
    globalShortcut: gs,
    platform,
    actions: { pushToTalk: () => fired.push('ptt'), quickAsk: () => fired.push('qa') },
    notify: (n) => notices.push(n.message),
    changed: (s) => changes.push(s),
  });
  return { r, notices, changes, fired };
}

describe('HotkeyRegistry', () => {
  it('shows accelerators the way the platform names keys', () => {
    expect(displayAccelerator('CommandOrControl+Alt+K', 'linux')).toBe('Ctrl+Alt+K');
    expect(displayAccelerator('CommandOrControl+Alt+K', 'win32')).toBe('Ctrl+Alt+K');
    expect(displayAccelerator('CommandOrControl+Alt+K', 'darwin')).toBe('Cmd+Option+K');
    expect(displayAccelerator('CmdOrCtrl+shift+space', 'linux')).toBe('Ctrl+Shift+space');
  });

  it('registers both, fires the right action, and unregisters on dispose', () => {
    const gs = shortcuts();
    const { r, notices, changes, fired } = registry(gs);
    r.apply({ pushToTalk: 'Ctrl+Shift+Space', quickAsk: 'Alt+Q' });
    expect(r.list().every((s) => s.registered)).toBe(true);
    expect(notices).toEqual([]);
    expect(changes).toHaveLength(1);
    gs.registered.get('Alt+Q')!();
    gs.registered.get('Ctrl+Shift+Space')!();
    expect(fired).toEqual(['qa', 'ptt']);
    r.dispose();
    expect(gs.registered.size).toBe(0);
    expect(gs.unregister).toHaveBeenCalledTimes(2);
  });

  it('reports taken, invalid and duplicate accelerators, each once', () => {
    const gs = shortcuts(['Ctrl+Alt+K']);
    const { r, notices, changes } = registry(gs);
    r.apply({ pushToTalk: 'Ctrl+Alt+Bogus', quickAsk: 'Ctrl+Alt+K' });
    expect(r.list()).toEqual([
      {
        id: 'pushToTalk',
        accelerator: 'Ctrl+Alt+Bogus',
        registered: false,
        problem: 'Ctrl+Alt+Bogus is not a valid shortcut',
      },
      {
        id: 'quickAsk',
        accelerator: 'Ctrl+Alt+K',
        registered: false,
        problem: 'Ctrl+Alt+K is taken by another application',
      },
    ]);
    expect(notices).toHaveLength(2);
    expect(notices[1]).toContain('Quick ask');

    // The same settings again (an unrelated settings change): retried, but no repeated notice or event.
    r.apply({ pushToTalk: 'Ctrl+Alt+Bogus', quickAsk: 'Ctrl+Alt+K' });
    expect(notices).toHaveLength(2);
    expect(changes).toHaveLength(1);

    // Both set to the same keys: the second is reported as a clash, not as "taken by another application".
    r.apply({ pushToTalk: 'Ctrl+Alt+P', quickAsk: 'ctrl+alt+p' });
    expect(r.list()[1]).toMatchObject({
      registered: false,
      problem: 'Ctrl+Alt+P is already used by Push to talk',
    });
  });

  it('swaps two accelerators without one blocking the other', () => {
    const gs = shortcuts();
    const { r } = registry(gs);
    r.apply({ pushToTalk: 'Alt+1', quickAsk: 'Alt+2' });
    r.apply({ pushToTalk: 'Alt+2', quickAsk: 'Alt+1' });
    expect(r.list().map((s) => [s.accelerator, s.registered])).toEqual([
      ['Alt+2', true],
      ['Alt+1', true],
    ]);
  });

  it('keeps working when an action throws', () => {
    const gs = shortcuts();
    const r = new HotkeyRegistry({
      globalShortcut: gs,
      platform: 'linux',
      actions: {
        pushToTalk: () => {
          throw new Error('boom');
        },
        quickAsk: () => undefined,
      },
      notify: () => undefined,
      changed: () => undefined,
    });
    r.apply({ pushToTalk: 'Alt+1', quickAsk: 'Alt+2' });
    expect(() => gs.registered.get('Alt+1')!()).not.toThrow();
  });
});

function fakeSafeStorage(available = true, backend = 'gnome_libsecret') {
  return {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend as 'gnome_libsecret',
    encryptString: (s: string) => Buffer.from(Buffer.from(s).map((b) => b ^ 0x5a)),
    decryptString: (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a)).toString(),
  };
}

describe('SafeStorageKeychain', () => {
  it('stores values encrypted in one file in userData and reads them back', async () => {
    const dir = tmp();
    const kc = new SafeStorageKeychain(fakeSafeStorage(), dir, 'linux');
    await kc.setPassword('Nook', 'provider.openai', 'sk-test-123456');
    await kc.setPassword('Nook', 'voice.elevenlabs', 'el-abc');
    const text = fs.readFileSync(path.join(dir, SAFE_STORAGE_FILE), 'utf8');
    expect(text).not.toContain('sk-test-123456');
    expect(fs.statSync(path.join(dir, SAFE_STORAGE_FILE)).mode & 0o077).toBe(0);

    const again = new SafeStorageKeychain(fakeSafeStorage(), dir, 'linux');
    expect(await again.getPassword('Nook', 'provider.openai')).toBe('sk-test-123456');
    expect(await again.getPassword('Nook', 'missing.one')).toBeNull();
    expect((await again.findCredentials('Nook')).map((c) => c.account).sort()).toEqual([
      'provider.openai',
      'voice.elevenlabs',
    ]);
    expect(await again.deletePassword('Nook', 'provider.openai')).toBe(true);
    expect(await again.deletePassword('Nook', 'provider.openai')).toBe(false);
    expect(await again.getPassword('Nook', 'provider.openai')).toBeNull();
  });

  it('fails closed when safeStorage is unavailable or would use basic_text on Linux', async () => {
    const dir = tmp();
    for (const kc of [
      new SafeStorageKeychain(fakeSafeStorage(false), dir, 'linux'),
      new SafeStorageKeychain(fakeSafeStorage(true, 'basic_text'), dir, 'linux'),
    ]) {
      await expect(kc.setPassword('Nook', 'provider.openai', 'v')).rejects.toMatchObject({
        code: 'KEYCHAIN_UNAVAILABLE',
      });
      await expect(kc.getPassword('Nook', 'provider.openai')).rejects.toBeInstanceOf(AppError);
    }
    expect(fs.existsSync(path.join(dir, SAFE_STORAGE_FILE))).toBe(false);
    // basic_text is only a Linux thing; elsewhere availability decides.
    expect(new SafeStorageKeychain(fakeSafeStorage(true, 'basic_text'), dir, 'darwin').problem).toBeNull();
  });

  it('a damaged file or an undecryptable value is KEYCHAIN_UNAVAILABLE, never a crash', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, SAFE_STORAGE_FILE), '{not json');
    const kc = new SafeStorageKeychain(fakeSafeStorage(), dir, 'linux');
    await expect(kc.getPassword('Nook', 'a.b')).rejects.toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE' });
    fs.writeFileSync(
      path.join(dir, SAFE_STORAGE_FILE),
      JSON.stringify({ version: 1, entries: { Nook: { 'a.b': 'zz' } } }),
    );
    const broken = new SafeStorageKeychain(
      {
        ...fakeSafeStorage(),
        decryptString: () => {
          throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
        },
      },
      dir,
      'linux',
    );
    await expect(broken.getPassword('Nook', 'a.b')).rejects.toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE' });
  });

  it('chooseKeychain keeps the OS keychain when it answers and falls back only when there is no Secret Service', async () => {
    const dir = tmp();
    const working: KeychainBackend = {
      getPassword: async () => null,
      setPassword: async () => undefined,
      deletePassword: async () => false,
      findCredentials: async () => [],
    };
    const noService: KeychainBackend = {
      ...working,
      findCredentials: async () => {
        throw new Error('The name org.freedesktop.secrets was not provided by any .service files');
      },
    };
    const fallback =
      (ss = fakeSafeStorage()) =>
      () =>
        new SafeStorageKeychain(ss, dir, 'linux');

    expect((await chooseKeychain({ primary: working, fallback: fallback(), platform: 'linux' })).kind).toBe(
      'os',
    );
    const chosen = await chooseKeychain({ primary: noService, fallback: fallback(), platform: 'linux' });
    expect(chosen.kind).toBe('safeStorage');
    expect(chosen.backend).toBeInstanceOf(SafeStorageKeychain);

    // No Secret Service and safeStorage is basic_text: keep keytar, which fails closed.
    const closed = await chooseKeychain({
      primary: noService,
      fallback: fallback(fakeSafeStorage(true, 'basic_text')),
      platform: 'linux',
    });
    expect(closed.backend).toBe(noService);
    expect(closed.problem).toContain('basic_text');

    // Other platforms never probe or fall back.
    expect(
      (await chooseKeychain({ primary: noService, fallback: fallback(), platform: 'win32' })).backend,
    ).toBe(noService);
    // A keychain that hangs (locked, prompting) is not mistaken for a missing one.
    const hanging: KeychainBackend = { ...working, findCredentials: () => new Promise(() => undefined) };
    const slow = await chooseKeychain({
      primary: hanging,
      fallback: fallback(),
      platform: 'linux',
      probeTimeoutMs: 30,
    });
    expect(slow.backend).toBe(hanging);

    expect(isNoSecretServiceError(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY'))).toBe(true);
    expect(isNoSecretServiceError(new Error('Could not connect: No such file or directory'))).toBe(true);
    expect(isNoSecretServiceError(new Error('Cannot create an item in a locked collection'))).toBe(false);
    expect(isNoSecretServiceError(new Error('disk full'))).toBe(false);
  });
});

describe('ElectronStoreBackend (conf, the base class of electron-store)', () => {
  const Store = Conf as unknown as StoreCtor;
  const silentLog = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;

  it('reads nothing at first, then round-trips settings through settings.json', () => {
    const dir = tmp();
    const b = new ElectronStoreBackend(Store, dir);
    expect(b.path).toBe(path.join(dir, 'settings.json'));
    expect(b.read()).toBeUndefined();
    b.write({ version: 1, appearance: { theme: 'dark' } });
    expect(JSON.parse(fs.readFileSync(b.path, 'utf8'))).toEqual({
      version: 1,
      appearance: { theme: 'dark' },
    });
    expect(new ElectronStoreBackend(Store, dir).read()).toEqual({
      version: 1,
      appearance: { theme: 'dark' },
    });
  });

  it('moves a corrupt file aside (kept byte for byte) and SettingsService falls back to defaults with a notice', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'settings.json'), '{"appearance": {"theme": "da');
    const b = new ElectronStoreBackend(Store, dir);
    expect(b.recovered?.backupPath).toMatch(/settings\.corrupt-.*\.json$/);
    expect(fs.readFileSync(b.recovered!.backupPath, 'utf8')).toBe('{"appearance": {"theme": "da');
    const events = new EventBus();
    const notices: string[] = [];
    events.on('system.notice', (n) => notices.push(n.message));
    const service = new SettingsService(b, events, silentLog);
    expect(service.get().appearance.theme).toBe('system');
    expect(notices.join(' ')).toContain('unreadable');
    expect(JSON.parse(fs.readFileSync(b.path, 'utf8')).version).toBe(1);
  });
});

describe('applyLoginItem', () => {
  const app = (packaged = true) => ({
    isPackaged: packaged,
    calls: [] as unknown[],
    setLoginItemSettings(s: unknown) {
      this.calls.push(s);
    },
  });

  it('uses login items on macOS and Windows', () => {
    for (const platform of ['darwin', 'win32']) {
      const a = app();
      expect(applyLoginItem({ app: a, platform, env: {}, homeDir: '/h', execPath: '/x' }, true)).toBe(
        'login-item',
      );
      expect(a.calls).toEqual([{ openAtLogin: true, args: ['--hidden'] }]);
    }
  });

  it('writes an XDG autostart entry on Linux (XDG_CONFIG_HOME honoured) and removes it', () => {
    const home = tmp();
    const cfg = path.join(home, 'cfg');
    const deps = {
      app: app(),
      platform: 'linux',
      env: { XDG_CONFIG_HOME: cfg },
      homeDir: home,
      execPath: '/opt/Nook/nook',
    };
    expect(autostartPath(deps.env, home)).toBe(path.join(cfg, 'autostart', 'app.nook.desktop'));
    expect(applyLoginItem(deps, true)).toBe('autostart-written');
    const text = fs.readFileSync(path.join(cfg, 'autostart', 'app.nook.desktop'), 'utf8');
    expect(text).toMatch(/^\[Desktop Entry\]\nType=Application\n/);
    expect(text).toContain('Exec=/opt/Nook/nook --hidden\n');
    expect(applyLoginItem(deps, false)).toBe('autostart-removed');
    expect(fs.existsSync(path.join(cfg, 'autostart', 'app.nook.desktop'))).toBe(false);
    // A relative XDG_CONFIG_HOME is invalid per the spec: fall back to ~/.config.
    expect(autostartPath({ XDG_CONFIG_HOME: 'rel' }, home)).toBe(
      path.join(home, '.config', 'autostart', 'app.nook.desktop'),
    );
  });

  it('quotes Exec arguments the way the desktop entry spec wants', () => {
    expect(desktopExecQuote('/opt/Nook/nook')).toBe('/opt/Nook/nook');
    expect(desktopExecQuote('/home/u/My Apps/Nook.AppImage')).toBe('"/home/u/My Apps/Nook.AppImage"');
    expect(desktopExecQuote('/tmp/a$b"c')).toBe('"/tmp/a\\$b\\"c"');
    expect(desktopExecQuote('/tmp/100%')).toBe('/tmp/100%%');
  });

  it('does nothing in development', () => {
    const a = app(false);
    expect(applyLoginItem({ app: a, platform: 'linux', env: {}, homeDir: tmp(), execPath: '/x' }, true)).toBe(
      'skipped-dev',
    );
    expect(a.calls).toEqual([]);
  });
});
