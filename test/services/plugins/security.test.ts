/**
 * The sandbox, one property a test (issue #8): timeouts, memory limit, network, files, environment,
 * crash isolation, tampering, ungranted host functions. Runs the real plugins in Extism workers.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HOSTILE_WASM,
  START_LOOP_WASM,
  START_TRAP_WASM,
  WASI_WASM,
  buildPlugins,
  openHarness,
  writePackage,
  type Harness,
} from './helpers';

let h: Harness;
let server: http.Server;
let port = 0;
let requests = 0;

beforeAll(async () => {
  buildPlugins();
  server = http.createServer((_req, res) => {
    requests++;
    res.end('secret intranet data');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  h = await openHarness();
}, 300_000);

afterAll(async () => {
  await h?.close();
  server?.close();
});

async function install(
  id: string,
  extra: Record<string, unknown> = {},
  approve?: string[],
  wasm = HOSTILE_WASM,
) {
  const pkg = writePackage(h.dir, wasm, { id, ...extra });
  const perms = (extra.permissions as string[] | undefined) ?? [];
  return h.service.install(pkg, (approve ?? perms) as never);
}

const commands = (...names: string[]) => ({
  contributes: { commands: names.map((n) => ({ id: n.toLowerCase(), title: n, export: n })) },
});

describe('plugin sandbox', () => {
  it('stops an infinite loop at the timeout while Nook keeps serving other calls', async () => {
    await install('t.spin', { limits: { timeoutMs: 700, memoryMb: 16 }, ...commands('spin', 'echo') });
    await install('t.other', commands('echo'));

    const t0 = performance.now();
    const spinning = h.service.run('t.spin', 'spin', '').then(
      () => 'returned',
      (e: Error) => e,
    );
    // While the plugin spins in its worker, the main thread keeps answering: timers and other plugins.
    const other = await h.service.run('t.other', 'echo', 'still here');
    expect(other.output).toBe('echo:still here');
    expect(performance.now() - t0).toBeLessThan(700);

    const err = await spinning;
    const elapsed = performance.now() - t0;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error & { code: string }).code).toBe('TIMEOUT');
    expect((err as Error).message).toMatch(/within 700 ms and was stopped/);
    expect(elapsed).toBeGreaterThanOrEqual(690);
    expect(elapsed).toBeLessThan(10_000);

    // The stopped plugin gets a fresh instance and works again; stats count the timeout.
    expect((await h.service.run('t.spin', 'echo', 'again')).output).toBe('echo:again');
    const info = h.service.get('t.spin');
    expect(info.stats.calls).toBe(2);
    expect(info.stats.timeouts).toBe(1);
    expect(info.stats.errors).toBe(1);
  });

  it('stops a plugin that allocates without bound at its memory limit', async () => {
    await install('t.hog', {
      permissions: ['log'],
      limits: { memoryMb: 8, timeoutMs: 30_000 },
      ...commands('hog', 'echo'),
    });
    const t0 = performance.now();
    await expect(h.service.run('t.hog', 'hog', '')).rejects.toThrow(/crashed in hog/);
    expect(performance.now() - t0).toBeLessThan(20_000);
    // The plugin logged each megabyte it got: it never got past its 8 MB (the module's own data
    // and heap take some of it).
    const logs = await h.service.logs('t.hog');
    const reached = Math.max(...logs.map((l) => Number(/hog: (\d+) MB/.exec(l.message)?.[1] ?? 0)));
    expect(reached).toBeGreaterThan(2);
    expect(reached).toBeLessThan(8);
    // And it still answers afterwards, from a fresh instance.
    expect((await h.service.run('t.hog', 'echo', 'x')).output).toBe('echo:x');
  });

  it('refuses http.fetch to a host the manifest does not list, and the kernel http_request too', async () => {
    await install('t.net', {
      permissions: ['http.fetch'],
      http: { allowedHosts: ['quotes.example.org'] },
      ...commands('fetchUrl', 'kernelFetch'),
    });
    const before = requests;
    const out = JSON.parse((await h.service.run('t.net', 'fetchurl', `http://127.0.0.1:${port}/`)).output);
    expect(out.ok).toBe(false);
    expect(out.error).toMatch(
      /http\.fetch to 127\.0\.0\.1:\d+ is refused: the plugin's manifest allows only quotes\.example\.org/,
    );
    // Extism's own HTTP (no allowed hosts) fails the call; nothing ever reached the server.
    await expect(h.service.run('t.net', 'kernelfetch', `http://127.0.0.1:${port}/`)).rejects.toThrow(
      /not allowed|failed/,
    );
    expect(requests).toBe(before);
  });

  it('follows no redirect off the allow-list', async () => {
    const redirector = http.createServer((_req, res) => {
      res.writeHead(302, { location: `http://localhost:${port}/` });
      res.end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    const rport = (redirector.address() as AddressInfo).port;
    try {
      await install('t.redirect', {
        permissions: ['http.fetch'],
        http: { allowedHosts: [`127.0.0.1:${rport}`] },
        ...commands('fetchUrl'),
      });
      const before = requests;
      const out = JSON.parse(
        (await h.service.run('t.redirect', 'fetchurl', `http://127.0.0.1:${rport}/`)).output,
      );
      expect(out.ok).toBe(false);
      expect(out.error).toMatch(/localhost:\d+ is refused/);
      expect(requests).toBe(before);
    } finally {
      redirector.close();
    }
  });

  it('gives a plugin with fs only its own data folder, and no environment variables', async () => {
    process.env.NOOK_TEST_SECRET_ENV = 'hunter2';
    const info = await install(
      't.files',
      { permissions: ['fs'], ...commands('readFile', 'env') },
      undefined,
      WASI_WASM,
    );
    expect(info.state).toBe('ok');
    const dataDir = path.join(h.dir, 'plugins', 't.files', 'data');
    fs.writeFileSync(path.join(dataDir, 'inside.txt'), 'my own file');
    fs.writeFileSync(path.join(h.dir, 'outside.txt'), 'not yours');

    const read = async (p: string) =>
      JSON.parse((await h.service.run('t.files', 'readfile', `3 ${p}`)).output);
    expect(await read('inside.txt')).toEqual({ errno: 0, content: 'my own file' });
    // Outside its folder: by climbing, by absolute path, through a symlink, from other fds.
    for (const p of ['../../outside.txt', '../outside.txt', '/etc/passwd', path.join(h.dir, 'outside.txt')]) {
      const r = await read(p);
      expect(r.errno, p).not.toBe(0);
      expect(r.content).toBe('');
    }
    fs.symlinkSync(path.join(h.dir, 'outside.txt'), path.join(dataDir, 'link.txt'));
    expect((await read('link.txt')).content).toBe('');
    for (const fd of [0, 1, 2, 4])
      expect((await h.service.run('t.files', 'readfile', `${fd} outside.txt`)).output).not.toMatch(
        /not yours/,
      );

    const env = JSON.parse((await h.service.run('t.files', 'env', '')).output);
    expect(env.errno).toBe(0);
    expect(env.count).toBe(0);
    expect(env.vars).toBe('');
    delete process.env.NOOK_TEST_SECRET_ENV;
  });

  it('does not link WASI (files, environment) for a plugin without fs', async () => {
    await expect(install('t.nofs', commands('env'), undefined, WASI_WASM)).rejects.toThrow(
      /imports WASI .*only for plugins granted the fs permission/,
    );
    // Asked for fs but the user did not approve it: the same.
    await expect(
      install('t.nofs2', { permissions: ['fs'], ...commands('env') }, [], WASI_WASM),
    ).rejects.toThrow(/WASI/);
  });

  it('keeps a crashing plugin from affecting the others', async () => {
    await install('t.crash', commands('crash', 'echo'));
    await install('t.bystander', commands('echo'));
    const results = await Promise.allSettled([
      h.service.run('t.crash', 'crash', ''),
      h.service.run('t.bystander', 'echo', 'a'),
      h.service.run('t.crash', 'crash', ''),
      h.service.run('t.bystander', 'echo', 'b'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason.message).toMatch(
      /crashed in crash: deliberate crash/,
    );
    expect((results[3] as PromiseFulfilledResult<{ output: string }>).value.output).toBe('echo:b');
    expect((await h.service.run('t.crash', 'echo', 'ok')).output).toBe('echo:ok');
    const logs = await h.service.logs('t.crash');
    expect(logs.some((l) => l.level === 'error' && /deliberate crash/.test(l.message))).toBe(true);
    expect(h.service.get('t.crash').stats.errors).toBe(2);
  });

  it('refuses a tampered wasm at install and at load', async () => {
    const pkg = writePackage(h.dir, HOSTILE_WASM, { id: 't.tamper', ...commands('echo') });
    const wasmPath = path.join(pkg, 'plugin.wasm');
    const bytes = fs.readFileSync(wasmPath);
    bytes[bytes.length - 1]! ^= 0xff;
    fs.writeFileSync(wasmPath, bytes);
    await expect(h.service.install(pkg, [])).rejects.toThrow(
      /SHA-256 .* but the manifest says .*changed after it was built/,
    );

    // Installed intact, then changed on disk: refused when it loads next.
    await install('t.tamper2', commands('echo'));
    const installed = path.join(h.dir, 'plugins', 't.tamper2', 'package', 'plugin.wasm');
    const b2 = fs.readFileSync(installed);
    b2[b2.length - 1]! ^= 0xff;
    fs.writeFileSync(installed, b2);
    await h.service.setEnabled('t.tamper2', false);
    const info = await h.service.setEnabled('t.tamper2', true);
    expect(info.state).toBe('error');
    expect(info.problem).toMatch(/changed on disk since it was installed/);
    await expect(h.service.run('t.tamper2', 'echo', 'x')).rejects.toThrow(/changed on disk/);
  });

  it('answers a host function that was not granted with a clear error inside the plugin', async () => {
    await install('t.nokv', { permissions: ['kv'], ...commands('useKv') }, []);
    await expect(h.service.run('t.nokv', 'usekv', '')).rejects.toThrow(
      /failed in useKv: Permission "kv" was not granted to plugin t\.nokv; kv_set is unavailable/,
    );
    await install('t.kv', { permissions: ['kv'], ...commands('useKv') });
    expect((await h.service.run('t.kv', 'usekv', '')).output).toBe('stored');
    expect(h.service.store.kvGet('t.kv', 'k')).toBe('v');
    expect(h.service.store.kvGet('t.nokv', 'k')).toBeNull();
  });

  it('refuses a module that traps or never finishes while starting, without taking Nook down', async () => {
    const trap = writePackage(h.dir, START_TRAP_WASM, { id: 't.starttrap', ...commands('echo') });
    await expect(h.service.inspect(trap)).rejects.toThrow(/fails while starting/);
    await expect(h.service.install(trap, [])).rejects.toThrow(/fails while starting/);
    const loop = writePackage(h.dir, START_LOOP_WASM, {
      id: 't.startloop',
      limits: { timeoutMs: 500, memoryMb: 16 },
      ...commands('echo'),
    });
    const t0 = performance.now();
    await expect(h.service.inspect(loop)).rejects.toThrow(/did not finish starting within 500 ms/);
    expect(performance.now() - t0).toBeLessThan(10_000);
    // Nook (this process) is still here and other plugins still answer.
    await install('t.after', commands('echo'));
    expect((await h.service.run('t.after', 'echo', 'alive')).output).toBe('echo:alive');
  });
});
