/**
 * The host's file routes for the browser UI, where dropped files have no path:
 *
 *   POST /api/knowledge/upload          multipart files -> `<imports>/<relative name>` -> `knowledge.import`
 *   GET  /api/knowledge/original/:id    the original file of a document (what "open original" does in a browser)
 *
 * They sit behind the same Host/Origin guard and authentication as every other host request (the
 * server's onRequest hook runs first). Files go through the same `knowledge.import` route as paths
 * from the desktop app, so re-uploading an unchanged file is a no-op (content hash) and a changed one
 * replaces its chunks.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import fastifyMultipart from '@fastify/multipart';
import type { Result } from '../../shared/ipc/result';
import type { RouteOutput } from '../../shared/ipc/contract';
import {
  ORIGINAL_PATH_PREFIX,
  UPLOAD_PATH,
  type UploadRejection,
  type UploadResult,
} from '../../shared/types/upload';
import type { Dispatcher } from '../rpc/dispatcher';
import { sendErrorData } from './httpErrors';

export interface UploadOptions {
  dispatcher: Dispatcher;
  /**
   * Where uploads are kept (`<dataDir>/imports`), by the name the browser sent (folder-relative for a
   * dropped folder): a browser gives no original path, and a stable place per name is what lets a
   * re-upload replace (or skip, when unchanged) what the earlier upload indexed.
   */
  dir: string;
  /** Largest file accepted (default 256 MiB); larger ones are refused, the rest of the batch goes on. */
  maxFileBytes?: number;
  /** Most files in one request (default 1000). */
  maxFiles?: number;
  /** Most bytes in one request, all files together (default 2 GiB). */
  maxTotalBytes?: number;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** A name a browser sent (possibly a folder-relative path) as safe path segments, or null. */
export function safeRelativePath(raw: string): string[] | null {
  const segments = raw
    .replace(/\\/g, '/')
    .split('/')
    .map((s) => s.normalize('NFC').trim())
    .filter((s) => s !== '' && s !== '.');
  if (segments.length === 0 || segments.length > 32) return null;
  for (const s of segments) {
    if (s === '..' || s.length > 255) return null;
    // Control characters and the characters Windows forbids in names.
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f<>:"|?*]/.test(s)) return null;
  }
  return segments;
}

