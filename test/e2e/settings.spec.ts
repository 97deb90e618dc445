import fs from 'node:fs';
import path from 'node:path';
import { test, expect } from './support/fixtures';
import { resetSettings } from './support/rpc';

test.beforeEach(async ({ context, hostUrl }) => resetSettings(context, hostUrl));
test.afterEach(async ({ context, hostUrl }) => resetSettings(context, hostUrl));

function settingsOnDisk(dataDir: string): Record<string, Record<string, unknown>> {
  return JSON.parse(fs.readFileSync(path.join(dataDir, 'settings.json'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
}

test('settings changed in the UI survive a reload and are written to settings.json', async ({
  page,
  dataDir,
}) => {
  await page.goto('/#/settings');
  const tray = page.getByRole('switch', { name: 'Close to tray' });
  const login = page.getByRole('switch', { name: 'Launch at login' });
  const cloud = page.getByRole('switch', { name: 'Allow cloud providers' });
  await expect(tray).toHaveAttribute('aria-checked', 'true');
  await expect(login).toHaveAttribute('aria-checked', 'false');
  await expect(cloud).toHaveAttribute('aria-checked', 'false');

  await tray.click();
  await login.click();
  await cloud.click();
  await page.getByLabel('Log level').selectOption('debug');
  const quickAsk = page.getByRole('textbox', { name: 'Quick ask' });
  await quickAsk.fill('Ctrl+Shift+J');
  await page.locator('[data-hotkey="quickAsk"]').getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('[data-hotkey="quickAsk"]').getByRole('button', { name: 'Save' })).toBeDisabled();

  await expect
    .poll(() => settingsOnDisk(dataDir))
    .toMatchObject({
      general: { closeToTray: false, launchAtLogin: true },
      privacy: { allowCloudProviders: true },
      logging: { level: 'debug' },
      hotkeys: { quickAsk: 'Ctrl+Shift+J' },
    });

  await page.reload();
  await expect(page.getByRole('switch', { name: 'Close to tray' })).toHaveAttribute('aria-checked', 'false');
  await expect(page.getByRole('switch', { name: 'Launch at login' })).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByRole('switch', { name: 'Allow cloud providers' })).toHaveAttribute(
    'aria-checked',
    'true',
  );
  await expect(page.getByLabel('Log level')).toHaveValue('debug');
  await expect(page.getByRole('textbox', { name: 'Quick ask' })).toHaveValue('Ctrl+Shift+J');
});

test('hotkeys are validated before saving, with a message that says what is wrong', async ({ page }) => {
  await page.goto('/#/settings');
  const field = page.locator('[data-hotkey="quickAsk"]');
  const input = field.getByRole('textbox', { name: 'Quick ask' });
  const save = field.getByRole('button', { name: 'Save' });

  const cases: Array<[string, RegExp]> = [
    ['', /Enter a shortcut/],
    ['Ctrl+', /Join keys with a single "\+"/],
    ['K', /Add a modifier/],
    ['Ctrl+Alt', /Add a key after the modifiers/],
    ['Ctrl+Banana', /"Banana" is not a key/],
    ['Ctrl+K+J', /Use one key with modifiers/],
    ['CommandOrControl+Alt+Space', /Already used by Push to talk/],
  ];
  for (const [value, message] of cases) {
    await input.fill(value);
    await expect(field.getByRole('alert')).toHaveText(message);
    await expect(input).toHaveAttribute('aria-invalid', 'true');
    await expect(save).toBeDisabled();
  }
  await input.fill('Alt+Shift+F5');
  await expect(field.getByRole('alert')).toHaveCount(0);
  await expect(save).toBeEnabled();
});

test('Record turns a key press into an accelerator', async ({ page }) => {
  await page.goto('/#/settings');
  const field = page.locator('[data-hotkey="pushToTalk"]');
  await field.getByRole('button', { name: 'Record' }).click();
  await expect(field.getByRole('textbox')).toHaveValue('Press the keys…');
  await page.keyboard.press('Control+Alt+M');
  await expect(field.getByRole('textbox')).toHaveValue('CommandOrControl+Alt+M');
  await field.getByRole('button', { name: 'Save' }).click();
  await expect(field.getByRole('button', { name: 'Save' })).toBeDisabled();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Voice' }).click();
  await expect(page.getByRole('main')).toContainText('CommandOrControl+Alt+M');
});

test('the hotkeys.list state is shown (the browser host registers no global hotkeys)', async ({ page }) => {
  await page.goto('/#/settings');
  const section = page.getByRole('region', { name: 'Global hotkeys' });
  await expect(section).toContainText('this browser session cannot register them');
  await expect(section).not.toContainText('Registered as');
});

test('Restore defaults asks once more, then resets every setting', async ({ page, dataDir }) => {
  await page.goto('/#/settings');
  await page.getByRole('switch', { name: 'Launch at login' }).click();
  await expect.poll(() => settingsOnDisk(dataDir).general?.launchAtLogin).toBe(true);
  await page.getByRole('button', { name: 'Restore defaults' }).click();
  await expect(page.getByRole('switch', { name: 'Launch at login' })).toHaveAttribute('aria-checked', 'true');
  await page.getByRole('button', { name: 'Click again to restore defaults' }).click();
  await expect(page.getByRole('switch', { name: 'Launch at login' })).toHaveAttribute(
    'aria-checked',
    'false',
  );
  await expect.poll(() => settingsOnDisk(dataDir).general?.launchAtLogin).toBe(false);
});

test('the Diagnostics panel shows system.diagnostics', async ({ page, dataDir }) => {
  await page.goto('/#/settings');
  const diag = page.getByTestId('diagnostics');
  await expect(diag).toContainText(dataDir);
  await expect(diag).toContainText(path.join(dataDir, 'nook.db'));
  await expect(diag).toContainText(/schema \d+/);
  await expect(diag).toContainText('headless host');
  await expect(diag).toContainText(/node \d+\.\d+/);
});
