/**
 * A per-file lock that works across processes: an exclusively created `<target>.lock` holding the
 * owner's pid, host and a random token. The owner refreshes the lock's mtime while it holds it, so a
 * lock whose owner died (dead pid on this host, or no heartbeat for `staleMs`) is taken over.
 */
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';

export interface LockOptions {
  signal?: AbortSignal;
  /** A lock not refreshed for this long is stale. */
  staleMs?: number;
  pollMs?: number;
  /** Called once when the lock is held by someone else and we start waiting. */
  onWait?: () => void;
}

interface LockContent {
  pid: number;
  host: string;
  token: string;
}

export type ReleaseLock = () => Promise<void>;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(lockPath: string): Promise<{ content: LockContent | null; mtimeMs: number } | null> {
  try {
    const [text, st] = await Promise.all([fsp.readFile(lockPath, 'utf8'), fsp.stat(lockPath)]);
    let content: LockContent | null = null;
    try {
      content = JSON.parse(text) as LockContent;
    } catch {
      content = null; // being written right now, or garbage: judged by its age alone
    }
    return { content, mtimeMs: st.mtimeMs };
  } catch {
    return null;
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new DOMException('The operation was aborted', 'AbortError');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function acquireFileLock(target: string, opts: LockOptions = {}): Promise<ReleaseLock> {
  const lockPath = `${target}.lock`;
  const staleMs = opts.staleMs ?? 30_000;
  const pollMs = opts.pollMs ?? 100;
  const me: LockContent = {
    pid: process.pid,
    host: os.hostname(),
    token: crypto.randomBytes(8).toString('hex'),
  };
  let waited = false;

  for (;;) {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    try {
      const fh = await fsp.open(lockPath, 'wx');
      try {
        await fh.writeFile(JSON.stringify(me));
      } finally {
        await fh.close();
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const held = await readLock(lockPath);
    if (held) {
      const deadOwner = held.content && held.content.host === me.host && !pidAlive(held.content.pid);
      const silent = Date.now() - held.mtimeMs > staleMs;
      if (deadOwner || silent) {
        await breakStaleLock(lockPath, held.content);
        continue;
      }
    }
    if (!waited) {
      waited = true;
      opts.onWait?.();
    }
    await sleep(pollMs, opts.signal);
  }

  const heartbeat = setInterval(
    () => {
      const now = new Date();
      void fsp.utimes(lockPath, now, now).catch(() => undefined);
    },
    Math.max(50, Math.floor(staleMs / 3)),
  );
  heartbeat.unref();

  let released = false;
  return async () => {
    if (released) return;
    released = true;
    clearInterval(heartbeat);
    const held = await readLock(lockPath);
    if (held?.content?.token === me.token) await fsp.rm(lockPath, { force: true });
  };
}

/**
 * Moves the stale lock aside (rename is atomic, so only one waiter wins), then checks that what it
 * moved is the lock it judged stale; if another waiter had meanwhile taken the lock, it is put back.
 */
async function breakStaleLock(lockPath: string, judged: LockContent | null): Promise<void> {
  const aside = `${lockPath}.stale.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  try {
    await fsp.rename(lockPath, aside);
  } catch {
    return; // someone else broke it first
  }
  const moved = await readLock(aside);
  if (judged && moved?.content && moved.content.token !== judged.token) {
    await fsp.link(aside, lockPath).catch(() => undefined);
  }
  await fsp.rm(aside, { force: true });
}
