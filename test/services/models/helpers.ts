/** Test helpers for the model fetcher: a local HTTP file server with failure modes, and manifests. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import type { ModelEntry, ModelSource } from '../../../src/shared/types/models';
import { fixturesDir } from '../../models/modelFiles';

export const SILERO = path.join(fixturesDir, 'models/silero-vad/silero_vad.onnx');

export function sha256(buf: Buffer): string {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

export function tmpDir(prefix = 'nook-models-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface Served {
  body: Buffer;
  /** Close the socket after this many body bytes, on the first N requests. */
  dropAfter?: number;
  dropTimes?: number;
  /** Send this many body bytes, then go silent (socket left open), on the first request. */
  stallAfter?: number;
  /** Answer 200 with the whole body even when a Range is asked for. */
  ignoreRange?: boolean;
  /** Bytes per second (sent in 16 KiB slices). */
  bytesPerSecond?: number;
  status?: number;
}

export interface RequestLog {
  path: string;
  range: string | undefined;
  status: number;
}

/** Serves registered files from memory with Range support and the failure modes above. */
export class FileServer {
  readonly requests: RequestLog[] = [];
  private readonly files = new Map<string, Served>();
  private readonly sockets = new Set<Socket>();
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  base = '';

  constructor() {
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  serve(urlPath: string, served: Served): string {
    this.files.set(urlPath, served);
    return `${this.base}${urlPath}`;
  }

  countFor(urlPath: string): number {
    return this.requests.filter((r) => r.path === urlPath).length;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const urlPath = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const f = this.files.get(urlPath);
    const range = req.headers.range;
    const log: RequestLog = { path: urlPath, range, status: 0 };
    this.requests.push(log);
    if (!f) {
      log.status = 404;
      res.writeHead(404).end('not found');
      return;
    }
    if (f.status && f.status !== 200) {
      log.status = f.status;
      res.writeHead(f.status).end('no');
      return;
    }
    let start = 0;
    const m = range && !f.ignoreRange ? /^bytes=(\d+)-$/.exec(range) : null;
    if (m) start = Number(m[1]);
    if (start > f.body.length) {
      log.status = 416;
      res.writeHead(416, { 'content-range': `bytes */${f.body.length}` }).end();
      return;
    }
    const slice = f.body.subarray(start);
    log.status = m ? 206 : 200;
    res.writeHead(log.status, {
      'content-length': String(slice.length),
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
      ...(m ? { 'content-range': `bytes ${start}-${f.body.length - 1}/${f.body.length}` } : {}),
    });
    const stallAt = f.stallAfter;
    f.stallAfter = undefined;
    const drop = f.dropAfter !== undefined && (f.dropTimes ?? 1) > 0;
    if (drop) f.dropTimes = (f.dropTimes ?? 1) - 1;
    const step = 16 * 1024;
    let sent = 0;
    while (sent < slice.length) {
      if (res.destroyed) return;
      let n = Math.min(step, slice.length - sent);
      if (drop && sent + n >= f.dropAfter!) n = f.dropAfter! - sent;
      if (stallAt !== undefined && sent + n >= stallAt) {
        res.write(slice.subarray(sent, stallAt));
        return; // silent from here on; the client has to give up on this connection
      }
      if (n > 0) {
        const ok = res.write(slice.subarray(sent, sent + n));
        sent += n;
        if (!ok) await new Promise((r) => res.once('drain', r));
      }
      if (drop && sent >= f.dropAfter!) {
        // Let the bytes leave, then cut the connection mid-body.
        await new Promise((r) => setTimeout(r, 50));
        req.socket.destroy();
        return;
      }
      if (f.bytesPerSecond) await new Promise((r) => setTimeout(r, (n / f.bytesPerSecond!) * 1000));
    }
    res.end();
  }
}

export function randomBytes(n: number, seed = 1): Buffer {
  // Deterministic pseudo-random bytes (incompressible, reproducible).
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function entry(
  id: string,
  files: { path: string; body: Buffer }[],
  sources: ModelSource[],
  extra: Partial<ModelEntry> = {},
): ModelEntry {
  return {
    id,
    task: 'vad',
    displayName: id,
    description: '',
    license: 'MIT',
    sizeBytes: files.reduce((s, f) => s + f.body.length, 0),
    sets: ['all'],
    files: files.map((f) => ({ path: f.path, sha256: sha256(f.body), size: f.body.length })),
    params: {},
    sources,
    ...extra,
  };
}

/** Builds a zip (a wheel is one) from name -> contents with yazl. */
export function buildZip(members: Record<string, Buffer>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    for (const [name, data] of Object.entries(members)) zip.addBuffer(data, name);
    zip.end();
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** Files left in a folder tree (relative paths), to check nothing partial or temporary remains. */
export function listTree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}
