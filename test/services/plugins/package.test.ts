/**
 * Plugin packages: manifest validation with clear reasons, hash checks, safe zip extraction, the
 * memory rewrite of the module, module import checks, host allow-list matching, cron parsing.
 */
import fs from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  extractZip,
  parseManifest,
  readPluginPackage,
} from '../../../src/main/services/plugins/pluginPackage';
import { limitMemory, mbToPages } from '../../../src/main/services/plugins/wasmLimits';
import { checkModule } from '../../../src/main/services/plugins/pluginService';
import { hostAllowed } from '../../../src/main/services/plugins/hostFunctions';
import { cronMatches, parseCron } from '../../../src/main/services/plugins/scheduler';
import { tempDir } from '../helpers/tmp';
import {
  HOSTILE_WASM,
  WASI_WASM,
  buildPlugins,
  openHarness,
  sampleDist,
  sha256File,
  writePackage,
  type Harness,
} from './helpers';

let dir: string;
beforeAll(() => {
  buildPlugins();
  dir = tempDir('plugin-pkg');
}, 300_000);

const base = () => ({
  id: 'x.test',
  name: 'X',
  version: '1.0.0',
  entry: { wasm: 'plugin.wasm', sha256: 'a'.repeat(64) },
});

describe('manifest', () => {
  it('accepts the sample manifests and fills defaults', () => {
    for (const name of ['unit-converter', 'on-this-day', 'http-quote']) {
      const m = parseManifest(fs.readFileSync(path.join(sampleDist(name), 'nook-plugin.json'), 'utf8'));
      expect(m.entry.sha256).toBe(sha256File(path.join(sampleDist(name), 'plugin.wasm')));
    }
    const m = parseManifest(JSON.stringify(base()));
    expect(m.permissions).toEqual([]);
    expect(m.limits).toEqual({ memoryMb: 32, timeoutMs: 5000 });
    expect(m.contributes).toEqual({ commands: [], briefingSections: [], schedules: [] });
  });

  it.each([
    ['not JSON', '{', /is not valid JSON/],
    ['unknown permission', { ...base(), permissions: ['shell'] }, /permissions\.0: /],
    ['unknown field', { ...base(), exec: 'rm -rf' }, /Unrecognized key.*exec/],
    ['bad id', { ...base(), id: 'Bad Id!' }, /id: /],
    [
      'path traversal in the entry',
      { ...base(), entry: { wasm: '../evil.wasm', sha256: 'a'.repeat(64) } },
      /entry\.wasm/,
    ],
    ['too much memory', { ...base(), limits: { memoryMb: 4096 } }, /limits\.memoryMb/],
    [
      'hosts without http.fetch',
      { ...base(), http: { allowedHosts: ['a.example'] } },
      /allowedHosts needs the http\.fetch permission/,
    ],
    [
      'http.fetch without hosts',
      { ...base(), permissions: ['http.fetch'] },
      /http\.fetch needs at least one allowed host/,
    ],
    [
      'wildcard host',
      { ...base(), permissions: ['http.fetch'], http: { allowedHosts: ['*.example.org'] } },
      /allowedHosts\.0/,
    ],
    [
      'schedule with both',
      {
        ...base(),
        contributes: { schedules: [{ id: 's', export: 'e', cron: '* * * * *', everyMinutes: 5 }] },
      },
      /exactly one of cron or everyMinutes/,
    ],
    [
      'duplicate command',
      {
        ...base(),
        contributes: {
          commands: [
            { id: 'c', title: 'C', export: 'a' },
            { id: 'c', title: 'C', export: 'b' },
          ],
        },
      },
      /command c is declared twice/,
    ],
  ])('refuses %s with the reason', (_name, manifest, reason) => {
    const text = typeof manifest === 'string' ? manifest : JSON.stringify(manifest);
    expect(() => parseManifest(text)).toThrow(reason);
  });

  it('refuses a folder without a manifest, a missing wasm and a hash mismatch', async () => {
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    await expect(readPluginPackage(empty)).rejects.toThrow(/No nook-plugin.json/);
    fs.writeFileSync(path.join(empty, 'nook-plugin.json'), JSON.stringify(base()));
    await expect(readPluginPackage(empty)).rejects.toThrow(/plugin.wasm named by the manifest is missing/);
    fs.copyFileSync(HOSTILE_WASM, path.join(empty, 'plugin.wasm'));
    await expect(readPluginPackage(empty)).rejects.toThrow(
      /SHA-256 is [0-9a-f]{64}, but the manifest says a{64}/,
    );
    await expect(readPluginPackage('relative/path')).rejects.toThrow(/must be absolute/);
  });
});

function zip(file: string, entries: Array<{ name: string; data?: Buffer; mode?: number }>): Promise<void> {
  const z = new yazl.ZipFile();
  for (const e of entries) {
    if (e.data === undefined) z.addEmptyDirectory(e.name);
    else z.addBuffer(e.data, e.name, e.mode !== undefined ? { mode: e.mode } : {});
  }
  z.end();
  return new Promise((resolve, reject) =>
    z.outputStream.pipe(fs.createWriteStream(file)).on('close', resolve).on('error', reject),
  );
}

