/**
 * The renderer's WebSocket transport against a real `ws` server: calls, events, queued calls before
 * the socket opens, pending calls failing UNAVAILABLE when the socket drops, reconnect with backoff.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import {
  backoffDelay,
  createWsTransport,
  toResult,
  type ConnectionState,
  type SocketLike,
  type WsTransport,
} from '../../src/renderer/src/api/wsTransport';
import { parseClientFrame, WS_CLOSE_TOO_BIG } from '../../src/shared/ipc/wsProtocol';

type Behaviour = (socket: WebSocket, frame: { id: number | string; route: string; input?: unknown }) => void;

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startServer(behaviour: Behaviour, port = 0) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const sockets = new Set<WebSocket>();
  wss.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('message', (data) => {
      const parsed = parseClientFrame(data.toString());
      if (parsed.ok) behaviour(socket, parsed.frame as { id: number; route: string; input?: unknown });
    });
  });
  const close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.terminate();
      wss.close(() => r());
    });
  cleanups.push(close);
  return { wss, sockets, port: (wss.address() as AddressInfo).port, close };
}

function transport(port: number, extra: Partial<Parameters<typeof createWsTransport>[0]> = {}): WsTransport {
  const t = createWsTransport({
    url: `ws://127.0.0.1:${port}/ws`,
    create: (url) => new WebSocket(url) as unknown as SocketLike,
    backoff: { initialMs: 20, maxMs: 100, factor: 2 },
    ...extra,
  });
  cleanups.push(() => t.close());
  return t;
}

function waitForState(t: WsTransport, want: ConnectionState, timeoutMs = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`state ${want} not reached (now ${t.state})`)),
      timeoutMs,
    );
    const off = t.onState((s) => {
      if (s === want) {
        clearTimeout(timer);
        queueMicrotask(() => off());
        resolve();
      }
    });
  });
}

const echo: Behaviour = (socket, frame) =>
  socket.send(
    JSON.stringify({ id: frame.id, result: { ok: true, value: { route: frame.route, input: frame.input } } }),
  );

describe('WebSocket transport', () => {
  it('sends {id, route, input} and resolves with the matching reply, even when replies come out of order', async () => {
    const held: Array<() => void> = [];
    const srv = await startServer((socket, frame) => {
      const reply = () => echo(socket, frame);
      // Hold the first call's reply until the second arrives, then answer the second first.
      if (frame.route === 'settings.get') held.push(reply);
      else {
        reply();
        held.forEach((h) => h());
      }
    });
    const t = transport(srv.port);
    const first = t.invoke('settings.get', {});
    const second = t.invoke('secrets.has', { id: 'provider.openai' });
    await expect(second).resolves.toEqual({
      ok: true,
      value: { route: 'secrets.has', input: { id: 'provider.openai' } },
    });
    await expect(first).resolves.toEqual({ ok: true, value: { route: 'settings.get', input: {} } });
  });

  it('passes {ok:false} results through unchanged', async () => {
    const srv = await startServer((socket, frame) =>
      socket.send(
        JSON.stringify({ id: frame.id, result: { ok: false, code: 'NOT_FOUND', message: 'nope' } }),
      ),
    );
    const t = transport(srv.port);
    await expect(t.invoke('system.status', {})).resolves.toEqual({
      ok: false,
      code: 'NOT_FOUND',
      message: 'nope',
    });
  });

  it('delivers pushed events to subscribers until they unsubscribe', async () => {
    const srv = await startServer(echo);
    const t = transport(srv.port);
    await waitForState(t, 'open');
    const seen: unknown[] = [];
    const off = t.on('system.notice', (p) => seen.push(p));
    const push = (message: string) => {
      for (const s of srv.sockets)
        s.send(JSON.stringify({ event: 'system.notice', payload: { level: 'info', message } }));
    };
    push('one');
    // A round trip after the push guarantees the push was processed first (one ordered socket).
    await t.invoke('system.status', {});
    off();
    push('two');
    await t.invoke('system.status', {});
    expect(seen).toEqual([{ level: 'info', message: 'one' }]);
  });

  it('queues calls made before the socket opens and sends them once it does', async () => {
    const srv = await startServer(echo);
    const t = transport(srv.port);
    expect(t.state).toBe('connecting');
    const r = await t.invoke('settings.get', {});
    expect(r.ok).toBe(true);
    expect(t.state).toBe('open');
  });

  it('fails in-flight calls with UNAVAILABLE when the socket drops, then reconnects and works again', async () => {
    let answer = false;
    const srv = await startServer((socket, frame) => {
      if (answer) echo(socket, frame);
      else socket.terminate(); // drop the connection with the call unanswered
    });
    const t = transport(srv.port);
    await waitForState(t, 'open');
    const states: ConnectionState[] = [];
    t.onState((s) => states.push(s));

    const dropped = await t.invoke('settings.get', {});
    expect(dropped).toMatchObject({ ok: false, code: 'UNAVAILABLE' });

    answer = true;
    await waitForState(t, 'open');
    expect(states).toContain('reconnecting');
    await expect(t.invoke('settings.get', {})).resolves.toMatchObject({ ok: true });
  });

  it('keeps calls made while reconnecting and sends them when the server is back', async () => {
    const srv = await startServer(echo);
    const port = srv.port;
    const t = transport(port, { queueTimeoutMs: 5000 });
    await waitForState(t, 'open');
    await srv.close();
    await waitForState(t, 'reconnecting');
    const call = t.invoke('settings.get', {});
    await startServer(echo, port);
    await expect(call).resolves.toMatchObject({ ok: true, value: { route: 'settings.get' } });
  });

  it('fails a call with UNAVAILABLE when no connection comes within the queue timeout', async () => {
    const srv = await startServer(echo);
    const port = srv.port;
    await srv.close(); // nothing listens on this port any more
    const t = transport(port, { queueTimeoutMs: 150 });
    const started = Date.now();
    const r = await t.invoke('settings.get', {});
    expect(r).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('settles pending calls with PAYLOAD_TOO_LARGE when the server closes with 1009', async () => {
    const srv = await startServer((socket) => socket.close(WS_CLOSE_TOO_BIG, 'too big'));
    const t = transport(srv.port);
    await expect(t.invoke('settings.get', {})).resolves.toMatchObject({
      ok: false,
      code: 'PAYLOAD_TOO_LARGE',
    });
  });

  it('refuses a frame larger than the server accepts without sending it', async () => {
    let received = 0;
    const srv = await startServer((socket, frame) => {
      received++;
      echo(socket, frame);
    });
    const t = transport(srv.port);
    const huge = 'x'.repeat(2 * 1024 * 1024);
    const r = await t.invoke('secrets.set', { id: 'provider.openai', value: huge });
    expect(r).toMatchObject({ ok: false, code: 'PAYLOAD_TOO_LARGE' });
    await expect(t.invoke('settings.get', {})).resolves.toMatchObject({ ok: true });
    expect(received).toBe(1);
  });

  it('after close(), pending calls fail and no reconnect happens', async () => {
    const srv = await startServer(() => undefined); // never answers
    const t = transport(srv.port);
    await waitForState(t, 'open');
    const call = t.invoke('settings.get', {});
    t.close();
    await expect(call).resolves.toMatchObject({ ok: false, code: 'UNAVAILABLE' });
    expect(t.state).toBe('closed');
    await expect(t.invoke('settings.get', {})).resolves.toMatchObject({ ok: false, code: 'UNAVAILABLE' });
  });

  it('times out a call the server never answers', async () => {
    const srv = await startServer(() => undefined);
    const t = transport(srv.port, { callTimeoutMs: 100 });
    await expect(t.invoke('settings.get', {})).resolves.toMatchObject({ ok: false, code: 'TIMEOUT' });
  });
});

describe('backoffDelay', () => {
  const opts = { initialMs: 250, maxMs: 5000, factor: 2 };
  it('grows exponentially and stays within [step/2, step]', () => {
    expect(backoffDelay(0, opts, () => 0)).toBe(125);
    expect(backoffDelay(0, opts, () => 1)).toBe(250);
    expect(backoffDelay(3, opts, () => 1)).toBe(2000);
  });
  it('is capped at maxMs', () => {
    expect(backoffDelay(20, opts, () => 1)).toBe(5000);
    expect(backoffDelay(20, opts, () => 0)).toBe(2500);
  });
});

describe('toResult', () => {
  it('accepts well-formed results and turns anything else into INTERNAL', () => {
    expect(toResult({ ok: true, value: 1 })).toEqual({ ok: true, value: 1 });
    expect(toResult({ ok: false, code: 'TIMEOUT', message: 'm' })).toEqual({
      ok: false,
      code: 'TIMEOUT',
      message: 'm',
    });
    expect(toResult({ ok: false })).toMatchObject({ ok: false, code: 'INTERNAL' });
    expect(toResult('nope')).toMatchObject({ ok: false, code: 'INTERNAL' });
  });
});
