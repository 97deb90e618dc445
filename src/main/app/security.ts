/**
 * Web security for every window: CSP header, permission policy, navigation and window.open guards.
 * Renderers are untrusted: they may show only the app's own pages, open nothing, and get no
 * permission except writing to the clipboard and (later, for voice) the microphone.
 */
import type { Session, WebContents } from 'electron';
import { toDisposable, type Disposable } from '../../shared/lifecycle';

/** Strict CSP for the app's pages. Dev adds what Vite's HMR client and React Refresh need. */
export function contentSecurityPolicy(dev: boolean): string {
  const directives: Array<[string, string]> = [
    ['default-src', "'self'"],
    ['script-src', dev ? "'self' 'unsafe-inline'" : "'self'"],
    ['style-src', "'self' 'unsafe-inline'"],
    ['img-src', "'self' data: blob:"],
    ['font-src', "'self' data:"],
    ['media-src', "'self' blob:"],
    ['connect-src', dev ? "'self' ws://localhost:* ws://127.0.0.1:*" : "'self'"],
    ['worker-src', "'self' blob:"],
    ['object-src', "'none'"],
    ['frame-src', "'none'"],
    ['base-uri', "'none'"],
    ['form-action', "'none'"],
    ['frame-ancestors', "'none'"],
  ];
  return directives.map(([k, v]) => `${k} ${v}`).join('; ');
}

export type SessionLike = Pick<
  Session,
  'webRequest' | 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'
>;

export interface SecurityOptions {
  /** True for the app's own pages (the top-frame check of the IPC registrar). */
  isAppUrl(url: string): boolean;
  dev: boolean;
  log?: { warn(obj: object, msg: string): void };
}

/** Installs the CSP header and the permission policy on a session; disposing removes them. */
export function installSessionSecurity(session: SessionLike, opts: SecurityOptions): Disposable {
  const csp = contentSecurityPolicy(opts.dev);
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...(details.responseHeaders ?? {}) };
    if (opts.isAppUrl(details.url)) {
      for (const key of Object.keys(headers)) {
        if (key.toLowerCase() === 'content-security-policy') delete headers[key];
      }
      headers['Content-Security-Policy'] = [csp];
    }
    callback({ responseHeaders: headers });
  });

  session.setPermissionRequestHandler((webContents, permission, callback, details) => {
    const url = details?.requestingUrl || webContents?.getURL?.() || '';
    const mediaTypes = (details as { mediaTypes?: string[] } | undefined)?.mediaTypes;
    const granted = allowPermission(permission, url, opts.isAppUrl, mediaTypes);
    if (!granted) opts.log?.warn({ permission }, 'permission request denied');
    callback(granted);
  });

  session.setPermissionCheckHandler((webContents, permission, _origin, details) => {
    const url = details?.requestingUrl || webContents?.getURL?.() || '';
    const mediaType = details?.mediaType;
    return allowPermission(permission, url, opts.isAppUrl, mediaType ? [mediaType] : undefined);
  });

  // No USB, HID or serial devices for web content, ever.
  session.setDevicePermissionHandler(() => false);

  return toDisposable(() => {
    session.webRequest.onHeadersReceived(null);
    session.setPermissionRequestHandler(null);
    session.setPermissionCheckHandler(null);
    session.setDevicePermissionHandler(null);
  });
}

/**
 * The whole permission policy: the app's pages may write to the clipboard and use the microphone
 * (audio only: no camera, no screen); anything else, and anything from elsewhere, is denied.
 */
export function allowPermission(
  permission: string,
  requestingUrl: string,
  isAppUrl: (url: string) => boolean,
  mediaTypes?: readonly string[],
): boolean {
  if (!isAppUrl(requestingUrl)) return false;
  if (permission === 'clipboard-sanitized-write') return true;
  if (permission === 'media') {
    return mediaTypes !== undefined && mediaTypes.length > 0 && mediaTypes.every((t) => t === 'audio');
  }
  return false;
}

export function isExternalHttpUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export type GuardedContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/**
 * Every webContents (windows, devtools, anything created later): no new windows, no navigation away
 * from the app, no <webview>. http(s) links go to the user's browser instead.
 */
export function guardWebContents(
  contents: GuardedContents,
  opts: { isAppUrl(url: string): boolean; openExternal(url: string): unknown; log?: SecurityOptions['log'] },
): void {
  const openOutside = (url: string): void => {
    if (!isExternalHttpUrl(url)) return;
    Promise.resolve()
      .then(() => opts.openExternal(url))
      .catch((e: unknown) => opts.log?.warn({ err: e }, 'could not open a link in the browser'));
  };

  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url);
    return { action: 'deny' };
  });

  contents.on('will-navigate', (event, url) => {
    // In-app navigations are allowed here; dropGuard.ts still refuses any file: URL (a dropped file).
    if (opts.isAppUrl(url)) return;
    event.preventDefault();
    opts.log?.warn({ scheme: safeScheme(url) }, 'navigation away from the app blocked');
    openOutside(url);
  });

  contents.on('will-redirect', (event, url) => {
    if (opts.isAppUrl(url)) return;
    event.preventDefault();
  });

  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
}

function safeScheme(url: string): string {
  const i = url.indexOf(':');
  return i > 0 ? url.slice(0, i) : 'invalid';
}
