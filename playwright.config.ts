/**
 * Browser e2e: the renderer served by the headless host (`node out/main/serve.js`), driven by
 * Debian's Chromium (`npx playwright install` cannot download browsers here). Run through
 * `npm run test:e2e`, which builds first and provides a keychain (scripts/withKeyring.mjs).
 */
import { defineConfig } from '@playwright/test';

export const CHROMIUM_PATH = process.env.NOOK_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '*.spec.ts',
  // A subfolder, so Playwright's clean-up at start leaves the unit tests' reports in test-results/ alone.
  outputDir: 'test-results/e2e',
  globalSetup: './test/e2e/support/globalSetup.ts',
  // One host, shared settings, a 2-core machine: run specs one after another.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    viewport: { width: 1200, height: 780 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    colorScheme: 'light',
  },
  projects: [{ name: 'chromium' }],
});
