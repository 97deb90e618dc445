/**
 * The host's protections in a real browser (Debian Chromium through Playwright): the one-time login,
 * the HttpOnly cookie, and what a hostile page can and cannot do. Another page on 127.0.0.1 is
 * "same-site" for cookies (ports do not count), so SameSite=Strict alone would not stop it: the Origin
 * check must. A DNS-rebinding page is simulated by mapping evil.test to 127.0.0.1 in Chromium.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type HostHandle } from '../../src/main/host/server';
import { createTestBackend } from '../contract/testBackend';

const CHROMIUM = process.env.NOOK_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);

describe.runIf(haveChromium)('host in a real browser', () => {
  let browser: Browser;
  let host: HostHandle;
  let attacker: http.Server;
  let attackerUrl: string;
  let rendererDir: string;

  beforeAll(async () => {
    rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-browser-'));
    fs.writeFileSync(
      path.join(rendererDir, 'index.html'),
      '<!doctype html><title>Nook</title><div id="root">nook-app</div>',
    );
    const backend = createTestBackend();
    host = await startHost({ ...backend, port: 0, rendererDir });
    // The hostile page tries everything a cross-origin page can; it reports back through its title.
    attacker = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><script>
        const target = ${JSON.stringify(host.url)};
        const out = {};
        const ws = new WebSocket(target.replace('http', 'ws') + '/ws');
        ws.onopen = () => { out.ws = 'open'; ws.send(JSON.stringify({ id: 1, route: 'settings.get', input: {} })); };
        ws.onmessage = (e) => { out.wsData = String(e.data).slice(0, 40); };
        ws.onerror = () => { out.ws = 'error'; };
        fetch(target + '/api/host/login-url', { method: 'POST', credentials: 'include' })
          .then(async (r) => { out.post = r.status; out.postBody = (await r.text()).slice(0, 60); })
          .catch(() => { out.post = 'blocked'; });
        fetch(target + '/', { mode: 'no-cors', credentials: 'include' })
          .then(() => { out.noCors = 'sent'; }).catch(() => { out.noCors = 'blocked'; });
        setTimeout(() => { document.title = 'done:' + JSON.stringify(out); }, 1500);
      </script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
        '--host-resolver-rules=MAP evil.test 127.0.0.1',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await new Promise((r) => attacker?.close(r));
    fs.rmSync(rendererDir, { recursive: true, force: true });
  });

  it('logs in once through the login URL; the session cookie is invisible to scripts', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const before = await page.goto(host.url + '/');
    expect(before?.status()).toBe(401);
    expect(await page.textContent('body')).toContain('login URL');

    const login = await page.goto(host.loginUrl);
    expect(login?.status()).toBe(200);
    expect(page.url()).toBe(host.url + '/');
    expect(await page.textContent('#root')).toBe('nook-app');
    // Page code runs in the browser; passed as strings because this project has no DOM types.
    expect(await page.evaluate('document.cookie')).toBe('');
    const [cookie] = await context.cookies(host.url);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });

    // The app page can use the WebSocket with the cookie alone.
    const reply = await page.evaluate<string>(`new Promise((resolve) => {
      const ws = new WebSocket(location.origin.replace('http', 'ws') + '/ws');
      ws.onopen = () => ws.send(JSON.stringify({ id: 1, route: 'settings.get', input: {} }));
      ws.onmessage = (e) => resolve(String(e.data));
      ws.onerror = () => resolve('error');
    })`);
    expect(JSON.parse(reply)).toMatchObject({ id: 1, result: { ok: true } });

    // The same link again, in a fresh browser: refused.
    const other = await browser.newContext();
    const again = await (await other.newPage()).goto(host.loginUrl);
    expect(again?.status()).toBe(401);
    await other.close();
    await context.close();
  });

  it('a page on another 127.0.0.1 port gets nothing, even from a logged-in browser', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(host.newLoginUrl());
    await page.goto(attackerUrl);
    await page.waitForFunction("document.title.startsWith('done:')", undefined, { timeout: 10_000 });
    const out = JSON.parse((await page.title()).slice('done:'.length)) as Record<string, unknown>;
    expect(out.ws).toBe('error');
    expect(out.wsData).toBeUndefined();
    // Either CORS hides the answer or the host refuses; in no case does a login URL come back.
    expect(out.post === 'blocked' || out.post === 403).toBe(true);
    expect(String(out.postBody ?? '')).not.toContain('loginUrl');
    await context.close();
  });

  it('a rebound name (evil.test -> 127.0.0.1) is refused with 403', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const res = await page.goto(`http://evil.test:${host.port}/login${new URL(host.newLoginUrl()).search}`);
    expect(res?.status()).toBe(403);
    const res2 = await page.goto(`http://evil.test:${host.port}/`);
    expect(res2?.status()).toBe(403);
    expect(await page.textContent('body')).not.toContain('nook-app');
    await context.close();
  });
});
