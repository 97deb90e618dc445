import { test, expect } from './support/fixtures';
import { resetSettings } from './support/rpc';

test.beforeEach(async ({ context, hostUrl }) => resetSettings(context, hostUrl));

test('screenshots of the main window, light and dark, are saved as test artifacts', async ({
  page,
}, info) => {
  await page.goto('/#/settings');
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await expect(page.locator('.statusbar [data-service="database"]')).toHaveAttribute('data-state', 'ok');
  await expect(page.getByTestId('diagnostics')).toContainText('schema');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');

  const light = await page.screenshot({ path: 'test-results/main-window.png' });
  await info.attach('main-window', { body: light, contentType: 'image/png' });

  await page.getByRole('radio', { name: 'Dark' }).check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.goto('/#/ask');
  await expect(page.getByRole('heading', { level: 1, name: 'Ask' })).toBeVisible();
  const dark = await page.screenshot({ path: 'test-results/main-window-dark.png' });
  await info.attach('main-window-dark', { body: dark, contentType: 'image/png' });

  expect(light.length).toBeGreaterThan(10_000);
  expect(dark.length).toBeGreaterThan(10_000);
});
