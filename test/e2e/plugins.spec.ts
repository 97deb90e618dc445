/**
 * Plugins screen against a host of its own: install the unit-converter sample by dropping its .zip
 * (uploaded to the host, which inspects it), and by its package path; review and approve its
 * permissions, run its command (on its card and from the command palette), see the call counted and
 * the status bar’s Plugins entry, disable, uninstall.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect, type BrowserContext } from '@playwright/test';
import { loggedInContext, startHost, type RunningHost } from './support/host';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const zip = path.join(root, 'plugins', 'unit-converter', 'dist', 'unit-converter.zip');

let host: RunningHost;
let context: BrowserContext;
let dataDir: string;

test.beforeAll(async ({ browser }) => {
  execFileSync(process.execPath, [path.join(root, 'scripts/buildPlugins.mjs'), '--zip'], {
    cwd: root,
    stdio: 'pipe',
  });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-e2e-plugins-'));
  host = await startHost({ dataDir });
  context = await loggedInContext(browser, host.loginUrl);
});

test.afterAll(async () => {
  await context?.close();
  await host?.stop();
  if (!process.env.NOOK_E2E_KEEP) fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Browser globals used inside page.evaluate (this file is typechecked without DOM types). */
interface PageGlobals {
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (parts: unknown[], name: string, options: { type: string }) => unknown;
  Uint8Array: typeof Uint8Array;
}

test('drop a plugin package on the Plugins screen, approve its permissions, run its command', async () => {
  test.setTimeout(60_000);
  const page = await context.newPage();
  await page.goto(`${host.url}/#/plugins`);
  await expect(page.getByTestId('plugins-empty')).toBeVisible();
  const bar = page.getByRole('contentinfo', { name: 'Service status' });
  await expect(bar.locator('[data-service="plugins"]')).toHaveAttribute('data-state', 'off');

  // A File made of the sample's real .zip bytes, dropped on the screen as a browser delivers it.
  const bytes = [...fs.readFileSync(zip)];
  const dataTransfer = await page.evaluateHandle((data) => {
    const g = globalThis as unknown as PageGlobals;
    const dt = new g.DataTransfer();
    dt.items.add(new g.File([new g.Uint8Array(data)], 'unit-converter.zip', { type: 'application/zip' }));
    return dt;
  }, bytes);
  const target = page.getByTestId('plugins-drop-target');
  await target.dispatchEvent('dragenter', { dataTransfer });
  await target.dispatchEvent('dragover', { dataTransfer });
  const uploaded = page.waitForResponse((r) => r.url().endsWith('/api/plugins/upload'));
  await target.dispatchEvent('drop', { dataTransfer });
  const response = await uploaded;
  expect(response.status()).toBe(200);
  expect(response.request().headers()['content-type']).toMatch(/^multipart\/form-data; boundary=/);
  // The drop is the Plugins screen's: nothing went to the Library's import.
  await expect(page.getByTestId('import-panel')).toHaveCount(0);

  const dialog = page.getByTestId('plugin-approval');
  await expect(dialog.getByRole('heading', { name: 'Install Unit converter 1.0.0?' })).toBeVisible();
  await expect(dialog).toContainText('Nothing: it only computes with what you give it.');
  await dialog.getByTestId('plugin-install').click();

  const card = page.locator('[data-plugin="nook.unit-converter"]');
  await expect(card.getByTestId('plugin-state')).toHaveText('Enabled');
  const command = card.locator('[data-command="convert"]');
  await command.getByTestId('command-input').fill('how many pounds is 3 kilos');
  await command.getByTestId('command-run').click();
  await expect(command.getByTestId('command-output')).toHaveText('3 kg = 6.6139 lb');

  // The command palette (Ctrl+Shift+P, from any screen) lists it and runs it.
  await page.goto(`${host.url}/#/library`);
  await page.keyboard.press('Control+Shift+P');
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  await palette.getByRole('combobox', { name: 'Type a command' }).fill('convert');
  await expect(palette.getByRole('option')).toHaveText([/Convert units\s*Unit converter/]);
  await page.keyboard.press('Enter');
  const arg = palette.getByRole('combobox', { name: 'Input for Convert units' });
  await expect(arg).toHaveAttribute('placeholder', 'For example: convert 5 km to miles');
  await arg.fill('2.5 cups to ml');
  await page.keyboard.press('Enter');
  await expect(palette.getByTestId('palette-output')).toHaveText('2.5 cup = 591.4706 ml');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await expect(palette).toHaveCount(0);
  await page.goto(`${host.url}/#/plugins`);

  // The status bar counts it: one enabled, none failing.
  const entry = bar.locator('[data-service="plugins"]');
  await expect(entry).toHaveAttribute('data-state', 'ok');
  await expect(entry).toHaveAttribute('title', /1 enabled, none failing/);

  // Uninstalled from its card (after the confirmation), the screen is empty again.
  page.once('dialog', (d) => void d.accept());
  await card.getByRole('button', { name: 'Uninstall' }).click();
  await expect(page.getByTestId('plugins-empty')).toBeVisible();
  await expect(entry).toHaveAttribute('data-state', 'off');
  await page.close();
});

