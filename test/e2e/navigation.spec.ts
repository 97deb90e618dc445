import { test, expect } from './support/fixtures';

const VIEWS = [
  { id: 'ask', label: 'Ask', heading: 'Ask', says: /Answers cite the passages they come from/ },
  {
    id: 'library',
    label: 'Library',
    heading: 'Library',
    says: /Add files/,
  },
  { id: 'briefing', label: 'Briefing', heading: 'Briefing', says: /Generate now[\s\S]*Reminders/ },
  { id: 'voice', label: 'Voice', heading: 'Voice', says: /Transcripts of what you dictate/ },
  { id: 'plugins', label: 'Plugins', heading: 'Plugins', says: /Plugins run sandboxed/ },
  { id: 'settings', label: 'Settings', heading: 'Settings', says: /Appearance/ },
  { id: 'diagnostics', label: 'Diagnostics', heading: 'Diagnostics', says: /Prometheus reads from/ },
] as const;

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
});

test('the app loads from the host with the sidebar, the Ask view and a connected status bar', async ({
  page,
}) => {
  await expect(page).toHaveTitle(/Nook/);
  await expect(page.getByRole('heading', { level: 1, name: 'Ask' })).toBeVisible();
  await expect(page.locator('.statusbar [data-service="database"]')).toBeVisible();
  await expect(page.getByText('Reconnecting…')).toHaveCount(0);
});

test('every sidebar view opens by click, says what will appear there, and is marked current', async ({
  page,
}) => {
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const v of VIEWS) {
    const item = nav.getByRole('button', { name: v.label });
    await item.click();
    await expect(page.getByRole('heading', { level: 1, name: v.heading })).toBeVisible();
    await expect(page.getByRole('main')).toContainText(v.says);
    await expect(item).toHaveAttribute('aria-current', 'page');
    await expect(page).toHaveURL(new RegExp(`#/${v.id}$`));
    await expect(nav.locator('[aria-current="page"]')).toHaveCount(1);
  }
});

test('Ctrl+1..6 switch views from anywhere, including a focused text field', async ({ page }) => {
  for (const [i, v] of VIEWS.entries()) {
    await page.keyboard.press(`Control+${i + 1}`);
    await expect(page.getByRole('heading', { level: 1, name: v.heading })).toBeVisible();
  }
  // From inside an input on the Settings view (Diagnostics, the last view, has none).
  await page.keyboard.press('Control+6');
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await page.getByRole('textbox', { name: 'Quick ask' }).focus();
  await page.keyboard.press('Control+2');
  await expect(page.getByRole('heading', { level: 1, name: 'Library' })).toBeVisible();
});

test('the sidebar is reachable by keyboard: Tab in, arrows move, Enter opens, focus ring visible', async ({
  page,
}) => {
  // First Tab is the skip link, the next lands on the current sidebar item (roving tabindex).
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Tab');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('button', { name: 'Ask' })).toBeFocused();

  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  const briefing = nav.getByRole('button', { name: 'Briefing' });
  await expect(briefing).toBeFocused();
  await expect(briefing).toHaveCSS('outline-style', 'solid');
  await expect(briefing).toHaveCSS('outline-width', '2px');

  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Briefing' })).toBeVisible();
  await page.keyboard.press('End');
  await expect(nav.getByRole('button', { name: 'Diagnostics' })).toBeFocused();
  await page.keyboard.press(' ');
  await expect(page.getByRole('heading', { level: 1, name: 'Diagnostics' })).toBeVisible();
  await page.keyboard.press('ArrowDown'); // wraps around
  await expect(nav.getByRole('button', { name: 'Ask' })).toBeFocused();
});

test('a reload keeps the current view (it lives in the URL hash)', async ({ page }) => {
  // In the sidebar: the status bar's summary button also names Plugins.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Plugins' }).click();
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Plugins' })).toBeVisible();
});
