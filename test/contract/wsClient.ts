/** A minimal WebSocket client of the host protocol for tests and benchmarks (Node `ws`). */
import WebSocket from 'ws';
import { err, type Result } from '../../src/shared/ipc/result';
import { encodeCall, parseServerFrame, WS_CLOSE_TOO_BIG, WS_PATH } from '../../src/shared/ipc/wsProtocol';

export interface WsTestClient {
  socket: WebSocket;
  events: { event: string; payload: unknown }[];
  invoke(route: string, input: unknown): Promise<Result<unknown>>;
  /** Sends a raw text frame; resolves with the next reply whose id is null or `expectId`. */
  sendRaw(text: string, expectId?: string | number | null): Promise<Result<unknown>>;
  close(): Promise<void>;
}

export async function connectWs(
  baseUrl: string,
  headers: Record<string, string>,
  options: { origin?: string } = {},
): Promise<WsTestClient> {
  const socket = new WebSocket(baseUrl.replace(/^http/, 'ws') + WS_PATH, {
    headers,
    ...(options.origin ? { origin: options.origin } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  const pending = new Map<string, (r: Result<unknown>) => void>();
  const events: { event: string; payload: unknown }[] = [];
  let nextId = 1;
  socket.on('message', (data) => {
    const frame = parseServerFrame(String(data));
    if (!frame) return;
    if ('event' in frame) {
      events.push(frame);
      return;
    }
    const key = JSON.stringify(frame.id);
    const settle = pending.get(key);
    if (settle) {
      pending.delete(key);
      settle(frame.result);
    }
  });
  socket.on('close', (code) => {
    const result =
      code === WS_CLOSE_TOO_BIG
        ? err('PAYLOAD_TOO_LARGE', 'Frame too large; the host closed the connection')
        : err('UNAVAILABLE', `Connection closed (${code})`);
    for (const settle of pending.values()) settle(result);
    pending.clear();
  });
  const wait = (key: string) =>
    new Promise<Result<unknown>>((resolve) => {
      if (socket.readyState !== WebSocket.OPEN) {
        resolve(err('UNAVAILABLE', 'Connection is closed'));
        return;
      }
      pending.set(key, resolve);
    });
  return {
    socket,
    events,
    invoke(route, input) {
      const id = nextId++;
      const p = wait(JSON.stringify(id));
      socket.send(encodeCall({ id, route, input }));
      return p;
    },
    sendRaw(text, expectId = null) {
      const p = wait(JSON.stringify(expectId));
      socket.send(text);
      return p;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}
