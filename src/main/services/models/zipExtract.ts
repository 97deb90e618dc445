/**
 * Reads one named member out of a zip (a wheel is a zip). A member inside a nested zip is written
 * `outer.zip!inner/path` (any depth): each outer member is first extracted to a temporary file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import yauzl from 'yauzl';

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false }, (e, zip) =>
      e || !zip ? reject(e) : resolve(zip),
    ),
  );
}

function findEntry(zip: yauzl.ZipFile, name: string): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const onEntry = (entry: yauzl.Entry) => {
      if (entry.fileName === name) {
        cleanup();
        resolve(entry);
      } else zip.readEntry();
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const cleanup = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (e, stream) => (e || !stream ? reject(e) : resolve(stream))),
  );
}

export class ZipMemberMissingError extends Error {
  constructor(zipLabel: string, member: string) {
    super(`"${member}" is not in ${zipLabel}`);
    this.name = 'ZipMemberMissingError';
  }
}

/**
 * Streams `member` of `zipPath` into `sink` (left open when `end` is false, so split parts can be
 * concatenated into one writable). Temporary inner zips go to `tmpDir` and are removed afterwards.
 */
export async function extractZipMember(
  zipPath: string,
  member: string,
  sink: Writable,
  opts: { tmpDir: string; end?: boolean; label?: string },
): Promise<void> {
  const [first, ...rest] = member.split('!');
  const label = opts.label ?? path.basename(zipPath);
  const zip = await openZip(zipPath);
  try {
    const entry = await findEntry(zip, first!);
    if (!entry) throw new ZipMemberMissingError(label, first!);
    const stream = await openEntry(zip, entry);
    if (rest.length === 0) {
      await pipeline(stream, sink, { end: opts.end ?? true });
      return;
    }
    await fsp.mkdir(opts.tmpDir, { recursive: true });
    const inner = path.join(opts.tmpDir, `inner-${process.pid}-${crypto.randomBytes(6).toString('hex')}.zip`);
    try {
      await pipeline(stream, fs.createWriteStream(inner));
      await extractZipMember(inner, rest.join('!'), sink, { ...opts, label: `${label}!${first}` });
    } finally {
      await fsp.rm(inner, { force: true });
    }
  } finally {
    zip.close();
  }
}
