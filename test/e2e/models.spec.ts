/**
 * Settings → Models against a host of its own whose manifest (NOOK_MODEL_MANIFEST) lists test models:
 * one placed on disk before start (verified in the background, then Ready), one damaged, and one
 * whose `url` source is a throttled local HTTP server, so a download's progress can be watched,
 * cancelled and resumed (with an HTTP Range request) through the real routes and events.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test, expect, type BrowserContext } from '@playwright/test';
import { loggedInContext, startHost, type RunningHost } from './support/host';
import { fixturesDir } from '../models/modelFiles';

const SILERO = path.join(fixturesDir, 'models/silero-vad/silero_vad.onnx');
const SLOW_SIZE = 3 * 1024 * 1024;
const BYTES_PER_SECOND = 700 * 1024;

function sha256(b: Buffer): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

const silero = fs.existsSync(SILERO) ? fs.readFileSync(SILERO) : crypto.randomBytes(2_000_000);
const slow = crypto.randomBytes(SLOW_SIZE);
const ranges: (string | undefined)[] = [];

/** Serves `slow` with Range support, in 32 KiB slices paced to BYTES_PER_SECOND. */
const server = http.createServer((req, res) => {
  if (req.url !== '/slow.bin') return void res.writeHead(404).end();
  ranges.push(req.headers.range);
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = m ? Number(m[1]) : 0;
  const body = slow.subarray(start);
  res.writeHead(m ? 206 : 200, {
    'content-length': String(body.length),
    ...(m ? { 'content-range': `bytes ${start}-${slow.length - 1}/${slow.length}` } : {}),
  });
  let sent = 0;
  const step = 32 * 1024;
  const tick = () => {
    if (res.destroyed) return;
    if (sent >= body.length) return void res.end();
    const n = Math.min(step, body.length - sent);
    res.write(body.subarray(sent, sent + n));
    sent += n;
    setTimeout(tick, (n / BYTES_PER_SECOND) * 1000);
  };
  tick();
});

let host: RunningHost;
let context: BrowserContext;
let dataDir: string;

test.beforeAll(async ({ browser }) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-e2e-models-'));
  const file = (p: string, b: Buffer) => ({ path: p, sha256: sha256(b), size: b.length });
  const damaged = Buffer.from('not the model');
  const manifest = {
    schemaVersion: 1,
    models: [
      {
        id: 'e2e-vad',
        task: 'vad',
        displayName: 'E2E Silero VAD',
        license: 'MIT',
        sizeBytes: silero.length,
        sets: ['default'],
        files: [file('silero_vad.onnx', silero)],
        sources: [{ kind: 'url', files: { 'silero_vad.onnx': `${base}/nowhere.onnx` } }],
      },
      {
        id: 'e2e-damaged',
        task: 'vad',
        displayName: 'E2E damaged model',
        license: 'MIT',
        sizeBytes: silero.length,
        files: [file('silero_vad.onnx', silero)],
        sources: [{ kind: 'url', files: { 'silero_vad.onnx': `${base}/nowhere.onnx` } }],
      },
      {
        id: 'e2e-slow',
        task: 'embedding',
        displayName: 'E2E slow download',
        license: 'MIT',
        sizeBytes: slow.length,
        sets: ['default'],
        files: [file('slow.bin', slow)],
        sources: [{ kind: 'url', files: { 'slow.bin': `${base}/slow.bin` } }],
      },
    ],
  };
  const manifestPath = path.join(dataDir, '..', `${path.basename(dataDir)}-manifest.json`);
  fs.writeFileSync(manifestPath, JSON.stringify(manifest));
  // On disk before the host starts: one right file (never hashed yet), one of the wrong size.
  fs.mkdirSync(path.join(dataDir, 'models', 'e2e-vad'), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'models', 'e2e-vad', 'silero_vad.onnx'), silero);
  fs.mkdirSync(path.join(dataDir, 'models', 'e2e-damaged'), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'models', 'e2e-damaged', 'silero_vad.onnx'), damaged);

  host = await startHost({
    dataDir,
    env: { NOOK_MODEL_MANIFEST: manifestPath, NOOK_MODELS_DIR: undefined },
  });
  context = await loggedInContext(browser, host.loginUrl);
});

test.afterAll(async () => {
  await context?.close();
  await host?.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!process.env.NOOK_E2E_KEEP) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    for (const suffix of ['-manifest.json', '-my-vad.onnx'])
      fs.rmSync(`${dataDir}${suffix}`, { force: true });
  }
});

