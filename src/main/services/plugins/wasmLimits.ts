/**
 * Enforces a plugin's memory limit in the module itself: @extism/extism 1.0.3 has no memory option,
 * so the memory section is rewritten to declare `maximum = limit` (V8 then refuses `memory.grow`
 * beyond it and the plugin traps), and a module that imports its memory or asks for more than the
 * limit up front is refused. Binary format: webassembly.github.io/spec/core/binary/modules.html
 */
import { Worker } from 'node:worker_threads';
import { AppError } from '../../../shared/ipc/result';

export const WASM_PAGE_BYTES = 64 * 1024;

function readLeb(buf: Uint8Array, pos: number): { value: number; next: number } {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    if (pos >= buf.length) throw new AppError('INVALID_INPUT', 'The wasm file is truncated.');
    const byte = buf[pos++]!;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value: result, next: pos };
    shift += 7;
  }
  throw new AppError('INVALID_INPUT', 'The wasm file has a malformed length.');
}

function writeLeb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) byte |= 0x80;
    out.push(byte);
  } while (v > 0);
  return out;
}

export interface MemoryLimitResult {
  bytes: Uint8Array;
  /** Pages each defined memory starts with. */
  initialPages: number[];
  maxPages: number;
}

/** Returns a copy of the module whose every memory has `maximum <= maxPages`. */
export function limitMemory(wasm: Uint8Array, maxPages: number): MemoryLimitResult {
  if (
    wasm.length < 8 ||
    wasm[0] !== 0x00 ||
    wasm[1] !== 0x61 ||
    wasm[2] !== 0x73 ||
    wasm[3] !== 0x6d ||
    wasm[4] !== 0x01
  )
    throw new AppError('INVALID_INPUT', 'The entry is not a WebAssembly module.');
  const parts: Uint8Array[] = [wasm.subarray(0, 8)];
  const initialPages: number[] = [];
  let pos = 8;
  while (pos < wasm.length) {
    const id = wasm[pos]!;
    const { value: size, next } = readLeb(wasm, pos + 1);
    const end = next + size;
    if (end > wasm.length) throw new AppError('INVALID_INPUT', 'The wasm file is truncated.');
    if (id === 2) checkImports(wasm.subarray(next, end));
    if (id !== 5) {
      parts.push(wasm.subarray(pos, end));
      pos = end;
      continue;
    }
    // Memory section: vec(limits).
    const body: number[] = [];
    let p = next;
    const count = readLeb(wasm, p);
    p = count.next;
    body.push(...writeLeb(count.value));
    for (let i = 0; i < count.value; i++) {
      const flags = wasm[p++]!;
      if (flags & 0x04)
        throw new AppError('INVALID_INPUT', 'The plugin uses 64-bit memory, which Nook does not run.');
      if (flags & 0x02)
        throw new AppError('INVALID_INPUT', 'The plugin uses shared memory, which Nook does not run.');
      const min = readLeb(wasm, p);
      p = min.next;
      let max = maxPages;
      if (flags & 0x01) {
        const declared = readLeb(wasm, p);
        p = declared.next;
        max = Math.min(declared.value, maxPages);
      }
      if (min.value > maxPages)
        throw new AppError(
          'INVALID_INPUT',
          `The plugin needs ${Math.ceil((min.value * WASM_PAGE_BYTES) / 2 ** 20)} MB of memory to start, over its limit of ${Math.floor((maxPages * WASM_PAGE_BYTES) / 2 ** 20)} MB.`,
        );
      initialPages.push(min.value);
      body.push(0x01, ...writeLeb(min.value), ...writeLeb(max));
    }
    if (p !== end) throw new AppError('INVALID_INPUT', 'The wasm memory section is malformed.');
    parts.push(Uint8Array.from([5, ...writeLeb(body.length), ...body]));
    pos = end;
  }
  const total = parts.reduce((n, x) => n + x.length, 0);
  const bytes = new Uint8Array(total);
  let o = 0;
  for (const x of parts) {
    bytes.set(x, o);
    o += x.length;
  }
  return { bytes, initialPages, maxPages };
}

/** An imported memory would escape the rewrite above; refuse it. */
function checkImports(section: Uint8Array): void {
  let p = 0;
  const count = readLeb(section, p);
  p = count.next;
  const dec = new TextDecoder();
  for (let i = 0; i < count.value; i++) {
    const modLen = readLeb(section, p);
    p = modLen.next + modLen.value;
    const nameLen = readLeb(section, p);
    const name = dec.decode(section.subarray(nameLen.next, nameLen.next + nameLen.value));
    p = nameLen.next + nameLen.value;
    const kind = section[p++];
    if (kind === 0x00) p = readLeb(section, p).next;
    else if (kind === 0x01) {
      p++; // reftype
      const flags = section[p++]!;
      p = readLeb(section, p).next;
      if (flags & 0x01) p = readLeb(section, p).next;
    } else if (kind === 0x02)
      throw new AppError(
        'INVALID_INPUT',
        `The plugin imports its memory ("${name}"); Nook only runs modules that define their own.`,
      );
    else if (kind === 0x03) p += 2;
    else if (kind === 0x04) p = readLeb(section, p + 1).next;
    else throw new AppError('INVALID_INPUT', 'The wasm import section is malformed.');
  }
}

export function mbToPages(mb: number): number {
  return Math.max(1, Math.floor((mb * 2 ** 20) / WASM_PAGE_BYTES));
}

/**
 * Instantiates the module once in a throwaway worker with stub imports, so its start function (an
 * AssemblyScript module's top-level code) runs where it can do no harm. Extism instantiates in its
 * own worker without an error listener: a start function that traps there would take the whole
 * process down, and one that never returns would leave a spinning thread and a load that never ends.
 * Refuses the module with the reason; a module has to finish starting within `timeoutMs`.
 */
export async function preflightStart(wasm: Uint8Array, timeoutMs: number): Promise<void> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const mod = new WebAssembly.Module(workerData.wasm);
    const imports = {};
    for (const i of WebAssembly.Module.imports(mod)) {
      if (i.kind !== 'function') continue;
      (imports[i.module] ??= {})[i.name] = () => {
        throw new Error('it calls ' + i.module + ' ' + i.name + ' while starting');
      };
    }
    new WebAssembly.Instance(mod, imports);
    parentPort.postMessage('started');
  `;
  const worker = new Worker(code, {
    eval: true,
    workerData: { wasm },
    execArgv: [],
    env: {},
    stdout: true,
    stderr: true,
    resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new AppError('INVALID_INPUT', `The plugin did not finish starting within ${timeoutMs} ms.`)),
        timeoutMs,
      );
      const fail = (why: string) => {
        clearTimeout(timer);
        reject(new AppError('INVALID_INPUT', `The plugin fails while starting: ${why}`));
      };
      worker.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.once('error', (e) => fail(e.message));
      worker.once('exit', (c) => fail(`its worker exited (code ${c})`));
    });
  } finally {
    worker.removeAllListeners('exit');
    await worker.terminate();
  }
}
