/**
 * Forwards every EventBus event to the app's own windows as `{ event, payload }` on IPC_EVENT_CHANNEL.
 * A window whose top frame has navigated away from the app (or was destroyed) gets nothing.
 */
import type { EventName } from '../../shared/ipc/channels';
import { IPC_EVENT_CHANNEL } from '../../shared/ipc/channels';
import type { Disposable } from '../../shared/lifecycle';
import type { SenderFrame } from './registrar';

/** The parts of Electron's `WebContents` the forwarder uses. */
export interface EventTarget {
  isDestroyed(): boolean;
  getURL(): string;
  send(channel: string, message: unknown): void;
}

export interface EventSource {
  onAny(listener: (event: EventName, payload: unknown) => void): Disposable;
}

export interface IpcEventMessage {
  event: EventName;
  payload: unknown;
}

export function forwardEvents(deps: {
  events: EventSource;
  /** The current windows' webContents (re-read on every event, so new windows are included). */
  targets: () => Iterable<EventTarget>;
  isTrustedSender(frame: SenderFrame | null): boolean;
}): Disposable {
  return deps.events.onAny((event, payload) => {
    const message: IpcEventMessage = { event, payload };
    for (const wc of deps.targets()) {
      try {
        if (wc.isDestroyed()) continue;
        // The main frame's URL: a top frame by definition.
        if (!deps.isTrustedSender({ url: wc.getURL(), parent: null })) continue;
        wc.send(IPC_EVENT_CHANNEL, message);
      } catch {
        // A window closing mid-send must not stop delivery to the others.
      }
    }
  });
}
