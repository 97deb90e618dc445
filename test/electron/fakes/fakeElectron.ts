/**
 * A stand-in for the `electron` module: enough of app, BrowserWindow, webContents, Tray, Menu, Notification,
 * globalShortcut, ipcMain, session, shell, safeStorage, nativeImage, dialog, contextBridge,
 * ipcRenderer and webUtils to run the real shell code in plain Node and watch what it does.
 * No Electron binary can run on this machine; this is how the wiring is tested.
 */
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';

export interface FakeOptions {
  userData: string;
  appPath: string;
  /** What requestSingleInstanceLock returns (false: another Nook runs). */
  lock?: boolean;
  /** Accelerators another application holds: register returns false. */
  takenAccelerators?: string[];
  safeStorageAvailable?: boolean;
  safeStorageBackend?: string;
  /** app.isPackaged (default false: a development run). */
  packaged?: boolean;
}

export interface PreventableEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
}

export function preventable(): PreventableEvent {
  return {
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

type WindowOpenHandler = (details: { url: string }) => { action: 'allow' | 'deny' };

export class FakeWebContents extends EventEmitter {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  url = '';
  destroyed = false;
  sent: Array<{ channel: string; message: unknown }> = [];
  windowOpenHandler: WindowOpenHandler | null = null;

  constructor(private readonly state: FakeState) {
    super();
  }

  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }
  getURL(): string {
    return this.url;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  send(channel: string, message: unknown): void {
    this.sent.push({ channel, message });
  }
  /** The main frame, as Electron's IPC event carries it in `senderFrame`. */
  get mainFrame(): { url: string; parent: null } {
    return { url: this.url, parent: null };
  }
  /** Simulates a page-initiated navigation; returns whether it was allowed. */
  navigate(url: string): boolean {
    const event = preventable();
    this.emit('will-navigate', event, url);
    if (!event.defaultPrevented) this.url = url;
    return !event.defaultPrevented;
  }
  /** Simulates window.open / target=_blank. */
  openWindow(url: string): { action: string } {
    if (!this.windowOpenHandler) return { action: 'allow' };
    return this.windowOpenHandler({ url });
  }
  get log(): string[] {
    return this.state.log;
  }
}

export interface FakeState {
  log: string[];
  windows: FakeBrowserWindow[];
  trays: FakeTray[];
  handlers: Map<string, (event: unknown, ...args: unknown[]) => unknown>;
  ipcOn: Map<string, unknown>;
  shortcuts: Map<string, () => void>;
  taken: Set<string>;
  headersListener: ((details: unknown, cb: (r: unknown) => void) => void) | null;
  permissionRequest: ((...args: unknown[]) => void) | null;
  permissionCheck: ((...args: unknown[]) => boolean) | null;
  deviceHandler: ((...args: unknown[]) => boolean) | null;
  openedExternally: string[];
  exitCode: number | null;
  exited: Promise<number>;
  errorBoxes: Array<{ title: string; content: string }>;
  exposed: Map<string, unknown>;
  /** shell.openPath calls, and what the next ones answer ('' = opened; else Electron's error text). */
  openedPaths: string[];
  openPathAnswer: string;
  /** dialog.showOpenDialog calls (parent window or null, options), and what the next ones answer. */
  openDialogs: Array<{ parent: FakeBrowserWindow | null; options: Record<string, unknown> }>;
  openDialogAnswer: { canceled: boolean; filePaths: string[] };
  /** Notifications shown (Notification.show), in order. */
  notifications: FakeNotification[];
  /** app.setBadgeCount calls, in order. */
  badgeCounts: number[];
}

export class FakeBrowserWindow extends EventEmitter {
  static state: FakeState;
  readonly webContents: FakeWebContents;
  readonly options: Record<string, unknown> & { webPreferences?: Record<string, unknown> };
  visible = false;
  focused = false;
  minimized = false;
  destroyed = false;
  alwaysOnTop: unknown[] = [];

  constructor(options: Record<string, unknown>) {
    super();
    const state = FakeBrowserWindow.state;
    this.options = options;
    this.webContents = new FakeWebContents(state);
    state.windows.push(this);
    fakeApp(state).emit('web-contents-created', preventable(), this.webContents);
  }

  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.state.windows.filter((w) => !w.destroyed);
  }

  static getFocusedWindow(): FakeBrowserWindow | null {
    return FakeBrowserWindow.getAllWindows().find((w) => w.focused) ?? null;
  }

  async loadURL(url: string): Promise<void> {
    this.webContents.url = url;
  }
  async loadFile(file: string, options?: { hash?: string; search?: string }): Promise<void> {
    this.webContents.url =
      pathToFileURL(file).href +
      (options?.search ? `?${options.search}` : '') +
      (options?.hash ? `#${options.hash}` : '');
  }
  show(): void {
    this.visible = true;
    this.focused = true;
  }
  /** Shows without taking the focus (the push-to-talk overlay). */
  showInactive(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
    this.focused = false;
  }
  focus(): void {
    this.focused = true;
  }
  blur(): void {
    this.focused = false;
    this.emit('blur');
  }
  isVisible(): boolean {
    return this.visible;
  }
  isFocused(): boolean {
    return this.focused;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  center(): void {}
  setAlwaysOnTop(...args: unknown[]): void {
    this.alwaysOnTop = args;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** What window.close() or the close button does: 'close' may be prevented. */
  close(): void {
    const event = preventable();
    this.emit('close', event);
    if (event.defaultPrevented) return;
    this.destroy();
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.webContents.destroyed = true;
    FakeBrowserWindow.state.log.push(`window.destroy:${this.options.title as string}`);
    this.emit('closed');
  }
}

export class FakeTray extends EventEmitter {
  static state: FakeState;
  tooltip = '';
  /** The text next to the icon (macOS menu bar). */
  title = '';
  menu: { items: Array<{ id?: string; label?: string; type?: string; click?: () => void }> } | null = null;
  destroyed = false;

  constructor(readonly image: unknown) {
    super();
    FakeTray.state.trays.push(this);
  }
  setToolTip(t: string): void {
    this.tooltip = t;
  }
  setTitle(t: string): void {
    this.title = t;
  }
  setContextMenu(menu: FakeTray['menu']): void {
    this.menu = menu;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
    FakeTray.state.log.push('tray.destroy');
  }
  clickItem(label: string): void {
    const item = this.menu?.items.find((i) => i.label === label);
    if (!item?.click) throw new Error(`No menu item ${label}`);
    item.click();
  }
}

/** Electron's `Notification`: records what was shown; `click()` does what clicking it in the OS does. */
export class FakeNotification extends EventEmitter {
  static state: FakeState;
  static supported = true;
  static isSupported(): boolean {
    return FakeNotification.supported;
  }
  shown = false;
  closed = false;
  constructor(readonly options: { title: string; body?: string }) {
    super();
  }
  show(): void {
    this.shown = true;
    FakeNotification.state.notifications.push(this);
    FakeNotification.state.log.push(`notification.show:${this.options.title}`);
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', {});
  }
  click(): void {
    this.emit('click', {});
  }
}

const apps = new WeakMap<FakeState, EventEmitter>();
function fakeApp(state: FakeState): EventEmitter {
  return apps.get(state)!;
}

export function createFakeElectron(opts: FakeOptions) {
  let resolveExit!: (code: number) => void;
  const state: FakeState = {
    log: [],
    windows: [],
    trays: [],
    handlers: new Map(),
    ipcOn: new Map(),
    shortcuts: new Map(),
    taken: new Set(opts.takenAccelerators ?? []),
    headersListener: null,
    permissionRequest: null,
    permissionCheck: null,
    deviceHandler: null,
    openedExternally: [],
    exitCode: null,
    exited: new Promise<number>((r) => (resolveExit = r)),
    errorBoxes: [],
    exposed: new Map(),
    openedPaths: [],
    openPathAnswer: '',
    openDialogs: [],
    openDialogAnswer: { canceled: true, filePaths: [] },
    notifications: [],
    badgeCounts: [],
  };

  const appEmitter = new EventEmitter();
  apps.set(state, appEmitter);
  let quitting = false;
  const app = Object.assign(appEmitter, {
    isPackaged: opts.packaged ?? false,
    commandLine: {
      switches: [] as string[][],
      appendSwitch: (...a: string[]) => app.commandLine.switches.push(a),
    },
    lockRequested: 0,
    sandboxEnabled: false,
    requestSingleInstanceLock() {
      app.lockRequested++;
      return opts.lock ?? true;
    },
    enableSandbox() {
      app.sandboxEnabled = true;
    },
    setAppUserModelId() {},
    setBadgeCount(count = 0) {
      state.badgeCounts.push(count);
      return true;
    },
    loginItems: [] as unknown[],
    setLoginItemSettings(settings: unknown) {
      app.loginItems.push(settings);
    },
    whenReady: () => Promise.resolve(),
    getPath(name: string) {
      if (name !== 'userData') throw new Error(`unexpected getPath(${name})`);
      return opts.userData;
    },
    getVersion: () => '0.1.0-test',
    getName: () => 'Nook',
    getAppPath: () => opts.appPath,
    quitCalls: 0,
    /** Like Electron: before-quit (preventable), then will-quit (preventable), then exit. */
    quit() {
      app.quitCalls++;
      if (quitting) return;
      const e1 = preventable();
      appEmitter.emit('before-quit', e1);
      if (e1.defaultPrevented) return;
      const e2 = preventable();
      appEmitter.emit('will-quit', e2);
      if (e2.defaultPrevented) return;
      quitting = true;
      app.exit(0);
    },
    exit(code = 0) {
      if (state.exitCode !== null) return;
      state.exitCode = code;
      state.log.push(`app.exit:${code}`);
      resolveExit(code);
    },
  });

  FakeBrowserWindow.state = state;
  FakeTray.state = state;
  FakeNotification.state = state;
  FakeNotification.supported = true;

  const globalShortcut = {
    register(accelerator: string, cb: () => void): boolean {
      if (/\bNotAKey\b/.test(accelerator)) throw new Error(`conversion failure: ${accelerator}`);
      if (state.taken.has(accelerator) || state.shortcuts.has(accelerator)) return false;
      state.shortcuts.set(accelerator, cb);
      state.log.push(`shortcut.register:${accelerator}`);
      return true;
    },
    unregister(accelerator: string): void {
      state.shortcuts.delete(accelerator);
      state.log.push(`shortcut.unregister:${accelerator}`);
    },
    isRegistered: (a: string) => state.shortcuts.has(a),
    unregisterAll() {
      state.shortcuts.clear();
    },
  };

  const ipcMain = {
    handle(channel: string, fn: (event: unknown, ...args: unknown[]) => unknown) {
      if (state.handlers.has(channel))
        throw new Error(`Attempted to register a second handler for '${channel}'`);
      state.handlers.set(channel, fn);
      state.log.push(`ipc.handle:${channel}`);
    },
    removeHandler(channel: string) {
      state.handlers.delete(channel);
      state.log.push(`ipc.removeHandler:${channel}`);
    },
    // electron-store listens here for its renderer helper.
    on(channel: string, fn: unknown) {
      state.ipcOn.set(channel, fn);
    },
  };

  const defaultSession = {
    webRequest: {
      onHeadersReceived(listener: FakeState['headersListener']) {
        state.headersListener = listener;
        if (listener === null) state.log.push('session.onHeadersReceived:null');
      },
    },
    setPermissionRequestHandler(h: FakeState['permissionRequest']) {
      state.permissionRequest = h;
    },
    setPermissionCheckHandler(h: FakeState['permissionCheck']) {
      state.permissionCheck = h;
    },
    setDevicePermissionHandler(h: FakeState['deviceHandler']) {
      state.deviceHandler = h;
    },
  };

  const safeStorage = {
    isEncryptionAvailable: () => opts.safeStorageAvailable ?? true,
    getSelectedStorageBackend: () => opts.safeStorageBackend ?? 'gnome_libsecret',
    // Not real crypto: a reversible transform that is visibly not the plaintext.
    encryptString: (s: string) => Buffer.from(`enc:${Buffer.from(s).toString('hex')}`),
    decryptString: (b: Buffer) => Buffer.from(b.toString().replace(/^enc:/, ''), 'hex').toString(),
  };

  const module = {
    app,
    BrowserWindow: FakeBrowserWindow,
    Tray: FakeTray,
    Notification: FakeNotification,
    Menu: { buildFromTemplate: (items: unknown[]) => ({ items }) },
    globalShortcut,
    ipcMain,
    session: { defaultSession },
    shell: {
      openExternal: async (url: string) => {
        state.openedExternally.push(url);
      },
      openPath: async (p: string) => {
        state.openedPaths.push(p);
        return state.openPathAnswer;
      },
    },
    safeStorage,
    nativeImage: { createFromPath: (p: string) => ({ path: p, isEmpty: () => false }) },
    dialog: {
      showErrorBox: (title: string, content: string) => void state.errorBoxes.push({ title, content }),
      showOpenDialog: async (...args: unknown[]) => {
        const [parent, options] = (args.length > 1 ? args : [null, args[0]]) as [
          FakeBrowserWindow | null,
          Record<string, unknown>,
        ];
        state.openDialogs.push({ parent, options });
        return state.openDialogAnswer;
      },
    },
    contextBridge: { exposeInMainWorld: (k: string, v: unknown) => void state.exposed.set(k, v) },
    ipcRenderer: { invoke: async () => undefined, on() {}, removeListener() {} },
    webUtils: { getPathForFile: () => '' },
  };

  /** Calls the one invoke handler the way Electron does for a renderer in `frame`. */
  async function invoke(frame: { url: string; parent: unknown } | null, route: unknown, input?: unknown) {
    const h = state.handlers.get('nook:invoke');
    if (!h) throw new Error('no invoke handler registered');
    return (await h({ senderFrame: frame, sender: new EventEmitter() }, route, input)) as {
      ok: boolean;
      value?: unknown;
      code?: string;
      message?: string;
    };
  }

  return { module, state, app, invoke };
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;
