/**
 * Starts one headless host for the whole run, logs a browser in through the one-time login URL and
 * saves that session (HttpOnly cookie) for every test. Tests read the host from the environment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type FullConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../../playwright.config';
import { startHost } from './host';

export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  const host = await startHost();
  const statePath = path.join(host.dataDir, '..', `${path.basename(host.dataDir)}-auth.json`);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(host.loginUrl);
    if (!response || !response.ok())
      throw new Error(`login failed: HTTP ${response?.status()}\n${host.output()}`);
    await context.storageState({ path: statePath });
  } catch (e) {
    await host.stop();
    throw e;
  } finally {
    await browser.close();
  }

  process.env.NOOK_E2E_URL = host.url;
  process.env.NOOK_E2E_DATA_DIR = host.dataDir;
  process.env.NOOK_E2E_STATE = statePath;

  return async () => {
    await host.stop();
    fs.rmSync(statePath, { force: true });
    if (!process.env.NOOK_E2E_KEEP) fs.rmSync(host.dataDir, { recursive: true, force: true });
  };
}
