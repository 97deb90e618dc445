/**
 * Starts a worker-thread entry from `src/main/workers/` wherever the code runs:
 * - built by electron-vite, every entry is a sibling `.js` of the bundle (`out/main/<name>.js`), and
 *   this module is inlined into that bundle, so `import.meta.url` points at `out/main/`;
 * - from source (vitest, tsx, the dev host), the sibling is `<name>.ts`. Node 20 ignores `--import`
 *   in a worker's execArgv, so a one-line bootstrap registers tsx's ESM loader inside the worker
 *   first and then imports the TypeScript entry.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export interface WorkerEntry {
  url: URL;
  /** True when the entry is TypeScript and needs the tsx loader. */
  typescript: boolean;
}

/** Where `name`'s entry is: the built `.js` when present, else the `.ts` source. */
export function locateWorker(name: string, base: string | URL = import.meta.url): WorkerEntry {
  // Rollup may place this module in a shared chunk (out/main/chunks/), one folder below the entries.
  for (const [rel, typescript] of [
    [`./${name}.js`, false],
    [`../${name}.js`, false],
    [`./${name}.mjs`, false],
    [`./${name}.ts`, true],
  ] as const) {
    const url = new URL(rel, base);
    if (fs.existsSync(fileURLToPath(url))) return { url, typescript };
  }
  throw new Error(`Worker entry "${name}" not found next to ${String(base)}`);
}

export function createWorker(name: string, options: WorkerOptions = {}, base?: string | URL): Worker {
  const entry = locateWorker(name, base);
  if (!entry.typescript) return new Worker(entry.url, options);
  const bootstrap =
    `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); ` +
    `return import(${JSON.stringify(entry.url.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** tsx's ESM register API (dev and test only: a packaged app runs the built `.js`). */
function tsxEsmApi(): string {
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  return pathToFileURL(path.join(path.dirname(pkg), 'dist/esm/api/index.mjs')).href;
}
