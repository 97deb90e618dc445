/**
 * Voice in a browser, against a host of its own with the checkout's `models/` (whisper, Silero VAD,
 * the intent embedder). No microphone is needed: the Voice screen's "Try a recording" sends a file,
 * which (up to 30 s) runs through the voice loop like speech: transcribing -> thinking -> idle, with
 * the transcript, the command recognised and the history. The push-to-talk overlay page, open beside
 * it, follows the same states; Esc there cancels. "Say it" returns synthesised audio.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect, type BrowserContext, type Page } from '@playwright/test';
import { loggedInContext, startHost, type RunningHost } from './support/host';
import { callRoute } from './support/rpc';

const MODELS_DIR = path.resolve(process.env.NOOK_E2E_MODELS_DIR || 'models');
const FIXTURES = path.resolve(process.env.NOOK_FIXTURES_DIR || '../shared/fixtures');
const JFK = path.join(FIXTURES, 'audio/jfk.wav');
const HAS_MODELS =
  [
    'whisper-tiny-en-converted/ggml-tiny.en.bin',
    'whisper-tiny-en/ggml-tiny.en.bin',
    'whisper-base-converted/ggml-base.bin',
  ]
    .map((f) => path.join(MODELS_DIR, f))
    .some((f) => fs.existsSync(f)) &&
  fs.existsSync(path.join(MODELS_DIR, 'silero-vad/silero_vad.onnx')) &&
  fs.existsSync(JFK);

let host: RunningHost;
let context: BrowserContext;
let dataDir: string;

test.describe.configure({ mode: 'serial' });
test.skip(
  !HAS_MODELS,
  `needs a whisper model and Silero VAD in ${MODELS_DIR} (npm run models:fetch -- --set test)`,
);

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-e2e-voice-'));
  host = await startHost({ dataDir, env: { NOOK_MODELS_DIR: MODELS_DIR } });
  context = await loggedInContext(browser, host.loginUrl);
});

test.afterAll(async () => {
  await context?.close();
  await host?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Records every state the overlay shows (data-state), so short-lived ones are not missed. */
async function watchOverlay(page: Page): Promise<void> {
  // A string: this runs in the page (the spec is type-checked without DOM types).
  await page.evaluate(`(() => {
    window.__states = [];
    const el = document.querySelector('.voice-overlay');
    const note = () => {
      const s = el.getAttribute('data-state') || '';
      if (window.__states[window.__states.length - 1] !== s) window.__states.push(s);
    };
    note();
    new MutationObserver(note).observe(el, { attributes: true, attributeFilter: ['data-state'] });
  })()`);
}

test('a recording on the Voice screen: transcript, command and history; the overlay follows; Esc clears it', async () => {
  test.setTimeout(300_000);
  const overlay = await context.newPage();
  await overlay.goto(`${host.url}/voiceoverlay.html`);
  await expect(overlay.getByRole('status')).toContainText('Done');
  await expect(overlay.getByText('Esc to cancel')).toBeVisible();
  await watchOverlay(overlay);

  const page = await context.newPage();
  await page.goto(`${host.url}/#/voice`);
  const card = page.getByRole('region', { name: 'Try a recording' });
  await card.getByLabel('Audio file').setInputFiles(JFK);

  // The first call loads the models; then whisper transcribes the 11 s speech.
  await expect(card.getByTestId('recording-transcript')).toContainText(
    'ask what you can do for your country',
    {
      timeout: 240_000,
      ignoreCase: true,
    },
  );
  await expect(card.getByTestId('recording-intent')).toContainText(/Command: \w+ \(\d+%\)/);
  await expect(card).toContainText(/11\.0 s of audio in \d+\.\d s/);
  // The voice history lists it as a recording's turn.
  const history = page.getByRole('region', { name: 'Voice history' });
  await expect(history).toContainText('fellow Americans');
  const h = await callRoute(context, host.url, 'voice.history', { limit: 1 });
  expect(h.ok && h.value[0]?.source).toBe('file');

  // The overlay went through the loop's states and shows what was heard and understood.
  await expect(overlay.locator('.voice-overlay__transcript')).toContainText('fellow Americans');
  await expect(overlay.locator('.voice-overlay__intent')).toContainText('→');
  const states = (await overlay.evaluate('window.__states')) as string[];
  expect(states).toEqual(expect.arrayContaining(['transcribing', 'thinking', 'idle']));
  expect(states.indexOf('transcribing')).toBeLessThan(states.indexOf('thinking'));

  // Esc on the overlay cancels: the loop is idle and the overlay is cleared.
  await overlay.keyboard.press('Escape');
  await expect(overlay.locator('.voice-overlay__transcript')).toHaveCount(0);
  await expect(overlay.getByRole('status')).toContainText('Done');

  // A file that is not audio: a clear error, nothing transcribed.
  const bad = path.join(dataDir, 'not-audio.wav');
  fs.writeFileSync(bad, 'this is not a wave file');
  await card.getByLabel('Audio file').setInputFiles(bad);
  await expect(card.locator('.field__error')).toContainText('not-audio.wav');
  await page.close();
  await overlay.close();
});

test('Say it: the speech route returns audio (local voice) and the screen says which engine spoke', async () => {
  test.setTimeout(180_000);
  const page = await context.newPage();
  await page.goto(`${host.url}/#/voice`);
  const card = page.getByRole('region', { name: 'Speech test' });
  await card.getByLabel('Text to say').fill('Your briefing is ready.');
  await card.getByRole('button', { name: 'Say it' }).click();
  await expect(card.getByTestId('spoken')).toContainText(
    /(Piper|espeak-ng): first audio after \d+ ms, \d+ KiB/,
    {
      timeout: 120_000,
    },
  );
  const r = await callRoute(context, host.url, 'voice.speak', { text: 'Hello.', play: false });
  expect(r.ok).toBe(true);
  if (!r.ok) return;
  expect(r.value.played).toBe(false);
  const wav = Buffer.from(r.value.audioUrl.replace(/^data:audio\/wav;base64,/, ''), 'base64');
  expect(wav.subarray(0, 4).toString('ascii')).toBe('RIFF');
  expect(wav.length).toBeGreaterThan(8000);
  await page.close();
});
