/**
 * The WebSocket with user API tokens: the upgrade is authenticated like any request (401/403), and
 * every frame is checked against the token's scopes. Property: for random frames (real route names
 * and junk, valid-looking and random inputs) every frame gets exactly one well-formed reply, FORBIDDEN
 * exactly when the token may not call the route, an `ok` result always matches the route's output
 * schema, pushed events match the contract's event schemas, and the socket never closes.
 */
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type HostHandle } from '../../src/main/host/server';
import { HOST_TOKEN_SECRET_ID } from '../../src/main/host/auth';
import { isOwnerOnly, scopeOf } from '../../src/main/host/restAccess';
import { isEventName, isRouteName, ROUTES } from '../../src/shared/ipc/channels';
import { events as eventSchemas, routes } from '../../src/shared/ipc/contract';
import { parseServerFrame, WS_PATH, type ServerFrame } from '../../src/shared/ipc/wsProtocol';
import type { ApiScope } from '../../src/shared/types/apiTokens';
import { createTestBackend, type TestBackend } from '../contract/testBackend';

let backend: TestBackend;
let host: HostHandle;

beforeAll(async () => {
  backend = createTestBackend();
  host = await startHost({
    dispatcher: backend.dispatcher,
    events: backend.events,
    keychain: backend.keychain,
    tokens: backend.apiTokens,
    port: 0,
  });
});

afterAll(async () => {
  await host.close();
  await backend.dispose();
});

function upgrade(headers: Record<string, string>): Promise<{ socket: WebSocket } | { status: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(host.url.replace(/^http/, 'ws') + WS_PATH, { headers });
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    socket.once('error', reject);
  });
}

async function tokenSocket(scopes: ApiScope[]) {
  const { value } = await backend.apiTokens.create({ name: scopes.join('+'), scopes });
  const r = await upgrade({ authorization: `Bearer ${value}` });
  if (!('socket' in r)) throw new Error(`upgrade refused: ${r.status}`);
  const frames: ServerFrame[] = [];
  let waiter: (() => void) | null = null;
  r.socket.on('message', (data) => {
    const f = parseServerFrame(String(data));
    expect(f, `a frame the client can read: ${String(data).slice(0, 200)}`).not.toBeNull();
    frames.push(f!);
    waiter?.();
  });
  return { socket: r.socket, frames, wake: (fn: () => void) => (waiter = fn) };
}

describe('WebSocket upgrade with API tokens', () => {
  it('401 without or with an unknown token, 403 revoked or without the read scope, open with read', async () => {
    expect(await upgrade({})).toEqual({ status: 401 });
    expect(await upgrade({ authorization: `Bearer nook_${'a'.repeat(16)}_${'b'.repeat(43)}` })).toEqual({
      status: 401,
    });
    const models = await backend.apiTokens.create({ name: 'm', scopes: ['models'] });
    expect(await upgrade({ authorization: `Bearer ${models.value}` })).toEqual({ status: 403 });
    const reader = await backend.apiTokens.create({ name: 'r', scopes: ['read'] });
    const open = await upgrade({ authorization: `Bearer ${reader.value}` });
    expect('socket' in open).toBe(true);
    if ('socket' in open) open.socket.close();
    await backend.apiTokens.revoke(reader.token.id);
    expect(await upgrade({ authorization: `Bearer ${reader.value}` })).toEqual({ status: 403 });
  });
});

describe('WebSocket frames with API tokens (property)', () => {
  it('answers every frame once, refuses exactly what the scopes do not allow, and stays open', async () => {
    const clients = {
      read: await tokenSocket(['read']),
      readWrite: await tokenSocket(['read', 'write']),
    };
    const scopesOf = { read: ['read'], readWrite: ['read', 'write'] } as const;
    const install = backend.keychain.values.get(HOST_TOKEN_SECRET_ID)!;
    const owner = await upgrade({ authorization: `Bearer ${install}` });
    if (!('socket' in owner)) throw new Error('owner upgrade refused');

    const route = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...ROUTES) },
      { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    );
    const input = fc.oneof(fc.constant({}), fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined));
    let nextId = 1;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('read', 'readWrite' as const), route, input, async (who, r, value) => {
        const client = clients[who];
        const id = nextId++;
        const before = client.frames.length;
        const replied = new Promise<void>((resolve) =>
          client.wake(() => {
            if (client.frames.some((f) => 'id' in f && f.id === id)) resolve();
          }),
        );
        client.socket.send(
          JSON.stringify({ id, route: r, ...(value === undefined ? {} : { input: value }) }),
        );
        await replied;
        const replies = client.frames.slice(before).filter((f) => 'id' in f && f.id === id);
        expect(replies).toHaveLength(1);
        const { result } = replies[0] as { result: { ok: boolean; code?: string; value?: unknown } };
        const allowed =
          !isRouteName(r) || (!isOwnerOnly(r) && (scopesOf[who] as readonly string[]).includes(scopeOf(r)));
        if (!allowed) expect(result).toMatchObject({ ok: false, code: 'FORBIDDEN' });
        else expect(result.ok === false && result.code === 'FORBIDDEN').toBe(false);
        if (result.ok && isRouteName(r)) expect(routes[r].output.safeParse(result.value).success).toBe(true);
        if (!isRouteName(r)) expect(result).toMatchObject({ ok: false, code: 'UNKNOWN_ROUTE' });
        expect(client.socket.readyState).toBe(WebSocket.OPEN);
      }),
      { numRuns: 250 },
    );

    // Events reach token sockets too, and each matches its contract schema.
    owner.socket.send(
      JSON.stringify({ id: 1, route: 'settings.update', input: { appearance: { theme: 'dark' } } }),
    );
    await expect
      .poll(() => clients.read.frames.some((f) => 'event' in f && f.event === 'settings.changed'))
      .toBe(true);
    for (const client of Object.values(clients)) {
      for (const f of client.frames) {
        if (!('event' in f)) continue;
        expect(isEventName(f.event)).toBe(true);
        if (isEventName(f.event)) expect(eventSchemas[f.event].safeParse(f.payload).success).toBe(true);
      }
      client.socket.close();
    }
    owner.socket.close();
  }, 120_000);
});
