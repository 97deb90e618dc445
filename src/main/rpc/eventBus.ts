import type { EventName } from '../../shared/ipc/channels';
import type { EventPayload } from '../../shared/ipc/contract';
import { toDisposable, type Disposable } from '../../shared/lifecycle';

type AnyListener = (event: EventName, payload: unknown) => void;

/** Typed in-process event bus; transports (IPC, WebSocket) subscribe with `onAny` and forward. */
export class EventBus {
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  private readonly anyListeners = new Set<AnyListener>();

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const l of this.listeners.get(event) ?? []) safeCall(() => l(payload));
    for (const l of this.anyListeners) safeCall(() => l(event, payload));
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): Disposable {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return toDisposable(() => void set.delete(l));
  }

  onAny(listener: AnyListener): Disposable {
    this.anyListeners.add(listener);
    return toDisposable(() => void this.anyListeners.delete(listener));
  }
}

function safeCall(fn: () => void): void {
  try {
    fn();
  } catch {
    // A faulty subscriber must not break the emitter or the other subscribers.
  }
}
