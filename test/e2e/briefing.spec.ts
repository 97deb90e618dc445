/**
 * The daily briefing in a browser, against a host of its own (its own data and clock: the real one)
 * that indexes three documents with dates planted relative to today: one due in three days, one
 * overdue by two days, one a month away (outside the 7-day window). The Briefing screen generates
 * a briefing, shows the deadline with its source, and the source opens the cited passage in the
 * Library; a past day is reached from the history by keyboard; the briefing exports as Markdown.
 * Reminders: created in plain words with a live preview, completed, snoozed, deleted and restored
 * with Undo. A briefing made elsewhere arrives as a toast and a browser notification (permission
 * granted to the page) whose Open shows the Briefing screen. The schedule is edited in Settings.
 *
 * Indexing needs the embedding model in the checkout's `models/` (as knowledge.spec.ts); without it
 * the document parts are skipped with that reason and the reminders still run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect, type BrowserContext, type Page } from '@playwright/test';
import { loggedInContext, startHost, type RunningHost } from './support/host';
import { callRoute } from './support/rpc';
import { SETTINGS_VERSION } from '../../src/shared/types/settings';

const MODELS_DIR = path.resolve(process.env.NOOK_E2E_MODELS_DIR || 'models');
const HAS_MODEL = ['all-minilm-l6-v2-int8', 'all-minilm-l6-v2', 'all-minilm-l6-v2-converted'].some(
  (id) =>
    fs.existsSync(path.join(MODELS_DIR, id, 'model.onnx')) &&
    fs.existsSync(path.join(MODELS_DIR, id, 'tokenizer.json')),
);

const DAY_MS = 86_400_000;
/** "November 24, 2026": a date chrono reads without ambiguity, whatever today is. */
function spelled(offsetDays: number): string {
  const d = new Date(Date.now() + offsetDays * DAY_MS);
  return d.toLocaleDateString('en-US', { month: 'long', day: 'numeric', year: 'numeric' });
}

const SOON = `The quarterly VAT return for Harbour Bakery is due on ${spelled(3)}.`;
const LATE = `The van insurance renewal payment was due on ${spelled(-2)} and is still unpaid.`;
const FAR = `The shop lease renewal offer expires on ${spelled(30)}.`;

const DOCS = [
  {
    name: 'vat-return.md',
    text: `# VAT return\n\n${SOON} Ask Priya for the flour receipts before then.\n`,
  },
  {
    name: 'van-insurance.txt',
    text: `Van insurance\n\n${LATE} Call the broker about the new premium.\n`,
  },
  { name: 'shop-lease.md', text: `# Shop lease\n\n${FAR} The notice period is three months.\n` },
];

/** The local calendar day `offsetDays` from today, as briefings key it (YYYY-MM-DD). */
function dateKey(offsetDays: number): string {
  const d = new Date(Date.now() + offsetDays * DAY_MS);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Browser globals used inside page.evaluate / addInitScript (this file has no DOM types). */
interface PageGlobals {
  Notification: { new (title: string, options?: { body?: string }): unknown; permission: string };
  __notifications: Array<{ title: string; body?: string }>;
}

let host: RunningHost;
let context: BrowserContext;
let dataDir: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(150_000);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-e2e-briefing-'));
  // The schedule starts off: otherwise a start after 07:30 catches up on today's briefing at once,
  // and the screen would not start empty. The last test turns it on from Settings.
  fs.writeFileSync(
    path.join(dataDir, 'settings.json'),
    JSON.stringify({ version: SETTINGS_VERSION, briefing: { enabled: false } }),
  );
  host = await startHost({ dataDir, env: { NOOK_MODELS_DIR: MODELS_DIR } });
  context = await loggedInContext(browser, host.loginUrl);
  // Summaries from the extractive summariser: quick and deterministic (no language model here).
  const set = await callRoute(context, host.url, 'settings.update', {
    assistant: { providers: [{ id: 'extractive', kind: 'extractive', name: 'Extractive (no model)' }] },
  });
  expect(set.ok).toBe(true);
  if (!HAS_MODEL) return;
  // A day from before the documents existed: nothing to report.
  const quiet = await callRoute(context, host.url, 'briefing.generate', { date: dateKey(-9) });
  expect(quiet.ok && quiet.value.empty).toBe(true);
  const docsDir = path.join(dataDir, 'docs');
  fs.mkdirSync(docsDir);
  const paths = DOCS.map((d) => {
    const p = path.join(docsDir, d.name);
    fs.writeFileSync(p, d.text);
    return p;
  });
  const imported = await callRoute(context, host.url, 'knowledge.import', { paths });
  expect(imported.ok).toBe(true);
  await expect
    .poll(
      async () => {
        const r = await callRoute(context, host.url, 'knowledge.documents', {});
        return r.ok ? r.value.items.filter((d) => d.status === 'indexed').length : 0;
      },
      { timeout: 120_000 },
    )
    .toBe(DOCS.length);
});

