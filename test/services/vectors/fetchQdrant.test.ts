/**
 * scripts/fetchQdrant.mjs against a local server standing in for GitHub (no GitHub here): real
 * archives, real downloads, real checksum checks.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = path.resolve(__dirname, '../../../scripts/fetchQdrant.mjs');
const TAR_ASSET = 'qdrant-x86_64-unknown-linux-musl.tar.gz';
const ZIP_ASSET = 'qdrant-x86_64-pc-windows-msvc.zip';

let dir: string;
let server: http.Server;
let base: string;
const files = new Map<string, Buffer>();
/** What the fake release API lists as each asset's digest (undefined: no digest field). */
const digests = new Map<string, string | undefined>();
let apiUp = true;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-fetchq-'));
  // A tar.gz shaped like Qdrant's: the binary at the top level.
  const src = path.join(dir, 'src');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'qdrant'), '#!/bin/sh\necho qdrant-stand-in\n');
  fs.chmodSync(path.join(src, 'qdrant'), 0o755);
  execFileSync('tar', ['-czf', path.join(dir, TAR_ASSET), '-C', src, 'qdrant']);
  files.set(TAR_ASSET, fs.readFileSync(path.join(dir, TAR_ASSET)));
  // A zip like the Windows asset.
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from('MZ fake exe'), 'qdrant.exe');
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  files.set(ZIP_ASSET, Buffer.concat(chunks));

  server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const dl = /^\/download\/v1\.18\.0\/(.+)$/.exec(url);
    if (dl && files.has(dl[1]!)) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return res.end(files.get(dl[1]!));
    }
    if (url === '/api/v1.18.0' && apiUp) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(
        JSON.stringify({
          tag_name: 'v1.18.0',
          assets: [...files.keys()].map((name) => ({
            name,
            ...(digests.get(name) !== undefined ? { digest: digests.get(name) } : {}),
          })),
        }),
      );
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

function fetchQdrant(out: string, ...args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        SCRIPT,
        '--out',
        out,
        '--base-url',
        `${base}/download`,
        '--api-url',
        `${base}/api`,
        '--version',
        '1.18.0',
        ...args,
      ],
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error.code as number) ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

describe('scripts/fetchQdrant.mjs', () => {
  it('installs the binary when it matches the digest GitHub publishes', async () => {
    apiUp = true;
    digests.set(TAR_ASSET, `sha256:${sha(files.get(TAR_ASSET)!)}`);
    const out = path.join(dir, 'ok');
    const r = await fetchQdrant(out, '--platform', 'linux', '--arch', 'x64');
    expect(r.code, r.output).toBe(0);
    const bin = path.join(out, 'qdrant');
    expect(execFileSync(bin).toString().trim()).toBe('qdrant-stand-in');
    const info = JSON.parse(fs.readFileSync(path.join(out, 'qdrant.version.json'), 'utf8'));
    expect(info).toMatchObject({
      version: 'v1.18.0',
      asset: TAR_ASSET,
      sha256: sha(files.get(TAR_ASSET)!),
      verifiedBy: 'GitHub release asset digest',
    });
    // A second run finds it in place and downloads nothing.
    const again = await fetchQdrant(out, '--platform', 'linux', '--arch', 'x64');
    expect(again.output).toContain('already in');
  });

  it('refuses a download whose checksum does not match, and installs nothing', async () => {
    digests.set(TAR_ASSET, `sha256:${'0'.repeat(64)}`);
    const out = path.join(dir, 'bad');
    const r = await fetchQdrant(out, '--platform', 'linux', '--arch', 'x64');
    expect(r.code).toBe(1);
    expect(r.output).toContain('Checksum mismatch');
    expect(fs.existsSync(path.join(out, 'qdrant'))).toBe(false);
    // --sha256 with the right value wins over a wrong published one.
    const ok = await fetchQdrant(
      out,
      '--platform',
      'linux',
      '--arch',
      'x64',
      '--sha256',
      sha(files.get(TAR_ASSET)!),
    );
    expect(ok.code, ok.output).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'qdrant.version.json'), 'utf8')).verifiedBy).toBe(
      '--sha256',
    );
  });

  it('refuses when there is nothing to verify against, unless --allow-unverified', async () => {
    apiUp = false;
    const out = path.join(dir, 'unverified');
    const r = await fetchQdrant(out, '--platform', 'linux', '--arch', 'x64');
    expect(r.code).toBe(1);
    expect(r.output).toContain('Refusing to install an unverified binary');
    expect(fs.existsSync(out)).toBe(false);
    const forced = await fetchQdrant(out, '--platform', 'linux', '--arch', 'x64', '--allow-unverified');
    expect(forced.code, forced.output).toBe(0);
    expect(forced.output).toContain('WARNING');
    expect(JSON.parse(fs.readFileSync(path.join(out, 'qdrant.version.json'), 'utf8')).verifiedBy).toMatch(
      /^UNVERIFIED/,
    );
    apiUp = true;
  });

  it('unpacks the Windows zip to qdrant.exe and replaces another platform binary', async () => {
    digests.set(ZIP_ASSET, `sha256:${sha(files.get(ZIP_ASSET)!)}`);
    digests.set(TAR_ASSET, `sha256:${sha(files.get(TAR_ASSET)!)}`);
    const out = path.join(dir, 'win');
    expect((await fetchQdrant(out, '--platform', 'linux', '--arch', 'x64')).code).toBe(0);
    const r = await fetchQdrant(out, '--platform', 'win32', '--arch', 'x64');
    expect(r.code, r.output).toBe(0);
    expect(fs.readFileSync(path.join(out, 'qdrant.exe'), 'utf8')).toBe('MZ fake exe');
    expect(fs.existsSync(path.join(out, 'qdrant'))).toBe(false);
  });

  it('names the supported platforms when asked for another', async () => {
    const r = await fetchQdrant(path.join(dir, 'x'), '--platform', 'win32', '--arch', 'arm64');
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/No Qdrant release asset is known for win32-arm64; supported: linux-x64/);
  });
});
