import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import WebSocket from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHost, type HostHandle } from '../../src/main/host/server';
import { HOST_TOKEN_SECRET_ID } from '../../src/main/host/auth';
import { WS_MAX_FRAME_BYTES, WS_PATH } from '../../src/shared/ipc/wsProtocol';
import { createTestBackend, type TestBackend } from '../contract/testBackend';
import { connectWs } from '../contract/wsClient';
import { cookiePair, request } from './httpClient';

let backend: TestBackend;
let host: HostHandle;
let token: string;
let rendererDir: string;

async function start(extra: Partial<Parameters<typeof startHost>[0]> = {}): Promise<HostHandle> {
  return startHost({
    dispatcher: backend.dispatcher,
    events: backend.events,
    keychain: backend.keychain,
    port: 0,
    rendererDir,
    ...extra,
  });
}

beforeEach(async () => {
  backend = createTestBackend();
  rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-renderer-'));
  fs.writeFileSync(
    path.join(rendererDir, 'index.html'),
    '<!doctype html><title>Nook</title><div id="root">nook-app</div>',
  );
  fs.mkdirSync(path.join(rendererDir, 'assets'));
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log("nook")');
  host = await start();
  token = backend.keychain.values.get(HOST_TOKEN_SECRET_ID)!;
});

afterEach(async () => {
  await host.close();
  fs.rmSync(rendererDir, { recursive: true, force: true });
});

const bearer = () => ({ authorization: `Bearer ${token}` });
const codeOf = (loginUrl: string) => new URL(loginUrl).search;

async function login(loginUrl = host.loginUrl): Promise<string> {
  const res = await request(host.port, `/login${codeOf(loginUrl)}`);
  expect(res.status).toBe(302);
  return String(res.headers['set-cookie']?.[0]);
}

describe('installation token', () => {
  it('is created in the keychain as 32 random bytes and reused on the next start', async () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const second = await start();
    try {
      expect(backend.keychain.values.get(HOST_TOKEN_SECRET_ID)).toBe(token);
      expect((await request(second.port, '/', { headers: bearer() })).status).toBe(200);
    } finally {
      await second.close();
    }
  });
});

describe('binding', () => {
  it('listens on 127.0.0.1 only', async () => {
    expect(host.address().address).toBe('127.0.0.1');
    expect(host.url).toBe(`http://127.0.0.1:${host.port}`);
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = net.connect({ host: external.address, port: host.port });
        s.once('connect', () => (s.destroy(), resolve(false)));
        s.once('error', () => resolve(true));
      });
      expect(refused).toBe(true);
    }
  });
});

