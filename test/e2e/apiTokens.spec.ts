/**
 * Settings → Local API in the browser against the real host: create a token (shown once, copied),
 * use it from the test with fetch (scopes hold: read works, write is refused), see it in the list
 * with its last use, revoke it after the confirmation, and the same request is refused with 403.
 */
import { test, expect } from './support/fixtures';
import { resetSettings } from './support/rpc';

test.afterEach(async ({ context, hostUrl }) => resetSettings(context, hostUrl));

test('create an API token in Settings, use it with fetch, revoke it', async ({ page, context, hostUrl }) => {
  test.setTimeout(60_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: hostUrl });
  await page.goto('/#/settings');
  const section = page.getByRole('region', { name: 'Local API' });
  await expect(section).toBeVisible();
  await expect(section.getByRole('switch', { name: 'Serve the local API' })).toHaveAttribute(
    'aria-checked',
    'false',
  );
  await expect(section.getByText(`${hostUrl}/api/openapi.json`)).toBeVisible();

  const name = `e2e script ${Date.now()}`;
  await section.getByRole('textbox', { name: 'Token name' }).fill(name);
  // Read is ticked by default; this token may read only.
  await expect(section.getByRole('checkbox', { name: 'Read' })).toBeChecked();
  await expect(section.getByRole('checkbox', { name: 'Write' })).not.toBeChecked();
  await section.getByRole('button', { name: 'Create token' }).click();

  const shown = section.getByRole('textbox', { name: 'New token value' });
  await expect(shown).toHaveValue(/^nook_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  const value = await shown.inputValue();
  await section.getByRole('button', { name: 'Copy' }).click();
  await expect(section.getByRole('button', { name: 'Copied' })).toBeVisible();
  type Clipboard = { navigator: { clipboard: { readText(): Promise<string> } } };
  // Runs in the page (this file is typed for Node, without the DOM).
  const pasted = await page.evaluate(() =>
    (globalThis as unknown as Clipboard).navigator.clipboard.readText(),
  );
  expect(pasted).toBe(value);

  // The test is another program on this machine: it calls the REST API with the token.
  const auth = { authorization: `Bearer ${value}` };
  const status = await fetch(`${hostUrl}/api/ingest/status`, { headers: auth });
  expect(status.status).toBe(200);
  expect(await status.json()).toMatchObject({ paused: expect.any(Boolean), jobs: expect.any(Array) });
  const search = await fetch(`${hostUrl}/api/knowledge/search?query=${encodeURIComponent('anything')}&k=3`, {
    headers: auth,
  });
  expect(search.status).toBe(200);
  expect(await search.json()).toMatchObject({ query: 'anything', hits: expect.any(Array) });
  // Read-only: a write route is refused.
  const write = await fetch(`${hostUrl}/api/ingest/resume`, { method: 'POST', headers: auth });
  expect(write.status).toBe(403);
  expect(await fetch(`${hostUrl}/api/ingest/status`)).toHaveProperty('status', 401);

  // Done hides the value for good; the list shows the token and its last use.
  await section.getByRole('button', { name: 'Done' }).click();
  await expect(shown).toHaveCount(0);
  await page.reload();
  const row = page.getByRole('listitem', { name: `Token ${name}` });
  await expect(row).toContainText('read');
  await expect(row).not.toContainText('last used never');
  await expect(page.getByText(value)).toHaveCount(0);

  // Revoke, with a confirmation first.
  await row.getByRole('button', { name: `Revoke ${name}…` }).click();
  await row.getByRole('button', { name: 'Cancel' }).click();
  expect((await fetch(`${hostUrl}/api/ingest/status`, { headers: auth })).status).toBe(200);
  await row.getByRole('button', { name: `Revoke ${name}…` }).click();
  await row.getByRole('button', { name: `Revoke ${name}`, exact: true }).click();
  await expect(row.getByText('Revoked', { exact: true })).toBeVisible();

  const after = await fetch(`${hostUrl}/api/ingest/status`, { headers: auth });
  expect(after.status).toBe(403);
  expect(await after.json()).toMatchObject({ ok: false, code: 'FORBIDDEN', message: /revoked/ });
});

test('an origin allowed in Settings may call the API from a browser page (CORS); others may not', async ({
  page,
  hostUrl,
}) => {
  const other = 'http://localhost:3999';
  // The browser session (the page's cookie) reads the API description too.
  const doc = await page.request.fetch(`${hostUrl}/api/openapi.json`);
  expect(doc.status()).toBe(200);
  expect((await doc.json()) as object).toMatchObject({ openapi: '3.1.0' });
  await page.goto('/#/settings');
  const section = page.getByRole('region', { name: 'Local API' });
  await section.getByRole('textbox', { name: 'Token name' }).fill('cors');
  await section.getByRole('button', { name: 'Create token' }).click();
  const value = await section.getByRole('textbox', { name: 'New token value' }).inputValue();
  const call = () =>
    fetch(`${hostUrl}/api/ingest/status`, { headers: { authorization: `Bearer ${value}`, origin: other } });

  const refused = await call();
  expect(refused.status).toBe(403);
  expect(refused.headers.get('access-control-allow-origin')).toBeNull();

  await section.getByRole('textbox', { name: 'Origin to allow' }).fill(`${other}/`);
  await section.getByRole('button', { name: 'Allow origin' }).click();
  await expect(section.getByRole('list', { name: 'Allowed browser origins' })).toContainText(other);
  const allowed = await call();
  expect(allowed.status).toBe(200);
  expect(allowed.headers.get('access-control-allow-origin')).toBe(other);

  await section.getByRole('button', { name: `Remove origin ${other}` }).click();
  await expect(section.getByRole('list', { name: 'Allowed browser origins' })).not.toContainText(other);
  expect((await call()).status).toBe(403);
});
