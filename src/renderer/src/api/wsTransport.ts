/**
 * The contract over a WebSocket, for the browser UI served by the headless host. Frames follow
 * src/shared/ipc/wsProtocol.ts: the client sends `{id, route, input}`, the server answers
 * `{id, result}` and pushes `{event, payload}`.
 *
 * This module uses no DOM globals: the socket comes from a factory, so the same code runs in the
 * page (the browser's WebSocket) and in Node tests (the `ws` package).
 */
import type { NookTransport } from '../../../shared/ipc/api';
import type { EventName, RouteName } from '../../../shared/ipc/channels';
import type { EventPayload, RouteInput, RouteOutput } from '../../../shared/ipc/contract';
import { err, type ErrorCode, type Result } from '../../../shared/ipc/result';
import {
  encodeCall,
  parseServerFrame,
  WS_CLOSE_TOO_BIG,
  WS_MAX_FRAME_BYTES,
} from '../../../shared/ipc/wsProtocol';

/** The subset of the WebSocket interface the transport needs (browser WebSocket and `ws` both fit). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export interface WsTransportOptions {
  url: string;
  create: SocketFactory;
  backoff?: Partial<BackoffOptions>;
  /** How long a call made while disconnected waits for a connection before failing UNAVAILABLE. */
  queueTimeoutMs?: number;
  /** How long a sent call waits for its answer before failing TIMEOUT. */
  callTimeoutMs?: number;
  /** Randomness for backoff jitter; injectable for tests. */
  random?: () => number;
}

export interface WsTransport extends NookTransport {
  readonly state: ConnectionState;
  /** Subscribe to connection changes; the listener is called at once with the current state. */
  onState(listener: (state: ConnectionState) => void): () => void;
  /** Close for good: pending calls fail, no more reconnects. */
  close(): void;
}

const OPEN = 1;
/** Close codes after which reconnecting cannot help (the session cookie is missing or refused). */
const FATAL_CLOSE_CODES = new Set([1008, 4401, 4403]);

interface Pending {
  resolve(result: Result<unknown>): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Queued {
  frame: string;
  id: number;
  timer: ReturnType<typeof setTimeout>;
}

/** Next reconnect delay: exponential with full jitter between half and all of the step. */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions,
  random: () => number = Math.random,
): number {
  const step = Math.min(opts.maxMs, opts.initialMs * opts.factor ** Math.max(0, attempt));
  return Math.round(step / 2 + (random() * step) / 2);
}

