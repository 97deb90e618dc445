/**
 * Settings → Voice in a browser against the shared host: the microphone list comes from the host's
 * `voice.devices` (whatever this machine has: real cards, ALSA plugins or nothing), choices are saved
 * to settings.json and survive a reload, the settings route's refusals are shown under the control,
 * "Test voice" speaks with the chosen settings (the audio comes back from voice.speak) and the
 * microphone test shows what voice.testMicrophone answers.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page, WebSocket as PageSocket } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { callRoute, resetSettings } from './support/rpc';

test.beforeEach(async ({ context, hostUrl }) => resetSettings(context, hostUrl));
test.afterEach(async ({ context, hostUrl }) => resetSettings(context, hostUrl));

function voiceOnDisk(dataDir: string): Record<string, unknown> {
  const all = JSON.parse(fs.readFileSync(path.join(dataDir, 'settings.json'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  return all.voice ?? {};
}

async function openVoiceSettings(page: Page): Promise<Locator> {
  await page.goto('/#/settings');
  const section = page.getByRole('region', { name: 'Voice', exact: true });
  await expect(section).toBeVisible();
  // The device list has arrived (the Refresh button is back from "Looking…").
  await expect(section.getByRole('button', { name: 'Refresh the microphone list' })).toHaveText('Refresh');
  return section;
}

/** voice.speak answers as they arrive over the page's WebSocket (the renderer's transport). */
function speakResults(page: Page): Array<{ ok: boolean; value?: { engine: string; audioUrl: string } }> {
  const seen: Array<{ ok: boolean; value?: { engine: string; audioUrl: string } }> = [];
  page.on('websocket', (ws: PageSocket) => {
    ws.on('framereceived', ({ payload }) => {
      const text = typeof payload === 'string' ? payload : payload.toString();
      if (!text.includes('audioUrl') && !text.includes('"ok":false')) return;
      const msg = JSON.parse(text) as {
        result?: { ok: boolean; value?: { engine: string; audioUrl: string } };
      };
      if (msg.result && (msg.result.value?.audioUrl !== undefined || msg.result.ok === false))
        seen.push(msg.result);
    });
  });
  return seen;
}

/** Bytes of a WAV data URL. */
function wavBytes(url: string): number {
  return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64').length;
}