/** yazl refuses unsafe names, so a hostile zip gets its name patched in after writing. */
async function zipWithName(file: string, name: string): Promise<void> {
  const placeholder = 'P'.repeat(name.length);
  await zip(file, [{ name: placeholder, data: Buffer.from('pwned') }]);
  const bytes = fs.readFileSync(file);
  let at = bytes.indexOf(placeholder);
  while (at >= 0) {
    bytes.write(name, at, 'latin1');
    at = bytes.indexOf(placeholder, at + 1);
  }
  fs.writeFileSync(file, bytes);
}

describe('zip packages', () => {
  it('installs from a zip with the package at its root or in one folder', async () => {
    const dist = sampleDist('unit-converter');
    const nested = path.join(dir, 'nested.zip');
    await zip(nested, [
      { name: 'unit-converter/nook-plugin.json', data: fs.readFileSync(path.join(dist, 'nook-plugin.json')) },
      { name: 'unit-converter/plugin.wasm', data: fs.readFileSync(path.join(dist, 'plugin.wasm')) },
    ]);
    const pkg = await readPluginPackage(nested);
    expect(pkg.manifest.id).toBe('nook.unit-converter');
    await pkg.cleanup();
    expect(fs.existsSync(pkg.dir)).toBe(false);
  });

  it.each([
    ['../escape.txt', /unsafe path|invalid relative path/i],
    ['/etc/escape.txt', /unsafe path|absolute path/i],
    ['a/../../escape.txt', /unsafe path|invalid relative path/i],
  ])('refuses the entry %s', async (name, reason) => {
    const file = path.join(dir, `bad-${Math.random().toString(36).slice(2)}.zip`);
    await zipWithName(file, name);
    const dest = tempDir('plugin-unzip');
    await expect(extractZip(file, dest)).rejects.toThrow(reason);
    expect(fs.existsSync(path.join(path.dirname(dest), 'escape.txt'))).toBe(false);
  });

  it('refuses symlinks, too many entries and zip bombs', async () => {
    const link = path.join(dir, 'link.zip');
    await zip(link, [{ name: 'evil', data: Buffer.from('/etc/passwd'), mode: 0o120777 }]);
    await expect(extractZip(link, tempDir('plugin-unzip'))).rejects.toThrow(/link or device/);

    const many = path.join(dir, 'many.zip');
    await zip(
      many,
      Array.from({ length: 70 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from('x') })),
    );
    await expect(extractZip(many, tempDir('plugin-unzip'))).rejects.toThrow(/more than 64 entries/);

    const bomb = path.join(dir, 'bomb.zip');
    await zip(bomb, [{ name: 'zeros.bin', data: Buffer.alloc(40 * 1024 * 1024) }]);
    expect(fs.statSync(bomb).size).toBeLessThan(1024 * 1024);
    await expect(extractZip(bomb, tempDir('plugin-unzip'))).rejects.toThrow(/more than 32 MB/);
  });
});

