/**
 * The `nook serve` CLI end to end: a real process, real core, real keychain (run through
 * `node scripts/withKeyring.mjs`), a throwaway keychain service. Runs from source with tsx, and
 * also the built `out/main/serve.js` when it exists.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDataDir, HOST_KEYCHAIN_SERVICE, parseServeArgs } from '../../src/main/host/serve';
import { DEFAULT_KEYCHAIN_SERVICE } from '../../src/main/services/secrets/secretStore';
import { clearService, keychainAvailable, testService } from '../services/helpers/keychain';
import { connectWs } from '../contract/wsClient';
import { cookiePair, request } from './httpClient';

const root = path.resolve(__dirname, '../..');
const built = path.join(root, 'out/main/serve.js');
const entries: [string, string[]][] = [
  ['source (tsx)', ['--import', 'tsx', path.join(root, 'src/main/host/serve.ts')]],
];
/** The built leg runs only when out/ is at least as new as every source under src/main and src/shared. */
function builtIsFresh(): boolean {
  if (!fs.existsSync(built)) return false;
  const builtAt = fs.statSync(built).mtimeMs;
  const newest = ['src/main', 'src/shared']
    .flatMap((d) => fs.readdirSync(path.join(root, d), { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .reduce((max, e) => Math.max(max, fs.statSync(path.join(e.parentPath, e.name)).mtimeMs), 0);
  if (newest > builtAt)
    console.warn(
      'out/main/serve.js is older than the sources: skipping the built leg (run npx electron-vite build)',
    );
  return newest <= builtAt;
}
if (builtIsFresh()) entries.push(['built out/main/serve.js', [built]]);

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function runServe(args: string[], extraArgs: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [...args, ...extraArgs], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let errText = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (errText += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => errText, exit };
}

async function waitReady(r: Running, timeoutMs = 40_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = /^NOOK_READY (.+)$/m.exec(r.stdout());
    if (m) return JSON.parse(m[1]!) as Record<string, unknown>;
    if (r.child.exitCode !== null) throw new Error(`serve exited ${r.child.exitCode}: ${r.stderr()}`);
    await new Promise((res) => setTimeout(res, 50));
  }
  r.child.kill('SIGKILL');
  throw new Error(`no NOOK_READY within ${timeoutMs} ms; stdout: ${r.stdout()} stderr: ${r.stderr()}`);
}

describe('parseServeArgs', () => {
  it('ignores a leading serve word and reads every option', () => {
    const a = parseServeArgs(['serve', '--data-dir', 'x/y', '--port', '0', '--no-open', '--print-token'], {});
    expect(a).toMatchObject({
      dataDir: path.resolve('x/y'),
      port: 0,
      portExplicit: true,
      open: false,
      printToken: true,
    });
    expect(parseServeArgs([], {})).toMatchObject({
      port: 4141,
      portExplicit: false,
      open: true,
      printToken: false,
    });
  });
  it('refuses bad ports and unknown options', () => {
    expect(() => parseServeArgs(['--port', '70000'], {})).toThrow('--port');
    expect(() => parseServeArgs(['--port', 'abc'], {})).toThrow('--port');
    expect(() => parseServeArgs(['--bogus'], {})).toThrow();
  });
  it('picks the data dir from NOOK_DATA_DIR or the platform convention', () => {
    expect(defaultDataDir({ NOOK_DATA_DIR: '/data/nook' }, 'linux')).toBe('/data/nook');
    expect(defaultDataDir({ XDG_DATA_HOME: '/xdg' }, 'linux')).toBe('/xdg/Nook');
    expect(defaultDataDir({}, 'linux')).toBe(path.join(os.homedir(), '.local/share/Nook'));
    expect(defaultDataDir({}, 'darwin')).toBe(path.join(os.homedir(), 'Library/Application Support/Nook'));
  });
});

it('reads the host token from the same keychain service the core files secrets under', () => {
  expect(HOST_KEYCHAIN_SERVICE).toBe(DEFAULT_KEYCHAIN_SERVICE);
});

describe('nook serve (process)', () => {
  let hasKeychain = false;
  const service = testService();
  const dirs: string[] = [];
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-serve-'));
    dirs.push(d);
    return d;
  };

  beforeAll(async () => {
    hasKeychain = await keychainAvailable();
  });
  afterAll(async () => {
    if (hasKeychain) await clearService(service);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  describe.each(entries)('%s', (_name, entry) => {
    it('prints NOOK_READY, serves the page and the contract, logs in once, and exits 0 on SIGTERM', async (ctx) => {
      if (!hasKeychain) ctx.skip();
      const r = runServe(entry, ['serve', '--data-dir', tmp(), '--port', '0', '--no-open', '--print-token'], {
        NOOK_KEYCHAIN_SERVICE: service,
      });
      const ready = await waitReady(r);
      const port = ready.port as number;
      expect(ready.url).toBe(`http://127.0.0.1:${port}`);
      expect(r.stdout()).toContain(`Nook is running at ${ready.loginUrl as string}`);
      const token = ready.token as string;
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

      expect((await request(port, '/')).status).toBe(401);
      const page = await request(port, '/', { headers: { authorization: `Bearer ${token}` } });
      expect(page.status).toBe(200);
      expect(page.body).toMatch(/<html/i);

      const ws = await connectWs(ready.url as string, { authorization: `Bearer ${token}` });
      expect(await ws.invoke('system.status', {})).toMatchObject({ ok: true, value: { mode: 'host' } });
      expect(await ws.invoke('secrets.delete', { id: 'host.token' })).toMatchObject({
        ok: false,
        code: 'FORBIDDEN',
      });
      await ws.close();

      const loginPath = new URL(ready.loginUrl as string);
      const first = await request(port, loginPath.pathname + loginPath.search);
      expect(first.status).toBe(302);
      const cookie = cookiePair(String(first.headers['set-cookie']?.[0]));
      expect((await request(port, '/', { headers: { cookie } })).status).toBe(200);
      expect((await request(port, loginPath.pathname + loginPath.search)).status).toBe(401);

      r.child.kill('SIGTERM');
      expect(await r.exit).toBe(0);
      // The port is free again.
      await new Promise<void>((resolve, reject) => {
        const s = net.createServer().once('error', reject);
        s.listen(port, '127.0.0.1', () => s.close(() => resolve()));
      });
    });

    it('listens before the core is up; a call made at NOOK_LISTENING waits for the core and succeeds', async (ctx) => {
      if (!hasKeychain) ctx.skip();
      const r = runServe(entry, ['--data-dir', tmp(), '--port', '0', '--no-open', '--print-token'], {
        NOOK_KEYCHAIN_SERVICE: service,
      });
      const deadline = Date.now() + 40_000;
      let listening: { url: string; port: number; token: string } | null = null;
      while (!listening && Date.now() < deadline) {
        const m = /^NOOK_LISTENING (.+)$/m.exec(r.stdout());
        if (m) listening = JSON.parse(m[1]!) as { url: string; port: number; token: string };
        else await new Promise((res) => setTimeout(res, 10));
      }
      expect(listening).not.toBeNull();
      const ws = await connectWs(listening!.url, { authorization: `Bearer ${listening!.token}` });
      const status = ws.invoke('system.status', {});
      expect(await status).toMatchObject({ ok: true, value: { mode: 'host' } });
      // A socket that connected before the core existed still gets its events.
      expect(await ws.invoke('settings.update', { appearance: { theme: 'dark' } })).toMatchObject({
        ok: true,
      });
      await new Promise((res) => setTimeout(res, 100));
      expect(ws.events.map((e) => e.event)).toContain('settings.changed');
      const ready = await waitReady(r);
      expect(ready.token).toBe(listening!.token);
      expect(r.stdout().indexOf('NOOK_LISTENING')).toBeLessThan(r.stdout().indexOf('NOOK_READY'));
      await ws.close();
      r.child.kill('SIGTERM');
      expect(await r.exit).toBe(0);
    });

    it('keeps the installation token across restarts', async (ctx) => {
      if (!hasKeychain) ctx.skip();
      const dir = tmp();
      const tokens: string[] = [];
      for (let i = 0; i < 2; i++) {
        const r = runServe(entry, ['--data-dir', dir, '--port', '0', '--no-open', '--print-token'], {
          NOOK_KEYCHAIN_SERVICE: service,
        });
        tokens.push((await waitReady(r)).token as string);
        r.child.kill('SIGINT');
        expect(await r.exit).toBe(0);
      }
      expect(tokens[0]).toBe(tokens[1]);
    });
  });

  it('falls back to a free port when 4141 is taken, and fails clearly when an explicit port is taken', async (ctx) => {
    if (!hasKeychain) ctx.skip();
    const blocker = net.createServer();
    const bound = await new Promise<boolean>((resolve) => {
      blocker.once('error', () => resolve(false));
      blocker.listen(4141, '127.0.0.1', () => resolve(true));
    });
    try {
      // If something else holds 4141 already, the fallback is exercised all the same.
      const r = runServe(entries[0]![1], ['--data-dir', tmp(), '--no-open'], {
        NOOK_KEYCHAIN_SERVICE: service,
      });
      const ready = await waitReady(r);
      expect(ready.port).not.toBe(4141);
      expect(r.stdout()).toContain(`Port 4141 is taken; using ${ready.port as number} instead.`);
      r.child.kill('SIGTERM');
      expect(await r.exit).toBe(0);

      const explicit = runServe(entries[0]![1], ['--data-dir', tmp(), '--no-open', '--port', '4141'], {
        NOOK_KEYCHAIN_SERVICE: service,
      });
      expect(await explicit.exit).toBe(1);
      expect(explicit.stderr()).toContain('port 4141 is already in use');
    } finally {
      if (bound) await new Promise((res) => blocker.close(res));
    }
  });

  it.runIf(process.platform === 'linux')(
    'exits 1 with a clear message when the keychain is unreachable',
    async () => {
      const r = runServe(entries[0]![1], ['--data-dir', tmp(), '--port', '0', '--no-open'], {
        DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/nook-test-bus',
        NOOK_KEYCHAIN_SERVICE: service,
      });
      expect(await r.exit).toBe(1);
      expect(r.stderr()).toMatch(/nook serve: could not start: .*keychain/i);
      expect(r.stdout()).not.toContain('NOOK_READY');
    },
  );

  it('refuses bad arguments with usage and exit code 2', async () => {
    const r = runServe(entries[0]![1], ['--port', 'nope']);
    expect(await r.exit).toBe(2);
    expect(r.stderr()).toContain('Usage: nook serve');
  });
});
