import type { SystemStatus } from '../../src/shared/types/system';
import { test, expect } from './support/fixtures';
import { callRoute } from './support/rpc';

test('the status bar shows each service’s real health from system.status', async ({
  page,
  context,
  hostUrl,
}) => {
  const r = await callRoute(context, hostUrl, 'system.status', {});
  if (!r.ok) throw new Error(r.message);
  const status: SystemStatus = r.value;
  expect(status.mode).toBe('host');

  await page.goto('/');
  const bar = page.getByRole('contentinfo', { name: 'Service status' });
  for (const s of status.services) {
    const item = bar.locator(`[data-service="${s.id}"]`);
    await expect(item).toContainText(s.label);
    await expect(item).toHaveAttribute('data-state', s.state);
  }
  await expect(bar.locator('[data-service="database"]')).toHaveAttribute('data-state', 'ok');
  // Plugins have their entry: a fresh Nook has none installed (plugins.spec.ts shows it counting).
  expect(status.services.find((s) => s.id === 'plugins')).toMatchObject({
    label: 'Plugins',
    state: 'off',
    detail: 'No plugins installed',
  });
  await expect(bar).toContainText(`v${status.version}`);

  // The details: Database OK with the schema version the database reports.
  await bar.getByRole('button', { expanded: false }).click();
  const details = page.getByRole('region', { name: 'Service health details' });
  const db = details.locator('[data-service="database"]');
  await expect(db).toContainText('Database');
  await expect(db).toContainText('OK');
  await expect(db).toContainText(/schema version \d+/);
  const diag = await callRoute(context, hostUrl, 'system.diagnostics', {});
  if (!diag.ok) throw new Error(diag.message);
  await expect(db).toContainText(`schema version ${diag.value.database.schemaVersion}`);
  await expect(details.locator('[data-service="plugins"]')).toContainText('No plugins installed');

  await page.keyboard.press('Escape');
  await expect(details).toHaveCount(0);
});

test('system.statusChanged and system.notice events update the page live', async ({ page }) => {
  // Sit between the page and the host, forwarding everything, so the test can push events.
  let pushToPage: ((frame: object) => void) | undefined;
  await page.routeWebSocket('**/ws', (ws) => {
    ws.connectToServer();
    pushToPage = (frame) => ws.send(JSON.stringify(frame));
  });
  await page.goto('/');
  const bar = page.getByRole('contentinfo', { name: 'Service status' });
  await expect(bar.locator('[data-service="database"]')).toHaveAttribute('data-state', 'ok');

  const changed: SystemStatus = {
    version: '0.0.0-test',
    mode: 'host',
    services: [
      { id: 'database', label: 'Database', state: 'degraded', detail: 'Pushed by the test' },
      { id: 'keychain', label: 'OS keychain', state: 'down', detail: 'Pushed by the test' },
    ],
  };
  pushToPage!({ event: 'system.statusChanged', payload: changed });
  await expect(bar.locator('[data-service="database"]')).toHaveAttribute('data-state', 'degraded');
  await expect(bar.locator('[data-service="keychain"]')).toHaveAttribute('data-state', 'down');
  await expect(bar.locator('[data-service="settings"]')).toHaveCount(0);
  await expect(bar).toContainText('v0.0.0-test');

  pushToPage!({
    event: 'system.notice',
    payload: { level: 'warning', message: 'A notice pushed by the test' },
  });
  await expect(page.getByRole('status').getByTestId('toast')).toContainText('A notice pushed by the test');
});

test('when the connection drops, the in-flight call fails UNAVAILABLE with a toast, and the page reconnects', async ({
  page,
}) => {
  let connections = 0;
  let dropNext = false;
  await page.routeWebSocket('**/ws', (ws) => {
    connections++;
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      // Only the Refresh's own call: other cards on the Settings page (the Voice section's device
      // and voice lists) may still be loading, and their calls are not what this test clicks.
      if (dropNext && String(message).includes('"system.diagnostics"')) {
        dropNext = false;
        void ws.close({ code: 1011, reason: 'test drop' });
        return;
      }
      server.send(message);
    });
  });
  await page.goto('/#/settings');
  await expect(page.getByTestId('diagnostics')).toContainText('schema');
  expect(connections).toBe(1);

  // The Refresh's call (system.diagnostics) is dropped mid-flight.
  dropNext = true;
  await page.getByTestId('diagnostics').getByRole('button', { name: 'Refresh' }).click();
  await expect(page.getByRole('alert').getByTestId('toast')).toContainText('connection to Nook was lost');
  await expect(page.getByRole('alert').getByTestId('toast')).toContainText('UNAVAILABLE');
  await expect(
    page.getByRole('status').getByTestId('toast').filter({ hasText: 'Reconnected to Nook' }),
  ).toBeVisible();
  expect(connections).toBeGreaterThanOrEqual(2);
  await expect(page.locator('.statusbar [data-service="database"]')).toHaveAttribute('data-state', 'ok');

  // Works again after the reconnect.
  await page.getByTestId('diagnostics').getByRole('button', { name: 'Refresh' }).click();
  await expect(page.getByTestId('diagnostics').getByRole('button', { name: 'Refresh' })).toBeEnabled();
});