export function createWsTransport(options: WsTransportOptions): WsTransport {
  const backoff: BackoffOptions = { initialMs: 250, maxMs: 5000, factor: 2, ...options.backoff };
  const queueTimeoutMs = options.queueTimeoutMs ?? 10_000;
  const callTimeoutMs = options.callTimeoutMs ?? 120_000;
  const random = options.random ?? Math.random;

  const pending = new Map<number, Pending>();
  const queue: Queued[] = [];
  const eventListeners = new Map<string, Set<(payload: unknown) => void>>();
  const stateListeners = new Set<(state: ConnectionState) => void>();

  let nextId = 1;
  let socket: SocketLike | null = null;
  let state: ConnectionState = 'connecting';
  let attempt = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let closedForGood = false;

  function setState(next: ConnectionState): void {
    if (state === next) return;
    state = next;
    for (const l of [...stateListeners]) {
      try {
        l(next);
      } catch {
        // A faulty listener must not break the transport.
      }
    }
  }

  function settle(id: number, result: Result<unknown>): void {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if (p.timer) clearTimeout(p.timer);
    p.resolve(result);
  }

  function failAllPending(message: string, code: ErrorCode = 'UNAVAILABLE'): void {
    for (const id of [...pending.keys()]) {
      if (!queue.some((q) => q.id === id)) settle(id, err(code, message));
    }
  }

  function send(frame: string, id: number): void {
    try {
      socket?.send(frame);
    } catch {
      settle(id, err('UNAVAILABLE', 'The connection to Nook was lost before the request was sent'));
    }
  }

  function flushQueue(): void {
    while (queue.length > 0 && socket && socket.readyState === OPEN) {
      const q = queue.shift()!;
      clearTimeout(q.timer);
      send(q.frame, q.id);
    }
  }

  function onMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    const frame = parseServerFrame(data);
    if (!frame) return;
    if ('event' in frame) {
      for (const l of [...(eventListeners.get(frame.event) ?? [])]) {
        try {
          l(frame.payload);
        } catch {
          // A faulty listener must not break the others.
        }
      }
      return;
    }
    if (typeof frame.id === 'number') settle(frame.id, toResult(frame.result));
  }

  function connect(): void {
    if (closedForGood) return;
    let s: SocketLike;
    try {
      s = options.create(options.url);
    } catch {
      scheduleReconnect();
      return;
    }
    socket = s;
    s.onopen = () => {
      if (socket !== s) return;
      attempt = 0;
      setState('open');
      flushQueue();
    };
    s.onmessage = (ev) => {
      if (socket === s) onMessage(ev.data);
    };
    s.onerror = () => {
      // 'close' follows 'error'; reconnecting is handled there.
    };
    s.onclose = (ev) => {
      if (socket !== s) return;
      socket = null;
      if (ev.code === WS_CLOSE_TOO_BIG)
        failAllPending('A request was too large for the connection', 'PAYLOAD_TOO_LARGE');
      failAllPending('The connection to Nook was lost; the request may not have completed');
      if (FATAL_CLOSE_CODES.has(ev.code)) {
        closedForGood = true;
        failQueue('Nook refused the session; open the login link again');
        setState('closed');
        return;
      }
      scheduleReconnect();
    };
  }

  function failQueue(message: string): void {
    for (const q of queue.splice(0)) {
      clearTimeout(q.timer);
      settle(q.id, err('UNAVAILABLE', message));
    }
  }

  function scheduleReconnect(): void {
    if (closedForGood) return;
    setState('reconnecting');
    const delay = backoffDelay(attempt++, backoff, random);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect();
    }, delay);
  }

  connect();

  return {
    get state() {
      return state;
    },
    invoke<R extends RouteName>(route: R, input: RouteInput<R>): Promise<Result<RouteOutput<R>>> {
      if (closedForGood) return Promise.resolve(err('UNAVAILABLE', 'Not connected to Nook'));
      const id = nextId++;
      let frame: string;
      try {
        frame = encodeCall({ id, route, input: input ?? {} });
      } catch {
        return Promise.resolve(err('INVALID_INPUT', `Input for ${route} cannot be serialized`));
      }
      // Refuse here what the server would refuse by closing the socket (and failing every other call).
      if (utf8Length(frame) > WS_MAX_FRAME_BYTES) {
        return Promise.resolve(err('PAYLOAD_TOO_LARGE', `Request for ${route} is too large to send`));
      }
      return new Promise<Result<RouteOutput<R>>>((resolve) => {
        const timer = setTimeout(
          () => settle(id, err('TIMEOUT', `${route} took longer than ${Math.round(callTimeoutMs / 1000)} s`)),
          callTimeoutMs,
        );
        pending.set(id, { resolve: resolve as (r: Result<unknown>) => void, timer });
        if (socket && socket.readyState === OPEN) {
          send(frame, id);
        } else {
          const qTimer = setTimeout(() => {
            const i = queue.findIndex((q) => q.id === id);
            if (i >= 0) queue.splice(i, 1);
            settle(id, err('UNAVAILABLE', 'Cannot reach Nook; check that it is running'));
          }, queueTimeoutMs);
          queue.push({ frame, id, timer: qTimer });
        }
      });
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      let set = eventListeners.get(event);
      if (!set) eventListeners.set(event, (set = new Set()));
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => void set.delete(l);
    },
    onState(listener) {
      stateListeners.add(listener);
      listener(state);
      return () => void stateListeners.delete(listener);
    },
    close() {
      closedForGood = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      failQueue('The connection was closed');
      failAllPending('The connection was closed');
      const s = socket;
      socket = null;
      s?.close(1000, 'client closed');
      setState('closed');
    },
  };
}

/** Accept only a well-formed Result from the wire; anything else becomes INTERNAL. */
export function toResult(value: unknown): Result<unknown> {
  if (value && typeof value === 'object') {
    const r = value as Record<string, unknown>;
    if (r.ok === true) return { ok: true, value: r.value };
    if (r.ok === false && typeof r.code === 'string' && typeof r.message === 'string') {
      return { ok: false, code: r.code as never, message: r.message };
    }
  }
  return err('INTERNAL', 'Nook sent a malformed answer');
}

function utf8Length(s: string): number {
  // Cheap upper bound first; exact count only for frames near the limit.
  if (s.length * 3 <= WS_MAX_FRAME_BYTES) return s.length;
  return new TextEncoder().encode(s).length;
}
