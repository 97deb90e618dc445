/**
 * The Diagnostics screen against the real host: a user API token is created (the apiTokens route the
 * Settings screen uses), the test calls the REST API with it from outside the browser, and the
 * screen's numbers follow: searches, requests by route, client errors, the request-rate chart; the
 * same figures are in `/metrics`; a revoked token is refused.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { callRoute } from './support/rpc';

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

test('the Diagnostics screen follows API calls made with a token, live', async ({
  page,
  context,
  hostUrl,
}) => {
  test.setTimeout(90_000);
  const created = await callRoute(context, hostUrl, 'apiTokens.create', {
    name: 'diagnostics e2e',
    scopes: ['read'],
  });
  if (!created.ok) throw new Error(`apiTokens.create failed: ${created.code} ${created.message}`);
  const { token, value } = created.value;
  const auth = { authorization: `Bearer ${value}` };

  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Diagnostics' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Diagnostics' })).toBeVisible();
  await expect(page).toHaveURL(/#\/diagnostics$/);
  const searchCard = page.getByRole('region', { name: 'Search latency (p95)' });
  await expect(searchCard).toBeVisible();
  await expect(searchCard).toHaveAttribute('data-total', /^\d+$/);

  const searchesBefore = await total(page, 'search-latency');
  const routeBefore = await routeCount(page, 'GET /api/knowledge/search');
  const clientErrorsBefore = Number(
    /([\d,]+) client errors/
      .exec(await page.getByTestId('metric-http-rate-detail').innerText())![1]!
      .replace(/,/g, ''),
  );

  // Calls from outside the browser, as another program on the machine would make them.
  for (const q of ['lighthouse', 'ferry timetable', 'harbour']) {
    const res = await fetch(`${hostUrl}/api/knowledge/search?query=${encodeURIComponent(q)}`, {
      headers: auth,
    });
    expect(res.status).toBe(200);
  }
  // A read-only token may not pause the ingest queue (a write route): 403, counted as a client error.
  const refused = await fetch(`${hostUrl}/api/ingest/pause`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(refused.status).toBe(403);

  // The screen polls on its own: no reload, no click.
  await expect.poll(() => total(page, 'search-latency'), { timeout: 20_000 }).toBe(searchesBefore + 3);
  await expect
    .poll(() => routeCount(page, 'GET /api/knowledge/search'), { timeout: 20_000 })
    .toBe(routeBefore + 3);
  await expect
    .poll(
      async () =>
        Number(
          /([\d,]+) client errors/
            .exec(await page.getByTestId('metric-http-rate-detail').innerText())![1]!
            .replace(/,/g, ''),
        ),
      { timeout: 20_000 },
    )
    .toBeGreaterThanOrEqual(clientErrorsBefore + 1);
  // The search latency is a number now, and the request-rate chart saw requests (text alternative).
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
  const text = await metrics.text();
  expect(
    counterFrom(text, 'nook_http_requests_total', {
      method: 'GET',
      route: '/api/knowledge/search',
      status: '200',
    }),
  ).toBe(routeBefore + 3);

  // Revoked: the token no longer reads anything.
  const revoked = await callRoute(context, hostUrl, 'apiTokens.revoke', { id: token.id });
  expect(revoked.ok).toBe(true);
  expect((await fetch(`${hostUrl}/metrics`, { headers: auth })).status).toBe(403);
});

test('Settings links to the live Diagnostics screen', async ({ page }) => {
  await page.goto('/#/settings');
  await page.getByTestId('diagnostics').getByRole('button', { name: 'Live metrics' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Diagnostics' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'API requests', exact: true })).toBeVisible();
});
