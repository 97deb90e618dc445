/**
 * The local API's security over real HTTP: tokens with scopes, revocation, Host/Origin, CORS only for
 * allowed origins, body size and per-token rate limits, and the error shapes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHost, type HostHandle, type StartHostOptions } from '../../src/main/host/server';
import { HOST_TOKEN_SECRET_ID } from '../../src/main/host/auth';
import type { ApiScope } from '../../src/shared/types/apiTokens';
import { createTestBackend, type TestBackend } from '../contract/testBackend';
import { connectWs } from '../contract/wsClient';
import { request } from './httpClient';

let backend: TestBackend;
let host: HostHandle;
let origins: string[];
let limit: number;

async function start(extra: Partial<StartHostOptions> = {}): Promise<HostHandle> {
  return startHost({
    dispatcher: backend.dispatcher,
    events: backend.events,
    keychain: backend.keychain,
    tokens: backend.apiTokens,
    allowedOrigins: () => origins,
    rateLimitPerMinute: () => limit,
    port: 0,
    ...extra,
  });
}

beforeEach(async () => {
  backend = createTestBackend();
  origins = [];
  limit = 600;
  host = await start();
});

afterEach(async () => {
  await host.close();
  await backend.dispose();
});

async function token(scopes: ApiScope[], name = 'test'): Promise<{ id: string; value: string }> {
  const created = await backend.apiTokens.create({ name, scopes });
  return { id: created.token.id, value: created.value };
}

const auth = (value: string) => ({ authorization: `Bearer ${value}` });
const get = (path: string, headers: Record<string, string> = {}) => request(host.port, path, { headers });
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  request(host.port, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('authentication', () => {
  it('answers 401 without a token and with an unknown one, in the contract error shape', async () => {
    const none = await get('/api/settings/get');
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    const forged = await get('/api/settings/get', auth(`nook_${'0'.repeat(16)}_${'A'.repeat(43)}`));
    expect(forged.status).toBe(401);
    // A real id with the wrong secret is unknown too (constant-time hash comparison).
    const t = await token(['read']);
    const wrong = await get('/api/settings/get', auth(t.value.slice(0, -4) + 'AAAA'));
    expect(wrong.status).toBe(401);
  });

  it('a token works until it is revoked, then answers 403', async () => {
    const t = await token(['read']);
    const before = await get('/api/settings/get', auth(t.value));
    expect(before.status).toBe(200);
    expect(JSON.parse(before.body)).toMatchObject({ api: { enabled: false } });
    const revoked = await backend.dispatcher.dispatch(
      'apiTokens.revoke',
      { id: t.id },
      { transport: 'internal' },
    );
    expect(revoked).toMatchObject({ ok: true, value: { id: t.id } });
    const after = await get('/api/settings/get', auth(t.value));
    expect(after.status).toBe(403);
    expect(JSON.parse(after.body)).toMatchObject({ ok: false, code: 'FORBIDDEN', message: /revoked/ });
    // Its value left the keychain.
    expect([...backend.tokenValues.keys()]).toEqual([]);
  });

  it('a read-only token is refused (403) on a write route, a write token is let through', async () => {
    const reader = await token(['read']);
    const refused = await post('/api/ingest/pause', {}, auth(reader.value));
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'FORBIDDEN', message: /"write" scope/ });
    const writer = await token(['write']);
    const allowed = await post('/api/ingest/pause', {}, auth(writer.value));
    expect(allowed.status).toBe(200);
    expect(JSON.parse(allowed.body)).toMatchObject({ paused: true });
    // ...and a write-only token cannot read.
    expect((await get('/api/ingest/status', auth(writer.value))).status).toBe(403);
  });

  it('answers 503 (not 401) when token values cannot be read (a locked keychain)', async () => {
    await host.close();
    host = await start({
      tokens: {
        verify: async () => {
          throw new Error('keychain locked');
        },
      },
    });
    const res = await get('/api/settings/get', auth(`nook_${'1'.repeat(16)}_${'A'.repeat(43)}`));
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
    // The installation token does not depend on it.
    expect(
      (await get('/api/settings/get', auth(backend.keychain.values.get(HOST_TOKEN_SECRET_ID)!))).status,
    ).toBe(200);
  });

  it('the installation token has every scope', async () => {
    const install = backend.keychain.values.get(HOST_TOKEN_SECRET_ID)!;
    expect((await post('/api/ingest/pause', {}, auth(install))).status).toBe(200);
    expect((await get('/api/ingest/status', auth(install))).status).toBe(200);
  });

  it('a token cannot mint a login link (a browser session would have every scope)', async () => {
    const writer = await token(['read', 'write', 'models']);
    const refused = await post('/api/host/login-url', {}, auth(writer.value));
    expect(refused.status).toBe(403);
    expect(refused.body).not.toContain('/login?token=');
    const install = backend.keychain.values.get(HOST_TOKEN_SECRET_ID)!;
    const allowed = await post('/api/host/login-url', {}, auth(install));
    expect(allowed.status).toBe(200);
    expect(JSON.parse(allowed.body)).toMatchObject({ loginUrl: expect.stringContaining('/login?token=') });
  });

  it('routes of the app itself are not in the REST API: secrets, tokens, settings changes, the file picker', async () => {
    const install = backend.keychain.values.get(HOST_TOKEN_SECRET_ID)!;
    for (const path of ['/api/secrets/list', '/api/apiTokens/list', '/api/app/pickFiles'])
      expect((await get(path, auth(install))).status, path).toBe(404);
    for (const path of [
      '/api/apiTokens/create',
      '/api/settings/update',
      '/api/secrets/set',
      '/api/providers/save',
    ])
      expect((await post(path, {}, auth(install))).status, path).toBe(404);
  });
});

describe('Host and Origin', () => {
  it('answers 403 to a foreign Host (DNS rebinding) even with a valid token', async () => {
    const t = await token(['read']);
    const res = await request(host.port, '/api/settings/get', {
      headers: { ...auth(t.value), host: `evil.example:${host.port}` },
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'FORBIDDEN', message: /foreign Host/ });
  });

  it('refuses a foreign Origin unless the user allowed it; CORS headers only for an allowed one', async () => {
    const t = await token(['read']);
    const headers = { ...auth(t.value), origin: 'http://localhost:3000' };
    const refused = await get('/api/settings/get', headers);
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();

    origins = ['http://localhost:3000'];
    const allowed = await get('/api/settings/get', headers);
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    // The browser's preflight (no credentials) is answered for the allowed origin only.
    const preflight = await request(host.port, '/api/ingest/pause', {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/authorization/);
    const otherPreflight = await request(host.port, '/api/ingest/pause', {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(otherPreflight.status).toBe(403);
  });
});

describe('limits', () => {
  it('answers 413 with a JSON error to a body over the limit', async () => {
    await host.close();
    host = await start({ bodyLimitBytes: 4096 });
    const t = await token(['write']);
    const res = await post('/api/knowledge/import', { paths: ['/x'], pad: 'x'.repeat(8192) }, auth(t.value));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('answers 429 with Retry-After once a token is over its rate limit; other tokens are unaffected', async () => {
    limit = 3;
    const t = await token(['read']);
    const statuses: number[] = [];
    let last = await get('/api/ingest/status', auth(t.value));
    statuses.push(last.status);
    for (let i = 0; i < 3; i++) {
      last = await get('/api/ingest/status', auth(t.value));
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(last.body)).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    const other = await token(['read'], 'other');
    expect((await get('/api/ingest/status', auth(other.value))).status).toBe(200);
    // The installation token is not limited.
    const install = backend.keychain.values.get(HOST_TOKEN_SECRET_ID)!;
    for (let i = 0; i < 5; i++) expect((await get('/api/ingest/status', auth(install))).status).toBe(200);
  });
});

describe('WebSocket rate limit', () => {
  it("counts a token's WebSocket calls against its limit: over it, RATE_LIMITED; the socket stays open", async () => {
    limit = 3;
    const t = await token(['read']);
    const ws = await connectWs(host.url, auth(t.value));
    try {
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await ws.invoke('ingest.status', {}));
      expect(results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED']);
      expect(ws.socket.readyState).toBe(ws.socket.OPEN);
    } finally {
      await ws.close();
    }
  });
});

describe('plugins and the OpenAI error shape', () => {
  it('a plugin route declares its scope; /v1 paths answer auth errors in OpenAI shape', async () => {
    await host.close();
    host = await start({
      plugins: [
        async (app) => {
          app.get('/v1/models', { config: { scope: 'models' } }, async (req) => ({
            object: 'list',
            data: [],
            by: req.auth?.tokenId,
          }));
        },
      ],
    });
    const none = await get('/v1/models');
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toEqual({
      error: {
        message: expect.any(String),
        type: 'authentication_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
    const reader = await token(['read']);
    const refused = await get('/v1/models', auth(reader.value));
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { type: 'permission_error' } });
    const modeler = await token(['models']);
    const ok = await get('/v1/models', auth(modeler.value));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ object: 'list', data: [], by: modeler.id });
    // Another method on a plugin's path: 405 with Allow (in the OpenAI shape under /v1).
    const wrongMethod = await post('/v1/models', {}, auth(modeler.value));
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers['allow']).toBe('GET, HEAD');
    expect(JSON.parse(wrongMethod.body)).toMatchObject({ error: { code: 'method_not_allowed' } });
    expect(JSON.parse((await get('/v1/nope', auth(modeler.value))).body)).toMatchObject({
      error: { type: 'not_found_error' },
    });
  });
});
