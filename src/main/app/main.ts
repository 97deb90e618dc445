/**
 * The Electron composition root, with the `electron` module passed in so it can be exercised with a
 * stand-in (test/electron/shell.test.ts). Builds the core, then the shell around it: IPC, windows,
 * tray, global hotkeys. Everything it starts goes into one DisposableStore, disposed in reverse on
 * quit. Nothing here blocks the main thread: native work lives in the services and their workers.
 */
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as ElectronNs from 'electron';
import type { BrowserWindow } from 'electron';
import { DisposableStore, toDisposable } from '../../shared/lifecycle';
import { AppError, isAppError } from '../../shared/ipc/result';
import { createCore, type Core } from '../core';
import { registerIpc, createSenderValidator } from '../ipc/registrar';
import { forwardEvents } from '../ipc/eventForwarder';
import type { KeychainBackend } from '../services/secrets/secretStore';
import { KeytarBackend } from '../services/secrets/keytarBackend';
import { ElectronStoreBackend, type StoreCtor } from './electronStoreBackend';
import { chooseKeychain, SafeStorageKeychain } from './safeStorageKeychain';
import { guardWebContents, installSessionSecurity } from './security';
import { installDropGuard } from './dropGuard';
import {
  createMainWindow,
  createQuickAskWindow,
  createVoiceOverlayWindow,
  type BrowserWindowCtor,
  type RendererSource,
} from './windows';
import { QuickAskController } from './quickAsk';
import { VoiceOverlayController } from './voiceOverlay';
import { attentionCount, createTray } from './tray';
import { DesktopNotifier, type NotificationCtor } from './notifications';
import { IPC_EVENT_CHANNEL } from '../../shared/ipc/channels';
import { HotkeyRegistry } from './hotkeys';
import { applyLoginItem } from './loginItem';
import { DesktopApiServer } from './apiServer';

/** The parts of the `electron` module the shell uses (the real module, or a stand-in in tests). */
export type ElectronMain = Pick<
  typeof ElectronNs,
  | 'app'
  | 'BrowserWindow'
  | 'Tray'
  | 'Menu'
  | 'globalShortcut'
  | 'ipcMain'
  | 'session'
  | 'shell'
  | 'safeStorage'
  | 'nativeImage'
  | 'dialog'
  | 'Notification'
>;

export interface StartOptions {
  /** Directory of the built main bundle (out/main): the preload and renderer lie next to it. */
  mainDir: string;
  /** electron-store's class, loaded lazily because electron-store imports `electron` at load. */
  loadStore?: () => Promise<StoreCtor>;
  /** A keychain to use instead of the OS one (tests). */
  keychain?: KeychainBackend;
  env?: Record<string, string | undefined>;
  platform?: string;
  /** Command-line arguments (default process.argv); `--hidden` starts in the tray (launch at login). */
  argv?: readonly string[];
  /** Home directory (default os.homedir()), for the Linux autostart entry. */
  homeDir?: string;
  /** Electron's process.resourcesPath (where extraResources land in a packaged app). */
  resourcesPath?: string;
  /** How long quitting waits for services to stop before exiting anyway. */
  shutdownTimeoutMs?: number;
}

export interface NookApp {
  core: Core;
  hotkeys: HotkeyRegistry;
  quickAsk: QuickAskController;
  mainWindow(): BrowserWindow | null;
  openMain(): void;
  /** Disposes everything in reverse order of creation (what quitting does before app.exit). */
  shutdown(): Promise<void>;
}

