#!/usr/bin/env node
/**
 * Runs a command with a usable OS keychain (Secret Service) for tests that talk to keytar.
 *
 *   node scripts/withKeyring.mjs <command> [args...]
 *
 * 1. If a Secret Service on the session bus already stores and returns a secret, runs the command as-is.
 * 2. Else, if dbus-run-session and gnome-keyring-daemon exist (Linux CI), runs it inside a fresh
 *    session bus with a throwaway keyring unlocked by a random password, HOME pointing at a temp dir
 *    (npm's cache stays at the real one), and NOOK_KEYRING=1 in its environment.
 * 3. Else runs it as-is; tests that need a keychain then skip and say why.
 * Exits with the command's exit code.
 */
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error('usage: node scripts/withKeyring.mjs <command> [args...]');
  process.exit(2);
}

function which(cmd) {
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  return dirs.some((d) => {
    try {
      fs.accessSync(path.join(d, cmd), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Stores, reads back and deletes a throwaway secret with keytar in a child process (it may hang on a locked keyring). */
function keychainWorks(env) {
  if (process.platform === 'linux' && !env.DBUS_SESSION_BUS_ADDRESS) return false;
  const probe = `
    const k = require('keytar');
    const s = 'nook-keyring-probe-' + process.pid, v = String(Math.random());
    (async () => {
      await k.setPassword(s, 'probe', v);
      const got = await k.getPassword(s, 'probe');
      await k.deletePassword(s, 'probe');
      process.exit(got === v ? 0 : 1);
    })().catch(() => process.exit(1));`;
  const r = spawnSync(process.execPath, ['-e', probe], { env, stdio: 'ignore', timeout: 8000 });
  return r.status === 0;
}

function run(cmd, cmdArgs, env, cleanup) {
  const child = spawn(cmd, cmdArgs, { stdio: 'inherit', env });
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('error', (e) => {
    console.error(`withKeyring: could not start ${cmd}: ${e.message}`);
    cleanup?.();
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    cleanup?.();
    process.exit(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 1) : 1));
  });
}

// Resolve bare commands like `vitest` from node_modules/.bin as npm scripts would.
const localBin = path.resolve('node_modules', '.bin');
const basePath = fs.existsSync(localBin)
  ? `${localBin}${path.delimiter}${process.env.PATH ?? ''}`
  : process.env.PATH;
const baseEnv = { ...process.env, PATH: basePath };

if (process.env.NOOK_KEYRING === '1' || (process.platform !== 'linux' ? true : keychainWorks(baseEnv))) {
  run(args[0], args.slice(1), baseEnv);
} else if (process.platform === 'linux' && which('dbus-run-session') && which('gnome-keyring-daemon')) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-keyring-'));
  const realHome = os.homedir();
  const env = {
    ...baseEnv,
    HOME: home,
    XDG_DATA_HOME: path.join(home, 'share'),
    XDG_CONFIG_HOME: path.join(home, 'config'),
    XDG_RUNTIME_DIR: path.join(home, 'run'),
    // Keep npm/npx and other caches working from the real home.
    npm_config_cache: process.env.npm_config_cache ?? path.join(realHome, '.npm'),
    XDG_CACHE_HOME: process.env.XDG_CACHE_HOME ?? path.join(realHome, '.cache'),
    NOOK_KEYRING: '1',
    NOOK_KEYRING_PASSWORD: crypto.randomBytes(12).toString('hex'),
  };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  fs.mkdirSync(env.XDG_DATA_HOME, { recursive: true });
  fs.mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
  const script =
    'printf %s "$NOOK_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 97; ' +
    'unset NOOK_KEYRING_PASSWORD; "$@"';
  run('dbus-run-session', ['--', 'sh', '-c', script, 'sh', ...args], env, () =>
    fs.rmSync(home, { recursive: true, force: true }),
  );
} else {
  console.error(
    'withKeyring: no OS keychain is reachable and gnome-keyring is not installed; keychain tests will be skipped.',
  );
  run(args[0], args.slice(1), baseEnv);
}
