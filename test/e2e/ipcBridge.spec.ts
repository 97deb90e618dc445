/**
 * The renderer on its Electron path: with `window.nook` present (the preload's bridge) it must use
 * that and nothing else. No Electron binary runs here, so an init script plays the preload: a bridge
 * with the PreloadBridge shape that forwards to the real host and records every call, and whose
 * pathsForFiles answers absolute paths the way webUtils.getPathForFile does.
 */
import { test, expect } from './support/fixtures';
import { cannedRoutes, FAKE_PRELOAD, type BridgeGlobals } from './support/fakePreload';

interface PageGlobals extends BridgeGlobals {
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (parts: string[], name: string, options: { type: string }) => unknown;
}

test('with window.nook present the app talks only through the bridge and acts as the desktop app', async ({
  page,
}) => {
  const ownSockets: string[] = [];
  await page.addInitScript({ content: FAKE_PRELOAD });
  page.on('websocket', (ws) => ownSockets.push(ws.url()));
  await page.goto('/#/settings');

  await expect(page.locator('.statusbar [data-service="database"]')).toHaveAttribute('data-state', 'ok');
  await expect(page.getByRole('switch', { name: 'Close to tray' })).toBeVisible();
  // Desktop wording: no "browser session" notes.
  await expect(page.getByRole('region', { name: 'Global hotkeys' })).not.toContainText('browser session');
  await expect(page.getByRole('region', { name: 'General' })).not.toContainText('Applies to the desktop app');

  const calls = await page.evaluate(() =>
    (globalThis as unknown as PageGlobals).__bridgeCalls.map((c) => c.route),
  );
  expect(calls).toEqual(
    expect.arrayContaining(['settings.get', 'system.status', 'secrets.list', 'hotkeys.list']),
  );
  // The one socket is the stand-in preload's; the app opened none of its own.
  expect(ownSockets).toHaveLength(1);

  // A setting changed through the bridge round-trips.
  await page.getByRole('switch', { name: 'Launch at login' }).click();
  await expect(page.getByRole('switch', { name: 'Launch at login' })).toHaveAttribute('aria-checked', 'true');
  await page.getByRole('switch', { name: 'Launch at login' }).click();
  await expect(page.getByRole('switch', { name: 'Launch at login' })).toHaveAttribute(
    'aria-checked',
    'false',
  );
  expect(
    await page.evaluate(() => (globalThis as unknown as PageGlobals).__bridgeCalls.map((c) => c.route)),
  ).toContain('settings.update');

  // Dropped files become absolute paths through pathsForFiles, imported by path over the bridge (no upload).
  const uploads: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/knowledge/upload')) uploads.push(r.url());
  });
  await page.getByRole('button', { name: 'Library' }).click();
  const target = page.getByTestId('app-drop-target');
  const dataTransfer = await page.evaluateHandle(() => {
    const g = globalThis as unknown as PageGlobals;
    const dt = new g.DataTransfer();
    dt.items.add(new g.File(['hello'], 'notes.md', { type: 'text/markdown' }));
    return dt;
  });
  await target.dispatchEvent('dragenter', { dataTransfer });
  await target.dispatchEvent('drop', { dataTransfer });
  // The stand-in's path does not exist on this machine: the import says so.
  await expect(page.getByTestId('toast').filter({ hasText: 'Nothing to import' })).toContainText(
    '/home/tester/Documents/notes.md (not found)',
  );
  expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__pathsAskedFor)).toEqual([
    'notes.md',
  ]);
  expect(
    await page.evaluate(() => (globalThis as unknown as PageGlobals).__bridgeCalls.map((c) => c.route)),
  ).toContain('knowledge.import');
  expect(uploads).toEqual([]);
});

test('the hotkeys.list state from the desktop shell is shown, conflicts included, and follows hotkeys.changed', async ({
  page,
}) => {
  // What the Electron main answers when another application holds Quick ask's shortcut.
  const states = [
    {
      id: 'quickAsk',
      accelerator: 'CommandOrControl+Alt+K',
      registered: false,
      problem: 'Taken by another application',
    },
    { id: 'pushToTalk', accelerator: 'CommandOrControl+Alt+Space', registered: true, problem: null },
  ];
  await page.addInitScript({
    content: cannedRoutes({ 'hotkeys.list': { ok: true, value: states } }),
  });
  await page.addInitScript({ content: FAKE_PRELOAD });
  await page.goto('/#/settings');

  const quickAsk = page.locator('[data-hotkey="quickAsk"]');
  const pushToTalk = page.locator('[data-hotkey="pushToTalk"]');
  await expect(quickAsk).toContainText('Not registered: Taken by another application');
  await expect(pushToTalk).toContainText('Registered as CommandOrControl+Alt+Space');

  // The shell re-registers after the user picks another shortcut and pushes hotkeys.changed.
  await page.evaluate(
    (next) => (globalThis as unknown as PageGlobals).__emit('hotkeys.changed', next),
    [
      { id: 'quickAsk', accelerator: 'CommandOrControl+Shift+K', registered: true, problem: null },
      { id: 'pushToTalk', accelerator: 'CommandOrControl+Alt+Space', registered: true, problem: null },
    ],
  );
  await expect(quickAsk).toContainText('Registered as CommandOrControl+Shift+K');
  await expect(quickAsk).not.toContainText('Not registered');
});

test('desktop: the shell’s app.openView (its OS notification or tray item was clicked) shows the Briefing screen; no browser notification prompt', async ({
  page,
}) => {
  await page.addInitScript({ content: FAKE_PRELOAD });
  await page.goto('/#/settings');
  await expect(page.getByTestId('briefing-settings')).toBeVisible();
  // The OS notifies on the desktop: the page asks for no browser permission.
  await expect(page.getByTestId('notification-permission')).toHaveCount(0);

  await page.evaluate(() =>
    (globalThis as unknown as PageGlobals).__emit('app.openView', { view: 'briefing' }),
  );
  await expect(page.getByRole('heading', { level: 1, name: 'Briefing' })).toBeVisible();
  await expect(page).toHaveURL(/#\/briefing$/);
  await expect(page.getByRole('button', { name: 'Turn on notifications' })).toHaveCount(0);
  // A view the renderer does not know is ignored.
  await page.evaluate(() =>
    (globalThis as unknown as PageGlobals).__emit('app.openView', { view: 'nowhere' }),
  );
  await page.evaluate(() =>
    (globalThis as unknown as PageGlobals).__emit('app.openView', { view: 'library' }),
  );
  await expect(page.getByRole('heading', { level: 1, name: 'Library' })).toBeVisible();
});