export async function startApp(electron: ElectronMain, options: StartOptions): Promise<NookApp | null> {
  const { app } = electron;
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;

  // One Nook at a time: a second launch focuses the first one's window and exits.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  app.enableSandbox();
  if (platform === 'win32') app.setAppUserModelId('app.nook.desktop');
  if (platform === 'linux' && env.XDG_SESSION_TYPE === 'wayland') {
    // Global shortcuts on Wayland go through the desktop portal.
    app.commandLine.appendSwitch('enable-features', 'GlobalShortcutsPortal');
  }

  const dev =
    !app.isPackaged && typeof env.ELECTRON_RENDERER_URL === 'string' && env.ELECTRON_RENDERER_URL !== '';
  const source: RendererSource = {
    ...(dev ? { devUrl: env.ELECTRON_RENDERER_URL } : {}),
    dir: path.join(options.mainDir, '..', 'renderer'),
  };
  const preload = path.join(options.mainDir, '..', 'preload', 'index.cjs');
  const appOrigins = [`${pathToFileURL(source.dir).href}/`, ...(source.devUrl ? [source.devUrl] : [])];
  const isTrustedSender = createSenderValidator(appOrigins);
  const isAppUrl = (url: string): boolean => isTrustedSender({ url, parent: null });

  let nook: NookApp | null = null;
  let quitting = false;
  let shutdownStarted = false;
  const store = new DisposableStore();

  // The core's logger once it exists (the guards below are installed before it).
  let coreLog: Core['log'] | undefined;
  const lazyLog = { warn: (obj: object, msg: string) => coreLog?.warn(obj, msg) };

  // Before any window exists, so every webContents (windows, devtools, later ones) is guarded.
  app.on('web-contents-created', (_event, contents) => {
    guardWebContents(contents, {
      isAppUrl,
      openExternal: (url) => electron.shell.openExternal(url),
      log: lazyLog,
    });
    installDropGuard(contents, lazyLog);
  });
  app.on('second-instance', () => nook?.openMain());

  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 8000;
  const shutdown = async (): Promise<void> => {
    quitting = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        coreLog?.error({ ms: shutdownTimeoutMs }, 'shutdown timed out; exiting anyway');
        resolve();
      }, shutdownTimeoutMs);
    });
    try {
      await Promise.race([store.dispose(), timeout]);
    } catch (e) {
      // The logger is among the disposed; stderr is what is left.
      console.error('Nook: some parts did not stop cleanly', e);
    } finally {
      clearTimeout(timer);
    }
  };
  const onQuit = (event: { preventDefault(): void }): void => {
    quitting = true;
    if (shutdownStarted) {
      event.preventDefault();
      return;
    }
    shutdownStarted = true;
    event.preventDefault();
    void shutdown().finally(() => app.exit(0));
  };
  app.on('before-quit', onQuit);
  app.on('will-quit', onQuit);

  await app.whenReady();

  try {
    const dataDir = app.getPath('userData');
    const Store = await (options.loadStore ?? loadElectronStore)();
    const settingsBackend = new ElectronStoreBackend(Store, dataDir);
    const chosen = options.keychain
      ? { backend: options.keychain, kind: 'os' as const, problem: null }
      : await chooseKeychain({
          primary: new KeytarBackend(),
          fallback: () => new SafeStorageKeychain(electron.safeStorage, dataDir, platform),
          platform,
        });

    // The registry needs the core's events, and the core asks the registry for `hotkeys.list`.
    const late: { hotkeys?: HotkeyRegistry; openConversation?: (id: number) => void } = {};
    const core = store.add(
      await createCore({
        mode: 'desktop',
        dataDir,
        version: app.getVersion(),
        settingsBackend,
        keychain: chosen.backend,
        hotkeys: () => late.hotkeys?.list() ?? [],
        desktop: {
          async pickFiles({ folders }) {
            const parent = electron.BrowserWindow.getFocusedWindow();
            const options: ElectronNs.OpenDialogOptions = {
              title: folders ? 'Add folders to your Library' : 'Add files to your Library',
              properties: [folders ? 'openDirectory' : 'openFile', 'multiSelections'],
            };
            const r = parent
              ? await electron.dialog.showOpenDialog(parent, options)
              : await electron.dialog.showOpenDialog(options);
            return r.canceled ? [] : r.filePaths;
          },
          openConversation(id) {
            if (!late.openConversation)
              throw new AppError('UNAVAILABLE', 'The main window is not ready yet.');
            late.openConversation(id);
          },
          async openPath(p) {
            // Resolves to an error message ('' on success), e.g. when the file was moved or deleted.
            const problem = await electron.shell.openPath(p);
            if (problem) throw new AppError('NOT_FOUND', `Could not open ${p}: ${problem}`);
          },
        },
        versions: pickVersions(process.versions),
      }),
    );
    const log = core.log;
    coreLog = log;
    if (chosen.kind === 'safeStorage')
      log.info('secrets are kept with Electron safeStorage (no Secret Service found)');
    if (chosen.problem) log.warn({ problem: chosen.problem }, 'the OS keychain is not usable');
    // The local API (Settings > Local API): off unless the user turns it on; 127.0.0.1 only.
    store.add(new DesktopApiServer(core, { fullCore: core }));

    store.add(installSessionSecurity(electron.session.defaultSession, { isAppUrl, dev, log }));
    store.add(registerIpc({ ipcMain: electron.ipcMain, dispatcher: core.dispatcher, isTrustedSender, log }));
    store.add(
      forwardEvents({
        events: core.events,
        targets: () => electron.BrowserWindow.getAllWindows().map((w) => w.webContents),
        isTrustedSender,
      }),
    );

    const BrowserWindowClass = electron.BrowserWindow as unknown as BrowserWindowCtor;
    const resourcesDir = app.isPackaged
      ? (options.resourcesPath ?? process.resourcesPath)
      : path.join(app.getAppPath(), 'resources');
    let main: BrowserWindow | null = null;
    const live = (w: BrowserWindow | null): BrowserWindow | null => (w && !w.isDestroyed() ? w : null);

    // Desktop delivery of the briefing (set up with the tray below): the window and tray tell it what was seen.
    const briefing: { notifier?: DesktopNotifier } = {};

    /**
     * Shows the main window (creating it if needed), on `view` when one is given; with a
     * `conversationId` (view `ask`), on that conversation.
     */
    const openMain = (view?: string, conversationId?: number): void => {
      let win = live(main);
      if (!win) {
        win = createMainWindow(BrowserWindowClass, {
          preload,
          source,
          ...(view ? { view } : {}),
          ...(conversationId ? { search: `conversation=${conversationId}` } : {}),
          ...(platform === 'linux' ? { icon: path.join(resourcesDir, 'icon.png') } : {}),
        });
        const created = win;
        created.on('close', (event) => {
          if (quitting || !core.settings.get().general.closeToTray) return;
          event.preventDefault();
          created.hide();
        });
        // The Briefing screen opened in the window (sidebar, shortcut, voice): the briefing counts as read.
        created.webContents.on('did-navigate-in-page', (_event, url) => {
          if (/#\/briefing$/.test(url)) briefing.notifier?.briefingSeen();
        });
        created.on('closed', () => {
          if (main === created) main = null;
          if (!quitting && platform !== 'darwin') app.quit();
        });
        main = win;
        return;
      }
      if (win.isMinimized()) win.restore();
      win.show();
      win.focus();
      // A loaded window switches views on this event (the renderer's useNavStore); a new one opens there.
      if (view)
        win.webContents.send(IPC_EVENT_CHANNEL, {
          event: 'app.openView',
          payload: { view, ...(conversationId ? { conversationId } : {}) },
        });
    };
    store.add(
      toDisposable(() => {
        const win = live(main);
        main = null;
        win?.destroy();
      }),
    );

    const quickAsk = store.add(
      new QuickAskController(
        () => createQuickAskWindow(BrowserWindowClass, { preload, source }),
        () => quitting,
      ),
    );
    // The push-to-talk overlay follows the voice loop; Esc (held only while it shows) cancels the turn.
    const voiceOverlay = store.add(
      new VoiceOverlayController({
        create: () => createVoiceOverlayWindow(BrowserWindowClass, { preload, source }),
        globalShortcut: electron.globalShortcut,
        cancel: () => void core.voice.cancel(),
      }),
    );
    store.add(core.events.on('voice.state', (s) => voiceOverlay.onState(s)));

    // "Continue in Nook" in the quick ask: the conversation opens in the main window, the popup hides.
    late.openConversation = (id) => {
      quickAsk.hide();
      openMain('ask', id);
    };

    const trayIcon = electron.nativeImage.createFromPath(
      path.join(resourcesDir, platform === 'darwin' ? 'trayTemplate.png' : 'tray.png'),
    );
    const tray = store.add(
      createTray({
        Tray: electron.Tray,
        Menu: electron.Menu,
        icon: trayIcon,
        platform,
        onOpen: () => openMain(),
        onBriefing: () => (briefing.notifier ? briefing.notifier.openBriefing() : openMain('briefing')),
        onQuickAsk: () => quickAsk.show(),
        onQuit: () => app.quit(),
      }),
    );

    // OS notifications for a ready briefing and due reminders; the count of what waits on the tray and badge.
    briefing.notifier = store.add(
      new DesktopNotifier({
        Notification: electron.Notification as unknown as NotificationCtor,
        events: core.events,
        async countDueReminders() {
          const r = await core.dispatcher.dispatch(
            'reminders.list',
            { status: 'open', to: Date.now() },
            { transport: 'internal' },
          );
          if (!r.ok) throw new Error(r.message);
          return (r.value as Array<{ nextAt: number | null }>).filter((x) => x.nextAt !== null).length;
        },
        openBriefing: () => openMain('briefing'),
        showAttention(a) {
          tray.setAttention(a);
          // The dock / Unity launcher count; other platforms answer false and keep the tooltip.
          if (platform === 'darwin' || platform === 'linux') app.setBadgeCount(attentionCount(a));
        },
        log,
      }),
    );

    const registry = store.add(
      new HotkeyRegistry({
        globalShortcut: electron.globalShortcut,
        platform,
        log,
        actions: {
          quickAsk: () => quickAsk.toggle(),
          // Toggle: listen, stop listening, or stop speaking (globalShortcut has no key-up).
          // Failures (no microphone, no model) also arrive as voice.state errors.
          pushToTalk: () => {
            // The overlay appears at once (the microphone takes a moment to start).
            if (core.voice.state.state === 'idle') voiceOverlay.show();
            void core.voice.pushToTalk().catch((e: unknown) =>
              core.events.emit('system.notice', {
                level: 'error',
                message: e instanceof Error ? e.message : 'Push to talk failed.',
              }),
            );
          },
        },
        notify: (notice) => core.events.emit('system.notice', notice),
        changed: (states) => core.events.emit('hotkeys.changed', states),
      }),
    );
    late.hotkeys = registry;
    registry.apply(core.settings.get().hotkeys);
    store.add(core.settings.onDidChange((s) => registry.apply(s.hotkeys)));

    let loginItem: boolean | null = null;
    const applyLogin = (enabled: boolean): void => {
      if (enabled === loginItem) return;
      loginItem = enabled;
      applyLoginItem(
        { app, platform, env, homeDir: options.homeDir ?? os.homedir(), execPath: process.execPath, log },
        enabled,
      );
    };
    applyLogin(core.settings.get().general.launchAtLogin);
    store.add(core.settings.onDidChange((s) => applyLogin(s.general.launchAtLogin)));

    app.on('activate', () => openMain());
    // Started at login: stay in the tray until the user opens the window.
    if (!(options.argv ?? process.argv).includes('--hidden')) openMain();

    nook = {
      core,
      hotkeys: registry,
      quickAsk,
      mainWindow: () => live(main),
      openMain,
      shutdown,
    };
    log.info({ dev, keychain: chosen.kind }, 'desktop shell started');
    return nook;
  } catch (e) {
    // Quit was asked for while starting: the shutdown already disposed what there was; no error box.
    if (quitting) return null;
    const message = isAppError(e) ? e.message : `Nook could not start: ${(e as Error)?.message ?? String(e)}`;
    console.error('Nook failed to start', e);
    await store.dispose().catch(() => undefined);
    try {
      electron.dialog.showErrorBox('Nook could not start', message);
    } finally {
      shutdownStarted = true;
      app.exit(1);
    }
    return null;
  }
}

async function loadElectronStore(): Promise<StoreCtor> {
  const mod = (await import('electron-store')) as unknown as { default: StoreCtor };
  return mod.default;
}

function pickVersions(v: NodeJS.ProcessVersions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['electron', 'chrome', 'node', 'v8'] as const) {
    const value = (v as Record<string, string | undefined>)[key];
    if (value) out[key] = value;
  }
  return out;
}
