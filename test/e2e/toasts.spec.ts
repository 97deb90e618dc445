import { test, expect } from './support/fixtures';

test('an {ok:false} answer to a user action shows an error toast with its code', async ({ page }) => {
  await page.goto('/#/settings');
  const row = page.locator('[data-secret="provider.gemini"]');
  await expect(row.getByTestId('secret-status')).toHaveText('Not set');
  // Longer than secrets.set accepts (8192 characters): the route answers {ok:false, INVALID_INPUT}.
  await row.getByLabel('Google Gemini API key').fill('x'.repeat(9000));
  await row.getByRole('button', { name: 'Save' }).click();
  const toast = page.getByRole('alert').getByTestId('toast');
  await expect(toast).toContainText('INVALID_INPUT');
  await expect(toast).toContainText('secrets.set');
  await expect(row.getByTestId('secret-status')).toHaveText('Not set');

  await toast.getByRole('button', { name: 'Dismiss notification' }).click();
  await expect(toast).toHaveCount(0);
});