test('the Voice section saves every choice to settings.json, and they survive a reload', async ({
  page,
  context,
  hostUrl,
  dataDir,
}) => {
  const section = await openVoiceSettings(page);

  // The microphone list is what the host lists (plus the system default), whatever it is here.
  const listed = await callRoute(context, hostUrl, 'voice.devices', {});
  if (!listed.ok) throw new Error(`voice.devices failed: ${listed.message}`);
  const device = section.getByLabel('Input device');
  const values = await device.locator('option').evaluateAll((os) => os.map((o) => o.getAttribute('value')));
  expect(values).toContain('default');
  for (const d of listed.value) expect(values).toContain(d.id);
  if (listed.value.length === 0) await expect(section.getByText('No microphone found')).toBeVisible();
  const picked = values.filter((v): v is string => !!v && v !== 'default').at(-1) ?? 'default';
  await device.selectOption(picked);

  await section.getByRole('radio', { name: 'arecord' }).check();
  await section.getByLabel('Language').selectOption('de');
  const silence = section.getByLabel('Stop listening after this much silence (ms)');
  await silence.fill('1200');
  await silence.press('Enter');
  await section.getByRole('switch', { name: 'Act as soon as a command is complete' }).click();
  // Sliders by keyboard: 0.50 -> 0.60, 175 -> 200 words per minute.
  const vad = section.getByLabel('Speech detection threshold');
  await vad.focus();
  await vad.press('ArrowRight');
  await vad.press('ArrowRight');
  await expect(section.locator('output').first()).toHaveText('0.60');
  const rate = section.getByLabel('Speaking rate');
  await rate.focus();
  for (let i = 0; i < 5; i++) await rate.press('ArrowRight');
  await expect(section.getByText('200 wpm')).toBeVisible();
  await section.getByRole('switch', { name: 'Speak answers' }).click();

  // Cloud providers are off: ElevenLabs cannot be chosen, and the section says why.
  await expect(section.getByRole('radio', { name: 'ElevenLabs' })).toBeDisabled();
  await expect(section.getByTestId('elevenlabs-reason')).toContainText('Cloud providers are off');
  await section.getByRole('radio', { name: 'espeak-ng', exact: true }).check();
  await section.getByRole('combobox', { name: 'espeak-ng voice' }).selectOption('en-gb');
  await section.getByRole('combobox', { name: 'espeak-ng variant' }).selectOption('f3');

  await expect
    .poll(() => voiceOnDisk(dataDir))
    .toMatchObject({
      inputDevice: picked,
      recorder: 'arecord',
      language: 'de',
      silenceTimeoutMs: 1200,
      endOnCompleteCommand: false,
      speakAnswers: false,
      ttsEngine: 'espeak',
      ttsVoice: 'en-gb+f3',
      ttsRate: 200,
    });
  expect(voiceOnDisk(dataDir).vadThreshold).toBeCloseTo(0.6, 5);

  await page.reload();
  const again = await openVoiceSettings(page);
  await expect(again.getByLabel('Input device')).toHaveValue(picked);
  await expect(again.getByRole('radio', { name: 'arecord' })).toBeChecked();
  await expect(again.getByLabel('Language')).toHaveValue('de');
  await expect(again.getByLabel('Stop listening after this much silence (ms)')).toHaveValue('1200');
  await expect(again.getByRole('switch', { name: 'Act as soon as a command is complete' })).toHaveAttribute(
    'aria-checked',
    'false',
  );
  await expect(again.getByLabel('Speech detection threshold')).toHaveValue('0.6');
  await expect(again.getByLabel('Speaking rate')).toHaveValue('200');
  await expect(again.getByRole('switch', { name: 'Speak answers' })).toHaveAttribute('aria-checked', 'false');
  await expect(again.getByRole('radio', { name: 'espeak-ng', exact: true })).toBeChecked();
  await expect(again.getByRole('combobox', { name: 'espeak-ng voice' })).toHaveValue('en-gb');
  await expect(again.getByRole('combobox', { name: 'espeak-ng variant' })).toHaveValue('f3');
});

test('the settings route refuses a silence out of range, and the message is shown under the field', async ({
  page,
  dataDir,
}) => {
  const section = await openVoiceSettings(page);
  const silence = section.getByLabel('Stop listening after this much silence (ms)');
  await silence.fill('100');
  await silence.press('Enter');
  await expect(section.getByRole('alert')).toContainText(/200/);
  await expect(silence).toHaveAttribute('aria-invalid', 'true');
  await silence.fill('9000');
  await silence.press('Enter');
  await expect(section.getByRole('alert')).toContainText(/5000/);
  await silence.fill('800');
  await silence.press('Enter');
  await expect(section.getByRole('alert')).toHaveCount(0);
  await expect(silence).not.toHaveAttribute('aria-invalid', 'true');
  await expect.poll(() => voiceOnDisk(dataDir).silenceTimeoutMs).toBe(800);
});

test('Test voice speaks with the chosen settings: audio comes back, slower speech is longer', async ({
  page,
}) => {
  test.setTimeout(60_000);
  const results = speakResults(page);
  const section = await openVoiceSettings(page);
  await section.getByRole('radio', { name: 'espeak-ng', exact: true }).check();
  const rate = section.getByLabel('Speaking rate');
  const testVoice = section.getByRole('button', { name: 'Test voice' });
  const status = section.getByTestId('voice-test-result');

  // Slowest, then fastest: the same sentence must take longer at 80 than at 450 words per minute.
  await rate.focus();
  await rate.press('Home');
  await expect(section.getByText('80 wpm')).toBeVisible();
  await testVoice.click();
  await expect(status).toContainText('Spoken with espeak-ng');
  await expect.poll(() => results.length).toBe(1);

  await rate.focus();
  await rate.press('End');
  await expect(section.getByText('450 wpm')).toBeVisible();
  await testVoice.click();
  await expect.poll(() => results.length).toBe(2);
  await expect(status).toContainText('Spoken with espeak-ng');

  const [slow, fast] = results;
  expect(slow?.ok && fast?.ok).toBe(true);
  expect(slow?.value?.engine).toBe('espeak-ng');
  expect(slow?.value?.audioUrl).toMatch(/^data:audio\/wav;base64,UklGR/);
  const slowBytes = wavBytes(slow!.value!.audioUrl);
  const fastBytes = wavBytes(fast!.value!.audioUrl);
  expect(fastBytes).toBeGreaterThan(1000);
  // espeak-ng: about 6x the audio at 80 wpm as at 450; 175 (the default, had the rate not been saved first) gives 3x.
  expect(slowBytes).toBeGreaterThan(fastBytes * 4);
});

