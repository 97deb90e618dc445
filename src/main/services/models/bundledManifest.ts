/**
 * The manifest the app ships with (bundled from `models/manifest.json` at build time), or a file named
 * by NOOK_MODEL_MANIFEST (tests, benchmarks, the browser e2e point the app at their own manifests).
 */
import manifestJson from '../../../../models/manifest.json';
import type { ModelManifest } from '../../../shared/types/models';
import { parseManifest, readManifestFile } from './manifest';

export function loadManifest(file = process.env.NOOK_MODEL_MANIFEST?.trim()): ModelManifest {
  return file ? readManifestFile(file) : parseManifest(manifestJson, 'models/manifest.json');
}
