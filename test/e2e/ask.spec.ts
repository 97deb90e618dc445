/**
 * The assistant in a browser, against a host of its own that indexes a document with the embedding
 * model in the checkout's `models/` (as knowledge.spec.ts does). The answers come from the
 * extractive provider (no language model) so the spec is quick and deterministic; the local GGUF
 * model answering and citing is covered by test/services/assistant/assistantCore.test.ts.
 *
 * Ask view: a question streams a cited answer, and the [1] link opens the source document; a fact
 * remembered in one conversation answers a question in a new one. Quick-ask: Enter streams a cited
 * answer with a working citation link.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect, type BrowserContext, type Locator } from '@playwright/test';
import { ORIGINAL_PATH_PREFIX } from '../../src/shared/types/upload';
import { loggedInContext, startHost, type RunningHost } from './support/host';
import { callRoute } from './support/rpc';

const MODELS_DIR = path.resolve(process.env.NOOK_E2E_MODELS_DIR || 'models');
const HAS_MODEL = ['all-minilm-l6-v2-int8', 'all-minilm-l6-v2', 'all-minilm-l6-v2-converted'].some(
  (id) =>
    fs.existsSync(path.join(MODELS_DIR, id, 'model.onnx')) &&
    fs.existsSync(path.join(MODELS_DIR, id, 'tokenizer.json')),
);

const DOC = [
  '# Kerrera harbour handbook',
  '',
  'The Hutcheson lighthouse on Kerrera is painted bright red so that fishermen can see it in fog.',
  'The passenger ferry to Kerrera leaves Gallanach pier every half hour between 8am and 6pm.',
].join('\n');

let host: RunningHost;
let context: BrowserContext;
let dataDir: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-e2e-ask-'));
  host = await startHost({ dataDir, env: { NOOK_MODELS_DIR: MODELS_DIR } });
  context = await loggedInContext(browser, host.loginUrl);
  const set = await callRoute(context, host.url, 'settings.update', {
    assistant: { providers: [{ id: 'extractive', kind: 'extractive', name: 'Extractive (no model)' }] },
  });
  expect(set.ok).toBe(true);
  if (!HAS_MODEL) return;
  const file = path.join(dataDir, 'kerrera-handbook.md');
  fs.writeFileSync(file, DOC);
  const imported = await callRoute(context, host.url, 'knowledge.import', { paths: [file] });
  expect(imported.ok).toBe(true);
  await expect
    .poll(
      async () => {
        const r = await callRoute(context, host.url, 'knowledge.documents', {});
        return r.ok ? r.value.items.filter((d) => d.status === 'indexed').length : 0;
      },
      { timeout: 90_000 },
    )
    .toBe(1);
});

/**
 * A citation in a browser opens the host's URL of the original file in a new tab (the desktop app
 * opens it with the system's application instead); the file it serves is the cited document.
 */
async function expectOpensDocument(link: Locator, text: string): Promise<void> {
  const popup = link.page().waitForEvent('popup');
  const request = context.waitForEvent('request', (r) => r.url().includes(ORIGINAL_PATH_PREFIX));
  await link.click();
  await popup;
  const url = (await request).url();
  const res = await context.request.get(url);
  expect(res.status()).toBe(200);
  expect(await res.text()).toContain(text);
}

test.afterAll(async () => {
  await context?.close();
  await host?.stop();
  if (!process.env.NOOK_E2E_KEEP) fs.rmSync(dataDir, { recursive: true, force: true });
});

test('Ask: a question streams a cited answer and the citation opens the document', async () => {
  test.skip(!HAS_MODEL, `no embedding model under ${MODELS_DIR}: nothing could be indexed`);
  const page = await context.newPage();
  await page.goto(`${host.url}/#/ask`);
  await page
    .getByRole('textbox', { name: 'Your question' })
    .fill('What colour is the lighthouse on Kerrera?');
  await page.getByRole('main').getByRole('button', { name: 'Ask', exact: true }).click();
  const answer = page.getByTestId('answer').last();
  await expect(answer).toContainText('painted bright red');
  await expect(answer).toContainText('Answered by Extractive (no model)');
  const link = answer.getByTestId('citation-link').first();
  await expect(link).toHaveText('[1]');
  await expect(link).toHaveAttribute('aria-label', /kerrera-handbook\.md/);
  await expectOpensDocument(link, 'Hutcheson lighthouse');
  // The conversation is listed and reopens with its cited answer.
  await expect(page.getByRole('navigation', { name: 'Conversations' })).toContainText(
    'What colour is the lighthouse',
  );
  await page.close();
});

