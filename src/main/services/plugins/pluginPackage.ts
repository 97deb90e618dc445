/**
 * Reads a plugin package: a folder or a .zip holding `nook-plugin.json` and the wasm it names.
 * The manifest is validated with its schema and the wasm with the SHA-256 the manifest gives; a
 * package failing either is refused with the reason. Zips are extracted to a private staging folder:
 * no absolute or `..` paths, no links, at most MAX_ENTRIES entries and MAX_TOTAL_BYTES in all
 * (counted while inflating, not trusted from the zip's headers).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import yauzl from 'yauzl';
import { AppError } from '../../../shared/ipc/result';
import { PluginManifestSchema, type PluginManifest } from '../../../shared/types/plugins';

export const MANIFEST_FILE = 'nook-plugin.json';
export const PACKAGE_LIMITS = {
  maxEntries: 64,
  maxTotalBytes: 32 * 1024 * 1024,
  maxWasmBytes: 16 * 1024 * 1024,
  maxManifestBytes: 64 * 1024,
};

export interface PluginPackage {
  manifest: PluginManifest;
  /** The folder holding the manifest (for a zip: a staging folder; call `cleanup`). */
  dir: string;
  wasm: Buffer;
  cleanup(): Promise<void>;
}

export function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

function refuse(message: string): never {
  throw new AppError('INVALID_INPUT', message);
}

/** Validates manifest JSON text; the error lists the first problems with their field paths. */
export function parseManifest(text: string): PluginManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    refuse(`${MANIFEST_FILE} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = PluginManifestSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.length ? i.path.join('.') : '(manifest)'}: ${i.message}`);
    refuse(`${MANIFEST_FILE} is not a valid plugin manifest: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Reads the manifest and its wasm from a folder, checking the hash. */
export async function readPluginFolder(dir: string): Promise<{ manifest: PluginManifest; wasm: Buffer }> {
  const manifestPath = path.join(dir, MANIFEST_FILE);
  let stat: fs.Stats;
  try {
    stat = await fsp.stat(manifestPath);
  } catch {
    refuse(`No ${MANIFEST_FILE} in ${dir}: this is not a Nook plugin package.`);
  }
  if (stat.size > PACKAGE_LIMITS.maxManifestBytes) refuse(`${MANIFEST_FILE} is larger than 64 KB.`);
  const manifest = parseManifest(await fsp.readFile(manifestPath, 'utf8'));
  const wasmPath = path.resolve(dir, manifest.entry.wasm);
  if (!wasmPath.startsWith(path.resolve(dir) + path.sep))
    refuse('The wasm entry points outside the package.');
  let wasm: Buffer;
  try {
    const st = await fsp.lstat(wasmPath);
    if (!st.isFile()) refuse(`The wasm entry ${manifest.entry.wasm} is not a regular file.`);
    if (st.size > PACKAGE_LIMITS.maxWasmBytes) refuse(`The wasm entry is larger than 16 MB.`);
    wasm = await fsp.readFile(wasmPath);
  } catch (e) {
    if (e instanceof AppError) throw e;
    refuse(`The wasm entry ${manifest.entry.wasm} named by the manifest is missing.`);
  }
  const actual = sha256(wasm);
  if (actual !== manifest.entry.sha256)
    refuse(
      `The wasm file's SHA-256 is ${actual}, but the manifest says ${manifest.entry.sha256}: the package was changed after it was built. Refused.`,
    );
  return { manifest, wasm };
}

/** A folder or .zip package; zips are extracted to a staging folder removed by `cleanup`. */
export async function readPluginPackage(p: string): Promise<PluginPackage> {
  if (!path.isAbsolute(p)) refuse('The plugin package path must be absolute.');
  let st: fs.Stats;
  try {
    st = await fsp.stat(p);
  } catch {
    throw new AppError('NOT_FOUND', `No plugin package at ${p}.`);
  }
  if (st.isDirectory()) {
    const { manifest, wasm } = await readPluginFolder(p);
    return { manifest, wasm, dir: p, cleanup: async () => undefined };
  }
  if (!st.isFile() || !p.toLowerCase().endsWith('.zip'))
    refuse('A plugin package is a folder or a .zip file holding nook-plugin.json.');
  const staging = await fsp.mkdtemp(path.join(os.tmpdir(), 'nook-plugin-'));
  const cleanup = () => fsp.rm(staging, { recursive: true, force: true });
  try {
    await extractZip(p, staging);
    // A zip may hold the package at its root or inside one top-level folder.
    let dir = staging;
    if (!fs.existsSync(path.join(staging, MANIFEST_FILE))) {
      const entries = await fsp.readdir(staging, { withFileTypes: true });
      const only = entries.length === 1 && entries[0]!.isDirectory() ? entries[0]!.name : null;
      if (only && fs.existsSync(path.join(staging, only, MANIFEST_FILE))) dir = path.join(staging, only);
    }
    const { manifest, wasm } = await readPluginFolder(dir);
    return { manifest, wasm, dir, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(
      file,
      { lazyEntries: true, autoClose: true, strictFileNames: true, validateEntrySizes: true },
      (e, zip) => (e || !zip ? reject(e ?? new Error('cannot open zip')) : resolve(zip)),
    ),
  );
}

/** Safe extraction; exported for tests. */
export async function extractZip(file: string, dest: string): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(file);
  } catch (e) {
    refuse(`The plugin package is not a readable zip: ${(e as Error).message}`);
  }
  const root = path.resolve(dest);
  let entries = 0;
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    const fail = (e: unknown) => {
      zip.close();
      reject(
        e instanceof AppError
          ? e
          : new AppError('INVALID_INPUT', `The plugin zip is damaged: ${(e as Error).message}`),
      );
    };
    zip.on('error', fail);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      try {
        if (++entries > PACKAGE_LIMITS.maxEntries)
          refuse(`The plugin zip has more than ${PACKAGE_LIMITS.maxEntries} entries.`);
        const name = entry.fileName;
        if (
          name.includes('\\') ||
          name.startsWith('/') ||
          /^[A-Za-z]:/.test(name) ||
          name.split('/').includes('..')
        )
          refuse(`The plugin zip holds an unsafe path: ${name}`);
        // Unix mode in the high 16 bits of the external attributes: refuse symlinks and devices.
        const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
        if (mode !== 0 && mode !== 0o100000 && mode !== 0o040000)
          refuse(`The plugin zip holds a link or device: ${name}`);
        const target = path.resolve(root, name);
        if (target !== root && !target.startsWith(root + path.sep))
          refuse(`The plugin zip holds an unsafe path: ${name}`);
        if (name.endsWith('/')) {
          fs.mkdirSync(target, { recursive: true });
          zip.readEntry();
          return;
        }
        if (total + entry.uncompressedSize > PACKAGE_LIMITS.maxTotalBytes)
          refuse('The plugin zip unpacks to more than 32 MB.');
        fs.mkdirSync(path.dirname(target), { recursive: true });
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return fail(e ?? new Error('cannot read entry'));
          const out = fs.createWriteStream(target, { flags: 'wx' });
          stream.on('data', (chunk: Buffer) => {
            total += chunk.length;
            if (total > PACKAGE_LIMITS.maxTotalBytes) {
              stream.destroy();
              out.destroy();
              fail(new AppError('INVALID_INPUT', 'The plugin zip unpacks to more than 32 MB.'));
            }
          });
          stream.on('error', fail);
          out.on('error', fail);
          out.on('finish', () => zip.readEntry());
          stream.pipe(out);
        });
      } catch (e) {
        fail(e);
      }
    });
    zip.readEntry();
  });
}
