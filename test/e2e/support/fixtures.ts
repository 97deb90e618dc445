/** The shared host for specs: its URL and data dir, and pages already logged in to it. */
import { test as base, expect } from '@playwright/test';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the specs through playwright.config.ts (global setup)`);
  return v;
}

// Playwright reads fixture dependencies from the destructuring pattern, so fixtures with none use `{}`.
/* eslint-disable no-empty-pattern */
export const test = base.extend<{ hostUrl: string; dataDir: string }>({
  storageState: async ({}, use) => use(env('NOOK_E2E_STATE')),
  baseURL: async ({}, use) => use(env('NOOK_E2E_URL')),
  hostUrl: async ({}, use) => use(env('NOOK_E2E_URL')),
  dataDir: async ({}, use) => use(env('NOOK_E2E_DATA_DIR')),
});

export { expect };
