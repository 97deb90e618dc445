/**
 * The only module in the renderer that talks to the outside: Electron IPC through `window.nook`
 * when the preload provides it, otherwise the headless host's WebSocket at `/ws` on this page's
 * origin (the HttpOnly session cookie rides along with the upgrade request).
 */
import type { NookTransport, PreloadBridge } from '../../../shared/ipc/api';
import type { EventName, RouteName } from '../../../shared/ipc/channels';
import type { EventPayload, RouteInput, RouteOutput } from '../../../shared/ipc/contract';
import { err, type Result } from '../../../shared/ipc/result';
import type { ImportResult } from '../../../shared/types/library';
import { UPLOAD_PATH, type UploadResult } from '../../../shared/types/upload';
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

/**
 * Files dropped on the page: absolute paths in Electron, File objects in the browser (for upload).
 * `relativePaths` (browser) keeps the folder part of files that came from a dropped or picked folder.
 */
export type DroppedFiles =
  | { kind: 'paths'; paths: string[]; names: string[] }
  | { kind: 'files'; files: File[]; names: string[]; relativePaths?: string[] };

export function resolveDroppedFiles(files: readonly File[]): DroppedFiles {
  const names = files.map((f) => f.name);
  const bridge = window.nook;
  if (bridge) {
    const paths = bridge.pathsForFiles(files).filter((p) => p.length > 0);
    return { kind: 'paths', paths, names };
  }
  return { kind: 'files', files: [...files], names };
}

export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * Sends File objects to the host (`POST /api/knowledge/upload`, multipart, the session cookie rides
 * along), which stores them and queues them like any import. Only the browser needs this: the
 * desktop app imports by path. `relativePaths` keeps folder structure (`notes/a.md`).
 */
export function uploadFiles(
  files: readonly File[],
  options: {
    relativePaths?: readonly string[];
    onProgress?(p: UploadProgress): void;
    signal?: AbortSignal;
  } = {},
): Promise<Result<UploadResult>> {
  const form = new FormData();
  files.forEach((f, i) => {
    const rel = options.relativePaths?.[i] || f.webkitRelativePath || f.name;
    form.append('file', f, rel);
  });
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', UPLOAD_PATH);
    xhr.responseType = 'text';
    xhr.upload.onprogress = (e) => options.onProgress?.({ loaded: e.loaded, total: e.total });
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(String(xhr.response));
      } catch {
        return resolve(err('INTERNAL', `The upload failed (HTTP ${xhr.status})`));
      }
      const r = body as Result<UploadResult>;
      if (r && typeof r === 'object' && 'ok' in r) return resolve(r);
      resolve(err('INTERNAL', `The upload failed (HTTP ${xhr.status})`));
    };
    xhr.onerror = () => resolve(err('UNAVAILABLE', 'Could not reach Nook to upload the files'));
    xhr.onabort = () => resolve(err('CANCELLED', 'The upload was cancelled'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

/** What an import by path or by upload came to, for the UI. */
export type ImportOutcome = ImportResult & { rejected: { name: string; reason: string }[] };

/** Imports dropped or picked files by path (desktop) or by upload (browser). */
export async function importDropped(
  dropped: DroppedFiles,
  onProgress?: (p: UploadProgress) => void,
): Promise<Result<ImportOutcome>> {
  if (dropped.kind === 'paths') {
    if (dropped.paths.length === 0) return err('INVALID_INPUT', 'Nothing to import: no file paths');
    const r = await invoke('knowledge.import', { paths: dropped.paths });
    return r.ok ? { ok: true, value: { ...r.value, rejected: [] } } : r;
  }
  const r = await uploadFiles(dropped.files, {
    ...(dropped.relativePaths ? { relativePaths: dropped.relativePaths } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  return r.ok ? { ok: true, value: { ...r.value } } : r;
}
