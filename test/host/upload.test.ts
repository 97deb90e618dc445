/**
 * The host's file routes: multipart upload into `<imports>` and `knowledge.import`, the limits, the
 * guards, and the original-file download. The dispatcher is a recording stand-in, so what reaches the
 * import is exactly what the route passed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHost, type HostHandle } from '../../src/main/host/server';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { registerUploads, safeRelativePath } from '../../src/main/host/upload';
import { HOST_TOKEN_SECRET_ID } from '../../src/main/host/auth';
import type { Dispatcher } from '../../src/main/rpc/dispatcher';
import { err, ok } from '../../src/shared/ipc/result';
import { ORIGINAL_PATH_PREFIX, UPLOAD_PATH, type UploadResult } from '../../src/shared/types/upload';
import { request } from './httpClient';

interface Call {
  route: unknown;
  input: unknown;
}

let dir: string;
let imports: string;
let host: HostHandle;
let token: string;
let calls: Call[];
let importAnswer: 'ok' | 'unavailable';
let documents: Map<number, { path: string; format: string | null }>;

const dispatcher: Dispatcher = {
  async dispatch(route, input) {
    calls.push({ route, input });
    if (route === 'knowledge.import') {
      if (importAnswer === 'unavailable') return err('UNAVAILABLE', 'The knowledge base is not running.');
      const paths = (input as { paths: string[] }).paths;
      return ok({ batchId: 'b1', queued: paths.length, alreadyQueued: 0, ignored: 0, missing: [] });
    }
    if (route === 'knowledge.document') {
      const d = documents.get((input as { id: number }).id);
      if (!d) return err('NOT_FOUND', 'No document.');
      return ok({ id: 1, ...d });
    }
    return err('UNKNOWN_ROUTE', String(route));
  },
};

async function start(): Promise<HostHandle> {
  const values = new Map<string, string>();
  const h = await startHost({
    dispatcher,
    events: { onAny: () => ({ dispose: () => undefined }) },
    keychain: {
      get: async (id) => values.get(id) ?? null,
      set: async (id, v) => void values.set(id, v),
    },
    port: 0,
    rendererDir: null,
    uploadsDir: imports,
  });
  token = values.get(HOST_TOKEN_SECRET_ID)!;
  return h;
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-upload-'));
  imports = path.join(dir, 'imports');
  calls = [];
  importAnswer = 'ok';
  documents = new Map();
  host = await start();
});

afterEach(async () => {
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function form(files: { name: string; body: string | Buffer }[]): FormData {
  const f = new FormData();
  for (const file of files) f.append('file', new Blob([file.body]), file.name);
  return f;
}

async function upload(
  files: { name: string; body: string | Buffer }[],
  headers: Record<string, string> = { authorization: `Bearer ${token}` },
): Promise<{ status: number; body: { ok: boolean; value?: UploadResult; code?: string; message?: string } }> {
  const res = await fetch(`${host.url}${UPLOAD_PATH}`, { method: 'POST', body: form(files), headers });
  return { status: res.status, body: (await res.json()) as never };
}

describe('POST /api/knowledge/upload', () => {
  it('stores files by their (folder-relative) names and queues exactly those paths', async () => {
    const r = await upload([
      { name: 'notes/a.md', body: '# A' },
      { name: 'b.txt', body: 'bee' },
    ]);
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    expect(r.body.value).toMatchObject({ batchId: 'b1', queued: 2, stored: 2, rejected: [] });
    expect(fs.readFileSync(path.join(imports, 'notes', 'a.md'), 'utf8')).toBe('# A');
    expect(fs.readFileSync(path.join(imports, 'b.txt'), 'utf8')).toBe('bee');
    expect(calls).toEqual([
      {
        route: 'knowledge.import',
        input: { paths: [path.join(imports, 'notes', 'a.md'), path.join(imports, 'b.txt')] },
      },
    ]);
    // No half-written temporaries are left beside them.
    expect(fs.readdirSync(imports).sort()).toEqual(['b.txt', 'notes']);
  });

  it('a second upload of the same name replaces the file at the same path (a re-import, not a copy)', async () => {
    await upload([{ name: 'b.txt', body: 'first' }]);
    await upload([{ name: 'b.txt', body: 'second version' }]);
    expect(fs.readFileSync(path.join(imports, 'b.txt'), 'utf8')).toBe('second version');
    expect(calls.map((c) => (c.input as { paths: string[] }).paths)).toEqual([
      [path.join(imports, 'b.txt')],
      [path.join(imports, 'b.txt')],
    ]);
    expect(fs.readdirSync(imports)).toEqual(['b.txt']);
  });

  it('two files with one name in a single upload are both kept', async () => {
    const r = await upload([
      { name: 'same.md', body: 'one' },
      { name: 'same.md', body: 'two' },
    ]);
    expect(r.body.value?.stored).toBe(2);
    expect(fs.readFileSync(path.join(imports, 'same.md'), 'utf8')).toBe('one');
    expect(fs.readFileSync(path.join(imports, 'same (2).md'), 'utf8')).toBe('two');
  });

  it('refuses unreadable types and unsafe names per file, and the rest goes on', async () => {
    const r = await upload([
      { name: 'tool.exe', body: 'MZ' },
      { name: '../../escape.md', body: 'x' },
      { name: 'ok.md', body: 'fine' },
    ]);
    expect(r.status).toBe(200);
    expect(r.body.value?.stored).toBe(1);
    expect(r.body.value?.rejected).toEqual([
      { name: 'tool.exe', reason: 'Nook does not read this type of file' },
      { name: '../../escape.md', reason: 'The file name is not allowed' },
    ]);
    expect(fs.existsSync(path.join(dir, 'escape.md'))).toBe(false);
    expect(fs.readdirSync(imports)).toEqual(['ok.md']);
  });

  it('nothing usable: no import call, the refusals come back', async () => {
    const r = await upload([{ name: 'tool.exe', body: 'MZ' }]);
    expect(r.body.value).toMatchObject({ stored: 0, queued: 0 });
    expect(calls).toEqual([]);
  });

  it('a file over the size limit is refused and removed; the others are imported', async () => {
    // The limits are options of the route itself: exercised on a bare Fastify with small ones.
    const app = Fastify();
    await registerUploads(app, { dispatcher, dir: imports, maxFileBytes: 1000, maxTotalBytes: 20_000 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}${UPLOAD_PATH}`;
    try {
      const res = await fetch(url, {
        method: 'POST',
        body: form([
          { name: 'big.txt', body: Buffer.alloc(5000, 97) },
          { name: 'small.txt', body: 'small' },
        ]),
      });
      const r = (await res.json()) as { value: UploadResult };
      expect(r.value.stored).toBe(1);
      expect(r.value.rejected).toEqual([
        { name: 'big.txt', reason: 'Larger than 1 KiB, the most Nook accepts in one file' },
      ]);
      expect(fs.readdirSync(imports)).toEqual(['small.txt']);

      // Past the total for one request: refused as a whole, nothing of it is kept.
      const many = Array.from({ length: 30 }, (_, i) => ({ name: `f${i}.txt`, body: Buffer.alloc(900, 98) }));
      const tooMuch = await fetch(url, { method: 'POST', body: form(many) });
      expect(tooMuch.status).toBe(413);
      expect(fs.readdirSync(imports).filter((n) => n.endsWith('.uploading'))).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('passes the import’s error on with an HTTP status', async () => {
    importAnswer = 'unavailable';
    const r = await upload([{ name: 'a.md', body: 'x' }]);
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
  });

  it('is behind authentication and the Origin guard', async () => {
    const anon = await upload([{ name: 'a.md', body: 'x' }], {});
    expect(anon.status).toBe(401);
    const foreign = await upload([{ name: 'a.md', body: 'x' }], {
      authorization: `Bearer ${token}`,
      origin: 'http://evil.example',
    });
    expect(foreign.status).toBe(403);
    expect(calls).toEqual([]);
    expect(fs.existsSync(imports)).toBe(false);
  });

  it('refuses a body that is not multipart', async () => {
    const res = await fetch(`${host.url}${UPLOAD_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    await res.arrayBuffer();
  });
});

describe('GET /api/knowledge/original/:id', () => {
  // Plain requests that close their connection: a kept-alive one would hold host.close() open.
  const get = (id: string, auth = true) =>
    request(host.port, `${ORIGINAL_PATH_PREFIX}${id}`, {
      headers: { connection: 'close', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
    });

  it('serves a text original inline and sandboxed, other formats as downloads', async () => {
    const txt = path.join(dir, 'note.txt');
    fs.writeFileSync(txt, 'hello original');
    const html = path.join(dir, 'page.html');
    fs.writeFileSync(html, '<script>alert(1)</script>');
    documents.set(1, { path: txt, format: 'text' });
    documents.set(2, { path: html, format: 'html' });

    const a = await get('1');
    expect(a.status).toBe(200);
    expect(a.body).toBe('hello original');
    expect(a.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(a.headers['content-disposition']).toMatch(/^inline; filename="note.txt"/);
    expect(a.headers['content-security-policy']).toBe('sandbox');

    const b = await get('2');
    expect(b.body).toBe('<script>alert(1)</script>');
    expect(b.headers['content-type']).toBe('application/octet-stream');
    expect(b.headers['content-disposition']).toMatch(/^attachment; filename="page.html"/);
    expect(b.headers['content-security-policy']).toBe('sandbox');
  });

  it('says when the document or its file is gone, and needs a session', async () => {
    expect((await get('9')).status).toBe(404);
    documents.set(3, { path: path.join(dir, 'moved.txt'), format: 'text' });
    const gone = await get('3');
    expect(gone.status).toBe(404);
    expect((JSON.parse(gone.body) as { message: string }).message).toMatch(/no longer at/);
    expect((await get('x')).status).toBe(400);
    expect((await get('1', false)).status).toBe(401);
  });
});

describe('safeRelativePath', () => {
  it('keeps folder-relative names and refuses escapes and forbidden characters', () => {
    expect(safeRelativePath('notes/a.md')).toEqual(['notes', 'a.md']);
    expect(safeRelativePath('notes\\sub\\a.md')).toEqual(['notes', 'sub', 'a.md']);
    expect(safeRelativePath('./a.md')).toEqual(['a.md']);
    expect(safeRelativePath('/abs/a.md')).toEqual(['abs', 'a.md']);
    expect(safeRelativePath('../a.md')).toBeNull();
    expect(safeRelativePath('a/../../b.md')).toBeNull();
    expect(safeRelativePath('a\u0000b.md')).toBeNull();
    expect(safeRelativePath('C:evil.md')).toBeNull();
    expect(safeRelativePath('')).toBeNull();
    expect(safeRelativePath('x'.repeat(300))).toBeNull();
  });
});
