#!/usr/bin/env node
/**
 * Keeps the native modules (better-sqlite3, keytar) built for the runtime about to use them:
 *
 *   node scripts/nativeAbi.mjs node       before `serve` and `test` (plain Node)
 *   node scripts/nativeAbi.mjs electron   before `start` and `dist` (Electron's ABI)
 *   add --force to rebuild even when the stamp matches
 *
 * A stamp file (node_modules/.cache/nook-native-abi) records the runtime they were last built for;
 * nothing is rebuilt when it already matches. For Node, a missing stamp is settled by loading the
 * modules (a fresh `npm ci` already built them for Node). For Electron the rebuild runs
 * `electron-builder install-app-deps`, which needs Electron's headers from electronjs.org: where that
 * cannot be reached the script stops with a message saying so, and leaves the Node build in place.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = path.join(root, 'node_modules', '.cache', 'nook-native-abi');
const MODULES = ['better-sqlite3', 'keytar'];

const args = process.argv.slice(2);
const runtime = args.find((a) => !a.startsWith('--'));
const force = args.includes('--force');
if (runtime !== 'node' && runtime !== 'electron') {
  console.error('usage: node scripts/nativeAbi.mjs <node|electron> [--force]');
  process.exit(2);
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

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

function targetStamp() {
  const where = `${process.platform}-${process.arch}`;
  if (runtime === 'node') return `node-abi${process.versions.modules}-${where}`;
  const v = electronVersion();
  if (!v) fail('the electron package is not installed (npm ci first).');
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

function run(cmd, cmdArgs, env = {}) {
  console.log(`nativeAbi: ${cmd} ${cmdArgs.join(' ')}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

function fail(message) {
  console.error(`nativeAbi: ${message}`);
  process.exit(1);
}

const want = targetStamp();
const have = readStamp();

if (!force && have === want) {
  console.log(`nativeAbi: native modules already built for ${want}`);
  process.exit(0);
}

if (runtime === 'node') {
  if (!force && have === null && loadsInNode().ok) {
    writeStamp(want);
    console.log(`nativeAbi: native modules load in this Node; recorded ${want}`);
    process.exit(0);
  }
  // better-sqlite3 and keytar compile against the system Node headers where .npmrc says so (nodedir).
  if (!run(npm, ['rebuild', ...MODULES])) fail(`npm rebuild ${MODULES.join(' ')} failed (see above).`);
  const check = loadsInNode();
  if (!check.ok)
    fail(`rebuilt, but the modules still do not load in Node ${process.version}:\n${check.detail}`);
  writeStamp(want);
  console.log(`nativeAbi: rebuilt ${MODULES.join(', ')} for ${want}`);
  process.exit(0);
}

// Electron: @electron/rebuild (through electron-builder) builds against Electron's headers.
const require = createRequire(import.meta.url);
try {
  require.resolve('electron-builder/package.json', { paths: [root] });
} catch {
  fail('electron-builder is not installed (npm ci first).');
}
// Not through npx/npm: npm would export the project's `nodedir=/usr` (.npmrc) to node-gyp, which then
// compiles against Node's headers while claiming Electron's ABI, and Electron crashes loading them.
const cli = path.join(
  path.dirname(require.resolve('electron-builder/package.json', { paths: [root] })),
  'cli.js',
);
const env = { ...process.env };
for (const key of Object.keys(env)) {
  if (/^npm_config_(nodedir|target|runtime|disturl|dist_url)$/i.test(key)) delete env[key];
}
console.log('nativeAbi: electron-builder install-app-deps');
const ok =
  spawnSync(process.execPath, [cli, 'install-app-deps'], { cwd: root, stdio: 'inherit', env }).status === 0;
if (!ok) {
  // The rebuild may have replaced some binaries before failing: whatever is there is not a known state.
  try {
    fs.rmSync(stampFile, { force: true });
  } catch {
    // nothing to remove
  }
  fail(
    `could not rebuild ${MODULES.join(', ')} for Electron ${electronVersion()}.\n` +
      "  This needs Electron's headers (downloaded from electronjs.org) and a C++ toolchain.\n" +
      '  Without them the desktop app cannot load its native modules; the headless host still works:\n' +
      '  run `npm run serve` (it rebuilds them for Node again) and open the browser UI.',
  );
}
writeStamp(want);
console.log(`nativeAbi: rebuilt ${MODULES.join(', ')} for ${want}`);
