/**
 * sha256 + size verification of model files, with a small sidecar cache so the next check of an
 * unchanged file (same size and mtime) is a stat instead of re-hashing hundreds of megabytes.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/** One sidecar per folder; names starting with ".nook-" are never model files. */
export const VERIFY_SIDECAR = '.nook-verified.json';

export type VerifyState = 'missing' | 'ok' | 'corrupt';

export interface ExpectedFile {
  sha256: string;
  size: number;
}

interface SidecarEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

type Sidecar = Record<string, SidecarEntry>;

export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = crypto.createHash('sha256');
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 20, signal });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readSidecar(dir: string): Promise<Sidecar> {
  try {
    const parsed: unknown = JSON.parse(await fsp.readFile(path.join(dir, VERIFY_SIDECAR), 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Sidecar) : {};
  } catch {
    return {};
  }
}

async function writeSidecarEntry(dir: string, name: string, entry: SidecarEntry | null): Promise<void> {
  // Read-modify-write through an atomic rename: a lost concurrent update only costs one re-hash later.
  const sidecar = await readSidecar(dir);
  if (entry) sidecar[name] = entry;
  else delete sidecar[name];
  const tmp = path.join(dir, `${VERIFY_SIDECAR}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
  try {
    await fsp.writeFile(tmp, JSON.stringify(sidecar));
    await fsp.rename(tmp, path.join(dir, VERIFY_SIDECAR));
  } catch {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
  }
}

/** The file's sha256, from the sidecar when its size and mtime are unchanged, else hashed (and remembered). */
export async function cachedSha256(file: string, signal?: AbortSignal): Promise<string | null> {
  let st: fs.Stats;
  try {
    st = await fsp.stat(file);
  } catch {
    return null;
  }
  if (!st.isFile()) return null;
  const dir = path.dirname(file);
  const name = path.basename(file);
  const hit = (await readSidecar(dir))[name];
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.sha256;
  const sha256 = await sha256File(file, signal);
  await writeSidecarEntry(dir, name, { size: st.size, mtimeMs: st.mtimeMs, sha256 });
  return sha256;
}

/** Whether the sidecar already knows this file's hash (so verifying it costs no read). */
export async function isVerificationCached(file: string): Promise<boolean> {
  try {
    const st = await fsp.stat(file);
    const hit = (await readSidecar(path.dirname(file)))[path.basename(file)];
    return !!hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs;
  } catch {
    return false;
  }
}

export async function verifyFile(
  file: string,
  expected: ExpectedFile,
  signal?: AbortSignal,
): Promise<VerifyState> {
  let st: fs.Stats;
  try {
    st = await fsp.stat(file);
  } catch {
    return 'missing';
  }
  if (!st.isFile() || st.size !== expected.size) return 'corrupt';
  const actual = await cachedSha256(file, signal);
  return actual === expected.sha256 ? 'ok' : 'corrupt';
}

/** Record a hash computed while streaming, so the file placed by an atomic rename needs no re-read. */
export async function rememberVerified(file: string, sha256: string): Promise<void> {
  const st = await fsp.stat(file);
  await writeSidecarEntry(path.dirname(file), path.basename(file), {
    size: st.size,
    mtimeMs: st.mtimeMs,
    sha256,
  });
}
