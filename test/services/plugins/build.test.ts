/**
 * `npm run plugins:build` (scripts/buildPlugins.mjs): compiles from the npm compiler, fills in the
 * manifest's hash, skips unchanged sources, and a forced rebuild gives the same bytes (so a package's
 * published hash can be reproduced from its source).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, buildPlugins, sampleDist, sha256File } from './helpers';

const script = path.join(REPO, 'scripts/buildPlugins.mjs');
const run = (...args: string[]) =>
  execFileSync(process.execPath, [script, ...args], {
    cwd: REPO,
    stdio: 'pipe',
    timeout: 240_000,
  }).toString();

beforeAll(() => buildPlugins(), 300_000);

describe('plugin build', () => {
  it('writes a package whose manifest names the wasm by its hash, and skips unchanged sources', () => {
    for (const name of ['unit-converter', 'on-this-day', 'http-quote']) {
      const dist = sampleDist(name);
      const manifest = JSON.parse(fs.readFileSync(path.join(dist, 'nook-plugin.json'), 'utf8'));
      const template = JSON.parse(
        fs.readFileSync(path.join(REPO, 'plugins', name, 'nook-plugin.template.json'), 'utf8'),
      );
      expect(manifest.entry.sha256).toBe(sha256File(path.join(dist, 'plugin.wasm')));
      expect({ ...manifest, entry: { ...manifest.entry, sha256: '' } }).toEqual(template);
      expect(fs.existsSync(path.join(dist, `${name}.zip`))).toBe(true);
    }
    expect(run()).toMatch(/3 sample module\(s\), built 0 \(all up to date\)/);
  });

  it('rebuilds byte for byte the same', () => {
    const wasm = path.join(sampleDist('unit-converter'), 'plugin.wasm');
    const before = sha256File(wasm);
    const out = run('--force');
    expect(out).toMatch(/built 3/);
    expect(sha256File(wasm)).toBe(before);
  }, 240_000);
});
