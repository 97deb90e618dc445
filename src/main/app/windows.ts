/** Window factories. Every window gets the same locked-down webPreferences and the app's own page. */
import path from 'node:path';
import type { BrowserWindow, BrowserWindowConstructorOptions, WebPreferences } from 'electron';

export type BrowserWindowCtor = new (options: BrowserWindowConstructorOptions) => BrowserWindow;

/** Where the renderer pages come from: the Vite dev server in development, files when packaged. */
export interface RendererSource {
  devUrl?: string;
  /** Directory holding index.html and quickask.html (out/renderer). */
  dir: string;
}

export type RendererPage = 'index' | 'quickask' | 'voiceoverlay';

export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: true,
  };
}

/**
 * Loads one of the app's pages; `view` opens the main page on that screen (`#/briefing`, read by the
 * renderer's navigation store); `search` is its query (`conversation=12`, read by the Ask screen).
 */
export function loadPage(
  win: Pick<BrowserWindow, 'loadURL' | 'loadFile'>,
  source: RendererSource,
  page: RendererPage,
  view?: string,
  search?: string,
) {
  const hash = view ? `/${encodeURIComponent(view)}` : '';
  if (source.devUrl) {
    const base = source.devUrl.endsWith('/') ? source.devUrl : `${source.devUrl}/`;
    return win.loadURL(
      (page === 'index' ? base : `${base}${page}.html`) +
        (search ? `?${search}` : '') +
        (hash ? `#${hash}` : ''),
    );
  }
  return win.loadFile(
    path.join(source.dir, `${page}.html`),
    hash || search ? { ...(hash ? { hash } : {}), ...(search ? { search } : {}) } : undefined,
  );
}

export function createMainWindow(
  BrowserWindowClass: BrowserWindowCtor,
  opts: { preload: string; icon?: string; source: RendererSource; view?: string; search?: string },
): BrowserWindow {
  const win = new BrowserWindowClass({
    width: 1100,
    height: 740,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Nook',
    autoHideMenuBar: true,
    backgroundColor: '#1f2329',
    ...(opts.icon ? { icon: opts.icon } : {}),
    webPreferences: secureWebPreferences(opts.preload),
  });
  win.once('ready-to-show', () => win.show());
  void loadPage(win, opts.source, 'index', opts.view, opts.search);
  return win;
}

export function createQuickAskWindow(
  BrowserWindowClass: BrowserWindowCtor,
  opts: { preload: string; source: RendererSource },
): BrowserWindow {
  const win = new BrowserWindowClass({
    width: 680,
    height: 420,
    show: false,
    frame: false,
    alwaysOnTop: true,
    skipTaskbar: true,
    resizable: false,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    title: 'Nook quick ask',
    backgroundColor: '#1f2329',
    webPreferences: secureWebPreferences(opts.preload),
  });
  void loadPage(win, opts.source, 'quickask');
  return win;
}

/**
 * The push-to-talk overlay (voiceOverlay.ts): small, frameless, always on top, not focusable (so it
 * never takes the keyboard from the app the user is in), no taskbar entry; shown with showInactive.
 */
export function createVoiceOverlayWindow(
  BrowserWindowClass: BrowserWindowCtor,
  opts: { preload: string; source: RendererSource },
): BrowserWindow {
  const win = new BrowserWindowClass({
    width: 440,
    height: 150,
    show: false,
    frame: false,
    alwaysOnTop: true,
    focusable: false,
    skipTaskbar: true,
    resizable: false,
    movable: true,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    hasShadow: true,
    title: 'Nook voice',
    backgroundColor: '#1f2329',
    webPreferences: secureWebPreferences(opts.preload),
  });
  void loadPage(win, opts.source, 'voiceoverlay');
  return win;
}
