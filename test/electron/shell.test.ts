/**
 * The Electron shell, run for real against a stand-in `electron` module (no Electron binary runs
 * here): the composition root builds the real core (SQLite, settings file, logger) and the shell
 * around it; the test drives windows, tray, hotkeys and IPC like Electron would.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Conf from 'conf';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, ROUTES, type RouteName } from '../../src/shared/ipc/channels';
import { startApp, type ElectronMain } from '../../src/main/app/main';
import type { StoreCtor } from '../../src/main/app/electronStoreBackend';
import { createFakeElectron, preventable, type FakeElectron, type FakeOptions } from './fakes/fakeElectron';
import { memoryKeychain } from '../services/helpers/memoryKeychain';
import { appFrame, appPage, mainDir, rendererDir, repoRoot, shellHarness } from './fakes/shellHarness';

const shells = shellHarness('nook-shell-');
const start = (
  opts: Partial<FakeOptions> = {},
  settings?: object,
  env: Record<string, string> = {},
  argv: string[] = [],
) => shells.start({ fake: opts, settings, env, argv });
afterEach(() => shells.stopAll());

/** For vi.waitFor: generous, since a loaded 2-core machine is slow (the default is 1 s). */
const WAIT = { timeout: 20_000, interval: 50 };

const mainWindow = (fake: FakeElectron) => fake.state.windows.find((w) => w.options.title === 'Nook')!;
const quickWindow = (fake: FakeElectron) =>
  fake.state.windows.find((w) => w.options.title === 'Nook quick ask');