test('install a plugin package by its path, approve its permissions and run its command', async () => {
  test.setTimeout(60_000);
  const page = await context.newPage();
  await page.goto(`${host.url}/#/plugins`);
  await expect(page.getByRole('heading', { level: 1, name: 'Plugins' })).toBeVisible();
  await expect(page.getByTestId('plugins-empty')).toBeVisible();

  await page.getByTestId('plugin-path').fill(zip);
  await page.getByTestId('plugin-inspect').click();
  const dialog = page.getByTestId('plugin-approval');
  await expect(dialog.getByRole('heading', { name: 'Install Unit converter 1.0.0?' })).toBeVisible();
  await expect(dialog).toContainText('Nothing: it only computes with what you give it.');
  await expect(dialog).toContainText('Commands: Convert units.');
  await dialog.getByTestId('plugin-install').click();

  const card = page.locator('[data-plugin="nook.unit-converter"]');
  await expect(card.getByTestId('plugin-state')).toHaveText('Enabled');
  const command = card.locator('[data-command="convert"]');
  await command.getByTestId('command-input').fill('convert 5 km to miles');
  await command.getByTestId('command-run').click();
  await expect(command.getByTestId('command-output')).toHaveText('5 km = 3.1069 mi');
  await expect(card.getByTestId('plugin-stats')).toContainText('1 calls · 0 errors');

  await card.getByRole('switch', { name: 'Enabled' }).click();
  await expect(card.getByTestId('plugin-state')).toHaveText('Disabled');
  await expect(card.locator('[data-command="convert"]')).toHaveCount(0);
});

test('a package whose wasm does not match its hash is refused with the reason', async () => {
  const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-e2e-badplugin-'));
  const dist = path.join(root, 'plugins', 'unit-converter', 'dist');
  fs.copyFileSync(path.join(dist, 'nook-plugin.json'), path.join(bad, 'nook-plugin.json'));
  const wasm = fs.readFileSync(path.join(dist, 'plugin.wasm'));
  wasm[wasm.length - 1]! ^= 0xff;
  fs.writeFileSync(path.join(bad, 'plugin.wasm'), wasm);
  try {
    const page = await context.newPage();
    await page.goto(`${host.url}/#/plugins`);
    await page.getByTestId('plugin-path').fill(bad);
    await page.getByTestId('plugin-inspect').click();
    await expect(page.getByText(/the package was changed after it was built/)).toBeVisible();
    await expect(page.getByTestId('plugin-approval')).toHaveCount(0);
  } finally {
    fs.rmSync(bad, { recursive: true, force: true });
  }
});

test('in a browser, "Choose a package…" uploads the picked .zip for the same approval', async () => {
  const page = await context.newPage();
  await page.goto(`${host.url}/#/plugins`);
  const uploaded = page.waitForResponse((r) => r.url().endsWith('/api/plugins/upload'));
  const chooser = page.waitForEvent('filechooser');
  await page.getByTestId('plugin-choose').click();
  await (await chooser).setFiles(zip);
  expect((await uploaded).status()).toBe(200);
  const dialog = page.getByTestId('plugin-approval');
  await expect(dialog.getByRole('heading', { name: 'Install Unit converter 1.0.0?' })).toBeVisible();
  // Installed (and disabled) by the test before: the dialog says it replaces it.
  await expect(dialog).toContainText('Replaces the installed version 1.0.0.');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
});
