/** Starts and stops the headless host (`node out/main/serve.js`) for browser tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext } from '@playwright/test';

export interface RunningHost {
  url: string;
  loginUrl: string;
  port: number;
  dataDir: string;
  /** Everything the host printed (stdout and stderr), for failure messages. */
  output(): string;
  /** SIGTERM (the host disposes and flushes its logs), SIGKILL after a timeout. */
  stop(): Promise<void>;
}

const SERVE = path.resolve('out/main/serve.js');

export async function startHost(
  options: {
    dataDir?: string;
    timeoutMs?: number;
    /** Environment for the host process only, over this one's; undefined removes a variable. */
    env?: Record<string, string | undefined>;
  } = {},
): Promise<RunningHost> {
  if (!fs.existsSync(SERVE)) throw new Error(`${SERVE} is missing: run \`npx electron-vite build\` first`);
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'nook-e2e-'));
  // NOOK_MODEL_CACHE is CI's shared download cache for `models:fetch`; a test host must not share it.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    NOOK_MODEL_CACHE: '',
    ...options.env,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const child: ChildProcess = spawn(
    process.execPath,
    [SERVE, '--data-dir', dataDir, '--port', '0', '--no-open'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    },
  );
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (out += d));

  const ready = await new Promise<{ url: string; loginUrl: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`host did not print NOOK_READY within ${options.timeoutMs ?? 30_000} ms:\n${out}`)),
      options.timeoutMs ?? 30_000,
    );
    let buffered = '';
    child.stdout!.on('data', (d: string) => {
      out += d;
      buffered += d;
      const m = /^NOOK_READY (\{.*\})$/m.exec(buffered);
      if (m) {
        clearTimeout(timer);
        resolve(JSON.parse(m[1]!) as { url: string; loginUrl: string; port: number });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code} before it was ready:\n${out}`));
    });
  });

  let stopped: Promise<void> | null = null;
  return {
    ...ready,
    dataDir,
    output: () => out,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      });
      return stopped;
    },
  };
}

/** A browser context logged in to `host` through its one-time login URL (the cookie is HttpOnly). */
export async function loggedInContext(browser: Browser, loginUrl: string): Promise<BrowserContext> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(loginUrl);
  if (!response || !response.ok()) throw new Error(`login failed: HTTP ${response?.status()}`);
  await page.close();
  return context;
}

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(p));
    else if (entry.isFile()) found.push(p);
  }
  return found;
}
