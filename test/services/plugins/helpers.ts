/**
 * Shared set-up for the plugin tests: builds the sample and test-only plugins with the project's
 * script (cached by source hash), writes packages with chosen permissions, opens a real database
 * and a PluginService over it.
 */
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase, type Database } from '../../../src/main/services/storage/database';
import { PluginService, type PluginServiceOptions } from '../../../src/main/services/plugins/pluginService';
import type { PluginManifestInput } from '../../../src/shared/types/plugins';
import { tempDir, testLogger } from '../helpers/tmp';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const HOSTILE_WASM = path.join(REPO, 'test/fixtures/plugins/hostile/dist/index.wasm');
export const WASI_WASM = path.join(REPO, 'test/fixtures/plugins/hostile/dist/wasi.wasm');
export const START_TRAP_WASM = path.join(REPO, 'test/fixtures/plugins/hostile/dist/startTrap.wasm');
export const START_LOOP_WASM = path.join(REPO, 'test/fixtures/plugins/hostile/dist/startLoop.wasm');
export const sampleDist = (name: string) => path.join(REPO, 'plugins', name, 'dist');

/** Runs `scripts/buildPlugins.mjs --all --zip` (a no-op when nothing changed). */
export function buildPlugins(): void {
  execFileSync(process.execPath, [path.join(REPO, 'scripts/buildPlugins.mjs'), '--all', '--zip'], {
    cwd: REPO,
    stdio: 'pipe',
    timeout: 240_000,
  });
}

export function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Writes a package folder for `wasmFile` with the given manifest fields; returns its path. */
export function writePackage(
  root: string,
  wasmFile: string,
  manifest: Partial<PluginManifestInput> & { id: string },
): string {
  const dir = path.join(root, `pkg-${manifest.id}-${crypto.randomBytes(3).toString('hex')}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(wasmFile, path.join(dir, 'plugin.wasm'));
  const full: PluginManifestInput = {
    name: manifest.id,
    version: '1.0.0',
    ...manifest,
    entry: { wasm: 'plugin.wasm', sha256: sha256File(wasmFile) },
  };
  fs.writeFileSync(path.join(dir, 'nook-plugin.json'), JSON.stringify(full, null, 2));
  return dir;
}

export interface Harness {
  dir: string;
  db: Database;
  service: PluginService;
  close(): Promise<void>;
}

export async function openHarness(
  options: Partial<PluginServiceOptions> = {},
  dir = tempDir('plugins'),
): Promise<Harness> {
  const db = openDatabase(path.join(dir, 'nook.db'));
  const log = testLogger(dir);
  const service = new PluginService({
    db,
    root: path.join(dir, 'plugins'),
    log,
    scheduler: { autoStart: false },
    ...options,
  });
  await service.start();
  return {
    dir,
    db,
    service,
    close: async () => {
      await service.dispose();
      db.close();
      await log.close();
    },
  };
}
