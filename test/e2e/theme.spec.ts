import { test, expect } from './support/fixtures';
import { callRoute, resetSettings } from './support/rpc';
import type { Page } from '@playwright/test';

test.beforeEach(async ({ context, hostUrl }) => resetSettings(context, hostUrl));

/** The page's computed background (evaluated in the browser; this file is typechecked without DOM types). */
const background = (page: Page): Promise<string> =>
  page
    .locator('body')
    .evaluate((body) => body.ownerDocument.defaultView.getComputedStyle(body).backgroundColor);

/** Relative luminance 0..1 of an `rgb(r, g, b)` colour. */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).map(Number);
  return (0.2126 * r! + 0.7152 * g! + 0.0722 * b!) / 255;
}

test('the theme setting switches data-theme and the computed background, and is saved', async ({
  page,
  context,
  hostUrl,
}) => {
  await page.goto('/#/settings');
  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'light');
  const lightBg = await background(page);
  expect(luminance(lightBg)).toBeGreaterThan(0.8);

  await page.getByRole('radio', { name: 'Dark' }).check();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect.poll(() => background(page)).not.toBe(lightBg);
  expect(luminance(await background(page))).toBeLessThan(0.2);
  await expect
    .poll(async () => {
      const r = await callRoute(context, hostUrl, 'settings.get', {});
      return r.ok ? r.value.appearance.theme : r.code;
    })
    .toBe('dark');

  await page.getByRole('radio', { name: 'Light' }).check();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await expect.poll(() => background(page)).toBe(lightBg);
});

test('theme "system" follows the OS colour scheme, live', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/#/settings');
  await expect(page.getByRole('radio', { name: 'System' })).toBeChecked();
  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(html).toHaveAttribute('data-theme-setting', 'system');
  expect(luminance(await background(page))).toBeLessThan(0.2);

  await page.emulateMedia({ colorScheme: 'light' });
  await expect(html).toHaveAttribute('data-theme', 'light');
  expect(luminance(await background(page))).toBeGreaterThan(0.8);

  // An explicit choice wins over the OS.
  await page.getByRole('radio', { name: 'Dark' }).check();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(html).toHaveAttribute('data-theme', 'dark');
});

test('the quick-ask page follows the same theme', async ({ page, context, hostUrl }) => {
  const r = await callRoute(context, hostUrl, 'settings.update', { appearance: { theme: 'dark' } });
  expect(r.ok).toBe(true);
  await page.goto('/quickask.html');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});

test('another window follows a theme change live (settings.changed)', async ({ context }) => {
  const [a, b] = [await context.newPage(), await context.newPage()];
  await a.goto('/#/settings');
  await b.goto('/#/ask');
  await expect(b.locator('html')).toHaveAttribute('data-theme', 'light');
  await a.getByRole('radio', { name: 'Dark' }).check();
  await expect(b.locator('html')).toHaveAttribute('data-theme', 'dark');
});
