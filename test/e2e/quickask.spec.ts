import { test, expect } from './support/fixtures';

test('the quick-ask page: one focused input, Enter streams an answer, Esc closes', async ({ page }) => {
  await page.goto('/quickask.html');
  const input = page.getByRole('textbox', { name: 'Ask Nook' });
  await expect(input).toBeFocused();
  await expect(page.getByRole('textbox')).toHaveCount(1);
  await expect(page.getByRole('status')).toContainText('press Enter');

  // Nothing in the Library is about sourdough: the assistant says so instead of inventing.
  await input.fill('what did I write about sourdough?');
  await input.press('Enter');
  await expect(page.getByTestId('quickask-answer')).toContainText('I could not find this in your documents.');

  // window.close() is what the Electron shell turns into hiding the window; record that it is called.
  await page.evaluate(() => {
    const w = globalThis as unknown as { close(): void; closedByEsc?: boolean };
    w.close = () => {
      w.closedByEsc = true;
    };
  });
  await input.press('Escape');
  await expect
    .poll(() =>
      page.evaluate(() => (globalThis as unknown as { closedByEsc?: boolean }).closedByEsc === true),
    )
    .toBe(true);
});

test('both pages ship a strict Content-Security-Policy', async ({ page }) => {
  for (const url of ['/', '/quickask.html']) {
    await page.goto(url);
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
  }
});
