#!/usr/bin/env node
/**
 * Builds Nook's plugins from AssemblyScript with the compiler from npm (assemblyscript +
 * @extism/as-pdk, both devDependencies; works offline).
 *
 *   node scripts/buildPlugins.mjs            the sample plugins in plugins/<name>/ -> plugins/<name>/dist/
 *   node scripts/buildPlugins.mjs --fixtures the test-only plugins in test/fixtures/plugins/
 *   node scripts/buildPlugins.mjs --zip      also writes plugins/<name>/dist/<name>.zip (a droppable package)
 *   node scripts/buildPlugins.mjs --force    rebuild even when the sources did not change
 *
 * A package is `dist/nook-plugin.json` (the template with the wasm's SHA-256 filled in) and
 * `dist/plugin.wasm`. A build is skipped when `dist/.source-hash` matches the hash of the entry,
 * the SDK, the template and the compiler version. Outputs appear by rename, so concurrent builds
 * (parallel test files) never see half a file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SDK = path.join(repo, 'plugins', 'sdk', 'nook.ts');

/** Sample plugins: every plugins/<name>/ with index.ts and nook-plugin.template.json. */
export function samplePlugins() {
  const root = path.join(repo, 'plugins');
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, d.name, 'nook-plugin.template.json')))
    .map((d) => ({
      name: d.name,
      entry: path.join(root, d.name, 'index.ts'),
      template: path.join(root, d.name, 'nook-plugin.template.json'),
      outDir: path.join(root, d.name, 'dist'),
    }));
}

/** Test-only modules: each .ts under test/fixtures/plugins/<dir>/ becomes dist/<name>.wasm (no manifest). */
export function fixturePlugins() {
  const root = path.join(repo, 'test', 'fixtures', 'plugins');
  const out = [];
  for (const d of fs.readdirSync(root, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    for (const f of fs.readdirSync(path.join(root, d.name))) {
      if (!f.endsWith('.ts')) continue;
      out.push({
        name: `${d.name}/${f.slice(0, -3)}`,
        entry: path.join(root, d.name, f),
        outDir: path.join(root, d.name, 'dist'),
        wasmName: `${f.slice(0, -3)}.wasm`,
      });
    }
  }
  return out;
}

function compilerVersion() {
  return JSON.parse(
    fs.readFileSync(path.join(repo, 'node_modules', 'assemblyscript', 'package.json'), 'utf8'),
  ).version;
}

function sourceHash(target) {
  const h = crypto.createHash('sha256');
  h.update(compilerVersion());
  for (const f of [target.entry, SDK, target.template].filter(Boolean)) h.update(fs.readFileSync(f));
  return h.digest('hex');
}

function writeAtomic(file, data) {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

async function compile(entry) {
  const { default: asc } = await import('assemblyscript/asc');
  // The compiler resolves source paths against the working directory.
  if (process.cwd() !== repo) process.chdir(repo);
  const rel = path.relative(repo, entry).split(path.sep).join('/');
  const internal = rel.replace(/\.ts$/, '');
  const outFile = path.join(repo, '.cache', `plugin-${crypto.randomBytes(6).toString('hex')}.wasm`);
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  let stderr = '';
  const { error } = await asc.main(
    [
      rel,
      '--outFile',
      path.relative(repo, outFile),
      '--use',
      `abort=${internal}/myAbort`,
      '--optimize',
      '--noColors',
    ],
    {
      stdout: { write: () => true },
      stderr: {
        write: (s) => {
          stderr += String(s);
          return true;
        },
      },
    },
  );
  if (error)
    throw new Error(
      `asc failed for ${rel}: ${error.message}\n${stderr
        .split('\n')
        .filter((l) => /ERROR/.test(l))
        .join('\n')}`,
    );
  const wasm = fs.readFileSync(outFile);
  fs.rmSync(outFile, { force: true });
  return wasm;
}

/** Builds one target unless its sources are unchanged; returns whether it compiled. */
export async function buildTarget(target, { force = false, zip = false } = {}) {
  const hash = sourceHash(target);
  const wasmName = target.wasmName ?? 'plugin.wasm';
  const stamp = path.join(target.outDir, target.template ? '.source-hash' : `.${wasmName}.source-hash`);
  const wasmFile = path.join(target.outDir, wasmName);
  const fresh =
    !force &&
    fs.existsSync(wasmFile) &&
    fs.existsSync(stamp) &&
    fs.readFileSync(stamp, 'utf8').trim() === hash;
  fs.mkdirSync(target.outDir, { recursive: true });
  if (!fresh) {
    const wasm = await compile(target.entry);
    writeAtomic(wasmFile, wasm);
    if (target.template) {
      const manifest = JSON.parse(fs.readFileSync(target.template, 'utf8'));
      manifest.entry.sha256 = crypto.createHash('sha256').update(wasm).digest('hex');
      writeAtomic(path.join(target.outDir, 'nook-plugin.json'), JSON.stringify(manifest, null, 2) + '\n');
    }
    writeAtomic(stamp, hash);
  }
  if (zip && target.template) await writeZip(target);
  return !fresh;
}

async function writeZip(target) {
  const { default: yazl } = await import('yazl');
  const z = new yazl.ZipFile();
  z.addFile(path.join(target.outDir, 'nook-plugin.json'), 'nook-plugin.json');
  z.addFile(path.join(target.outDir, 'plugin.wasm'), 'plugin.wasm');
  z.end();
  const file = path.join(target.outDir, `${target.name}.zip`);
  const tmp = `${file}.${process.pid}.tmp`;
  await new Promise((resolve, reject) =>
    z.outputStream.pipe(fs.createWriteStream(tmp)).on('close', resolve).on('error', reject),
  );
  fs.renameSync(tmp, file);
}

export async function buildAll({ fixtures = false, force = false, zip = false } = {}) {
  const targets = fixtures ? fixturePlugins() : samplePlugins();
  const built = [];
  for (const t of targets) if (await buildTarget(t, { force, zip })) built.push(t.name);
  return { targets: targets.map((t) => t.name), built };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = new Set(process.argv.slice(2));
  const run = async () => {
    const force = args.has('--force');
    const zip = args.has('--zip');
    const sets = args.has('--all') ? [false, true] : [args.has('--fixtures')];
    for (const fixtures of sets) {
      const t0 = Date.now();
      const { targets, built } = await buildAll({ fixtures, force, zip });
      console.log(
        `plugins: ${targets.length} ${fixtures ? 'fixture' : 'sample'} module(s), built ${built.length} (${built.join(', ') || 'all up to date'}) in ${Date.now() - t0} ms`,
      );
    }
  };
  run().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
