/**
 * The Electron binding of the contract: the only caller of `ipcMain.handle`. Every call is checked in
 * the order sender -> route name -> payload size -> (dispatcher: input schema -> service -> output
 * schema), and every outcome crosses the boundary as a `Result`, never as a thrown exception.
 *
 * Only a type import of `electron` here, so it runs (and is tested) in plain Node with a fake ipcMain.
 */
import type { IpcMain } from 'electron';
import { IPC_INVOKE_CHANNEL, isRouteName, MAX_PAYLOAD_BYTES } from '../../shared/ipc/channels';
import { err, type Result } from '../../shared/ipc/result';
import { toDisposable, type Disposable } from '../../shared/lifecycle';
import { jsonSize, type DispatchLogger, type Dispatcher } from '../rpc/dispatcher';

/** The parts of Electron's `WebFrameMain` the sender check reads. */
export interface SenderFrame {
  url: string;
  parent: unknown;
}

/** The parts of Electron's `IpcMainInvokeEvent` the registrar reads. */
export interface InvokeEventLike {
  senderFrame?: SenderFrame | null;
  sender?: { once?(event: 'destroyed', listener: () => void): unknown };
}

export interface RegisterIpcDeps {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  dispatcher: Dispatcher;
  isTrustedSender(frame: SenderFrame | null): boolean;
  log?: DispatchLogger;
}

/**
 * Builds the sender check: the frame must be a top frame (`parent === null`) showing one of the app's
 * own pages. An `http(s)` origin (the dev server) matches by origin; a `file:` entry (the packaged
 * renderer directory) matches files inside that directory only.
 */
export function createSenderValidator(
  appOrigins: string[],
): (frame: SenderFrame | null | undefined) => boolean {
  const webOrigins = new Set<string>();
  const fileDirs: string[] = [];
  for (const entry of appOrigins) {
    const u = safeUrl(entry);
    if (!u) throw new Error(`Not a URL: ${entry}`);
    if (u.protocol === 'http:' || u.protocol === 'https:') {
      webOrigins.add(u.origin);
    } else if (u.protocol === 'file:') {
      // A directory: match by path prefix that ends in a slash, so /out/renderer does not admit /out/renderer-evil.
      fileDirs.push(u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`);
    } else {
      throw new Error(`Unsupported app origin: ${entry}`);
    }
  }
  return (frame) => {
    if (!frame || frame.parent !== null) return false;
    const u = safeUrl(frame.url);
    if (!u) return false;
    if (u.protocol === 'http:' || u.protocol === 'https:') return webOrigins.has(u.origin);
    if (u.protocol === 'file:') {
      // The URL parser has already resolved `..` and percent-decoding of dots, so a prefix check holds.
      if (u.host !== '') return false;
      return fileDirs.some((dir) => u.pathname.startsWith(dir));
    }
    return false;
  };
}

/** Registers the single invoke channel; disposing removes it. */
export function registerIpc(deps: RegisterIpcDeps): Disposable {
  const { ipcMain, dispatcher, isTrustedSender, log } = deps;

  const handle = async (event: InvokeEventLike, route: unknown, input: unknown): Promise<Result<unknown>> => {
    try {
      const frame = event?.senderFrame ?? null;
      if (!isTrustedSender(frame)) {
        log?.warn(
          { route: describeRoute(route), url: frame ? redactUrl(frame.url) : null },
          'IPC call from an untrusted sender refused',
        );
        return err('FORBIDDEN', 'This caller may not use the Nook API');
      }
      if (!isRouteName(route)) {
        return err('UNKNOWN_ROUTE', `Unknown route: ${describeRoute(route)}`);
      }
      if (jsonSize(input) > MAX_PAYLOAD_BYTES) {
        return err('PAYLOAD_TOO_LARGE', `Request for ${route} is larger than ${MAX_PAYLOAD_BYTES} bytes`);
      }
      const controller = new AbortController();
      try {
        event.sender?.once?.('destroyed', () => controller.abort());
      } catch {
        // A sender without events (tests, a frame that is going away) just gets no cancellation.
      }
      return await dispatcher.dispatch(route, input, { transport: 'ipc', signal: controller.signal });
    } catch (e) {
      log?.error({ route: describeRoute(route), err: e }, 'IPC dispatch failed');
      return err('INTERNAL', 'The call failed unexpectedly; see the log for details');
    }
  };

  ipcMain.handle(IPC_INVOKE_CHANNEL, handle as Parameters<IpcMain['handle']>[1]);
  return toDisposable(() => ipcMain.removeHandler(IPC_INVOKE_CHANNEL));
}

function safeUrl(value: unknown): URL | null {
  if (typeof value !== 'string') return null;
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

function describeRoute(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 64));
  return typeof value;
}

/** Logs carry where a refused call came from, without query strings or fragments (they may hold tokens). */
function redactUrl(url: string): string {
  const u = safeUrl(url);
  if (!u) return '<invalid url>';
  return `${u.protocol}//${u.host}${u.pathname}`;
}