test.afterAll(async () => {
  await context?.close();
  await host?.stop();
  if (!process.env.NOOK_E2E_KEEP) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function openBriefing(page: Page): Promise<void> {
  await page.goto(`${host.url}/#/briefing`);
  await expect(page.getByRole('heading', { level: 1, name: 'Briefing' })).toBeVisible();
}

test('Generate now builds today’s briefing: the planted deadline with its source, the overdue one flagged, the far one left out; the source opens the passage', async () => {
  test.skip(!HAS_MODEL, `no embedding model under ${MODELS_DIR}: nothing can be indexed`);
  test.setTimeout(90_000);
  const page = await context.newPage();
  await openBriefing(page);
  await expect(page.getByTestId('briefing-none')).toContainText('No briefing yet today');

  const generate = page.getByRole('button', { name: 'Generate now' });
  await generate.click();
  const deadlines = page.locator('[data-testid="briefing-section"][data-kind="deadlines"]');
  await expect(deadlines).toBeVisible({ timeout: 60_000 });
  await expect(deadlines.getByRole('heading', { name: 'Deadlines and reminders' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Generate now' })).toBeEnabled();

  const soon = deadlines.getByTestId('briefing-item').filter({ hasText: 'quarterly VAT return' });
  await expect(soon).toHaveCount(1);
  await expect(soon).not.toHaveAttribute('data-overdue', /.*/);
  const late = deadlines.getByTestId('briefing-item').filter({ hasText: 'van insurance renewal' });
  await expect(late).toHaveCount(1);
  await expect(late).toHaveAttribute('data-overdue', 'true');
  await expect(late.getByText('Overdue', { exact: true })).toBeVisible();
  await expect(deadlines).not.toContainText('lease renewal offer');

  // Sections come in priority order (deadlines first); today's entry is in the history.
  const kinds = await page
    .getByTestId('briefing-section')
    .evaluateAll((els) =>
      els.map((e) => Number((e as unknown as { dataset: { priority: string } }).dataset.priority)),
    );
  expect(kinds).toEqual([...kinds].sort((a, b) => a - b));
  await expect(page.getByTestId('briefing-history-item').first()).toContainText('Today');

  // The deadline's source opens the document pane in the Library at the cited passage.
  const source = soon.getByTestId('briefing-source');
  await expect(source).toContainText('VAT return');
  await source.click();
  await expect(page).toHaveURL(/#\/library$/);
  const pane = page.getByTestId('document-pane');
  await expect(pane).toBeVisible();
  await expect(pane.getByRole('heading', { name: 'VAT return' })).toBeVisible();
  await expect(pane.getByTestId('cited-chunk')).toContainText('quarterly VAT return');
  await page.close();
});

test('the history lists past days, a quiet one says so plainly; arrow keys move between them; the briefing exports as Markdown', async () => {
  test.skip(!HAS_MODEL, `no embedding model under ${MODELS_DIR}: nothing can be indexed`);
  test.setTimeout(60_000);
  const made = await callRoute(context, host.url, 'briefing.generate', { date: dateKey(-1) });
  expect(made.ok).toBe(true);

  const page = await context.newPage();
  await openBriefing(page);
  const items = page.getByTestId('briefing-history-item');
  await expect(items).toHaveCount(3);
  await expect(items.nth(0)).toContainText('Today');
  await expect(items.nth(1)).toContainText('Yesterday');
  await expect(items.nth(0)).toHaveAttribute('aria-selected', 'true');

  await items.nth(0).focus();
  await page.keyboard.press('ArrowDown');
  await expect(items.nth(1)).toHaveAttribute('aria-selected', 'true');
  await expect(items.nth(1)).toBeFocused();
  await expect(page.getByRole('heading', { level: 2, name: 'Yesterday' })).toBeVisible();
  // The quiet day says so plainly, with no empty sections.
  await page.keyboard.press('End');
  await expect(items.nth(2)).toHaveAttribute('aria-selected', 'true');
  await expect(items.nth(2)).toContainText('Nothing new');
  await expect(page.getByTestId('briefing-empty')).toContainText('Nothing new since yesterday');
  await expect(page.getByTestId('briefing-section')).toHaveCount(0);
  await page.keyboard.press('Home');
  await expect(items.nth(0)).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('heading', { level: 2, name: 'Today' })).toBeVisible();

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export as Markdown' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/\.md$/);
  const saved = await file.path();
  const markdown = fs.readFileSync(saved, 'utf8');
  expect(markdown).toContain('quarterly VAT return');
  expect(markdown).toMatch(/^#/m);
  await page.close();
});

// Playwright reads fixture dependencies from the destructuring pattern: none here, but testInfo is wanted.
// eslint-disable-next-line no-empty-pattern
test('a reminder in plain words: live preview, create, complete; snooze; delete and Undo', async ({}, info) => {
  test.setTimeout(60_000);
  const page = await context.newPage();
  await openBriefing(page);
  const panel = page.getByTestId('reminders');
  const input = panel.getByRole('textbox', { name: 'New reminder' });

  await input.fill('Call the plumber tomorrow at 9');
  await expect(panel.getByTestId('reminder-preview')).toContainText('“Call the plumber”, Tomorrow');
  await input.press('Enter');
  const plumber = panel.getByTestId('reminder').filter({ hasText: 'Call the plumber' });
  await expect(plumber).toHaveCount(1);
  await expect(plumber).toContainText('Tomorrow');
  await expect(input).toHaveValue('');

  // Complete: it leaves the open list for Done, and the server has it done.
  // (A click, not check(): the row moves to the Done list, so the checked box is a new element.)
  await plumber.getByRole('checkbox', { name: 'Done: “Call the plumber”' }).click();
  await expect(panel.getByRole('list', { name: 'Open reminders' })).not.toContainText('Call the plumber');
  await panel.getByText('Done (1)').click();
  await expect(
    panel
      .getByRole('list', { name: 'Done reminders' })
      .getByRole('checkbox', { name: 'Reopen “Call the plumber”' }),
  ).toBeChecked();
  const done = await callRoute(context, host.url, 'reminders.list', { status: 'done' });
  expect(done.ok && done.value.map((r) => r.title)).toEqual(['Call the plumber']);

  // Snooze from the keyboard: the menu opens on the button, arrows move, Enter picks "1 hour".
  await input.fill('Water the plants in 5 minutes');
  await expect(panel.getByTestId('reminder-preview')).toContainText('“Water the plants”');
  await panel.getByRole('button', { name: 'Add' }).click();
  const plants = panel.getByTestId('reminder').filter({ hasText: 'Water the plants' });
  await expect(plants).toHaveCount(1);
  const snooze = plants.getByRole('button', { name: 'Snooze “Water the plants”' });
  await snooze.click();
  const menu = page.getByRole('menu', { name: 'Snooze for' });
  await expect(menu.getByRole('menuitem')).toHaveCount(3);
  await expect(menu.getByRole('menuitem').first()).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(menu.getByRole('menuitem', { name: '1 hour' })).toBeFocused();
  const before = Date.now();
  await page.keyboard.press('Enter');
  await expect(menu).toHaveCount(0);
  await expect(snooze).toBeFocused();
  await expect(plants).toContainText('Snoozed until');
  const open = await callRoute(context, host.url, 'reminders.list', { status: 'open' });
  const snoozed = open.ok ? open.value.find((r) => r.title === 'Water the plants') : undefined;
  expect(snoozed?.snoozedUntil).toBeGreaterThanOrEqual(before + 59 * 60_000);

  // Edit: a new title (Enter saves); focus returns to the Edit button.
  await plants.getByRole('button', { name: 'Edit “Water the plants”' }).click();
  const form = panel.getByRole('form', { name: 'Edit “Water the plants”' });
  await form.getByLabel('Title').fill('Water the orchids');
  await form.getByLabel('Title').press('Enter');
  await expect(form).toHaveCount(0);
  const orchids = panel.getByTestId('reminder').filter({ hasText: 'Water the orchids' });
  await expect(orchids).toHaveCount(1);
  await expect(orchids.getByRole('button', { name: 'Edit “Water the orchids”' })).toBeFocused();

  // Delete, then Undo in the toast: it comes back.
  await orchids.getByRole('button', { name: 'Delete “Water the orchids”' }).click();
  await expect(orchids).toHaveCount(0);
  const toast = page.getByTestId('toast').filter({ hasText: 'Deleted “Water the orchids”' });
  await expect(toast).toBeVisible();
  await toast.getByRole('button', { name: 'Undo' }).click();
  await expect(panel.getByTestId('reminder').filter({ hasText: 'Water the orchids' })).toHaveCount(1);
  await expect(page.getByTestId('toast').filter({ hasText: 'Restored “Water the orchids”' })).toBeVisible();
  const shot = await page.screenshot({ path: 'test-results/briefing.png', fullPage: true });
  await info.attach('briefing', { body: shot, contentType: 'image/png' });
  await page.close();
});

test('a briefing made elsewhere arrives as a toast and a browser notification; Open shows the Briefing screen', async () => {
  test.setTimeout(60_000);
  await context.grantPermissions(['notifications'], { origin: host.url });
  const page = await context.newPage();
  // Record what the page asks the browser to show (headless Chromium has no notification centre).
  await page.addInitScript(() => {
    const g = globalThis as unknown as PageGlobals;
    const Real = g.Notification;
    g.__notifications = [];
    class Recording extends (Real as unknown as new (t: string, o?: object) => object) {
      constructor(title: string, options?: { body?: string }) {
        g.__notifications.push({ title, ...(options?.body ? { body: options.body } : {}) });
        super(title, options);
      }
      static get permission(): string {
        return Real.permission;
      }
    }
    g.Notification = Recording as unknown as PageGlobals['Notification'];
  });
  await page.goto(`${host.url}/#/settings`);
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await expect(page.getByTestId('notification-permission')).toContainText(
    'This browser shows a notification',
  );

  const made = await callRoute(context, host.url, 'briefing.generate', {});
  expect(made.ok).toBe(true);
  const toast = page.getByTestId('toast').filter({ hasText: 'Your briefing is ready' });
  await expect(toast).toBeVisible({ timeout: 20_000 });
  await expect
    .poll(() => page.evaluate(() => (globalThis as unknown as PageGlobals).__notifications))
    .toEqual([{ title: 'Your briefing is ready', body: made.ok ? made.value.summary : '' }]);
  await toast.getByRole('button', { name: 'Open' }).click();
  await expect(page).toHaveURL(/#\/briefing$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Briefing' })).toBeVisible();
  await page.close();
});

test('the schedule is set in Settings: on, time, days, read aloud', async () => {
  const page = await context.newPage();
  await page.goto(`${host.url}/#/settings`);
  const card = page.getByTestId('briefing-settings');
  await expect(card.getByRole('heading', { name: 'Daily briefing' })).toBeVisible();
  const on = card.getByRole('switch', { name: 'Make a briefing every day' });
  await expect(on).toHaveAttribute('aria-checked', 'false');
  await expect(card.getByLabel('Time')).toBeDisabled();
  await on.click();
  await expect(on).toHaveAttribute('aria-checked', 'true');
  await card.getByLabel('Time').fill('08:15');
  await card.getByRole('checkbox', { name: 'Sunday' }).uncheck();
  await card.getByRole('switch', { name: 'Read it aloud when it is ready' }).click();
  await expect
    .poll(async () => {
      const r = await callRoute(context, host.url, 'settings.get', {});
      return r.ok ? r.value.briefing : null;
    })
    .toEqual({ enabled: true, time: '08:15', days: [1, 2, 3, 4, 5, 6], speakWhenReady: true });
  // The Briefing screen says the new schedule.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Briefing' }).click();
  await expect(
    page.getByText('A new briefing arrives on Mon, Tue, Wed, Thu, Fri, Sat at 08:15.'),
  ).toBeVisible();
  await page.close();
});