describe('without credentials', () => {
  it.each(['/', '/index.html', '/assets/app.js', '/api/anything', '/api/host/login-url', WS_PATH])(
    '%s is 401',
    async (p) => {
      const res = await request(host.port, p);
      expect(res.status).toBe(401);
      expect(res.body).not.toContain('nook-app');
      expect(JSON.parse(res.body)).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    },
  );

  it('browsers get a 401 page that points at the login URL', async () => {
    const res = await request(host.port, '/', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('login URL');
  });

  it('refuses the WebSocket upgrade with 401', async () => {
    await expect(connectWs(host.url, {})).rejects.toThrow('HTTP 401');
  });

  it('refuses a wrong bearer token and a forged session cookie', async () => {
    expect(
      (await request(host.port, '/', { headers: { authorization: `Bearer ${'A'.repeat(43)}` } })).status,
    ).toBe(401);
    const forged = `nook_session_${host.port}=v1.9999999999.${'A'.repeat(22)}.${'B'.repeat(43)}`;
    expect((await request(host.port, '/', { headers: { cookie: forged } })).status).toBe(401);
  });
});

describe('bearer token', () => {
  it('serves the renderer, 404s unknown API paths, and opens the WebSocket', async () => {
    const page = await request(host.port, '/', { headers: bearer() });
    expect(page.status).toBe(200);
    expect(page.body).toContain('nook-app');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect((await request(host.port, '/assets/app.js', { headers: bearer() })).body).toContain('nook');
    const api = await request(host.port, '/api/anything', { headers: bearer() });
    expect(api.status).toBe(404);
    expect(JSON.parse(api.body)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    const ws = await connectWs(host.url, bearer());
    expect(await ws.invoke('settings.get', {})).toMatchObject({
      ok: true,
      value: { appearance: { theme: 'system' } },
    });
    await ws.close();
  });
});

describe('login URL', () => {
  it('works once, sets an HttpOnly SameSite=Strict session cookie, then is refused', async () => {
    expect(host.loginUrl).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/login\\?token=[A-Za-z0-9_-]{43}$`),
    );
    const first = await request(host.port, `/login${codeOf(host.loginUrl)}`);
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe('/');
    expect(first.headers['cache-control']).toBe('no-store');
    const setCookie = String(first.headers['set-cookie']?.[0]);
    expect(setCookie).toMatch(new RegExp(`^nook_session_${host.port}=v1\\.`));
    expect(setCookie).toMatch(/;\s*HttpOnly/i);
    expect(setCookie).toMatch(/;\s*SameSite=Strict/i);
    expect(setCookie).toMatch(/;\s*Path=\//i);
    // The cookie never carries the installation token.
    expect(setCookie).not.toContain(token);

    const again = await request(host.port, `/login${codeOf(host.loginUrl)}`);
    expect(again.status).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();

    const cookie = cookiePair(setCookie);
    const page = await request(host.port, '/', { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('nook-app');
    const ws = await connectWs(host.url, { cookie });
    expect(await ws.invoke('system.status', {})).toMatchObject({ ok: true, value: { mode: 'host' } });
    await ws.close();
  });

  it('refuses unknown, missing and expired codes', async () => {
    expect((await request(host.port, '/login')).status).toBe(401);
    expect((await request(host.port, `/login?token=${'x'.repeat(43)}`)).status).toBe(401);
    const shortLived = await start({ loginCodeTtlMs: 30 });
    try {
      await new Promise((r) => setTimeout(r, 80));
      expect((await request(shortLived.port, `/login${codeOf(shortLived.loginUrl)}`)).status).toBe(401);
    } finally {
      await shortLived.close();
    }
  });

  it('a session cookie survives a host restart with the same installation token', async () => {
    const cookie = cookiePair(await login());
    const second = await start();
    try {
      // A different port means a different cookie name: rename it the way the browser would not,
      // to check the signature (not the name) is what grants access.
      const renamed = cookie.replace(`nook_session_${host.port}`, `nook_session_${second.port}`);
      expect((await request(second.port, '/', { headers: { cookie: renamed } })).status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('an authenticated client can mint a fresh login URL', async () => {
    const res = await request(host.port, '/api/host/login-url', { method: 'POST', headers: bearer() });
    expect(res.status).toBe(200);
    const { loginUrl } = JSON.parse(res.body) as { loginUrl: string };
    await login(loginUrl);
  });
});

describe('DNS-rebinding protection', () => {
  it.each([
    'evil.example',
    `evil.example:${0}`,
    '127.0.0.1',
    '127.0.0.1:1',
    'localhost.evil.example:PORT',
    '10.0.0.5:PORT',
  ])('refuses Host %s with 403 even with a valid token', async (h) => {
    const res = await request(host.port, '/', {
      headers: { ...bearer(), host: h.replace('PORT', String(host.port)) },
    });
    expect(res.status).toBe(403);
    expect(res.body).not.toContain('nook-app');
  });

  it.each(['127.0.0.1:PORT', 'localhost:PORT', '[::1]:PORT', 'LOCALHOST:PORT'])(
    'accepts Host %s',
    async (h) => {
      const res = await request(host.port, '/', {
        headers: { ...bearer(), host: h.replace('PORT', String(host.port)) },
      });
      expect(res.status).toBe(200);
    },
  );

  it('refuses a foreign Host on the login URL, so a rebound page cannot log itself in', async () => {
    const res = await request(host.port, `/login${codeOf(host.loginUrl)}`, {
      headers: { host: 'evil.example' },
    });
    expect(res.status).toBe(403);
    // The code was not spent by the refused request.
    await login();
  });

  it.each([
    'http://evil.example',
    'null',
    'http://localhost:PORT',
    'https://127.0.0.1:PORT',
    'http://127.0.0.1:1',
  ])('refuses Origin %s with 403', async (o) => {
    const res = await request(host.port, '/', {
      headers: { ...bearer(), origin: o.replace('PORT', String(host.port)) },
    });
    expect(res.status).toBe(403);
  });

  it('accepts its own origin', async () => {
    const res = await request(host.port, '/', { headers: { ...bearer(), origin: host.url } });
    expect(res.status).toBe(200);
  });

  it('refuses a foreign Origin and a foreign Host on the WebSocket upgrade', async () => {
    await expect(connectWs(host.url, bearer(), { origin: 'http://evil.example' })).rejects.toThrow(
      'HTTP 403',
    );
    await expect(connectWs(host.url, { ...bearer(), host: 'evil.example' })).rejects.toThrow('HTTP 403');
    const ok = await connectWs(host.url, bearer(), { origin: host.url });
    await ok.close();
  });
});

describe('WebSocket protocol', () => {
  it('answers malformed frames with INVALID_INPUT and keeps the connection', async () => {
    const ws = await connectWs(host.url, bearer());
    expect(await ws.sendRaw('not json')).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    expect(await ws.sendRaw('[1,2]')).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    expect(await ws.sendRaw('{"route":"settings.get"}')).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    expect(await ws.sendRaw('{"id":-1,"route":"settings.get"}')).toMatchObject({
      ok: false,
      code: 'INVALID_INPUT',
    });
    expect(await ws.sendRaw('{"id":"abc","route":7}', 'abc')).toMatchObject({
      ok: false,
      code: 'INVALID_INPUT',
    });
    const binary = new Promise((resolve) => ws.socket.once('message', (d) => resolve(JSON.parse(String(d)))));
    ws.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await binary).toMatchObject({ id: null, result: { ok: false, code: 'INVALID_INPUT' } });
    expect(await ws.invoke('settings.get', {})).toMatchObject({ ok: true });
    expect(ws.socket.readyState).toBe(WebSocket.OPEN);
    await ws.close();
  });

  it('closes with 1009 on a frame larger than WS_MAX_FRAME_BYTES, and the call settles as PAYLOAD_TOO_LARGE', async () => {
    const ws = await connectWs(host.url, bearer());
    const closed = new Promise<number>((resolve) => ws.socket.once('close', (code) => resolve(code)));
    const res = await ws.invoke('settings.update', { blob: 'x'.repeat(WS_MAX_FRAME_BYTES) });
    expect(res).toMatchObject({ ok: false, code: 'PAYLOAD_TOO_LARGE' });
    expect(await closed).toBe(1009);
    // The host is still up for other clients.
    const other = await connectWs(host.url, bearer());
    expect(await other.invoke('settings.get', {})).toMatchObject({ ok: true });
    await other.close();
  });

  it('pushes every event bus event to connected clients', async () => {
    const a = await connectWs(host.url, bearer());
    const b = await connectWs(host.url, bearer());
    expect(await a.invoke('settings.update', { appearance: { theme: 'dark' } })).toMatchObject({ ok: true });
    backend.events.emit('system.notice', { level: 'info', message: 'hello' });
    await new Promise((r) => setTimeout(r, 50));
    for (const c of [a, b]) {
      expect(c.events).toContainEqual({
        event: 'settings.changed',
        payload: expect.objectContaining({ appearance: { theme: 'dark' } }),
      });
      expect(c.events).toContainEqual({
        event: 'system.notice',
        payload: { level: 'info', message: 'hello' },
      });
    }
    await a.close();
    await b.close();
  });

  it('runs calls concurrently and matches replies by id', async () => {
    const ws = await connectWs(host.url, bearer());
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2 === 0 ? ws.invoke('settings.get', {}) : ws.invoke('secrets.has', { id: `provider.p${i}` }),
      ),
    );
    results.forEach((r, i) => {
      expect(r.ok).toBe(true);
      if (r.ok && i % 2 === 1) expect(r.value).toEqual({ present: false });
    });
    await ws.close();
  });

  it('closes open sockets with 1001 when the host stops', async () => {
    const ws = await connectWs(host.url, bearer());
    const closed = new Promise<number>((resolve) => ws.socket.once('close', (code) => resolve(code)));
    await host.close();
    expect(await closed).toBe(1001);
  });
});

describe('renderer not built', () => {
  it('explains how to build it instead of failing', async () => {
    const bare = await start({ rendererDir: path.join(rendererDir, 'missing') });
    try {
      const res = await request(bare.port, '/', { headers: bearer() });
      expect(res.status).toBe(200);
      expect(res.body).toContain('electron-vite build');
    } finally {
      await bare.close();
    }
  });
});
