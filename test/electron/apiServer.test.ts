/**
 * The desktop app's local API follows Settings: off by default, listening on 127.0.0.1:port when
 * enabled, moved when the port changes, stopped when disabled or disposed, and a taken port is a
 * notice rather than a crash.
 */
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DesktopApiServer, type ApiCore } from '../../src/main/app/apiServer';
import { defaultSettings, type Settings } from '../../src/shared/types/settings';
import type { Notice } from '../../src/shared/types/system';
import { createTestBackend, type TestBackend } from '../contract/testBackend';
import { freePort } from '../services/helpers/freePort';

let backend: TestBackend;
let settings: Settings;
let listeners: Array<(s: Settings) => void>;
let notices: Notice[];
let server: DesktopApiServer;
let secrets: Map<string, string>;

const log = { info() {}, warn() {}, error() {}, debug() {} };

function core(): ApiCore {
  return {
    dispatcher: backend.dispatcher,
    events: backend.events,
    apiTokens: backend.apiTokens,
    settings: {
      get: () => settings,
      onDidChange: (cb: (s: Settings) => void) => {
        listeners.push(cb);
        return { dispose: () => void listeners.splice(listeners.indexOf(cb), 1) };
      },
    },
    secrets: {
      reveal: async (id: string) => secrets.get(id) ?? null,
      set: async (id: string, v: string) => void secrets.set(id, v),
    },
    log,
  } as unknown as ApiCore;
}

function change(api: Partial<Settings['api']>): Promise<void> {
  settings = { ...settings, api: { ...settings.api, ...api } };
  for (const l of listeners) l(settings);
  return server.settled();
}

async function status(port: number, path: string, token?: string): Promise<number | 'refused'> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return res.status;
  } catch {
    return 'refused';
  }
}

beforeEach(() => {
  backend = createTestBackend();
  settings = defaultSettings();
  listeners = [];
  notices = [];
  secrets = new Map();
  backend.events.on('system.notice', (n) => notices.push(n));
});

afterEach(async () => {
  await server?.dispose();
  await backend.dispose();
});

describe('DesktopApiServer', () => {
  it('is off by default and follows api.enabled and api.port', async () => {
    expect(settings.api).toEqual({ enabled: false, port: 8765, allowedOrigins: [], rateLimitPerMinute: 600 });
    const port = await freePort();
    settings = { ...settings, api: { ...settings.api, port } };
    server = new DesktopApiServer(core());
    await server.settled();
    expect(server.state).toEqual({ running: false, url: null, problem: null });
    expect(await status(port, '/api/settings/get')).toBe('refused');

    await change({ enabled: true });
    expect(server.state).toEqual({ running: true, url: `http://127.0.0.1:${port}`, problem: null });
    const { value } = await backend.apiTokens.create({ name: 'desktop', scopes: ['read'] });
    expect(await status(port, '/api/settings/get', value)).toBe(200);
    expect(await status(port, '/api/settings/get')).toBe(401);
    const landing = await fetch(`http://127.0.0.1:${port}/`, {
      headers: { authorization: `Bearer ${value}` },
    });
    expect(await landing.text()).toContain('/api/openapi.json');
    // The installation token is created in the app's keychain; no renderer is served here.
    expect([...secrets.keys()]).toEqual(['host.token']);

    const moved = await freePort();
    await change({ port: moved });
    expect(await status(port, '/api/settings/get', value)).toBe('refused');
    expect(await status(moved, '/api/settings/get', value)).toBe(200);

    // Origins apply without a restart.
    const origin = { authorization: `Bearer ${value}`, origin: 'http://localhost:5173' };
    expect((await fetch(`http://127.0.0.1:${moved}/api/settings/get`, { headers: origin })).status).toBe(403);
    await change({ allowedOrigins: ['http://localhost:5173'] });
    expect((await fetch(`http://127.0.0.1:${moved}/api/settings/get`, { headers: origin })).status).toBe(200);

    await change({ enabled: false });
    expect(server.state.running).toBe(false);
    expect(await status(moved, '/api/settings/get', value)).toBe('refused');
  });

  it('reports a taken port as a notice and starts once the port is changed', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      settings = { ...settings, api: { ...settings.api, enabled: true, port: taken } };
      server = new DesktopApiServer(core());
      await server.settled();
      expect(server.state).toMatchObject({
        running: false,
        problem: expect.stringMatching(/already in use/),
      });
      expect(notices).toEqual([{ level: 'warning', message: expect.stringMatching(`Port ${taken}`) }]);
      const port = await freePort();
      await change({ port });
      expect(server.state).toMatchObject({ running: true, problem: null });
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });

  it('stops when disposed (the app quitting)', async () => {
    const port = await freePort();
    settings = { ...settings, api: { ...settings.api, enabled: true, port } };
    server = new DesktopApiServer(core());
    await server.settled();
    expect(server.state.running).toBe(true);
    await server.dispose();
    expect(await status(port, '/api/settings/get')).toBe('refused');
    // A settings change after quitting starts nothing.
    await change({ port: await freePort() });
    expect(server.state.running).toBe(false);
  });
});
