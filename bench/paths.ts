/**
 * Where the benchmarks find things: the checkout, the local models (`$NOOK_MODELS_DIR`, default
 * models/) and the shared fixtures (`$NOOK_FIXTURES_DIR`, default ../shared/fixtures).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const modelsDir = process.env.NOOK_MODELS_DIR
  ? path.resolve(process.env.NOOK_MODELS_DIR)
  : path.join(root, 'models');
export const fixturesDir = process.env.NOOK_FIXTURES_DIR
  ? path.resolve(process.env.NOOK_FIXTURES_DIR)
  : path.resolve(root, '../shared/fixtures');