test('the microphone test shows what voice.testMicrophone answers on this machine', async ({
  page,
  context,
  hostUrl,
}) => {
  test.setTimeout(60_000);
  const section = await openVoiceSettings(page);
  // What the host says for the saved device (the system default), asked directly first.
  const direct = await callRoute(context, hostUrl, 'voice.testMicrophone', {});
  await section.getByRole('button', { name: 'Test microphone' }).click();
  const result = section.getByTestId('mic-test-result');
  await expect(result).not.toHaveText('Recording…', { timeout: 20_000 });
  if (direct.ok) await expect(result).toContainText(direct.value.message);
  else await expect(result).toContainText(`Microphone test failed: ${direct.message}`);
});

test('a saved device that is not connected now is kept and shown; ElevenLabs kept but explained', async ({
  page,
  context,
  hostUrl,
  dataDir,
}) => {
  const gone = 'hw:CARD=NookGone,DEV=7';
  const r = await callRoute(context, hostUrl, 'settings.update', {
    voice: { inputDevice: gone, ttsEngine: 'elevenlabs' },
  });
  expect(r.ok).toBe(true);
  const section = await openVoiceSettings(page);
  const device = section.getByLabel('Input device');
  await expect(device).toHaveValue(gone);
  await expect(device.locator('option:checked')).toHaveText(`${gone} (not connected now)`);
  await expect(section.getByTestId('device-missing')).toContainText(gone);
  // ElevenLabs stays the saved choice (so it can be seen and changed), with why local speech is used.
  await expect(section.getByRole('radio', { name: 'ElevenLabs' })).toBeChecked();
  await expect(section.getByTestId('elevenlabs-reason')).toContainText('Local speech is used instead');
  await section.getByRole('button', { name: 'Refresh the microphone list' }).click();
  await expect(device).toHaveValue(gone);
  expect(voiceOnDisk(dataDir).inputDevice).toBe(gone);
});

test('the Voice screen links to Settings → Voice', async ({ page }) => {
  await page.goto('/#/voice');
  await page.getByRole('link', { name: 'Settings → Voice' }).click();
  await expect(page).toHaveURL(/#\/settings$/);
  await expect(page.getByRole('region', { name: 'Voice', exact: true })).toBeInViewport();
});

/**
 * Answers chosen routes in place of the host (everything else goes through to it): how the section
 * behaves when this machine has no microphone, or espeak-ng cannot list its voices, is not something
 * the test machine can be switched to.
 */
async function answerRoutes(page: Page, answer: (route: string) => unknown): Promise<string[]> {
  const asked: string[] = [];
  await page.routeWebSocket(/\/ws$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const msg = JSON.parse(String(message)) as { id?: number; route?: string };
      const result = msg.route ? answer(msg.route) : undefined;
      if (msg.route) asked.push(msg.route);
      if (result === undefined) server.send(message);
      else ws.send(JSON.stringify({ id: msg.id, result }));
    });
  });
  return asked;
}