test('Ask: conversations are found by what was said in them, and renamed', async () => {
  const page = await context.newPage();
  await page.goto(`${host.url}/#/ask`);
  const box = page.getByRole('textbox', { name: 'Your question' });
  await box.fill('remember that the spare key is under the blue flowerpot');
  await box.press('Enter');
  await expect(page.getByTestId('answer').last()).toContainText('I will remember that');
  await page.getByRole('button', { name: 'New conversation' }).click();

  const nav = page.getByRole('navigation', { name: 'Conversations' });
  await nav.getByRole('searchbox', { name: 'Search conversations' }).fill('flowerpot');
  const hits = nav.getByRole('list', { name: 'Matching conversations' });
  await expect(hits.getByRole('button')).toHaveCount(1);
  await expect(hits).toContainText('flowerpot');
  await hits.getByRole('button').click();
  await expect(page.getByTestId('answer').last()).toContainText('under the blue flowerpot');
  await expect(hits).toHaveCount(0);

  const item = nav.getByTestId('conversation').filter({ hasText: 'spare key' });
  await item.getByRole('button', { name: /^Rename / }).click();
  const title = nav.getByRole('textbox', { name: /^New title for / });
  await title.fill('Where the spare key is');
  await title.press('Enter');
  await expect(nav.getByTestId('conversation').filter({ hasText: 'Where the spare key is' })).toHaveCount(1);
  const list = await callRoute(context, host.url, 'conversations.list', {});
  expect(list.ok && list.value.map((c) => c.title)).toContain('Where the spare key is');
  // Leave no memory behind for the memory test below.
  await box.fill('forget that');
  await box.press('Enter');
  await expect(page.getByTestId('answer').last()).toContainText('I have forgotten that');
  await page.close();
});

test('Ask: remembered in one conversation, answered in a new one, then forgotten', async () => {
  const page = await context.newPage();
  await page.goto(`${host.url}/#/ask`);
  const box = page.getByRole('textbox', { name: 'Your question' });
  await box.fill('remember that my locker code is 4471');
  await box.press('Enter');
  await expect(page.getByTestId('answer').last()).toContainText(
    'Okay, I will remember that your locker code is 4471.',
  );
  await page.getByRole('button', { name: 'New conversation' }).click();
  await box.fill('what is my locker code?');
  await box.press('Enter');
  await expect(page.getByTestId('answer').last()).toContainText('You told me: Your locker code is 4471.');
  await box.fill('forget that');
  await box.press('Enter');
  await expect(page.getByTestId('answer').last()).toContainText(
    'I have forgotten that your locker code is 4471',
  );
  const memories = await callRoute(context, host.url, 'memory.list', {});
  expect(memories.ok && memories.value).toEqual([]);
  await page.close();
});

test('quick-ask: Enter streams a cited answer with a working citation link', async () => {
  test.skip(!HAS_MODEL, `no embedding model under ${MODELS_DIR}: nothing could be indexed`);
  const page = await context.newPage();
  await page.goto(`${host.url}/quickask.html`);
  const input = page.getByRole('textbox', { name: 'Ask Nook' });
  await input.fill('When does the ferry to Kerrera leave?');
  await input.press('Enter');
  const answer = page.getByTestId('quickask-answer');
  await expect(answer).toContainText('every half hour');
  const link = answer.getByTestId('citation-link').first();
  await expect(link).toHaveText('[1]');
  await expectOpensDocument(link, 'passenger ferry');
  // Continue in Nook: the main window opens this conversation in Ask.
  const main = page.waitForEvent('popup');
  await page.getByTestId('continue-in-nook').click();
  const full = await main;
  await expect(full.getByTestId('answer').first()).toContainText('every half hour');
  await expect(full.getByTestId('answer').first()).toContainText('When does the ferry to Kerrera leave?');
  await full.close();
  await page.close();
});

test('Settings: providers are added (key write-only), tested, ordered and removed; memory is edited and forgotten', async () => {
  const page = await context.newPage();
  await page.goto(`${host.url}/#/ask`);
  const box = page.getByRole('textbox', { name: 'Your question' });
  await box.fill('remember that my bike lock code is 2718');
  await box.press('Enter');
  await expect(page.getByTestId('answer').last()).toContainText('I will remember');

  await page.goto(`${host.url}/#/settings`);
  const providers = page.getByRole('region', { name: 'Providers' });
  await expect(providers.getByTestId('provider-row')).toHaveCount(1);
  await providers.getByRole('textbox', { name: 'Provider name' }).fill('LM Studio');
  await providers.getByRole('textbox', { name: 'Base URL' }).fill('http://127.0.0.1:9/v1');
  await providers.getByRole('textbox', { name: 'Model' }).fill('qwen');
  await providers.getByLabel('API key (optional)').fill('sk-e2e-never-shown-31337');
  await providers.getByRole('button', { name: 'Add' }).click();
  const rows = providers.getByTestId('provider-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText('LM Studio');
  await expect(rows.nth(1)).toContainText('key stored');
  expect(await page.content()).not.toContain('sk-e2e-never-shown-31337');
  await providers.getByRole('button', { name: 'Move LM Studio up' }).click();
  await expect(rows.nth(0)).toContainText('LM Studio');
  await rows.nth(0).getByRole('button', { name: 'Test' }).click();
  await expect(page.getByText('LM Studio is unavailable.')).toBeVisible();
  await rows.nth(0).getByRole('button', { name: 'Remove' }).click();
  await expect(rows).toHaveCount(1);

  const memory = page.getByRole('region', { name: 'Memory' });
  const row = memory.getByTestId('memory-row').filter({ hasText: 'bike lock' });
  await expect(row).toContainText('my bike lock code is 2718');
  await row.getByRole('button', { name: 'Edit' }).click();
  await memory.getByRole('textbox', { name: 'Edit the fact' }).fill('my bike lock code is 2719');
  await memory.getByRole('button', { name: 'Save' }).click();
  const edited = memory.getByTestId('memory-row').filter({ hasText: 'bike lock' });
  await expect(edited).toContainText('2719');
  await edited.getByRole('button', { name: 'Forget' }).click();
  await expect(memory.getByTestId('memory-row').filter({ hasText: 'bike lock' })).toHaveCount(0);
  await page.close();
});