describe('Electron shell (stand-in electron module)', () => {
  it('requests the single-instance lock, enables the sandbox and opens one secure main window', async () => {
    const { fake } = await start();
    expect(fake.app.lockRequested).toBe(1);
    expect(fake.app.sandboxEnabled).toBe(true);
    expect(fake.state.windows).toHaveLength(1);
    const win = mainWindow(fake);
    expect(win.options.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
    });
    expect(win.options.webPreferences!.preload).toBe(path.join(repoRoot, 'out', 'preload', 'index.cjs'));
    expect(win.webContents.url).toBe(appPage);
  });

  it('a second instance quits at once and leaves the first one to focus its window', async () => {
    const second = await start({ lock: false });
    expect(second.nook).toBeNull();
    expect(second.fake.app.quitCalls).toBe(1);
    expect(second.fake.state.windows).toHaveLength(0);
    expect(second.fake.state.handlers.size).toBe(0);

    const { fake } = await start();
    const win = mainWindow(fake);
    win.hide();
    win.minimized = true;
    fake.app.emit('second-instance', preventable(), ['nook']);
    expect(win.isVisible()).toBe(true);
    expect(win.minimized).toBe(false);
    expect(win.focused).toBe(true);
  });

  it('registers every contract route through exactly one ipcMain.handle channel, and calls reach the dispatcher', async () => {
    const { fake, nook } = await start();
    expect([...fake.state.handlers.keys()]).toEqual([IPC_INVOKE_CHANNEL]);
    expect(fake.state.log.filter((l) => l.startsWith('ipc.handle:'))).toEqual([
      `ipc.handle:${IPC_INVOKE_CHANNEL}`,
    ]);

    // Every route, whatever it does (new ones keep coming), reaches the dispatcher with its input, over
    // the one channel. The dispatcher is stubbed for this loop so no route's side effects run here.
    const dispatch = vi
      .spyOn(nook!.core.dispatcher, 'dispatch')
      .mockImplementation(async (route) => ({ ok: true, value: `reached ${String(route)}` }));
    for (const route of ROUTES) {
      const res = await fake.invoke(appFrame, route, { probe: route });
      expect(res, route).toEqual({ ok: true, value: `reached ${route}` });
    }
    expect(dispatch.mock.calls.map((c) => [c[0], c[1]])).toEqual(ROUTES.map((r) => [r, { probe: r }]));
    expect(dispatch.mock.calls.every((c) => (c[2] as { transport: string }).transport === 'ipc')).toBe(true);
    dispatch.mockRestore();

    // And through the real core, the routes of the shell's own services answer.
    const inputs: Partial<Record<RouteName, unknown>> = {
      'settings.update': { appearance: { theme: 'dark' } },
      'secrets.has': { id: 'custom.token' },
      'secrets.set': { id: 'custom.token', value: 's3cr3t-value' },
      'secrets.delete': { id: 'custom.token' },
      'secrets.test': { id: 'custom.token' },
    };
    const real: RouteName[] = [
      'system.status',
      'system.diagnostics',
      'settings.get',
      'settings.update',
      'settings.reset',
      'secrets.list',
      'secrets.set',
      'secrets.has',
      'secrets.test',
      'secrets.delete',
      'hotkeys.list',
    ];
    for (const route of real) {
      expect(await fake.invoke(appFrame, route, inputs[route] ?? {}), route).toMatchObject({ ok: true });
    }

    // The desktop status comes from the real core.
    const status = await fake.invoke(appFrame, 'system.status', {});
    expect(status.value).toMatchObject({ mode: 'desktop', version: '0.1.0-test' });
    // Settings really go to the settings file in userData (the loop ended with settings.reset).
    await fake.invoke(appFrame, 'settings.update', { appearance: { theme: 'dark' } });
    const saved = JSON.parse(fs.readFileSync(path.join(nook!.core.settings.path), 'utf8'));
    expect(saved.appearance.theme).toBe('dark');
    expect(nook!.core.settings.path).toBe(path.join(fake.app.getPath('userData'), 'settings.json'));
  });

  it('refuses IPC from sub-frames and foreign pages, and forwards events only to the app windows', async () => {
    const { fake, nook } = await start();
    expect(await fake.invoke({ url: appPage, parent: {} }, 'settings.get', {})).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(
      await fake.invoke({ url: 'https://evil.example/', parent: null }, 'settings.get', {}),
    ).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await fake.invoke(appFrame, 'system.reboot', {})).toMatchObject({ code: 'UNKNOWN_ROUTE' });

    const win = mainWindow(fake);
    nook!.core.events.emit('system.notice', { level: 'info', message: 'hello' });
    expect(win.webContents.sent).toContainEqual({
      channel: IPC_EVENT_CHANNEL,
      message: { event: 'system.notice', payload: { level: 'info', message: 'hello' } },
    });
    // A window that somehow shows a foreign page gets no events.
    win.webContents.url = 'https://evil.example/';
    const before = win.webContents.sent.length;
    nook!.core.events.emit('system.notice', { level: 'info', message: 'secret-ish' });
    expect(win.webContents.sent).toHaveLength(before);
  });

  it('guards navigation and window.open: foreign URLs denied, only http(s) goes to the browser', async () => {
    const { fake } = await start();
    const wc = mainWindow(fake).webContents;

    expect(wc.navigate('https://evil.example/phish')).toBe(false);
    expect(wc.navigate('file:///home/u/Downloads/dropped.pdf')).toBe(false); // a dropped file
    expect(wc.navigate(pathToFileURL(path.join(rendererDir, 'index.html')).href)).toBe(false); // no file: navigation at all
    expect(wc.navigate('javascript:alert(1)')).toBe(false);
    expect(wc.url).toBe(appPage);

    expect(wc.openWindow('https://example.com/docs')).toEqual({ action: 'deny' });
    expect(wc.openWindow('http://example.org/')).toEqual({ action: 'deny' });
    expect(wc.openWindow('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(wc.openWindow('smb://share/x')).toEqual({ action: 'deny' });
    expect(wc.openWindow('javascript:alert(1)')).toEqual({ action: 'deny' });
    await new Promise((r) => setTimeout(r, 10));
    // The page-initiated navigation to https and the two http(s) window.open calls go outside; nothing else.
    expect(fake.state.openedExternally).toEqual([
      'https://evil.example/phish',
      'https://example.com/docs',
      'http://example.org/',
    ]);

    // <webview> is refused on every webContents.
    const e = preventable();
    wc.emit('will-attach-webview', e, {}, {});
    expect(e.defaultPrevented).toBe(true);
  });

  it('sets a strict CSP header on app responses and denies permissions except clipboard write and audio', async () => {
    const { fake } = await start();
    const call = (url: string, headers: Record<string, string[]> = {}) => {
      let out: { responseHeaders?: Record<string, string[]> } = {};
      fake.state.headersListener!({ url, responseHeaders: headers }, (r) => (out = r as typeof out));
      return out.responseHeaders ?? {};
    };
    const csp = call(appPage, { 'content-security-policy': ['default-src *'] })[
      'Content-Security-Policy'
    ]![0]!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(Object.keys(call(appPage, { 'content-security-policy': ['default-src *'] }))).toEqual([
      'Content-Security-Policy',
    ]);
    expect(call('https://cdn.example/x.js', { a: ['b'] })).toEqual({ a: ['b'] });

    const wc = mainWindow(fake).webContents;
    const request = (permission: string, details: object) =>
      new Promise<boolean>((resolve) => fake.state.permissionRequest!(wc, permission, resolve, details));
    expect(await request('clipboard-sanitized-write', { requestingUrl: appPage })).toBe(true);
    expect(await request('media', { requestingUrl: appPage, mediaTypes: ['audio'] })).toBe(true);
    expect(await request('media', { requestingUrl: appPage, mediaTypes: ['audio', 'video'] })).toBe(false);
    expect(await request('media', { requestingUrl: 'https://evil.example/', mediaTypes: ['audio'] })).toBe(
      false,
    );
    for (const p of [
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
      'display-capture',
      'hid',
    ]) {
      expect(await request(p, { requestingUrl: appPage }), p).toBe(false);
    }
    expect(
      fake.state.permissionCheck!(wc, 'clipboard-sanitized-write', 'file://', { requestingUrl: appPage }),
    ).toBe(true);
    expect(fake.state.permissionCheck!(wc, 'geolocation', 'file://', { requestingUrl: appPage })).toBe(false);
    expect(fake.state.deviceHandler!({})).toBe(false);
  });

  it('has a tray with Open Nook, Today’s briefing, Quick ask and Quit that do what they say', async () => {
    const { fake } = await start();
    expect(fake.state.trays).toHaveLength(1);
    const tray = fake.state.trays[0]!;
    expect(tray.tooltip).toBe('Nook');
    expect((tray.image as { path: string }).path).toBe(path.join(repoRoot, 'resources', 'tray.png'));
    expect(fs.existsSync((tray.image as { path: string }).path)).toBe(true);
    expect(tray.menu!.items.filter((i) => i.label).map((i) => i.label)).toEqual([
      'Open Nook',
      'Today’s briefing',
      'Quick ask',
      'Quit',
    ]);

    const win = mainWindow(fake);
    win.close(); // close-to-tray is on by default: hidden, not destroyed
    expect(win.destroyed).toBe(false);
    expect(win.isVisible()).toBe(false);
    tray.clickItem('Open Nook');
    expect(win.isVisible()).toBe(true);

    tray.clickItem('Quick ask');
    const qa = quickWindow(fake)!;
    expect(qa).toBeDefined();
    expect(qa.options).toMatchObject({ frame: false, alwaysOnTop: true, skipTaskbar: true, show: false });
    expect(qa.options.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
    });
    expect(qa.webContents.url).toBe(pathToFileURL(path.join(rendererDir, 'quickask.html')).href);
    expect(qa.isVisible()).toBe(true);
    qa.blur(); // hides on blur
    expect(qa.isVisible()).toBe(false);
    tray.clickItem('Quick ask');
    expect(qa.isVisible()).toBe(true);
    qa.close(); // Esc in the renderer calls window.close(): hidden, kept for next time
    expect(qa.isVisible()).toBe(false);
    expect(qa.destroyed).toBe(false);
    expect(fake.state.windows.filter((w) => w.options.title === 'Nook quick ask')).toHaveLength(1);

    tray.clickItem('Quit');
    expect(await fake.state.exited).toBe(0);
  });

  it('a ready briefing shows an OS notification and marks the tray; its click shows the window on the Briefing screen', async () => {
    const { fake, nook } = await start();
    const win = mainWindow(fake);
    const tray = fake.state.trays[0]!;
    win.close(); // to the tray
    expect(win.isVisible()).toBe(false);

    nook!.core.events.emit('briefing.ready', {
      id: 1,
      date: '2026-11-21',
      trigger: 'schedule',
      summary: '1 deadline, 2 updated documents',
      empty: false,
    });
    const n = fake.state.notifications.at(-1)!;
    expect(n.options).toMatchObject({
      title: 'Your briefing is ready',
      body: '1 deadline, 2 updated documents',
    });
    expect(tray.tooltip).toBe('Nook: briefing ready');
    expect(fake.state.badgeCounts.at(-1)).toBe(1);

    win.webContents.sent.length = 0;
    n.click();
    expect(win.isVisible()).toBe(true);
    expect(win.focused).toBe(true);
    expect(win.webContents.sent).toContainEqual({
      channel: IPC_EVENT_CHANNEL,
      message: { event: 'app.openView', payload: { view: 'briefing' } },
    });
    expect(tray.tooltip).toBe('Nook');
    expect(fake.state.badgeCounts.at(-1)).toBe(0);

    // A later briefing is marked until the user opens the Briefing screen in the window themselves.
    nook!.core.events.emit('briefing.ready', {
      id: 2,
      date: '2026-11-21',
      trigger: 'manual',
      summary: 'Nothing new since yesterday',
      empty: true,
    });
    expect(tray.tooltip).toBe('Nook: briefing ready');
    win.webContents.emit('did-navigate-in-page', preventable(), `${appPage}#/library`, true);
    expect(tray.tooltip).toBe('Nook: briefing ready');
    win.webContents.emit('did-navigate-in-page', preventable(), `${appPage}#/briefing`, true);
    expect(tray.tooltip).toBe('Nook');

    // Started at login (no window yet): the briefing opens in a new window, straight on its screen.
    const hidden = await start({}, undefined, {}, ['--hidden']);
    expect(hidden.fake.state.windows).toHaveLength(0);
    hidden.fake.state.trays[0]!.clickItem('Today’s briefing');
    expect(hidden.fake.state.windows).toHaveLength(1);
    expect(mainWindow(hidden.fake).webContents.url).toBe(`${appPage}#/briefing`);
  });

  it('a reminder coming due shows an OS notification and counts on the tray and badge until it is done', async () => {
    const { fake } = await start();
    const tray = fake.state.trays[0]!;
    const created = await fake.invoke(appFrame, 'reminders.create', {
      text: 'Pay the rent',
      due: Date.now() - 60_000,
    });
    expect(created.ok).toBe(true);
    const id = (created.value as { id: number }).id;
    await vi.waitFor(() => {
      expect(fake.state.notifications.map((n) => n.options.title)).toContain('Reminder: Pay the rent');
      expect(tray.tooltip).toBe('Nook: 1 reminder due');
    }, WAIT);
    expect(fake.state.badgeCounts.at(-1)).toBe(1);

    expect((await fake.invoke(appFrame, 'reminders.complete', { id })).ok).toBe(true);
    await vi.waitFor(() => expect(tray.tooltip).toBe('Nook'), WAIT);
    expect(fake.state.badgeCounts.at(-1)).toBe(0);
  });

  it('registers both hotkeys from settings; the quick-ask hotkey toggles the quick-ask window', async () => {
    const { fake } = await start(
      {},
      { version: 1, hotkeys: { pushToTalk: 'Ctrl+Shift+Space', quickAsk: 'Alt+Q' } },
    );
    expect([...fake.state.shortcuts.keys()].sort()).toEqual(['Alt+Q', 'Ctrl+Shift+Space']);
    const list = await fake.invoke(appFrame, 'hotkeys.list', {});
    expect(list.value).toEqual([
      { id: 'pushToTalk', accelerator: 'Ctrl+Shift+Space', registered: true, problem: null },
      { id: 'quickAsk', accelerator: 'Alt+Q', registered: true, problem: null },
    ]);
    fake.state.shortcuts.get('Alt+Q')!();
    expect(quickWindow(fake)!.isVisible()).toBe(true);
    fake.state.shortcuts.get('Alt+Q')!();
    expect(quickWindow(fake)!.isVisible()).toBe(false);

    // Push to talk toggles the voice loop: the window hears about it (listening, or why it cannot).
    const win = mainWindow(fake);
    win.focus();
    fake.state.shortcuts.get('Ctrl+Shift+Space')!();
    // The overlay comes up at once, on top, without taking the focus from where the user was, and
    // holds Esc while it shows.
    const overlay = fake.state.windows.find((w) => w.options.title === 'Nook voice')!;
    expect(overlay.options).toMatchObject({
      frame: false,
      focusable: false,
      alwaysOnTop: true,
      skipTaskbar: true,
    });
    expect(overlay.webContents.url).toContain('voiceoverlay.html');
    expect(overlay.isVisible()).toBe(true);
    expect(overlay.isFocused()).toBe(false);
    expect(win.isFocused()).toBe(true);
    expect(fake.state.shortcuts.has('Escape')).toBe(true);
    await vi.waitFor(() => expect(JSON.stringify(win.webContents.sent)).toContain('voice.state'), {
      timeout: 10_000,
    });
    // Esc (whichever app has the focus) cancels the turn; once the turn is over (here: cancelled, or
    // no microphone on this machine and its message shown for a moment) the overlay hides and Esc is
    // given back to the other apps.
    fake.state.shortcuts.get('Escape')?.();
    await fake.invoke(appFrame, 'voice.cancel', {});
    await vi.waitFor(() => expect(overlay.isVisible()).toBe(false), { timeout: 10_000 });
    expect(fake.state.shortcuts.has('Escape')).toBe(false);
  });

  it('reports a taken accelerator (hotkeys.list, notice, hotkeys.changed) and re-registers when the setting changes', async () => {
    const { fake } = await start({ takenAccelerators: ['CommandOrControl+Alt+K', 'CommandOrControl+Alt+J'] });
    const win = mainWindow(fake);
    expect([...fake.state.shortcuts.keys()]).toEqual(['CommandOrControl+Alt+Space']);
    const list = await fake.invoke(appFrame, 'hotkeys.list', {});
    expect(list.value).toContainEqual({
      id: 'quickAsk',
      accelerator: 'CommandOrControl+Alt+K',
      registered: false,
      problem: 'Ctrl+Alt+K is taken by another application',
    });

    // Changing to another taken one: a notice and a hotkeys.changed event reach the window.
    const sentBefore = win.webContents.sent.length;
    await fake.invoke(appFrame, 'settings.update', { hotkeys: { quickAsk: 'CommandOrControl+Alt+J' } });
    const events = win.webContents.sent
      .slice(sentBefore)
      .map((s) => s.message as { event: string; payload: unknown });
    const notice = events.find((e) => e.event === 'system.notice');
    expect(notice?.payload).toMatchObject({ level: 'warning' });
    expect((notice?.payload as { message: string }).message).toContain(
      'Ctrl+Alt+J is taken by another application',
    );
    const changed = events.find((e) => e.event === 'hotkeys.changed');
    expect(changed?.payload).toContainEqual(
      expect.objectContaining({ id: 'quickAsk', accelerator: 'CommandOrControl+Alt+J', registered: false }),
    );

    // A free one registers; push-to-talk is left alone (not unregistered and registered again).
    const pttRegistrations = () =>
      fake.state.log.filter((l) => l === 'shortcut.register:CommandOrControl+Alt+Space');
    expect(pttRegistrations()).toHaveLength(1);
    await fake.invoke(appFrame, 'settings.update', { hotkeys: { quickAsk: 'CommandOrControl+Shift+K' } });
    expect([...fake.state.shortcuts.keys()].sort()).toEqual([
      'CommandOrControl+Alt+Space',
      'CommandOrControl+Shift+K',
    ]);
    expect(pttRegistrations()).toHaveLength(1);
    const after = await fake.invoke(appFrame, 'hotkeys.list', {});
    expect(after.value).toContainEqual({
      id: 'quickAsk',
      accelerator: 'CommandOrControl+Shift+K',
      registered: true,
      problem: null,
    });

    // Moving it again unregisters the old accelerator.
    await fake.invoke(appFrame, 'settings.update', { hotkeys: { quickAsk: 'CommandOrControl+Shift+L' } });
    expect(fake.state.log).toContain('shortcut.unregister:CommandOrControl+Shift+K');
    expect(fake.state.shortcuts.has('CommandOrControl+Shift+K')).toBe(false);
  });

  it('on quit disposes everything in reverse order, then exits', async () => {
    const { fake, nook } = await start();
    fake.state.windows[0]!.webContents.url = appPage;
    mainWindow(fake); // the main window exists
    nook!.quickAsk.show(); // and the quick-ask window
    const coreDispose = nook!.core.dispose;
    nook!.core.dispose = async () => {
      fake.state.log.push('core.dispose');
      await coreDispose();
    };
    const db = nook!.core.db;

    fake.app.quit();
    expect(await fake.state.exited).toBe(0);

    const log = fake.state.log;
    const at = (entry: string) => {
      const i = log.indexOf(entry);
      expect(i, entry).toBeGreaterThanOrEqual(0);
      return i;
    };
    const hotkeysOff = Math.max(
      at('shortcut.unregister:CommandOrControl+Alt+Space'),
      at('shortcut.unregister:CommandOrControl+Alt+K'),
    );
    const order = [
      hotkeysOff,
      at('tray.destroy'),
      at('window.destroy:Nook quick ask'),
      at('window.destroy:Nook'),
      at(`ipc.removeHandler:${IPC_INVOKE_CHANNEL}`),
      at('session.onHeadersReceived:null'),
      at('core.dispose'),
      at('app.exit:0'),
    ];
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(fake.state.handlers.size).toBe(0);
    expect(fake.state.shortcuts.size).toBe(0);
    expect(fake.state.trays[0]!.destroyed).toBe(true);
    expect(db.open).toBe(false);
    // A second quit request during/after shutdown does not start another one.
    fake.app.quit();
    expect(fake.state.log.filter((l) => l === 'core.dispose')).toHaveLength(1);
  });

  it('in development loads the Vite dev server and trusts its origin; a packaged app ignores ELECTRON_RENDERER_URL', async () => {
    const dev = await start({}, undefined, { ELECTRON_RENDERER_URL: 'http://localhost:5173' });
    const devWin = mainWindow(dev.fake);
    expect(devWin.webContents.url).toBe('http://localhost:5173/');
    expect(
      await dev.fake.invoke({ url: 'http://localhost:5173/', parent: null }, 'settings.get', {}),
    ).toMatchObject({
      ok: true,
    });
    expect(devWin.webContents.navigate('http://localhost:5173/#/settings')).toBe(true);
    let headers: Record<string, string[]> = {};
    dev.fake.state.headersListener!({ url: 'http://localhost:5173/', responseHeaders: {} }, (r) => {
      headers = (r as { responseHeaders: Record<string, string[]> }).responseHeaders;
    });
    // Vite's HMR client needs its websocket; React Refresh needs an inline preamble.
    expect(headers['Content-Security-Policy']![0]).toContain('ws://localhost:*');
    expect(headers['Content-Security-Policy']![0]).toContain("script-src 'self' 'unsafe-inline'");
    await dev.nook!.shutdown();

    const packaged = await start({ packaged: true }, undefined, {
      ELECTRON_RENDERER_URL: 'https://evil.example/',
    });
    const win = mainWindow(packaged.fake);
    expect(win.webContents.url).toBe(appPage);
    expect(
      await packaged.fake.invoke({ url: 'https://evil.example/', parent: null }, 'settings.get', {}),
    ).toMatchObject({ code: 'FORBIDDEN' });
    // Packaged: icons come from process.resourcesPath (electron-builder extraResources).
    expect((packaged.fake.state.trays[0]!.image as { path: string }).path).toBe(
      path.join('/opt/Nook/resources', 'tray.png'),
    );
  });

  it('launch at login: the installed app writes and removes its autostart entry; --hidden starts in the tray', async () => {
    const { fake, dir } = await start(
      { packaged: true },
      { version: 1, general: { launchAtLogin: true } },
      { APPIMAGE: '/home/u/Apps/Nook 0.1.0.AppImage' },
      ['/opt/Nook/nook', '--hidden'],
    );
    const entry = path.join(dir, '.config', 'autostart', 'app.nook.desktop');
    expect(fs.readFileSync(entry, 'utf8')).toContain('Exec="/home/u/Apps/Nook 0.1.0.AppImage" --hidden');
    // Started hidden: no window until the user asks for one.
    expect(fake.state.windows).toHaveLength(0);
    fake.state.trays[0]!.clickItem('Open Nook');
    expect(fake.state.windows).toHaveLength(1);
    const frame = { url: mainWindow(fake).webContents.url, parent: null };
    await fake.invoke(frame, 'settings.update', { general: { launchAtLogin: false } });
    expect(fs.existsSync(entry)).toBe(false);

    // A development run never registers the bare Electron binary.
    const devRun = await start({}, { version: 1, general: { launchAtLogin: true } });
    expect(fs.existsSync(path.join(devRun.dir, '.config', 'autostart', 'app.nook.desktop'))).toBe(false);
    expect(devRun.fake.app.loginItems).toEqual([]);
  });

  it('guards every webContents, including the quick-ask window created later', async () => {
    const { fake, nook } = await start();
    nook!.quickAsk.show();
    const qa = quickWindow(fake)!.webContents;
    expect(qa.navigate('https://evil.example/')).toBe(false);
    expect(qa.navigate('file:///tmp/dropped.txt')).toBe(false);
    expect(qa.openWindow('https://example.com/')).toEqual({ action: 'deny' });
  });

  it('a quit during start-up exits cleanly: no error box, nothing left registered', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-shell-'));
    const fake = createFakeElectron({ userData: dir, appPath: repoRoot });
    const nook = await startApp(fake.module as unknown as ElectronMain, {
      mainDir,
      loadStore: async () => {
        fake.app.quit(); // the user quits from the dock / a signal while the core is still being built
        return Conf as unknown as StoreCtor;
      },
      keychain: memoryKeychain(),
      env: {},
      platform: 'linux',
      argv: [],
    });
    expect(nook).toBeNull();
    expect(await fake.state.exited).toBe(0);
    expect(fake.state.errorBoxes).toEqual([]);
    expect(fake.state.handlers.size).toBe(0);
    expect(fake.state.windows.filter((w) => !w.destroyed)).toHaveLength(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows an error box and exits 1 when the core cannot start', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-shell-'));
    // A file where the data directory should be: the core cannot create its database.
    const blocked = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocked, 'x');
    const fake = createFakeElectron({ userData: blocked, appPath: repoRoot });
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const nook = await startApp(fake.module as unknown as ElectronMain, {
      mainDir,
      loadStore: async () => Conf as unknown as StoreCtor,
      keychain: memoryKeychain(),
      env: {},
      platform: 'linux',
    });
    errors.mockRestore();
    expect(nook).toBeNull();
    expect(fake.state.exitCode).toBe(1);
    expect(fake.state.errorBoxes[0]?.title).toBe('Nook could not start');
    expect(fake.state.handlers.size).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