test('no microphone, or a failing device list, is said plainly; Refresh asks again', async ({ page }) => {
  let devices: unknown = { ok: true, value: [] };
  const asked = await answerRoutes(page, (route) => (route === 'voice.devices' ? devices : undefined));
  const section = await openVoiceSettings(page);
  await expect(section.getByRole('alert')).toHaveText(/No microphone found/);
  await expect(section.getByLabel('Input device')).toHaveValue('default');

  devices = { ok: false, code: 'UNAVAILABLE', message: 'arecord is not installed' };
  await section.getByRole('button', { name: 'Refresh the microphone list' }).click();
  await expect(section.getByRole('alert')).toHaveText('Could not list microphones: arecord is not installed');
  await expect(section.getByLabel('Input device')).toHaveValue('default');

  devices = {
    ok: true,
    value: [
      { id: 'default', label: 'Default audio device (default)', backend: 'alsa', isDefault: true },
      { id: 'pulse:usb-mic', label: 'usb-mic', backend: 'pulse', isDefault: false },
    ],
  };
  await section.getByRole('button', { name: 'Refresh the microphone list' }).click();
  await expect(section.getByRole('alert')).toHaveCount(0);
  await expect(section.getByLabel('Input device').locator('option')).toHaveText([
    'Default audio device (default) — default',
    'usb-mic',
  ]);
  expect(asked.filter((r) => r === 'voice.devices')).toHaveLength(3);
});

test('without a list of espeak-ng voices, the voice is a text field that is checked before saving', async ({
  page,
  dataDir,
}) => {
  await answerRoutes(page, (route) =>
    route === 'voice.ttsVoices'
      ? { ok: false, code: 'UNAVAILABLE', message: 'espeak-ng is not installed' }
      : undefined,
  );
  const section = await openVoiceSettings(page);
  await expect(
    section.getByText('espeak-ng could not list its voices (espeak-ng is not installed)'),
  ).toBeVisible();
  const voice = section.getByRole('textbox', { name: 'espeak-ng voice' });
  await expect(voice).toHaveValue('en-us');
  await voice.fill('en us; rm');
  await voice.press('Enter');
  await expect(section.getByRole('alert')).toContainText('A voice is a language such as en-us');
  await expect(voice).toHaveAttribute('aria-invalid', 'true');
  await voice.fill('en-gb+m3');
  await voice.press('Enter');
  await expect(section.getByRole('alert')).toHaveCount(0);
  await expect.poll(() => voiceOnDisk(dataDir).ttsVoice).toBe('en-gb+m3');
});

test('ElevenLabs can be chosen once cloud providers are on and its key is stored (never shown)', async ({
  page,
  context,
  hostUrl,
}) => {
  const key = 'e2e-elevenlabs-key-not-a-real-one';
  await callRoute(context, hostUrl, 'secrets.delete', { id: 'voice.elevenlabs' });
  try {
    await callRoute(context, hostUrl, 'settings.update', { privacy: { allowCloudProviders: true } });
    const section = await openVoiceSettings(page);
    const eleven = section.getByRole('radio', { name: 'ElevenLabs' });
    await expect(section.getByTestId('elevenlabs-reason')).toContainText('No ElevenLabs API key is stored');
    await expect(eleven).toBeDisabled();

    // Stored elsewhere (another window): secrets.changed makes it choosable here at once.
    expect(
      (await callRoute(context, hostUrl, 'secrets.set', { id: 'voice.elevenlabs', value: key })).ok,
    ).toBe(true);
    await expect(eleven).toBeEnabled();
    await expect(section.getByTestId('elevenlabs-reason')).toHaveCount(0);
    await eleven.check();
    await expect(section.getByRole('textbox', { name: 'ElevenLabs voice ID' })).toHaveValue(
      '21m00Tcm4TlvDq8ikWAM',
    );
    await expect(page.locator('body')).not.toContainText(key);

    // Cloud off again: still the saved choice, explained.
    await page.getByRole('switch', { name: 'Allow cloud providers' }).click();
    await expect(section.getByTestId('elevenlabs-reason')).toContainText('Local speech is used instead');
    await expect(eleven).toBeChecked();
  } finally {
    await callRoute(context, hostUrl, 'secrets.delete', { id: 'voice.elevenlabs' });
  }
});
