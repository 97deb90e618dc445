/**
 * Installing a plugin from a browser, where a dropped package has no path:
 *
 *   POST /api/plugins/upload    one multipart .zip -> a private temporary folder -> `plugins.inspect`
 *
 * It answers the package's manifest and permissions, and the path the package waits at; the page then
 * shows the same approval dialog as for a package given by path and calls `plugins.install` with that
 * path and the approved permissions. Nothing is installed by the upload itself.
 *
 * Behind the same Host/Origin guard and authentication as every host request (the server's onRequest
 * hook runs first). Limits: one file, a .zip, at most 32 MiB (a plugin is a manifest and a wasm; the
 * manifest allows 16 MiB of wasm). Packages are written beside their final name and renamed, removed
 * at once when inspection refuses them, swept after an hour, and the folder goes when the host closes.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import fastifyMultipart from '@fastify/multipart';
import type { Result } from '../../shared/ipc/result';
import type { RouteOutput } from '../../shared/ipc/contract';
import { PLUGIN_UPLOAD_PATH, type PluginUploadResult } from '../../shared/types/pluginUpload';
import type { Dispatcher } from '../rpc/dispatcher';
import { sendErrorData } from './httpErrors';

export interface PluginUploadOptions {
  dispatcher: Dispatcher;
  /** Where packages wait for approval (default: a private folder under the OS temp folder). */
  dir?: string;
  /** Largest package accepted (default 32 MiB). */
  maxBytes?: number;
  /** How long an uploaded package waits for its install (default 1 hour). */
  keepMs?: number;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export async function registerPluginUpload(app: FastifyInstance, o: PluginUploadOptions): Promise<void> {
  const maxBytes = o.maxBytes ?? 32 * 1024 * 1024;
  const keepMs = o.keepMs ?? 60 * 60 * 1000;
  const owned = !o.dir;
  const dir = o.dir ?? (await fs.promises.mkdtemp(path.join(os.tmpdir(), 'nook-plugin-uploads-')));
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });

  // The knowledge upload registers the multipart parser when the host has one; otherwise it is ours.
  if (!app.hasRequestDecorator('isMultipart'))
    await app.register(fastifyMultipart, { throwFileSizeLimit: false });

  app.addHook('onClose', async () => {
    if (owned) await fs.promises.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  });

  const sweep = async (): Promise<void> => {
    const now = Date.now();
    for (const name of await fs.promises.readdir(dir).catch(() => [] as string[])) {
      const file = path.join(dir, name);
      const st = await fs.promises.stat(file).catch(() => undefined);
      if (st && now - st.mtimeMs > keepMs) await fs.promises.rm(file, { force: true }).catch(() => undefined);
    }
  };

  app.post(PLUGIN_UPLOAD_PATH, async (req, reply) => {
    reply.header('Cache-Control', 'no-store');
    if (!req.isMultipart())
      return sendErrorData(reply, 'INVALID_INPUT', 'Send the plugin package as multipart/form-data');
    await sweep();
    const target = path.join(dir, `${randomBytes(12).toString('hex')}.zip`);
    const temp = `${target}.uploading`;
    let name = '';
    try {
      const part = await req.file({ limits: { fileSize: maxBytes, files: 1, fields: 0, parts: 1 } });
      if (!part) return sendErrorData(reply, 'INVALID_INPUT', 'No plugin package in the upload');
      name = part.filename || 'package';
      if (!/\.zip$/i.test(name)) {
        part.file.resume();
        return sendErrorData(
          reply,
          'INVALID_INPUT',
          `${name} is not a plugin package: drop the .zip the plugin build writes (a folder can be installed by its path)`,
        );
      }
      await pipeline(part.file, fs.createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
      if (part.file.truncated) {
        await fs.promises.rm(temp, { force: true });
        return sendErrorData(
          reply,
          'PAYLOAD_TOO_LARGE',
          `${name} is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB, the most a plugin package may be`,
        );
      }
      await fs.promises.rename(temp, target);
    } catch (e) {
      await fs.promises.rm(temp, { force: true }).catch(() => undefined);
      o.log?.warn({ err: (e as Error).message }, 'plugin upload failed');
      return sendErrorData(reply, 'INVALID_INPUT', 'The upload was interrupted or malformed');
    }

    const inspected = (await o.dispatcher.dispatch(
      'plugins.inspect',
      { path: target },
      { transport: 'http' },
    )) as Result<RouteOutput<'plugins.inspect'>>;
    if (!inspected.ok) {
      await fs.promises.rm(target, { force: true }).catch(() => undefined);
      return sendErrorData(reply, inspected.code, inspected.message);
    }
    o.log?.info({ plugin: inspected.value.manifest.id }, 'plugin package uploaded for approval');
    const value: PluginUploadResult = { path: target, inspect: inspected.value };
    return reply.type('application/json').send(JSON.stringify({ ok: true, value }));
  });
}
