import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCallId, parseClientFrame, parseServerFrame, WS_PATH } from '../../src/shared/ipc/wsProtocol';
import { HOST_TOKEN_SECRET_ID } from '../../src/main/host/auth';
import { startHost, type HostHandle } from '../../src/main/host/server';
import { createTestBackend } from '../contract/testBackend';

describe('parseClientFrame', () => {
  it('accepts a call frame and keeps the input as sent', () => {
    expect(parseClientFrame('{"id":3,"route":"settings.get","input":{"a":[1]}}')).toEqual({
      ok: true,
      frame: { id: 3, route: 'settings.get', input: { a: [1] } },
    });
    expect(parseClientFrame('{"id":"x-1","route":"r"}')).toEqual({
      ok: true,
      frame: { id: 'x-1', route: 'r', input: undefined },
    });
  });

  it('echoes a readable id on malformed frames, null otherwise', () => {
    expect(parseClientFrame('{"id":9,"route":null}')).toMatchObject({
      ok: false,
      reply: { id: 9, result: { code: 'INVALID_INPUT' } },
    });
    for (const text of [
      '',
      'nul',
      '[]',
      '"s"',
      '5',
      'null',
      '{"id":1.5,"route":"a"}',
      `{"id":"${'x'.repeat(65)}","route":"a"}`,
    ]) {
      expect(parseClientFrame(text)).toMatchObject({
        ok: false,
        reply: { id: null, result: { ok: false, code: 'INVALID_INPUT' } },
      });
    }
  });

  it('never throws, for any text (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          const r = parseClientFrame(text);
          expect(typeof r.ok).toBe('boolean');
          if (!r.ok) expect(r.reply.id === null || isCallId(r.reply.id)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('parseServerFrame', () => {
  it('tells replies from events and ignores anything else', () => {
    expect(parseServerFrame('{"id":1,"result":{"ok":true,"value":2}}')).toEqual({
      id: 1,
      result: { ok: true, value: 2 },
    });
    expect(parseServerFrame('{"event":"settings.changed","payload":{}}')).toEqual({
      event: 'settings.changed',
      payload: {},
    });
    for (const text of ['x', '{}', '{"id":1}', '{"id":1,"result":{}}', '{"event":3,"payload":1}', '[1]']) {
      expect(parseServerFrame(text)).toBeNull();
    }
  });
});

describe('host WebSocket under arbitrary frames', () => {
  let host: HostHandle;
  let socket: WebSocket;
  const replies: unknown[] = [];
  let waiter: ((v: unknown) => void) | null = null;

  beforeAll(async () => {
    const backend = createTestBackend();
    host = await startHost({ ...backend, port: 0 });
    const token = backend.keychain.values.get(HOST_TOKEN_SECRET_ID)!;
    socket = new WebSocket(`ws://127.0.0.1:${host.port}${WS_PATH}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      if (!('result' in frame)) return; // events
      if (waiter) {
        waiter(frame);
        waiter = null;
      } else replies.push(frame);
    });
  });
  afterAll(async () => {
    socket?.close();
    await host?.close();
  });

  const nextReply = () =>
    new Promise<unknown>((resolve, reject) => {
      if (replies.length > 0) return resolve(replies.shift());
      const timer = setTimeout(() => reject(new Error('no reply within 5 s')), 5000);
      waiter = (v) => {
        clearTimeout(timer);
        resolve(v);
      };
    });

  it('answers every text frame exactly once and stays open (property)', async () => {
    const frames = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'grapheme', maxLength: 50 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc
        .record({
          id: fc.oneof(fc.nat(), fc.string({ minLength: 1, maxLength: 10 }), fc.constant(null), fc.double()),
          route: fc.oneof(fc.constantFrom('settings.get', 'secrets.has', 'nope', ''), fc.integer()),
          input: fc.jsonValue({ maxDepth: 2 }),
        })
        .map((r) => JSON.stringify(r)),
    );
    await fc.assert(
      fc.asyncProperty(frames, async (text) => {
        socket.send(text);
        const reply = (await nextReply()) as { id: unknown; result: { ok: boolean; code?: string } };
        expect(typeof reply.result.ok).toBe('boolean');
        const parsed = parseClientFrame(text);
        if (parsed.ok) expect(reply.id).toEqual(parsed.frame.id);
        else expect(reply).toEqual(parsed.reply);
        expect(socket.readyState).toBe(WebSocket.OPEN);
      }),
      { numRuns: 300 },
    );
    expect(replies).toHaveLength(0);
  });
});
