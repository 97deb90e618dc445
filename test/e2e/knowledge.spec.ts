/**
 * The knowledge base end to end in a browser, against a host of its own that finds the embedding
 * model in the checkout's `models/` (NOOK_MODELS_DIR; `npm run models:fetch -- --set test` puts it
 * there). Three files are dropped on the window (dispatched drag events carrying File objects made in
 * the page, so they go through the HTTP upload), the import panel's progress is watched to the end,
 * an exact token and a paraphrase are searched, and a result's citation opens the passage.
 *
 * Without the model nothing can be indexed (ingest embeds every chunk): the drop and the import panel
 * are still checked, each file must fail with the reason and a Retry, and the search tests are
 * skipped with that reason. NOOK_E2E_MODELS_DIR points the host elsewhere (an empty folder tries that).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect, type BrowserContext, type Page } from '@playwright/test';
import { loggedInContext, startHost, type RunningHost } from './support/host';
import { callRoute } from './support/rpc';

const MODELS_DIR = path.resolve(process.env.NOOK_E2E_MODELS_DIR || 'models');
const HAS_MODEL = ['all-minilm-l6-v2-int8', 'all-minilm-l6-v2', 'all-minilm-l6-v2-converted'].some(
  (id) =>
    fs.existsSync(path.join(MODELS_DIR, id, 'model.onnx')) &&
    fs.existsSync(path.join(MODELS_DIR, id, 'tokenizer.json')),
);

/** What the page creates and drops: the exact token lives in one file, the paraphrase target in another. */
const FILES = [
  {
    name: 'pump-incident.md',
    type: 'text/markdown',
    text: [
      '# Pump incident report',
      '',
      '## Diagnosis',
      '',
      'At 03:10 the coolant pump on line 2 stopped and the controller logged error code E-4012.',
      'The impeller bearing had seized; the technicians replaced it and restarted the line at 05:40.',
      '',
      '## Follow-up',
      '',
      'Order two spare bearings and add a vibration check to the weekly maintenance round.',
    ].join('\n'),
  },
  {
    name: 'garden.txt',
    type: 'text/plain',
    text:
      'Tomato seedlings need plenty of sunlight and regular watering. Stake the vines once they are ' +
      'a foot tall, pinch out side shoots, and feed them with compost every two weeks until the fruit sets.',
  },
  {
    name: 'lisbon.html',
    type: 'text/html',
    text:
      '<!doctype html><html><head><title>Lisbon trip</title></head><body>' +
      '<nav><a href="/">Home</a> <a href="/about">About us</a> <a href="/shop">Shop</a></nav>' +
      '<main><article><h1>Three days in Lisbon</h1><p>We rode the yellow tram up to the castle, ate ' +
      'custard tarts in Belém and watched the sunset from a viewpoint over the river Tagus.</p>' +
      '<p>The old town is steep: bring comfortable shoes.</p></article></main>' +
      '<footer>Copyright 2026 · Privacy · Cookies</footer></body></html>',
  },
];

/** Browser globals used inside page.evaluate (this file is typechecked without DOM types). */
interface PageGlobals {
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (parts: string[], name: string, options: { type: string }) => unknown;
  MutationObserver: new (cb: () => void) => { observe(node: unknown, options: object): void };
  document: { body: unknown; querySelector(s: string): { textContent: string | null } | null };
  __panelTitles: string[];
}

/** Records every title the import panel shows into `__panelTitles`, to see progress happen (not only its end). */
async function recordPanelTitles(page: Page): Promise<void> {
  await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    g.__panelTitles = [];
    new g.MutationObserver(() => {
      const t = g.document.querySelector('#import-panel-title')?.textContent;
      if (t && g.__panelTitles.at(-1) !== t) g.__panelTitles.push(t);
    }).observe(g.document.body, { subtree: true, childList: true, characterData: true });
  });
}

let host: RunningHost;
let context: BrowserContext;
let dataDir: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-e2e-knowledge-'));
  host = await startHost({ dataDir, env: { NOOK_MODELS_DIR: MODELS_DIR } });
  context = await loggedInContext(browser, host.loginUrl);
});

