/**
 * The only module in the renderer that talks to the outside: Electron IPC through `window.nook`
 * when the preload provides it, otherwise the headless host's WebSocket at `/ws` on this page's
 * origin (the HttpOnly session cookie rides along with the upgrade request).
 */
import type { NookTransport, PreloadBridge } from '../../../shared/ipc/api';
import type { EventName, RouteName } from '../../../shared/ipc/channels';
import type { EventPayload, RouteInput, RouteOutput } from '../../../shared/ipc/contract';
import type { Result } from '../../../shared/ipc/result';
import { createIpcTransport } from './ipcTransport';
import { createWsTransport, type ConnectionState, type SocketLike } from './wsTransport';

export type { ConnectionState } from './wsTransport';

declare global {
  interface Window {
    nook?: PreloadBridge;
  }
}

interface Api {
  transport: NookTransport;
  kind: 'ipc' | 'ws';
  onState(listener: (state: ConnectionState) => void): () => void;
}

function wsUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

function createApi(): Api {
  const bridge = window.nook;
  if (bridge) {
    return {
      transport: createIpcTransport(bridge),
      kind: 'ipc',
      onState(listener) {
        listener('open');
        return () => undefined;
      },
    };
  }
  const ws = createWsTransport({
    url: wsUrl(),
    create: (url) => new WebSocket(url) as unknown as SocketLike,
  });
  return { transport: ws, kind: 'ws', onState: (l) => ws.onState(l) };
}

let api: Api | undefined;
function get(): Api {
  return (api ??= createApi());
}

export function invoke<R extends RouteName>(route: R, input: RouteInput<R>): Promise<Result<RouteOutput<R>>> {
  return get().transport.invoke(route, input);
}

export function on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
  return get().transport.on(event, listener);
}

export function onConnectionState(listener: (state: ConnectionState) => void): () => void {
  return get().onState(listener);
}

export function transportKind(): 'ipc' | 'ws' {
  return get().kind;
}

/** Files dropped on the page: absolute paths in Electron, File objects in the browser (for upload). */
export type DroppedFiles =
  { kind: 'paths'; paths: string[]; names: string[] } | { kind: 'files'; files: File[]; names: string[] };

export function resolveDroppedFiles(files: readonly File[]): DroppedFiles {
  const names = files.map((f) => f.name);
  const bridge = window.nook;
  if (bridge) {
    const paths = bridge.pathsForFiles(files).filter((p) => p.length > 0);
    return { kind: 'paths', paths, names };
  }
  return { kind: 'files', files: [...files], names };
}
