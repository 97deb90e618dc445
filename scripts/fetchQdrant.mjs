#!/usr/bin/env node
/**
 * Fetches the Qdrant release binary for the platform being packaged into resources/bin/, where
 * electron-builder's `extraResources` (electron-builder.yml) puts it next to app.asar; the app's
 * QdrantSidecar finds it at `<resourcesPath>/bin/qdrant[.exe]`. Runs on packagers' machines
 * (it needs github.com); nothing here downloads at app run time.
 *
 *   node scripts/fetchQdrant.mjs [--platform linux|darwin|win32] [--arch x64|arm64] [--version v1.18.0]
 *                                [--out resources/bin] [--sha256 HEX] [--allow-unverified] [--force]
 *
 * The archive is never installed unverified: its SHA-256 must match, in this order,
 *   1. `--sha256 HEX` (a value you checked yourself),
 *   2. the PINNED table below (fill it only with values you have verified),
 *   3. the `digest` GitHub publishes for the release asset (api.github.com, computed by GitHub at upload).
 * When none of these is available the script refuses, unless `--allow-unverified` is passed.
 * `--base-url` and `--api-url` point at a mirror (or a local server in tests).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** The Qdrant server release that matches @qdrant/js-client-rest 1.18 (client and server within one minor). */
export const QDRANT_VERSION = 'v1.18.0';

/**
 * Release assets per platform. Linux uses the static musl builds: the glibc builds of Qdrant >= 1.13
 * need glibc 2.38, newer than many users' distributions (Debian 12, Ubuntu 22.04).
 */
export const ASSETS = {
  'linux-x64': 'qdrant-x86_64-unknown-linux-musl.tar.gz',
  'linux-arm64': 'qdrant-aarch64-unknown-linux-musl.tar.gz',
  'darwin-x64': 'qdrant-x86_64-apple-darwin.tar.gz',
  'darwin-arm64': 'qdrant-aarch64-apple-darwin.tar.gz',
  'win32-x64': 'qdrant-x86_64-pc-windows-msvc.zip',
};

/**
 * Verified SHA-256 values, `${version}/${asset}` -> hex. Deliberately empty: no value could be checked
 * from where this was written (no access to github.com). Add a line only after checking the value
 * against the release; until then the GitHub asset digest (or --sha256) is the verification.
 */
export const PINNED = {};

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const opts = {
    platform: process.platform,
    arch: process.arch,
    version: QDRANT_VERSION,
    out: path.join(ROOT, 'resources', 'bin'),
    sha256: undefined,
    allowUnverified: false,
    force: false,
    baseUrl: 'https://github.com/qdrant/qdrant/releases/download',
    apiUrl: 'https://api.github.com/repos/qdrant/qdrant/releases/tags',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--platform') opts.platform = next();
    else if (a === '--arch') opts.arch = next();
    else if (a === '--version') {
      const v = next();
      opts.version = v.startsWith('v') ? v : `v${v}`;
    } else if (a === '--out') opts.out = path.resolve(next());
    else if (a === '--sha256') opts.sha256 = next().toLowerCase();
    else if (a === '--allow-unverified') opts.allowUnverified = true;
    else if (a === '--force') opts.force = true;
    else if (a === '--base-url') opts.baseUrl = next().replace(/\/+$/, '');
    else if (a === '--api-url') opts.apiUrl = next().replace(/\/+$/, '');
    else if (a === '--help' || a === '-h') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
      process.exit(0);
    } else throw new Error(`Unknown argument ${a}`);
  }
  if (opts.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(opts.sha256))
    throw new Error('--sha256 wants 64 hex digits');
  return opts;
}

/** Where the expected checksum comes from: --sha256, the pinned table, or GitHub's asset digest. */
async function expectedDigest(opts, asset) {
  if (opts.sha256) return { sha256: opts.sha256, source: '--sha256' };
  const pinned = PINNED[`${opts.version}/${asset}`];
  if (pinned) return { sha256: pinned, source: 'pinned table' };
  try {
    const res = await fetch(`${opts.apiUrl}/${opts.version}`, {
      headers: { accept: 'application/vnd.github+json', 'user-agent': 'nook-fetch-qdrant' },
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const release = await res.json();
    const entry = (release.assets ?? []).find((a) => a.name === asset);
    if (!entry) throw new Error(`release ${opts.version} has no asset ${asset}`);
    const m = /^sha256:([0-9a-f]{64})$/i.exec(entry.digest ?? '');
    if (m) return { sha256: m[1].toLowerCase(), source: 'GitHub release asset digest' };
    console.warn(`fetchQdrant: GitHub lists no digest for ${asset}`);
  } catch (e) {
    console.warn(`fetchQdrant: could not read the release's asset digests (${e.message})`);
  }
  return undefined;
}

async function download(url, file) {
  const res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(10 * 60_000) });
  if (!res.ok || !res.body) throw new Error(`Download failed: HTTP ${res.status} for ${url}`);
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(res.body), tap, fs.createWriteStream(file));
  return { sha256: hash.digest('hex'), bytes };
}