test('the Models screen shows real statuses and a download’s progress from a local source', async () => {
  test.setTimeout(60_000);
  const page = await context.newPage();
  await page.goto(`${host.url}/#/settings`);
  const section = page.locator('#settings-models');
  await expect(section.getByRole('heading', { name: 'Models' })).toBeVisible();

  const row = (id: string) => section.locator(`[data-model="${id}"]`);
  // The hand-placed file is hashed in the background and becomes Ready; the wrong-size one is Damaged.
  await expect(row('e2e-vad').getByTestId('model-state')).toHaveText('Ready');
  await expect(row('e2e-vad').getByTestId('model-active')).toHaveText('In use');
  await expect(row('e2e-damaged').getByTestId('model-state')).toHaveText('Damaged');
  await expect(row('e2e-damaged').getByRole('button', { name: 'Download again' })).toBeVisible();
  await expect(row('e2e-slow').getByTestId('model-state')).toHaveText('Not downloaded');

  // Download: the progress bar and its text move, with an estimate of the time left.
  const slowRow = row('e2e-slow');
  await slowRow.getByRole('button', { name: 'Download' }).click();
  await expect(slowRow.getByTestId('model-state')).toHaveText('Downloading');
  const bar = slowRow.getByRole('progressbar', { name: 'Downloading E2E slow download' });
  await expect(bar).toBeVisible();
  await expect(slowRow.getByTestId('model-progress')).toHaveText(
    /^\d+% · [\d.]+ (kB|MB) of 3\.1 MB · about \d+ s left$/,
  );
  const firstPct = Number(
    /^(\d+)%/.exec((await slowRow.getByTestId('model-progress').textContent()) ?? '')![1],
  );
  await expect
    .poll(async () =>
      Number(/^(\d+)%/.exec((await slowRow.getByTestId('model-progress').textContent()) ?? '0%')![1]),
    )
    .toBeGreaterThan(Math.max(firstPct, 25));

  // Cancel keeps what was downloaded…
  await slowRow.getByRole('button', { name: 'Cancel' }).click();
  await expect(slowRow.getByTestId('model-state')).toHaveText('Paused');
  await expect(slowRow.getByTestId('model-partial')).toContainText('of 3.1 MB downloaded');
  const part = path.join(dataDir, 'models', 'e2e-slow', 'slow.bin.part');
  const kept = fs.statSync(part).size;
  expect(kept).toBeGreaterThan(0);

  // …and the next download resumes from there with a Range request, then verifies.
  await slowRow.getByRole('button', { name: 'Resume download' }).click();
  await expect(slowRow.getByTestId('model-state')).toHaveText('Ready', { timeout: 20_000 });
  expect(ranges).toEqual([undefined, `bytes=${kept}-`]);
  const placed = fs.readFileSync(path.join(dataDir, 'models', 'e2e-slow', 'slow.bin'));
  expect(sha256(placed)).toBe(sha256(slow));
  await expect(slowRow.getByTestId('model-active')).toHaveText('In use');

  // A download that fails says which source was tried and why.
  await row('e2e-damaged').getByRole('button', { name: 'Download again' }).click();
  await expect(row('e2e-damaged').getByRole('alert')).toContainText(
    'Could not fetch e2e-damaged/silero_vad.onnx',
  );
  await expect(row('e2e-damaged').getByRole('alert')).toContainText('HTTP 404');

  // The status survives a reload (it comes from the disk, not from the page).
  await page.reload();
  await expect(row('e2e-slow').getByTestId('model-state')).toHaveText('Ready');
  await expect(row('e2e-damaged').getByTestId('model-state')).toHaveText('Damaged');
  await page.close();
});

test('a file that matches no known model is imported as a custom model for the chosen task, then deleted', async () => {
  const page = await context.newPage();
  await page.goto(`${host.url}/#/settings`);
  const section = page.locator('#settings-models');
  const file = path.join(dataDir, '..', `${path.basename(dataDir)}-my-vad.onnx`);
  fs.writeFileSync(file, crypto.randomBytes(50_000));

  await section.getByLabel('Model file or folder path').fill(file);
  await section.getByRole('button', { name: 'Import' }).click();
  // Unknown bytes and no task: the answer says what to do.
  await expect(section.locator('.models__import').getByRole('alert')).toContainText(
    'matches no model Nook knows. To use it anyway, import it as a custom model',
  );

  await section.getByLabel('Task (for a custom model)').selectOption('vad');
  await section.getByLabel('Display name (for a custom model)').fill('My VAD');
  await section.getByLabel('Parameters as JSON (for a custom model)').fill('{"threshold": 0.4}');
  await section.getByRole('button', { name: 'Import' }).click();
  const row = section.locator('[data-model="custom-my-vad"]');
  await expect(row.getByTestId('model-state')).toHaveText('Ready');
  await expect(row).toContainText('Custom');
  const stored = JSON.parse(fs.readFileSync(path.join(dataDir, 'models', 'custom-models.json'), 'utf8'));
  expect(stored.models[0]).toMatchObject({ id: 'custom-my-vad', task: 'vad', params: { threshold: 0.4 } });

  await row.getByRole('button', { name: 'Use for voice activity' }).click();
  await expect(row.getByTestId('model-active')).toHaveText('In use');
  await expect(section.locator('[data-model="e2e-vad"]').getByTestId('model-active')).toHaveCount(0);

  await row.getByRole('button', { name: 'Delete' }).click();
  await expect(row).toHaveCount(0);
  expect(fs.existsSync(path.join(dataDir, 'models', 'custom-my-vad'))).toBe(false);
  // Its task falls back to the default model.
  await expect(section.locator('[data-model="e2e-vad"]').getByTestId('model-active')).toHaveText('In use');
  await page.close();
});
