import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ModelEntry, ModelManifestSchema } from '../../src/shared/types/models';

/** Repository root (this file lives in test/models/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where fetched models live: `$NOOK_MODELS_DIR/<id>/<path>`, by default `<repo>/models`. */
export const modelsDir = process.env.NOOK_MODELS_DIR
  ? path.resolve(process.env.NOOK_MODELS_DIR)
  : path.join(repoRoot, 'models');

/** The shared fixtures folder (`../shared/fixtures` from the repository root). */
export const fixturesDir = process.env.NOOK_FIXTURES_DIR
  ? path.resolve(process.env.NOOK_FIXTURES_DIR)
  : path.resolve(repoRoot, '../shared/fixtures');

export const manifest = ModelManifestSchema.parse(
  JSON.parse(readFileSync(path.join(repoRoot, 'models/manifest.json'), 'utf8')),
);

export function entry(id: string): ModelEntry {
  const found = manifest.models.find((m) => m.id === id);
  if (!found) throw new Error(`models/manifest.json has no model "${id}"`);
  return found;
}

export interface ModelFiles {
  entry: ModelEntry;
  /** Absolute path of each model file, by its manifest path. */
  file(p: string): string;
  /** True when every file is present with the manifest's size. */
  present: boolean;
  /** Why the model is not usable here (for skip messages); empty when present. */
  missing: string;
}

/**
 * A model's files as the fetcher leaves them. Sizes are checked (cheap); sha256 is the fetcher's job
 * (`npm run models:fetch` verifies every byte before it moves a file into place).
 */
export function modelFiles(id: string): ModelFiles {
  const e = entry(id);
  const file = (p: string): string => path.join(modelsDir, e.id, p);
  const problems = e.files
    .filter((f) => !existsSync(file(f.path)) || statSync(file(f.path)).size !== f.size)
    .map((f) => f.path);
  return {
    entry: e,
    file,
    present: problems.length === 0,
    missing: problems.length
      ? `model ${id} not fetched (${problems.join(', ')} missing or of the wrong size in ${path.join(modelsDir, e.id)}); run npm run models:fetch`
      : '',
  };
}
