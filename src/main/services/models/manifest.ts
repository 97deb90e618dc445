/** Loading and validating model manifests (the bundled one, a test one, and custom-models.json). */
import fs from 'node:fs';
import { AppError } from '../../../shared/ipc/result';
import { ModelManifestSchema, type ModelManifest } from '../../../shared/types/models';

/** Validates a manifest object; the error names each problem with its JSON path. */
export function parseManifest(raw: unknown, where = 'the model manifest'): ModelManifest {
  const parsed = ModelManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new AppError('INVALID_INPUT', `${where} is not valid: ${issues}`);
  }
  const ids = new Set<string>();
  for (const m of parsed.data.models) {
    if (ids.has(m.id)) throw new AppError('INVALID_INPUT', `${where} lists the model "${m.id}" twice`);
    ids.add(m.id);
    const size = m.files.reduce((s, f) => s + f.size, 0);
    if (size !== m.sizeBytes) {
      throw new AppError(
        'INVALID_INPUT',
        `${where}: "${m.id}" has sizeBytes ${m.sizeBytes} but its files sum to ${size}`,
      );
    }
  }
  return parsed.data;
}

export function readManifestFile(file: string): ModelManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AppError('INVALID_INPUT', `Cannot read the model manifest ${file}: ${(e as Error).message}`);
  }
  return parseManifest(raw, file);
}
