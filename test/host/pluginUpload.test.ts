/**
 * The host's plugin-package upload (a browser has no path for a dropped package): the .zip is kept
 * in a private folder and inspected by the real plugin service; the answer carries the manifest,
 * the permissions and the path `plugins.install` then takes (nothing is installed by the upload).
 * Limits, refusals and the guards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type HostHandle } from '../../src/main/host/server';
import { registerPluginUpload } from '../../src/main/host/pluginUpload';
import { HOST_TOKEN_SECRET_ID } from '../../src/main/host/auth';
import type { Dispatcher } from '../../src/main/rpc/dispatcher';
import { err, ok, type Result } from '../../src/shared/ipc/result';
import { isAppError } from '../../src/shared/ipc/result';
import { PLUGIN_UPLOAD_PATH, type PluginUploadResult } from '../../src/shared/types/pluginUpload';
import { buildPlugins, openHarness, sampleDist, type Harness } from '../services/plugins/helpers';

let plugins: Harness;
let host: HostHandle;
let token: string;
let uploadsDir: string;
const routes: unknown[] = [];

/** The plugin routes the upload uses, answered by the real plugin service. */
const dispatcher: Dispatcher = {
  async dispatch(route, input) {
    routes.push(route);
    try {
      if (route === 'plugins.inspect')
        return ok(await plugins.service.inspect((input as { path: string }).path));
    } catch (e) {
      return isAppError(e) ? err(e.code, e.message) : err('INTERNAL', (e as Error).message);
    }
    return err('UNKNOWN_ROUTE', String(route));
  },
};

const ZIP = () => path.join(sampleDist('unit-converter'), 'unit-converter.zip');

beforeAll(async () => {
  buildPlugins();
  plugins = await openHarness();
  const values = new Map<string, string>();
  host = await startHost({
    dispatcher,
    events: { onAny: () => ({ dispose: () => undefined }) },
    keychain: { get: async (id) => values.get(id) ?? null, set: async (id, v) => void values.set(id, v) },
    port: 0,
    rendererDir: null,
  });
  token = values.get(HOST_TOKEN_SECRET_ID)!;
}, 300_000);

afterAll(async () => {
  await host?.close();
  await plugins?.close();
});

type Answer = Result<PluginUploadResult>;

async function upload(
  name: string,
  body: Buffer | string,
  headers: Record<string, string> = { authorization: `Bearer ${token}` },
  url = `${host.url}${PLUGIN_UPLOAD_PATH}`,
): Promise<{ status: number; body: Answer }> {
  const form = new FormData();
  form.append('package', new Blob([body]), name);
  const res = await fetch(url, { method: 'POST', body: form, headers });
  return { status: res.status, body: (await res.json()) as Answer };
}

describe('POST /api/plugins/upload', () => {
  it('keeps the package, inspects it, and its path installs it after approval', async () => {
    const r = await upload('unit-converter.zip', fs.readFileSync(ZIP()));
    expect(r.status).toBe(200);
    if (!r.body.ok) throw new Error(r.body.message);
    const { path: kept, inspect } = r.body.value;
    uploadsDir = path.dirname(kept);
    expect(uploadsDir.startsWith(os.tmpdir())).toBe(true);
    expect(fs.readFileSync(kept).equals(fs.readFileSync(ZIP()))).toBe(true);
    expect(inspect.manifest).toMatchObject({ id: 'nook.unit-converter', name: 'Unit converter' });
    expect(inspect.permissions).toEqual([]);
    expect(inspect.installedVersion).toBeNull();
    // Inspected only: nothing is installed until the user approves.
    expect(plugins.service.list()).toEqual([]);
    expect(routes).toEqual(['plugins.inspect']);

    // What the page does after the approval dialog: plugins.install with that path.
    const info = await plugins.service.install(kept, []);
    expect(info.state).toBe('ok');
    const { output } = await plugins.service.run('nook.unit-converter', 'convert', 'convert 5 km to miles');
    expect(JSON.parse(output).text).toBe('5 km = 3.1069 mi');
  });

  it('refuses a package the plugin service refuses, with its reason, and keeps nothing of it', async () => {
    const before = fs.readdirSync(uploadsDir).length;
    const r = await upload('broken.zip', Buffer.from('PK\u0003\u0004 this is not really a zip'));
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.body.ok).toBe(false);
    if (!r.body.ok) expect(r.body.message.length).toBeGreaterThan(10);
    expect(fs.readdirSync(uploadsDir)).toHaveLength(before);
  });

  it('takes only a .zip', async () => {
    const r = await upload('plugin.wasm', Buffer.from([0, 97, 115, 109]));
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    if (!r.body.ok) expect(r.body.message).toMatch(/plugin\.wasm is not a plugin package/);
  });

  it('refuses a package over the size limit and leaves no file behind', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-plugin-upload-limit-'));
    const app = Fastify();
    await registerPluginUpload(app, { dispatcher, dir, maxBytes: 1000 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}${PLUGIN_UPLOAD_PATH}`;
    try {
      const r = await upload('big.zip', Buffer.alloc(5000, 1), {}, url);
      expect(r.status).toBe(413);
      expect(r.body).toMatchObject({ ok: false, code: 'PAYLOAD_TOO_LARGE' });
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is behind authentication and the Origin guard', async () => {
    const zip = fs.readFileSync(ZIP());
    expect((await upload('a.zip', zip, {})).status).toBe(401);
    const foreign = await upload('a.zip', zip, {
      authorization: `Bearer ${token}`,
      origin: 'https://evil.example',
    });
    expect(foreign.status).toBe(403);
  });

  it('removes its folder when the host closes', async () => {
    expect(fs.existsSync(uploadsDir)).toBe(true);
    await host.close();
    expect(fs.existsSync(uploadsDir)).toBe(false);
  });
});
