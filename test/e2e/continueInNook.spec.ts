/**
 * "Continue in Nook" on the renderer's desktop path (`window.nook` present; no Electron binary runs
 * here, so an init script plays the preload, forwarding to the real host and recording calls): the
 * quick-ask page asks the shell to open the conversation (`app.openConversation`, answered here the
 * way the shell answers) instead of opening a window, and the main page shows the conversation the
 * shell's `app.openView` event names. The shell side is test/electron/continueInNook.test.ts.
 */
import { test, expect } from './support/fixtures';
import { cannedRoutes, FAKE_PRELOAD, type BridgeGlobals } from './support/fakePreload';
import { callRoute } from './support/rpc';

/** The shared host outlives this spec: leave no remembered fact behind. */
test.afterEach(async ({ context, hostUrl }) => {
  const memories = await callRoute(context, hostUrl, 'memory.list', {});
  for (const m of memories.ok ? memories.value : [])
    if (/bins go out|dentist is on Friday/.test(m.text))
      await callRoute(context, hostUrl, 'memory.delete', { id: m.id });
});

type PageGlobals = BridgeGlobals;

/** What the desktop shell answers (the host has no main window to open). */
const SHELL_ANSWERS = cannedRoutes({ 'app.openConversation': { ok: true, value: { opened: true } } });

test('quick ask on the desktop: "Continue in Nook" asks the shell, and opens no window', async ({ page }) => {
  await page.addInitScript({ content: SHELL_ANSWERS });
  await page.addInitScript({ content: FAKE_PRELOAD });
  await page.goto('/quickask.html');
  const input = page.getByRole('textbox', { name: 'Ask Nook' });
  await input.fill('remember that the bins go out on Tuesday');
  await input.press('Enter');
  const answer = page.getByTestId('quickask-answer');
  await expect(answer).toContainText('I will remember that');

  const popups: string[] = [];
  page.context().on('page', (p) => popups.push(p.url()));
  await page.getByTestId('continue-in-nook').click();
  await expect
    .poll(async () =>
      (await page.evaluate(() => (globalThis as unknown as PageGlobals).__bridgeCalls)).filter(
        (c) => c.route === 'app.openConversation',
      ),
    )
    .toHaveLength(1);
  const calls = await page.evaluate(() => (globalThis as unknown as PageGlobals).__bridgeCalls);
  const ask = calls.find((c) => c.route === 'assistant.ask')!;
  const open = calls.find((c) => c.route === 'app.openConversation')!;
  expect(open.input).toEqual({ id: expect.any(Number) });
  expect(ask).toBeDefined();
  expect(popups).toEqual([]);
  expect(page.url()).toMatch(/\/quickask\.html$/);
});

test('main window on the desktop: the shell’s app.openView with a conversation shows it on Ask', async ({
  page,
  context,
  hostUrl,
}) => {
  // A conversation to open, asked over the host's API.
  const asked = await callRoute(context, hostUrl, 'assistant.ask', {
    text: 'remember that the dentist is on Friday at ten',
    grounded: false,
  });
  if (!asked.ok) throw new Error(asked.message);
  const id = asked.value.conversationId;
  await expect
    .poll(async () => {
      const c = await callRoute(context, hostUrl, 'conversations.get', { id });
      return c.ok ? c.value.messages.map((m) => m.status) : [];
    })
    .toEqual(['done', 'done']);

  await page.addInitScript({ content: SHELL_ANSWERS });
  await page.addInitScript({ content: FAKE_PRELOAD });
  await page.goto('/#/library');
  await expect(page.getByRole('main')).toHaveAttribute('data-view', 'library');
  await page.evaluate(
    (conversationId) =>
      (globalThis as unknown as PageGlobals).__emit('app.openView', { view: 'ask', conversationId }),
    id,
  );
  await expect(page.getByRole('main')).toHaveAttribute('data-view', 'ask');
  const turn = page.getByTestId('answer').last();
  await expect(turn).toContainText('remember that the dentist is on Friday at ten');
  await expect(turn).toContainText('I will remember that the dentist is on Friday at ten');
  await expect(
    page.getByRole('navigation', { name: 'Conversations' }).locator('[data-active="true"]'),
  ).toContainText('dentist');
});