test.afterAll(async () => {
  await context?.close();
  await host?.stop();
  if (!process.env.NOOK_E2E_KEEP) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function dropFiles(page: Page, testId: string, files: typeof FILES): Promise<void> {
  const target = page.getByTestId(testId);
  const dataTransfer = await page.evaluateHandle((list) => {
    const g = globalThis as unknown as PageGlobals;
    const dt = new g.DataTransfer();
    for (const f of list) dt.items.add(new g.File([f.text], f.name, { type: f.type }));
    return dt;
  }, files);
  await target.dispatchEvent('dragenter', { dataTransfer });
  await target.dispatchEvent('dragover', { dataTransfer });
  await target.dispatchEvent('drop', { dataTransfer });
}

test('three files dropped on the window are uploaded and indexed, with live progress in the import panel', async () => {
  test.setTimeout(120_000);
  test.info().annotations.push({
    type: 'vector leg',
    description: HAS_MODEL
      ? `on: embedding model found under ${MODELS_DIR}`
      : `OFF: no embedding model under ${MODELS_DIR} (run npm run models:fetch -- --set test); keyword leg only`,
  });
  const page = await context.newPage();
  // Dropped on the Briefing view: every view of the main window takes files.
  await page.goto(`${host.url}/#/briefing`);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();

  await recordPanelTitles(page);

  const target = page.getByTestId('app-drop-target');
  const dataTransfer = await page.evaluateHandle((list) => {
    const g = globalThis as unknown as PageGlobals;
    const dt = new g.DataTransfer();
    for (const f of list) dt.items.add(new g.File([f.text], f.name, { type: f.type }));
    return dt;
  }, FILES);
  await target.dispatchEvent('dragenter', { dataTransfer });
  await expect(page.getByText('Drop files or folders to add them to your Library')).toBeVisible();
  await target.dispatchEvent('dragover', { dataTransfer });
  const upload = page.waitForResponse((r) => r.url().endsWith('/api/knowledge/upload'));
  await target.dispatchEvent('drop', { dataTransfer });
  await expect(page.getByText('Drop files or folders to add them to your Library')).toHaveCount(0);
  expect((await upload).status()).toBe(200);

  const panel = page.getByTestId('import-panel');
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('import-row')).toHaveCount(3);
  if (!HAS_MODEL) {
    // Every file fails with the reason, and each offers Retry.
    await expect(panel.getByRole('heading')).toHaveText('Import finished: 0 of 3 files, 3 failed', {
      timeout: 60_000,
    });
    for (const f of FILES) {
      const row = panel.getByTestId('import-row').filter({ hasText: f.name });
      await expect(row).toHaveAttribute('data-state', 'failed');
      await expect(row.getByRole('button', { name: 'Retry' })).toBeVisible();
      await expect(row.locator('.import-row__error')).toContainText(/model/i);
    }
    await page.close();
    return;
  }
  await expect(panel.getByRole('heading')).toHaveText('Import finished: 3 of 3 files', { timeout: 90_000 });
  await expect(panel.getByRole('progressbar', { name: 'Import progress' })).toHaveAttribute(
    'aria-valuenow',
    '100',
  );
  for (const f of FILES) {
    const row = panel.getByTestId('import-row').filter({ hasText: f.name });
    await expect(row).toHaveAttribute('data-state', 'done');
    await expect(row).toContainText(/Indexed · \d+ chunks?/);
  }
  await expect(panel.getByTestId('import-totals')).toContainText(/\d+ chunks/);
  const titles = await page.evaluate(() => (globalThis as unknown as PageGlobals).__panelTitles);
  // The panel was there before the end: uploading/importing states, then the finish.
  expect(titles.length).toBeGreaterThan(1);
  expect(titles.some((t) => /^Importing \d of 3 files$/.test(t))).toBe(true);
  expect(titles.at(-1)).toBe('Import finished: 3 of 3 files');
  // Every heading on the way counted the three files (or the upload of them), never part of them.
  expect(
    titles.filter(
      (t) => !/^(Uploading 3 files|Importing \d of 3 files|Import finished: 3 of 3 files)$/.test(t),
    ),
  ).toEqual([]);

  // The uploads were stored under <dataDir>/imports/ by name and indexed from there.
  expect(fs.readdirSync(path.join(dataDir, 'imports')).sort()).toEqual(FILES.map((f) => f.name).sort());
  for (const f of FILES) expect(fs.readFileSync(path.join(dataDir, 'imports', f.name), 'utf8')).toBe(f.text);

  // The Library lists them with type, size, chunks, status and date.
  await page.getByRole('button', { name: 'Library' }).click();
  const table = page.getByTestId('documents-table');
  await expect(table.getByTestId('doc-row')).toHaveCount(3);
  const pumpRow = table.getByTestId('doc-row').filter({ hasText: 'pump-incident.md' });
  await expect(pumpRow).toContainText('MD');
  await expect(pumpRow).toContainText('Indexed');

  await page.screenshot({ path: test.info().outputPath('library.png') });
  // Closing the finished panel hides it.
  await panel.getByRole('button', { name: 'Close the import panel' }).click();
  await expect(panel).toHaveCount(0);
  await page.close();
});

test('search finds an exact token and a paraphrase, and a citation opens the passage', async () => {
  test.skip(!HAS_MODEL, `no embedding model under ${MODELS_DIR}: nothing could be indexed`);
  test.setTimeout(60_000);
  const page = await context.newPage();
  await page.goto(`${host.url}/#/settings`);
  // Ctrl+K from any view goes to the Library's search box.
  await page.keyboard.press('Control+k');
  const box = page.getByRole('searchbox', { name: 'Search your documents' });
  await expect(box).toBeFocused();

  // An exact error code: the keyword leg.
  await box.pressSequentially('E-4012', { delay: 30 });
  const hits = page.getByTestId('search-hit');
  await expect(hits.first()).toBeVisible();
  await expect(hits.first().getByTestId('citation')).toContainText('pump-incident.md');
  await expect(hits.first().getByTestId('citation')).toContainText('Pump incident report');
  await expect(hits.first().locator('mark').first()).toContainText('4012');
  await expect(hits.first()).toContainText(/words #1/);

  // Open the citation from the keyboard (ArrowDown from the box to the first result, Enter): the
  // document pane shows the cited passage, highlighted and in view.
  await box.press('ArrowDown');
  await expect(hits.first().getByTestId('citation')).toBeFocused();
  await page.keyboard.press('Enter');
  const pane = page.getByTestId('document-pane');
  await expect(pane.getByRole('heading')).toContainText(/pump-incident|Pump incident report/);
  const cited = pane.getByTestId('cited-chunk');
  await expect(cited).toContainText('error code E-4012');
  await expect(cited.locator('mark').first()).toBeVisible();
  await expect(cited).toBeInViewport();

  // A paraphrase sharing no word with its answer: only the vector leg can find it.
  await box.fill('');
  await box.pressSequentially('how do I care for young vegetable plants', { delay: 10 });
  const meta = page.getByTestId('search-meta');
  await expect(meta).toContainText('for “how do I care for young vegetable plants”');
  await expect(hits.first().getByTestId('citation')).toContainText('garden.txt');
  await expect(hits.first()).toContainText(/meaning #1/);
  await hits.first().getByTestId('citation').click();
  await expect(pane.getByTestId('cited-chunk')).toContainText('Tomato seedlings need plenty of sunlight');

  // HTML boilerplate (navigation, footer) was not indexed; the article was.
  await box.fill('');
  await box.pressSequentially('custard tarts', { delay: 10 });
  await expect(hits.first().getByTestId('citation')).toContainText('lisbon.html');
  // By exact words only (the meaning leg returns something for anything).
  await page.getByRole('radio', { name: 'Exact words' }).check();
  await box.fill('');
  await box.pressSequentially('Privacy Cookies', { delay: 10 });
  await expect(page.getByTestId('search-meta')).toContainText('0 passages for “Privacy Cookies”');
  await expect(hits).toHaveCount(0);
  await box.fill('');
  await box.pressSequentially('river Tagus', { delay: 10 });
  await expect(hits).toHaveCount(1);
  await expect(hits.first().getByTestId('citation')).toContainText('lisbon.html');
  await page.screenshot({ path: test.info().outputPath('search.png') });

  // Settings › Diagnostics counts the Library: three documents, their chunks, as many vectors in the
  // embedded index, an idle queue.
  await page.goto(`${host.url}/#/settings`);
  const library = page.getByTestId('diagnostics-library');
  await expect(library).toHaveText(/^3 documents, \d+ chunks?, \d+ tokens$/);
  const chunks = /, (\d+) chunks?/.exec((await library.textContent()) ?? '')![1]!;
  await expect(page.getByTestId('diagnostics-index')).toContainText(
    new RegExp(`^Embedded \\(sqlite-vec\\) · ${chunks} vectors? in kb_`),
  );
  await expect(page.getByTestId('diagnostics-index')).toContainText(
    new RegExp(` · ${chunks} vectors? stored for all-minilm`),
  );
  await expect(page.getByTestId('diagnostics-queue')).toHaveText('idle · 0 queued, 0 running, 0 failed');
  await page.close();
});

test('delete with Undo, open the original, and a file dropped on quick ask is imported', async () => {
  test.skip(!HAS_MODEL, `no embedding model under ${MODELS_DIR}: nothing could be indexed`);
  test.setTimeout(90_000);
  const page = await context.newPage();
  await page.goto(`${host.url}/#/library`);
  const table = page.getByTestId('documents-table');
  await expect(table.getByTestId('doc-row')).toHaveCount(3);

  // Open original (browser: the host serves the file).
  await table.getByRole('checkbox', { name: 'Select garden.txt' }).check();
  const popup = page.waitForEvent('popup');
  await page
    .getByRole('toolbar', { name: 'Documents' })
    .getByRole('button', { name: 'Open original' })
    .click();
  const original = await popup;
  await expect(original.locator('body')).toContainText('Tomato seedlings need plenty of sunlight');
  await original.close();

  // Delete, then Undo from the toast.
  await page.getByRole('toolbar', { name: 'Documents' }).getByRole('button', { name: 'Delete' }).click();
  const toast = page.getByTestId('toast').filter({ hasText: 'Deleted 1 document' });
  await expect(toast).toBeVisible();
  await expect(table.getByTestId('doc-row')).toHaveCount(2);
  await toast.getByRole('button', { name: 'Undo' }).click();
  await expect(table.getByTestId('doc-row')).toHaveCount(3);
  await expect(table.getByTestId('doc-row').filter({ hasText: 'garden.txt' })).toBeVisible();

  // On the quick-ask window: one file already imported (same name, same content: a no-op) and a new one.
  const again = await context.newPage();
  await again.goto(`${host.url}/quickask.html`);
  await dropFiles(again, 'quickask-drop-target', [
    FILES[0]!,
    { name: 'shopping.md', type: 'text/markdown', text: '# Shopping\n\nBuy oat milk, rye bread and lemons.' },
  ]);
  await expect(again.getByTestId('quickask-import')).toContainText('Added 2 of 2 files to your Library', {
    timeout: 60_000,
  });
  await again.close();
  await expect(table.getByTestId('doc-row')).toHaveCount(4);
  await expect(table.getByTestId('doc-row').filter({ hasText: 'shopping.md' })).toBeVisible();
  // This window watched it too: the unchanged file was a no-op, the new one was indexed.
  const panel = page.getByTestId('import-panel');
  await expect(panel.getByTestId('import-row').filter({ hasText: 'pump-incident.md' })).toContainText(
    'Unchanged',
  );
  await expect(panel.getByTestId('import-row').filter({ hasText: 'shopping.md' })).toContainText('Indexed');
  await panel.getByRole('button', { name: 'Close the import panel' }).click();

  // A changed file dropped again replaces its chunks: the new words are found, the old ones are gone.
  await dropFiles(page, 'app-drop-target', [
    { name: 'garden.txt', type: 'text/plain', text: 'Cucumbers climb trellises and want rich, moist soil.' },
  ]);
  await expect(panel.getByRole('heading')).toHaveText('Import finished: 1 of 1 file', { timeout: 60_000 });
  await expect(table.getByTestId('doc-row')).toHaveCount(4);
  const box = page.getByRole('searchbox', { name: 'Search your documents' });
  await box.fill('trellises');
  await page.getByRole('radio', { name: 'Exact words' }).check();
  await expect(page.getByTestId('search-hit').first().getByTestId('citation')).toContainText('garden.txt');
  await box.fill('seedlings');
  await expect(page.getByTestId('search-meta')).toContainText('0 passages for “seedlings”');

  // Re-index from the Library: the document goes through the queue again.
  await box.fill('');
  await table.getByRole('checkbox', { name: 'Select shopping.md' }).check();
  await page.getByRole('toolbar', { name: 'Documents' }).getByRole('button', { name: 'Re-index' }).click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Re-indexing 1 document' })).toBeVisible();
  await expect(panel.getByTestId('import-row').filter({ hasText: 'shopping.md' })).toContainText('Indexed', {
    timeout: 30_000,
  });
  await page.close();
});

// Once parked for two races: the panel counted the jobs it had listed, not the batch (a page whose
// first read of the queue came after some files had finished hid those, "Importing 297 of 999
// files"), and a batch queued from elsewhere was never listed at all; and a cancel did not reach a
// file the worker had taken. The heading now counts the queue's run from the totals every event
// carries (published only after a batch's one transaction), a newer job id makes the page re-read
// the queue, and cancels reach the worker (test/services/knowledge/ingestRaces.test.ts).
test('the Library stays windowed with a thousand documents: few rows in the DOM, any row reachable', async () => {
  test.skip(!HAS_MODEL, `no embedding model under ${MODELS_DIR}: nothing could be indexed`);
  test.setTimeout(180_000);
  const N = 1000;
  const folder = path.join(dataDir, '..', `${path.basename(dataDir)}-many`);
  fs.mkdirSync(folder, { recursive: true });
  for (let i = 0; i < N; i++)
    fs.writeFileSync(
      path.join(folder, `note-${String(i).padStart(4, '0')}.txt`),
      `Note ${i}: item ${(i * 7919) % 10007} on shelf ${i % 97}.`,
    );
  const page = await context.newPage();
  try {
    // The page is open before the import starts: the panel is driven by ingest.progress events.
    await page.goto(`${host.url}/#/library`);
    // Every heading the panel shows, from the first: each must count the whole batch.
    await recordPanelTitles(page);
    const panel = page.getByTestId('import-panel');
    const heading = panel.getByRole('heading');
    const started = Date.now();
    const queued = await callRoute(context, host.url, 'knowledge.import', { paths: [folder] });
    expect(queued.ok && queued.value.queued).toBe(N);
    await expect(heading).toHaveText(new RegExp(`^Importing \\d+ of ${N} files$`));
    await expect(panel.getByTestId('import-totals')).toContainText(/chunks\/s/, { timeout: 20_000 });
    await expect(panel.getByTestId('import-totals')).toContainText(/about .+ left/);

    // Pause: the queue stops (nothing more finishes), the rows say so; Resume carries on.
    await panel.getByRole('button', { name: 'Pause' }).click();
    await expect(heading).toHaveText(new RegExp(`^Import paused: \\d+ of ${N} files$`));
    const doneAt = async () => {
      const s = await callRoute(context, host.url, 'ingest.status', {});
      if (!s.ok) throw new Error(s.message);
      expect(s.value.paused).toBe(true);
      return s.value.totals.done;
    };
    const before = await doneAt();
    await page.waitForTimeout(1500);
    expect(await doneAt()).toBe(before);
    await expect(heading).toHaveText(`Import paused: ${before} of ${N} files`);
    // A window opened in the middle of the import counts all of it, the files finished before it
    // opened included (it used to hide those: "Importing 0 of 640 files").
    const late = await context.newPage();
    await late.goto(`${host.url}/#/library`);
    await expect(late.getByTestId('import-panel').getByRole('heading')).toHaveText(
      `Import paused: ${before} of ${N} files`,
    );
    await late.close();
    await panel.getByRole('button', { name: 'Resume' }).click();
    await expect(heading).toHaveText(`Import finished: ${N} of ${N} files`, { timeout: 150_000 });
    const titles = await page.evaluate(() => (globalThis as unknown as PageGlobals).__panelTitles);
    expect(
      titles.filter((t) => !new RegExp(`^(Importing|Import paused:) \\d+ of ${N} files$`).test(t)),
    ).toEqual([`Import finished: ${N} of ${N} files`]);
    test.info().annotations.push({
      type: 'measured',
      description: `${N} one-line files imported in ${((Date.now() - started) / 1000).toFixed(1)} s (with a 1.5 s pause)`,
    });
    await panel.getByRole('button', { name: 'Close the import panel' }).click();

    const table = page.getByTestId('documents-table');
    await expect(page.getByRole('toolbar', { name: 'Documents' })).toContainText(`${N + 4} documents`);
    await expect(table).toHaveAttribute('aria-rowcount', String(N + 5));
    const rows = table.getByTestId('doc-row');
    const inDom = await rows.count();
    expect(inDom).toBeGreaterThan(5);
    expect(inDom).toBeLessThan(60);

    // Sorted by name, the last row is the highest-numbered note; scrolling there keeps the DOM small.
    await table.getByRole('button', { name: 'Name' }).click();
    await expect(rows.first()).toContainText('garden');
    const body = table.locator('.doc-table__body');
    await body.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await expect(rows.filter({ hasText: `note-${String(N - 1).padStart(4, '0')}.txt` })).toBeVisible();
    expect(await rows.count()).toBeLessThan(60);

    // Cancel all: what was still queued is cancelled, and the panel says how many.
    const more = path.join(folder, 'more');
    fs.mkdirSync(more);
    for (let i = 0; i < 200; i++)
      fs.writeFileSync(path.join(more, `extra-${i}.md`), `# Extra ${i}\n\nMore text ${i}.`);
    // Paused first, so how many would finish before the click does not depend on the machine's speed.
    const paused = await callRoute(context, host.url, 'ingest.pause', {});
    expect(paused.ok).toBe(true);
    await callRoute(context, host.url, 'knowledge.import', { paths: [more] });
    await expect(heading).toHaveText('Import paused: 0 of 200 files');
    await panel.getByRole('button', { name: 'Cancel all' }).click();
    await expect(heading).toHaveText(/^Import finished: \d+ of 200 files, \d+ cancelled$/);
    const cancelled = Number(/(\d+) cancelled/.exec((await heading.textContent()) ?? '')![1]);
    expect(cancelled).toBe(200);
    await expect(panel.getByTestId('import-row').filter({ hasText: 'extra-199.md' })).toContainText(
      'Cancelled',
    );
    await expect(
      panel
        .getByTestId('import-row')
        .filter({ hasText: 'extra-199.md' })
        .getByRole('button', { name: 'Retry' }),
    ).toBeVisible();

    // Cancel all while files are being worked on: the long file the worker is embedding stops
    // (cancelled, not indexed), nothing is left running, and every file ends done or cancelled.
    expect((await callRoute(context, host.url, 'ingest.resume', {})).ok).toBe(true);
    await panel.getByRole('button', { name: 'Close the import panel' }).click();
    const busy = path.join(folder, 'busy');
    fs.mkdirSync(busy);
    const entries = Array.from(
      { length: 8000 },
      (_, i) => `Entry ${i}: the lantern at mark ${i * 7} was logged by the northern crew.`,
    );
    fs.writeFileSync(path.join(busy, 'a-long-log.txt'), entries.join('\n\n'));
    for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(busy, `b-${i}.md`), `# Busy ${i}\n\nText ${i}.`);
    await callRoute(context, host.url, 'knowledge.import', { paths: [busy] });
    const longRow = panel.getByTestId('import-row').filter({ hasText: 'a-long-log.txt' });
    await expect(longRow).toContainText('Embedding', { timeout: 60_000 });
    await panel.getByRole('button', { name: 'Cancel all' }).click();
    await expect(heading).toHaveText(/^Import finished: \d+ of 41 files, \d+ cancelled$/, {
      timeout: 30_000,
    });
    const [, doneBusy, cancelledBusy] = /: (\d+) of 41 files, (\d+) cancelled/.exec(
      (await heading.textContent()) ?? '',
    )!;
    expect(Number(doneBusy) + Number(cancelledBusy)).toBe(41);
    await expect(longRow).toContainText('Cancelled');
    await expect(page.getByRole('toolbar', { name: 'Documents' })).toContainText(
      `${N + 4 + Number(doneBusy)} documents`,
    );
  } finally {
    await page.close();
    fs.rmSync(folder, { recursive: true, force: true });
  }
});
