#!/usr/bin/env node
/**
 * Keeps the native modules (better-sqlite3, keytar) built for the runtime about to use them:
 *
 *   node scripts/nativeAbi.mjs node       before `serve` and `test` (plain Node)
 *   node scripts/nativeAbi.mjs electron   before `start` and `dist` (Electron's ABI)
 *   add --force to rebuild even when the stamp matches
 *
 * It is also electron-builder's `beforeBuild` hook (electron-builder.yml), so packaging never runs a
 * rebuild that inherited npm's `nodedir=/usr` (see below).
 *
 * A stamp file (node_modules/.cache/nook-native-abi) records the runtime they were last built for;
 * nothing is rebuilt when it already matches. For Node, a missing stamp is settled by loading the
 * modules (a fresh `npm ci` already built them for Node). For Electron the rebuild runs
 * `electron-builder install-app-deps`, which needs Electron's headers from electronjs.org: where that
 * cannot be reached it stops with a message saying so.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = path.join(root, 'node_modules', '.cache', 'nook-native-abi');
const MODULES = ['better-sqlite3', 'keytar'];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

class AbiError extends Error {}

/** npm settings that, inherited by node-gyp, point an Electron rebuild at the wrong headers or ABI. */
const LEAKY_NPM_CONFIG = /^npm_config_(nodedir|target|runtime|disturl|dist_url|arch|target_arch)$/i;

function electronVersion() {
  try {
    const pkg = JSON.parse(
      fs.readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8'),
    );
    return pkg.version;
  } catch {
    return null;
  }
}

function targetStamp(runtime, arch) {
  const where = `${process.platform}-${arch}`;
  if (runtime === 'node') return `node-abi${process.versions.modules}-${where}`;
  const v = electronVersion();
  if (!v) throw new AbiError('the electron package is not installed (npm ci first).');
  return `electron-${v}-${where}`;
}

function readStamp() {
  try {
    return fs.readFileSync(stampFile, 'utf8').trim();
  } catch {
    return null;
  }
}

function writeStamp(value) {
  fs.mkdirSync(path.dirname(stampFile), { recursive: true });
  fs.writeFileSync(stampFile, `${value}\n`);
}

/** Whether every native module loads in this Node (run in a child: a bad ABI can abort the process). */
function loadsInNode() {
  const code = `
    const req = require('node:module').createRequire(${JSON.stringify(path.join(root, 'package.json'))});
    const Database = req('better-sqlite3');
    new Database(':memory:').close();
    req('keytar');
  `;
  const r = spawnSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8' });
  return { ok: r.status === 0, detail: (r.stderr || '').trim().split('\n').slice(-3).join('\n') };
}

/** Makes the native modules match `runtime`; returns what it did. Throws AbiError when it cannot. */
export function ensureNativeAbi(runtime, { force = false, arch = process.arch } = {}) {
  const want = targetStamp(runtime, arch);
  const have = readStamp();
  if (!force && have === want) return `native modules already built for ${want}`;

  if (runtime === 'node') {
    if (!force && have === null && loadsInNode().ok) {
      writeStamp(want);
      return `native modules load in this Node; recorded ${want}`;
    }
    // better-sqlite3 and keytar compile against the system Node headers where .npmrc says so (nodedir).
    console.log(`nativeAbi: npm rebuild ${MODULES.join(' ')}`);
    const r = spawnSync(npm, ['rebuild', ...MODULES], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new AbiError(`npm rebuild ${MODULES.join(' ')} failed (see above).`);
    const check = loadsInNode();
    if (!check.ok)
      throw new AbiError(
        `rebuilt, but the modules still do not load in Node ${process.version}:\n${check.detail}`,
      );
    writeStamp(want);
    return `rebuilt ${MODULES.join(', ')} for ${want}`;
  }

  // Electron: @electron/rebuild (through electron-builder) builds against Electron's headers. Not
  // through npx/npm: npm exports the project's `nodedir=/usr` (.npmrc) to node-gyp, which then
  // compiles against Node's headers while labelling the result Electron's ABI (seen on this machine),
  // and Electron refuses to load it.
  const require = createRequire(import.meta.url);
  let cli;
  try {
    cli = path.join(
      path.dirname(require.resolve('electron-builder/package.json', { paths: [root] })),
      'cli.js',
    );
  } catch {
    throw new AbiError('electron-builder is not installed (npm ci first).');
  }
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (LEAKY_NPM_CONFIG.test(key)) delete env[key];
  }
  console.log(`nativeAbi: electron-builder install-app-deps --arch ${arch}`);
  const r = spawnSync(process.execPath, [cli, 'install-app-deps', '--arch', arch], {
    cwd: root,
    stdio: 'inherit',
    env,
  });
  if (r.status !== 0) {
    // The rebuild may have replaced some binaries before failing: whatever is there is not a known state.
    fs.rmSync(stampFile, { force: true });
    throw new AbiError(
      `could not rebuild ${MODULES.join(', ')} for Electron ${electronVersion()}.\n` +
        "  This needs Electron's headers (downloaded from electronjs.org) and a C++ toolchain.\n" +
        '  Without them the desktop app cannot load its native modules; the headless host still works:\n' +
        '  run `npm run serve` (it rebuilds them for Node again) and open the browser UI.',
    );
  }
  writeStamp(want);
  return `rebuilt ${MODULES.join(', ')} for ${want}`;
}

/**
 * electron-builder `beforeBuild` hook. It must resolve to true: false would make electron-builder
 * leave node_modules out of the package altogether. So it (1) removes npm's nodedir & co. from this
 * process's environment, which electron-builder's own rebuild inherits, and (2) makes sure the
 * modules are built for Electron (stamp-aware), so electron-builder's rebuild finds them current.
 */
export async function beforeBuild(context) {
  const target = context?.platform?.nodeName ?? process.platform;
  if (target !== process.platform) {
    throw new Error(
      `Nook's native modules must be built on the target OS: packaging for ${target} on ${process.platform}.`,
    );
  }
  for (const key of Object.keys(process.env)) {
    if (LEAKY_NPM_CONFIG.test(key)) delete process.env[key];
  }
  const arch = typeof context?.arch === 'string' ? context.arch : process.arch;
  console.log(`nativeAbi: ${ensureNativeAbi('electron', { arch })}`);
  return true;
}

// CLI
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const runtime = args.find((a) => !a.startsWith('--'));
  if (runtime !== 'node' && runtime !== 'electron') {
    console.error('usage: node scripts/nativeAbi.mjs <node|electron> [--force]');
    process.exit(2);
  }
  try {
    console.log(`nativeAbi: ${ensureNativeAbi(runtime, { force: args.includes('--force') })}`);
  } catch (e) {
    console.error(`nativeAbi: ${e instanceof AbiError ? e.message : (e?.stack ?? e)}`);
    process.exit(1);
  }
}