function size(bytes: number): string {
  return bytes >= 1024 ** 2 ? `${Math.round(bytes / 1024 ** 2)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

export async function registerUploads(app: FastifyInstance, o: UploadOptions): Promise<void> {
  const maxFileBytes = o.maxFileBytes ?? 256 * 1024 * 1024;
  const maxFiles = o.maxFiles ?? 1000;
  const maxTotalBytes = o.maxTotalBytes ?? 2 * 1024 * 1024 * 1024;

  await app.register(fastifyMultipart, {
    // Keep the folder part of a name (`notes/a.md` from a dropped folder); it is sanitised below.
    preservePath: true,
    // A file over the limit comes through truncated (flagged), so the rest of the request goes on.
    throwFileSizeLimit: false,
    limits: { fileSize: maxFileBytes, files: maxFiles, fields: 20, fieldSize: 4096, parts: maxFiles + 20 },
  });

  app.post(UPLOAD_PATH, async (req, reply) => {
    reply.header('Cache-Control', 'no-store');
    if (!req.isMultipart())
      return sendErrorData(reply, 'INVALID_INPUT', 'Send the files as multipart/form-data');
    // Loaded on first use: the host listens before the knowledge code (and zod) is loaded.
    const { extensionFormat } = await import('../services/knowledge/parsers/sniff');
    const rejected: UploadRejection[] = [];
    const seen = new Set<string>();
    /** Files written in this request (their final paths), and temporaries to remove on failure. */
    const stored: string[] = [];
    const temps = new Set<string>();
    const cleanup = () =>
      Promise.all([...temps].map((t) => fs.promises.rm(t, { force: true }).catch(() => undefined)));
    let total = 0;
    try {
      for await (const part of req.parts()) {
        if (part.type !== 'file') continue;
        const name = part.filename || 'unnamed';
        const segments = safeRelativePath(name);
        if (!segments) {
          part.file.resume();
          rejected.push({ name, reason: 'The file name is not allowed' });
          continue;
        }
        const rel = segments.join('/');
        if (!extensionFormat(rel)) {
          part.file.resume();
          rejected.push({ name: rel, reason: 'Nook does not read this type of file' });
          continue;
        }
        // The same name always lands at the same place, so uploading a file again is a re-import:
        // unchanged content is a no-op (content hash), changed content replaces its chunks.
        // Two files with the same name in one request: keep both.
        let target = path.join(o.dir, ...segments);
        for (let i = 2; seen.has(target.toLowerCase()); i++) {
          const last = segments.at(-1)!;
          const ext = path.extname(last);
          target = path.join(o.dir, ...segments.slice(0, -1), `${path.basename(last, ext)} (${i})${ext}`);
        }
        seen.add(target.toLowerCase());
        await fs.promises.mkdir(path.dirname(target), { recursive: true });
        // Written beside the target and renamed over it, so an ingest never reads a half-written file.
        const temp = `${target}.${randomBytes(6).toString('hex')}.uploading`;
        temps.add(temp);
        part.file.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total > maxTotalBytes) part.file.destroy(new Error('TOTAL_LIMIT'));
        });
        try {
          await pipeline(part.file, fs.createWriteStream(temp, { flags: 'wx' }));
        } catch (e) {
          if ((e as Error).message === 'TOTAL_LIMIT') {
            await cleanup();
            return sendErrorData(
              reply,
              'PAYLOAD_TOO_LARGE',
              `An upload may hold at most ${size(maxTotalBytes)}; drop fewer files at once`,
            );
          }
          throw e;
        }
        if (part.file.truncated) {
          await fs.promises.rm(temp, { force: true });
          temps.delete(temp);
          rejected.push({
            name: rel,
            reason: `Larger than ${size(maxFileBytes)}, the most Nook accepts in one file`,
          });
          continue;
        }
        await fs.promises.rename(temp, target);
        temps.delete(temp);
        stored.push(target);
      }
    } catch (e) {
      await cleanup();
      const tooMany = (e as { code?: string }).code === 'FST_FILES_LIMIT';
      o.log?.warn({ err: (e as Error).message }, 'upload failed');
      return tooMany
        ? sendErrorData(reply, 'PAYLOAD_TOO_LARGE', `An upload may hold at most ${maxFiles} files`)
        : sendErrorData(reply, 'INVALID_INPUT', 'The upload was interrupted or malformed');
    }

    if (stored.length === 0) {
      const none: UploadResult = {
        batchId: '',
        queued: 0,
        alreadyQueued: 0,
        ignored: 0,
        missing: [],
        stored: 0,
        rejected,
      };
      return reply.type('application/json').send(JSON.stringify({ ok: true, value: none }));
    }

    const result = (await o.dispatcher.dispatch(
      'knowledge.import',
      { paths: stored },
      { transport: 'http' },
    )) as Result<RouteOutput<'knowledge.import'>>;
    if (!result.ok) return sendErrorData(reply, result.code, result.message);
    o.log?.info(
      { batchId: result.value.batchId, stored: stored.length, rejected: rejected.length },
      'upload queued for import',
    );
    const value: UploadResult = { ...result.value, stored: stored.length, rejected };
    return reply.type('application/json').send(JSON.stringify({ ok: true, value }));
  });

  app.get(`${ORIGINAL_PATH_PREFIX}:id`, async (req, reply) => {
    reply.header('Cache-Control', 'no-store');
    const id = Number((req.params as { id: string }).id);
    if (!Number.isSafeInteger(id) || id <= 0)
      return sendErrorData(reply, 'INVALID_INPUT', 'Not a document id');
    const doc = (await o.dispatcher.dispatch('knowledge.document', { id }, { transport: 'http' })) as Result<
      RouteOutput<'knowledge.document'>
    >;
    if (!doc.ok) return sendErrorData(reply, doc.code, doc.message);
    const file = doc.value.path;
    const st = await fs.promises.stat(file).catch(() => undefined);
    if (!st?.isFile())
      return sendErrorData(
        reply,
        'NOT_FOUND',
        `The original file is no longer at ${file}; it was moved or deleted`,
      );
    // PDFs and plain text open in the browser (at the cited page for PDFs); anything else downloads.
    // `sandbox` keeps whatever it is from running script on the app's origin (Chromium's PDF viewer
    // does not run in a sandboxed document, and a PDF cannot script the page anyway).
    const inline = doc.value.format === 'pdf' || doc.value.format === 'text';
    const type =
      doc.value.format === 'pdf'
        ? 'application/pdf'
        : inline
          ? 'text/plain; charset=utf-8'
          : 'application/octet-stream';
    const name = path.basename(file);
    const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
    if (doc.value.format !== 'pdf') reply.header('Content-Security-Policy', 'sandbox');
    reply.header(
      'Content-Disposition',
      `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    );
    reply.header('Content-Length', String(st.size));
    return reply.type(type).send(fs.createReadStream(file));
  });
}
