/**
 * Starting the real shell (`startApp`, real core) over the stand-in electron module, the way the
 * shell tests do: a fresh temporary user-data folder, the built workers from out/main, Conf as the
 * settings store, an in-memory keychain, Linux. `stopAll` (in afterEach) shuts down whatever is
 * still running and removes the folders.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Conf from 'conf';
import { startApp, type ElectronMain, type NookApp } from '../../../src/main/app/main';
import type { StoreCtor } from '../../../src/main/app/electronStoreBackend';
import { memoryKeychain } from '../../services/helpers/memoryKeychain';
import { createFakeElectron, type FakeElectron, type FakeOptions } from './fakeElectron';

export const repoRoot = path.resolve(__dirname, '../../..');
export const mainDir = path.join(repoRoot, 'out', 'main');
export const rendererDir = path.join(repoRoot, 'out', 'renderer');
export const appPage = pathToFileURL(path.join(rendererDir, 'index.html')).href;
/** The main window's page, as an IPC sender frame. */
export const appFrame = { url: appPage, parent: null };

export interface ShellStart {
  /** Options for the stand-in electron module (userData and appPath are set here). */
  fake?: Partial<FakeOptions>;
  /** Written as settings.json before start. */
  settings?: object;
  env?: Record<string, string>;
  argv?: string[];
}

export interface RunningShell {
  fake: FakeElectron;
  /** null when the shell did not start (another instance holds the lock, start-up failed). */
  nook: NookApp | null;
  dir: string;
}

export function shellHarness(prefix: string) {
  const running: RunningShell[] = [];
  return {
    async start(o: ShellStart = {}): Promise<RunningShell> {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
      if (o.settings) fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify(o.settings));
      const fake = createFakeElectron({ userData: dir, appPath: repoRoot, ...o.fake });
      const nook = await startApp(fake.module as unknown as ElectronMain, {
        mainDir,
        loadStore: async () => Conf as unknown as StoreCtor,
        keychain: memoryKeychain(),
        env: o.env ?? {},
        platform: 'linux',
        resourcesPath: '/opt/Nook/resources',
        argv: o.argv ?? [],
        homeDir: dir,
      });
      const entry = { fake, nook, dir };
      running.push(entry);
      return entry;
    },
    async stopAll(): Promise<void> {
      for (const { fake, nook, dir } of running.splice(0)) {
        if (nook && fake.state.exitCode === null) await nook.shutdown();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