function run(cmd, args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], shell: false });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`)),
    );
  });
}

async function extract(archive, dir) {
  if (archive.endsWith('.zip')) {
    const { default: yauzl } = await import('yauzl');
    const zip = await new Promise((res, rej) =>
      yauzl.open(archive, { lazyEntries: true }, (e, z) => (e ? rej(e) : res(z))),
    );
    await new Promise((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', resolve);
      zip.on('entry', (entry) => {
        const name = entry.fileName;
        const target = path.resolve(dir, name);
        if (!target.startsWith(path.resolve(dir) + path.sep))
          return reject(new Error(`Unsafe path in archive: ${name}`));
        if (name.endsWith('/')) {
          fs.mkdirSync(target, { recursive: true });
          return zip.readEntry();
        }
        fs.mkdirSync(path.dirname(target), { recursive: true });
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          pipeline(stream, fs.createWriteStream(target)).then(() => zip.readEntry(), reject);
        });
      });
      zip.readEntry();
    });
  } else {
    await run('tar', ['-xzf', archive, '-C', dir]);
  }
}

function findBinary(dir, exe) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isFile() && entry.name === exe) return p;
    if (entry.isDirectory()) {
      const found = findBinary(p, exe);
      if (found) return found;
    }
  }
  return undefined;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const key = `${opts.platform}-${opts.arch}`;
  const asset = ASSETS[key];
  if (!asset)
    throw new Error(
      `No Qdrant release asset is known for ${key}; supported: ${Object.keys(ASSETS).join(', ')}`,
    );
  const exe = opts.platform === 'win32' ? 'qdrant.exe' : 'qdrant';
  const versionFile = path.join(opts.out, 'qdrant.version.json');
  if (!opts.force && fs.existsSync(path.join(opts.out, exe)) && fs.existsSync(versionFile)) {
    const have = JSON.parse(fs.readFileSync(versionFile, 'utf8'));
    if (have.version === opts.version && have.asset === asset) {
      console.log(`fetchQdrant: ${exe} ${opts.version} (${asset}) is already in ${opts.out}`);
      return;
    }
  }

  const expected = await expectedDigest(opts, asset);
  if (!expected && !opts.allowUnverified) {
    throw new Error(
      `No checksum to verify ${asset} against (no --sha256, no pinned value, no GitHub digest). ` +
        'Refusing to install an unverified binary; pass --sha256 HEX, or --allow-unverified to accept the risk.',
    );
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-qdrant-'));
  try {
    const url = `${opts.baseUrl}/${opts.version}/${asset}`;
    const archive = path.join(tmp, asset);
    console.log(`fetchQdrant: downloading ${url}`);
    const got = await download(url, archive);
    if (expected) {
      if (got.sha256 !== expected.sha256) {
        throw new Error(
          `Checksum mismatch for ${asset}: expected ${expected.sha256} (${expected.source}), got ${got.sha256}. Not installed.`,
        );
      }
      console.log(`fetchQdrant: sha256 ${got.sha256} verified (${expected.source})`);
    } else {
      console.warn(
        `fetchQdrant: WARNING: installing ${asset} unverified (sha256 ${got.sha256}), as --allow-unverified asked`,
      );
    }
    const unpacked = path.join(tmp, 'unpacked');
    fs.mkdirSync(unpacked);
    await extract(archive, unpacked);
    const binary = findBinary(unpacked, exe);
    if (!binary) throw new Error(`${asset} holds no ${exe}`);

    fs.mkdirSync(opts.out, { recursive: true });
    // One platform's binary at a time: a stale one for another platform must not be packaged.
    for (const old of ['qdrant', 'qdrant.exe']) fs.rmSync(path.join(opts.out, old), { force: true });
    const target = path.join(opts.out, exe);
    fs.copyFileSync(binary, target);
    fs.chmodSync(target, 0o755);
    fs.writeFileSync(
      versionFile,
      JSON.stringify(
        {
          version: opts.version,
          asset,
          platform: opts.platform,
          arch: opts.arch,
          sha256: got.sha256,
          verifiedBy: expected ? expected.source : 'UNVERIFIED (--allow-unverified)',
          bytes: got.bytes,
          fetchedAt: new Date().toISOString(),
        },
        null,
        2,
      ) + '\n',
    );
    console.log(`fetchQdrant: installed ${target}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`fetchQdrant: ${e.message}`);
  process.exit(1);
});
