/** `npm run models:fetch` end to end: a real child process against a local HTTP server. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest } from '../../../src/main/services/models/bundledManifest';
import { parseManifest } from '../../../src/main/services/models/manifest';
import { entry, FileServer, randomBytes, sha256, SILERO, tmpDir } from './helpers';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(__dirname, '../../..');
const silero = fs.readFileSync(SILERO);

let server: FileServer;
beforeAll(async () => {
  server = await new FileServer().start();
});
afterAll(async () => {
  await server.stop();
});

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'scripts/modelsFetch.ts', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NOOK_MODEL_CACHE: '', NOOK_MODELS_DIR: '', ...env },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('models:fetch CLI', () => {
  it('fetches a set, prints a summary, is idempotent, and exits 1 naming every source when one fails', async () => {
    const other = randomBytes(70 * 1024, 51);
    const manifest = {
      schemaVersion: 1,
      models: [
        entry(
          'cli-vad',
          [{ path: 'silero_vad.onnx', body: silero }],
          [
            { kind: 'url', files: { 'silero_vad.onnx': `${server.base}/404/silero.onnx` } },
            { kind: 'url', files: { 'silero_vad.onnx': server.serve('/cli/silero.onnx', { body: silero }) } },
          ],
          { sets: ['test'] },
        ),
        entry(
          'cli-other',
          [{ path: 'o.bin', body: other }],
          [{ kind: 'url', files: { 'o.bin': server.serve('/cli/o.bin', { body: other }) } }],
          { sets: ['default'] },
        ),
        entry(
          'cli-broken',
          [{ path: 'b.bin', body: other }],
          [
            { kind: 'url', files: { 'b.bin': `${server.base}/404/b.bin` } },
            { kind: 'huggingface', repo: 'org/none', revision: 'deadbeef', files: { 'b.bin': 'b.bin' } },
          ],
          { sets: ['all'] },
        ),
      ],
    };
    const dir = tmpDir();
    const manifestPath = path.join(dir, 'manifest.json');
    fs.writeFileSync(manifestPath, JSON.stringify(manifest));
    const modelsDir = path.join(dir, 'models');

    const first = await cli(['--manifest', manifestPath, '--set', 'test', '--models-dir', modelsDir]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Fetching 1 model(s) of set "test"');
    expect(first.stdout).toMatch(
      /cli-vad\s+1\s+2\.3 MB\s+fetched\s+url http:\/\/127\.0\.0\.1:\d+\/cli\/silero\.onnx/,
    );
    expect(sha256(fs.readFileSync(path.join(modelsDir, 'cli-vad', 'silero_vad.onnx')))).toBe(sha256(silero));
    expect(fs.existsSync(path.join(modelsDir, 'cli-other'))).toBe(false);

    const count = server.requests.length;
    const again = await cli(['--manifest', manifestPath, '--set', 'test'], { NOOK_MODELS_DIR: modelsDir });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/cli-vad\s+1\s+2\.3 MB\s+present/);
    expect(server.requests.length).toBe(count);

    const failing = await cli(
      ['--manifest', manifestPath, '--models-dir', modelsDir, 'cli-other', 'cli-broken'],
      {
        HF_ENDPOINT: `${server.base}/hf`,
      },
    );
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/cli-other\s+1\s+.*fetched/);
    expect(failing.stdout).toMatch(/cli-broken\s+1\s+.*FAILED/);
    expect(failing.stderr).toContain('Could not fetch cli-broken/b.bin: 2 source(s) tried');
    expect(failing.stderr).toContain(`1. url ${server.base}/404/b.bin: HTTP 404 Not Found`);
    expect(failing.stderr).toContain('2. huggingface org/none@deadbeef: HTTP 404 Not Found');

    const unknown = await cli(['--manifest', manifestPath, 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown model(s): nope; known: cli-vad, cli-other, cli-broken');
  }, 60_000);
});

describe('manifests', () => {
  it('the bundled models/manifest.json is valid', () => {
    const m = loadManifest('');
    expect(m.models.length).toBeGreaterThan(0);
    expect(m.models.some((e) => e.sets.includes('test'))).toBe(true);
  });

  it('NOOK_MODEL_MANIFEST / a file path replaces the bundled manifest', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'm.json');
    const e = entry(
      'only-one',
      [{ path: 'a', body: Buffer.from('a') }],
      [{ kind: 'url', files: { a: 'http://x/a' } }],
    );
    fs.writeFileSync(file, JSON.stringify({ schemaVersion: 1, models: [e] }));
    expect(loadManifest(file).models.map((m) => m.id)).toEqual(['only-one']);
  });

  it('rejects duplicate ids, a wrong sizeBytes and bad hashes with the place of the problem', () => {
    const e = entry(
      'dup',
      [{ path: 'a', body: Buffer.from('abc') }],
      [{ kind: 'url', files: { a: 'http://x/a' } }],
    );
    expect(() => parseManifest({ schemaVersion: 1, models: [e, e] })).toThrow('lists the model "dup" twice');
    expect(() => parseManifest({ schemaVersion: 1, models: [{ ...e, sizeBytes: 4 }] })).toThrow(
      '"dup" has sizeBytes 4 but its files sum to 3',
    );
    expect(() =>
      parseManifest({ schemaVersion: 1, models: [{ ...e, files: [{ path: 'a', sha256: 'XYZ', size: 3 }] }] }),
    ).toThrow(/models\.0\.files\.0\.sha256: sha256 as 64 lowercase hex digits/);
    expect(() =>
      parseManifest({
        schemaVersion: 1,
        models: [{ ...e, files: [{ path: '../escape', sha256: e.files[0]!.sha256, size: 3 }] }],
      }),
    ).toThrow(/a relative path inside the model folder/);
  });
});
