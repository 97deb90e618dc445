import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Native modules (better-sqlite3, onnxruntime, keytar) behave best in forked processes.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests are hermetic: CI exports NOOK_MODEL_CACHE for `models:fetch`, and the fetcher would otherwise
    // share that cache with the tests' own throwaway model directories.
    env: { NOOK_MODEL_CACHE: '' },
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
