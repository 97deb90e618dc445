/**
 * src/main/index.ts itself, with `vi.mock('electron')`: the entry passes the module to startApp and
 * the real electron-store is swapped for conf (its base class) because electron-store, loaded from
 * node_modules, would import the real electron package, which cannot run here. The built bundle,
 * where the real electron-store does run on the stand-in, is covered by bundle.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import type { createFakeElectron } from './fakes/fakeElectron';

const h = vi.hoisted(() => {
  // No session bus for keytar in this process: the shell must pick the safeStorage fallback.
  const bus = process.env.DBUS_SESSION_BUS_ADDRESS;
  process.env.DBUS_SESSION_BUS_ADDRESS = 'unix:path=/nonexistent/nook-test-bus';
  return { fake: null as null | ReturnType<typeof createFakeElectron>, userData: '', bus };
});

vi.mock('electron', async () => {
  const { createFakeElectron: create } = await import('./fakes/fakeElectron');
  const nodeFs = await import('node:fs');
  const nodeOs = await import('node:os');
  const nodePath = await import('node:path');
  h.userData = nodeFs.mkdtempSync(nodePath.join(nodeOs.tmpdir(), 'nook-entry-'));
  h.fake = create({ userData: h.userData, appPath: nodePath.resolve(__dirname, '../..') });
  return { ...h.fake.module, default: h.fake.module };
});
vi.mock('electron-store', async () => ({ default: (await import('conf')).default }));

afterAll(() => {
  if (h.bus === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
  else process.env.DBUS_SESSION_BUS_ADDRESS = h.bus;
  if (h.userData) fs.rmSync(h.userData, { recursive: true, force: true });
});

it('src/main/index.ts starts the app on the electron module it imports, and quits cleanly', async () => {
  await import('../../src/main/index');
  const fake = h.fake!;
  await vi.waitFor(() => expect(fake.state.trays).toHaveLength(1), { timeout: 15_000 });
  expect(fake.app.lockRequested).toBe(1);
  const mainDir = path.resolve(__dirname, '../../src/main');
  const win = fake.state.windows[0]!;
  // mainDir comes from import.meta.url of the entry: preload and renderer are its siblings.
  expect(win.options.webPreferences!.preload).toBe(path.join(mainDir, '..', 'preload', 'index.cjs'));
  const frame = { url: win.webContents.url, parent: null };
  expect(await fake.invoke(frame, 'settings.get', {})).toMatchObject({ ok: true });
  expect(
    await fake.invoke(frame, 'secrets.set', { id: 'custom.entry', value: 'entry-secret' }),
  ).toMatchObject({
    ok: true,
  });
  expect(fs.readFileSync(path.join(h.userData, 'secrets.safeStorage.json'), 'utf8')).toContain(
    'custom.entry',
  );
  fake.app.quit();
  expect(await fake.state.exited).toBe(0);
  expect(fake.state.handlers.size).toBe(0);
});
