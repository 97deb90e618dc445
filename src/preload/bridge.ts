/**
 * The renderer's whole view of the main process: `invoke(route, input)`, `on(event, cb)`, dropped-file
 * paths and the platform. Names are checked against the zod-free allow-list before anything is sent;
 * `ipcRenderer` itself never leaves this module. No zod, no contract: this bundle stays tiny.
 */
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, isEventName, isRouteName } from '../shared/ipc/channels';
import type { PreloadBridge } from '../shared/ipc/api';
import type { Err } from '../shared/ipc/result';

/** The parts of Electron's `ipcRenderer` the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, message: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, message: unknown) => void): unknown;
}

export interface BridgeDeps {
  ipcRenderer: IpcRendererLike;
  webUtils: { getPathForFile(file: File): string };
  platform: string;
}

export function createBridge({ ipcRenderer, webUtils, platform }: BridgeDeps): PreloadBridge {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let attached = false;

  // One IPC listener for all events, attached on first subscription and removed with the last one.
  const onMessage = (_event: unknown, message: unknown): void => {
    if (typeof message !== 'object' || message === null) return;
    const { event, payload } = message as { event?: unknown; payload?: unknown };
    if (!isEventName(event)) return;
    for (const cb of [...(listeners.get(event) ?? [])]) {
      try {
        cb(payload);
      } catch (e) {
        // One faulty subscriber must not starve the others; surface it in the devtools console.
        console.error(`nook: listener for ${event} failed`, e);
      }
    }
  };

  const bridge: PreloadBridge = {
    async invoke(route: string, input: unknown): Promise<unknown> {
      if (!isRouteName(route)) {
        return fail('UNKNOWN_ROUTE', `Unknown route: ${describe(route)}`);
      }
      try {
        return await ipcRenderer.invoke(IPC_INVOKE_CHANNEL, route, input);
      } catch (e) {
        // Structured clone refuses functions, symbols, DOM nodes: the request never left the renderer.
        const reason = e instanceof Error ? e.message : String(e);
        return fail('INVALID_INPUT', `Could not send ${route}: ${reason}`);
      }
    },

    on(event: string, listener: (payload: unknown) => void): () => void {
      if (!isEventName(event)) throw new TypeError(`Unknown event: ${describe(event)}`);
      if (typeof listener !== 'function') throw new TypeError('A listener must be a function');
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      // Wrap, so subscribing the same function twice yields two independent subscriptions.
      const entry = (payload: unknown): void => listener(payload);
      set.add(entry);
      if (!attached) {
        ipcRenderer.on(IPC_EVENT_CHANNEL, onMessage);
        attached = true;
      }
      let done = false;
      return () => {
        if (done) return;
        done = true;
        set.delete(entry);
        if (set.size === 0) listeners.delete(event);
        if (listeners.size === 0 && attached) {
          ipcRenderer.removeListener(IPC_EVENT_CHANNEL, onMessage);
          attached = false;
        }
      };
    },

    pathsForFiles(files: readonly File[]): string[] {
      const out: string[] = [];
      for (const file of Array.from(files ?? [])) {
        // Files that are not on disk (made in the page, pasted images) have no path: skip them.
        const p = webUtils.getPathForFile(file);
        if (typeof p === 'string' && p.length > 0) out.push(p);
      }
      return out;
    },

    platform,
  };
  return bridge;
}

function fail(code: Err['code'], message: string): Err {
  return { ok: false, code, message };
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : typeof value;
}
