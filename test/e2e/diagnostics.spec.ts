/**
 * The Diagnostics screen against the real host: a read-only API token is created in Settings, the
 * test calls the REST API with it from outside the browser, and the screen's numbers follow without a
 * reload: searches, requests by route, client errors, the request-rate chart; `/metrics` agrees; once
 * the token is revoked in Settings its calls are refused and counted as errors of their route.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures';

async function total(page: Page, metric: string): Promise<number> {
  const v = await page.locator(`[data-metric="${metric}"]`).getAttribute('data-total');
  return Number(v);
}

async function routeCount(page: Page, route: string): Promise<number> {
  const cell = page.locator(`tr[data-route="${route}"] [data-col="count"]`);
  if ((await cell.count()) === 0) return 0;
  return Number((await cell.innerText()).replace(/,/g, ''));
}

function counterFrom(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

test('a token created in Settings calls the API; the Diagnostics screen follows live, and counts the refusals after it is revoked', async ({
  page,
  hostUrl,
}) => {
  test.setTimeout(90_000);
  const nav = page.getByRole('navigation', { name: 'Main' });

  // Create a read-only token in Settings > Local API (its value is shown once).
  await page.goto('/#/settings');
  const section = page.getByRole('region', { name: 'Local API' });
  const name = `diagnostics e2e ${Date.now()}`;
  await section.getByRole('textbox', { name: 'Token name' }).fill(name);
  await expect(section.getByRole('checkbox', { name: 'Read' })).toBeChecked();
  await section.getByRole('button', { name: 'Create token' }).click();
  const shown = section.getByRole('textbox', { name: 'New token value' });
  await expect(shown).toHaveValue(/^nook_/);
  const auth = { authorization: `Bearer ${await shown.inputValue()}` };
  await section.getByRole('button', { name: 'Done' }).click();

  await nav.getByRole('button', { name: 'Diagnostics' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Diagnostics' })).toBeVisible();
  await expect(page).toHaveURL(/#\/diagnostics$/);
  const searchCard = page.getByRole('region', { name: 'Search latency (p95)' });
  await expect(searchCard).toHaveAttribute('data-total', /^\d+$/);

  const searchesBefore = await total(page, 'search-latency');
  const routeBefore = await routeCount(page, 'GET /api/knowledge/search');
  const clientErrors = async () =>
    Number(
      /([\d,]+) client errors/
        .exec(await page.getByTestId('metric-http-rate-detail').innerText())![1]!
        .replace(/,/g, ''),
    );
  const clientErrorsBefore = await clientErrors();

  // Calls from outside the browser, as another program on the machine would make them.
  for (const q of ['lighthouse', 'ferry timetable', 'harbour']) {
    const res = await fetch(`${hostUrl}/api/knowledge/search?query=${encodeURIComponent(q)}`, {
      headers: auth,
    });
    expect(res.status).toBe(200);
  }
  // A read-only token may not pause the ingest queue (a write route): 403, counted as a client error.
  const refused = await fetch(`${hostUrl}/api/ingest/pause`, { method: 'POST', headers: auth });
  expect(refused.status).toBe(403);

  // The screen polls on its own: no reload, no click.
  await expect.poll(() => total(page, 'search-latency'), { timeout: 20_000 }).toBe(searchesBefore + 3);
  await expect
    .poll(() => routeCount(page, 'GET /api/knowledge/search'), { timeout: 20_000 })
    .toBe(routeBefore + 3);
  await expect.poll(clientErrors, { timeout: 20_000 }).toBeGreaterThanOrEqual(clientErrorsBefore + 1);
  // The search latency is a number now, and the request-rate chart saw requests (its text alternative).
  await expect(page.getByTestId('metric-search-latency')).toHaveText(/^\d[\d.,]*$/);
  await expect(
    page.getByRole('img', { name: /^API requests per second over the last \d+ samples/ }),
  ).toHaveAttribute('aria-label', /highest (?!0$)[\d.,]+$/);
  await expect(page.getByRole('region', { name: 'Memory' }).getByTestId('metric-memory')).toHaveText(
    /\d+(\.\d)? MB/,
  );

  // Prometheus sees the same figures at /metrics with the same token.
  const metrics = await fetch(`${hostUrl}/metrics`, { headers: auth });
  expect(metrics.status).toBe(200);
  expect(
    counterFrom(await metrics.text(), 'nook_http_requests_total', {
      method: 'GET',
      route: '/api/knowledge/search',
      status: '200',
    }),
  ).toBe(routeBefore + 3);

  const routeErrors = async () => {
    const cell = page.locator('tr[data-route="GET /api/knowledge/search"] td').nth(1);
    return (await cell.count()) === 0 ? 0 : Number((await cell.innerText()).replace(/,/g, ''));
  };
  const errorsBefore = await routeErrors();

  // Revoke it in Settings; its next calls are refused, and Diagnostics counts them as errors of that route.
  await nav.getByRole('button', { name: 'Settings' }).click();
  const row = page.getByRole('listitem', { name: `Token ${name}` });
  await row.getByRole('button', { name: `Revoke ${name}…` }).click();
  await row.getByRole('button', { name: `Revoke ${name}`, exact: true }).click();
  await expect(row.getByText('Revoked', { exact: true })).toBeVisible();
  expect((await fetch(`${hostUrl}/api/knowledge/search?query=tides`, { headers: auth })).status).toBe(403);
  expect((await fetch(`${hostUrl}/metrics`, { headers: auth })).status).toBe(403);

  await nav.getByRole('button', { name: 'Diagnostics' }).click();
  await expect.poll(routeErrors, { timeout: 20_000 }).toBe(errorsBefore + 1);
  await expect
    .poll(() => routeCount(page, 'GET /api/knowledge/search'), { timeout: 20_000 })
    .toBe(routeBefore + 4);
});

test('Settings links to the live Diagnostics screen', async ({ page }) => {
  await page.goto('/#/settings');
  await page.getByTestId('diagnostics').getByRole('button', { name: 'Live metrics' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Diagnostics' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'API requests', exact: true })).toBeVisible();
});
