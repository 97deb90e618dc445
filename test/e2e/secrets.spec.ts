/**
 * API keys through the UI are write-only: set, see "Stored", Test, Remove, see "Not set"; and the
 * value never reaches the data dir (logs, settings, database with its WAL) nor any frame the page
 * received. This spec runs its own host so it can stop it (flushing logs) before searching its files.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { test as base, expect } from '@playwright/test';
import { filesUnder, loggedInContext, startHost, type RunningHost } from './support/host';

const test = base.extend<{ host: RunningHost }>({
  // eslint-disable-next-line no-empty-pattern
  host: async ({}, use) => {
    const host = await startHost();
    await use(host);
    await host.stop();
    fs.rmSync(host.dataDir, { recursive: true, force: true });
  },
});

/** Data-dir files whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const bytes = Buffer.from(needle, 'utf8');
  return filesUnder(dir).filter((f) => fs.readFileSync(f).includes(bytes));
}

test('an API key set through the UI is stored, testable, removable, and never leaks', async ({
  browser,
  host,
}) => {
  const secret = `sk-e2e-${crypto.randomBytes(24).toString('hex')}`;
  const context = await loggedInContext(browser, host.loginUrl);
  const page = await context.newPage();

  const received: string[] = [];
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) =>
      received.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8')),
    );
  });

  await page.goto(`${host.url}/#/settings`);
  const row = page.locator('[data-secret="provider.openai"]');
  const status = row.getByTestId('secret-status');
  await expect(status).toHaveText('Not set');
  await expect(row.getByRole('button', { name: 'Test' })).toBeDisabled();
  await expect(row.getByRole('button', { name: 'Remove' })).toBeDisabled();

  const input = row.getByLabel('OpenAI API key');
  await expect(input).toHaveAttribute('type', 'password');
  await input.fill(secret);
  await row.getByRole('button', { name: 'Save' }).click();
  await expect(status).toHaveText('Stored');
  // Cleared at once: the value is not kept in the page after saving.
  await expect(input).toHaveValue('');
  expect(await page.content()).not.toContain(secret);

  // Still "Stored" after a reload: it comes from the keychain (secrets.list / secrets.has).
  await page.reload();
  await expect(status).toHaveText('Stored');
  await expect(row.getByRole('button', { name: 'Replace' })).toBeVisible();

  // Test: the key is checked against its service (unreachable here, or refused: a made-up key).
  await row.getByRole('button', { name: 'Test' }).click();
  await expect(row.getByRole('status')).toContainText(/Works:|Did not work:/, { timeout: 20_000 });

  await row.getByRole('button', { name: 'Remove' }).click();
  await expect(status).toHaveText('Not set');
  await page.reload();
  await expect(status).toHaveText('Not set');

  // Nothing the page received carried the value...
  expect(received.length).toBeGreaterThan(5);
  expect(received.filter((f) => f.includes(secret))).toEqual([]);
  // ...and no file in the data dir holds it: while the host runs (the database's -wal is there)...
  const running = filesUnder(host.dataDir);
  expect(running.some((f) => f.endsWith('settings.json'))).toBe(true);
  expect(running.some((f) => f.endsWith('nook.db'))).toBe(true);
  expect(running.some((f) => f.endsWith('nook.db-wal'))).toBe(true);
  expect(running.some((f) => f.endsWith('.log'))).toBe(true);
  expect(filesContaining(host.dataDir, secret)).toEqual([]);
  // ...and once it has shut down and flushed its logs.
  await context.close();
  await host.stop();
  expect(filesContaining(host.dataDir, secret)).toEqual([]);
});

test('another window sees a key become Stored and Not set live (secrets.changed)', async ({
  browser,
  host,
}) => {
  const context = await loggedInContext(browser, host.loginUrl);
  const [a, b] = [await context.newPage(), await context.newPage()];
  for (const p of [a, b]) await p.goto(`${host.url}/#/settings`);
  const rowA = a.locator('[data-secret="voice.elevenlabs"]');
  const statusB = b.locator('[data-secret="voice.elevenlabs"]').getByTestId('secret-status');
  await expect(statusB).toHaveText('Not set');

  await rowA.getByLabel('ElevenLabs API key').fill(`xi-e2e-${crypto.randomBytes(16).toString('hex')}`);
  await rowA.getByRole('button', { name: 'Save' }).click();
  await expect(statusB).toHaveText('Stored');

  await rowA.getByRole('button', { name: 'Remove' }).click();
  await expect(statusB).toHaveText('Not set');
  await context.close();
});