describe('module checks', () => {
  // (module (import "env" "seed" (func)) (memory (export "memory") 1))
  const tiny = Buffer.from(
    '0061736d01000000' +
      '010401600000' +
      '020c0103656e76047365656400 00'.replace(/ /g, '') +
      '0503010001' +
      '070a01066d656d6f72790200',
    'hex',
  );
  type Wasm = {
    Module: new (b: Uint8Array) => object;
    Instance: new (m: object, imports: object) => { exports: { memory: { grow(n: number): number } } };
  };
  const wa = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

  it('writes the memory maximum into the module, which then cannot grow past it', () => {
    const limited = limitMemory(tiny, 3);
    expect(limited).toMatchObject({ initialPages: [1], maxPages: 3 });
    const inst = new wa.Instance(new wa.Module(limited.bytes), { env: { seed: () => undefined } });
    expect(inst.exports.memory.grow(2)).toBe(1);
    expect(() => inst.exports.memory.grow(1)).toThrow(RangeError);
    // Unlimited, the same module grows freely.
    const free = new wa.Instance(new wa.Module(tiny), { env: { seed: () => undefined } });
    expect(free.exports.memory.grow(3)).toBe(1);

    expect(limitMemory(fs.readFileSync(HOSTILE_WASM), mbToPages(8)).maxPages).toBe(128);
    expect(() => limitMemory(fs.readFileSync(HOSTILE_WASM), 0)).toThrow(/needs .* MB of memory to start/);
    expect(() => limitMemory(Buffer.from('not wasm at all'), 16)).toThrow(/not a WebAssembly module/);
  });

  it('refuses WASI without fs, unknown imports and modules without memory', async () => {
    await expect(checkModule(fs.readFileSync(WASI_WASM), [])).rejects.toThrow(/WASI/);
    await expect(checkModule(fs.readFileSync(WASI_WASM), ['fs'])).resolves.toBeUndefined();
    await expect(checkModule(tiny, [])).rejects.toThrow(/imports env\.seed, which Nook does not provide/);
    await expect(checkModule(Buffer.from('0061736d01000000', 'hex'), [])).rejects.toThrow(
      /does not export its memory/,
    );
    // Names Extism's worker could not link (a LinkError there has no listener and would end the process).
    const importing = (mod: string, name: string) => {
      const enc = (t: string) => [t.length, ...Buffer.from(t)];
      const imp = [1, ...enc(mod), ...enc(name), 0, 0];
      const exp = [1, ...enc('memory'), 2, 0];
      return Buffer.from([
        ...[0, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
        ...[1, 4, 1, 0x60, 0, 0],
        ...[2, imp.length, ...imp],
        ...[5, 3, 1, 0, 1],
        ...[7, exp.length, ...exp],
      ]);
    };
    await expect(checkModule(importing('extism:host/env', 'alloc'), [])).resolves.toBeUndefined();
    await expect(checkModule(importing('extism:host/env', 'nope'), [])).rejects.toThrow(
      /extism:host\/env nope, which Extism does not provide/,
    );
    await expect(checkModule(importing('extism:host/user', 'nope'), [])).rejects.toThrow(
      /Nook does not provide/,
    );
    await expect(
      checkModule(importing('wasi_snapshot_preview1', 'fd_read'), ['fs']),
    ).resolves.toBeUndefined();
    await expect(checkModule(importing('wasi_snapshot_preview1', 'nope'), ['fs'])).rejects.toThrow(
      /does not exist in WASI preview 1/,
    );
  });
});

describe('http allow-list matching', () => {
  it.each([
    ['https://api.example.org/x', ['api.example.org'], true],
    ['https://API.Example.org:443/x', ['api.example.org'], true],
    ['https://evil.api.example.org/', ['api.example.org'], false],
    ['https://api.example.org.evil.com/', ['api.example.org'], false],
    ['http://127.0.0.1:8080/', ['127.0.0.1:8080'], true],
    ['http://127.0.0.1:8081/', ['127.0.0.1:8080'], false],
    ['http://127.0.0.1/', ['127.0.0.1:80'], true],
    ['http://[::1]:9000/', ['[::1]:9000'], true],
  ])('%s with %j -> %s', (url, allowed, ok) => {
    expect(hostAllowed(new URL(url), allowed)).toBe(ok);
  });
});

describe('cron', () => {
  it('matches minutes, ranges, steps, lists and the day-or-weekday rule', () => {
    const at = (d: string) => new Date(d);
    expect(cronMatches(parseCron('*/15 9-17 * * 1-5'), at('2026-11-23T09:45:00'))).toBe(true); // Monday
    expect(cronMatches(parseCron('*/15 9-17 * * 1-5'), at('2026-11-22T09:45:00'))).toBe(false); // Sunday
    expect(cronMatches(parseCron('0 8 1,15 * *'), at('2026-11-15T08:00:00'))).toBe(true);
    expect(cronMatches(parseCron('0 8 1 * 0'), at('2026-11-22T08:00:00'))).toBe(true); // day 1 OR Sunday
    expect(cronMatches(parseCron('0 8 * * 7'), at('2026-11-22T08:00:00'))).toBe(true); // 7 is Sunday
    expect(() => parseCron('61 * * * *')).toThrow(/out of range/);
    expect(() => parseCron('* * *')).toThrow(/five fields/);
  });
});

describe('install flow', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness();
  });
  afterAll(() => h?.close());

  it('inspects without installing, refuses approving what was not asked, keeps denied permissions denied', async () => {
    const pkg = writePackage(dir, HOSTILE_WASM, {
      id: 't.flow',
      description: 'flow',
      permissions: ['kv', 'log'],
      contributes: {
        commands: [{ id: 'kv', title: 'Use kv', export: 'useKv', voiceExamples: ['store it'] }],
      },
    });
    const inspected = await h.service.inspect(pkg);
    expect(inspected.permissions).toEqual([
      { id: 'kv', description: expect.stringMatching(/key-value/) },
      { id: 'log', description: expect.stringMatching(/log/) },
    ]);
    expect(inspected.installedVersion).toBeNull();
    expect(h.service.list()).toEqual([]);
    await expect(h.service.install(pkg, ['kv', 'http.fetch'])).rejects.toThrow(/does not ask for http.fetch/);
    const info = await h.service.install(pkg, ['log']);
    expect(info).toMatchObject({
      permissions: ['log'],
      requestedPermissions: ['kv', 'log'],
      state: 'ok',
      enabled: true,
    });
    await expect(h.service.run('t.flow', 'kv', '')).rejects.toThrow(/"kv" was not granted/);
    expect((await h.service.inspect(pkg)).installedVersion).toBe('1.0.0');
    const disabled = await h.service.setEnabled('t.flow', false);
    expect(disabled.state).toBe('disabled');
    await expect(h.service.run('t.flow', 'kv', '')).rejects.toThrow(/is disabled/);
    expect(h.service.commands()).toEqual([]);
  });
});
