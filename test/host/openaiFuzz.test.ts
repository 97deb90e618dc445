/**
 * Schema fuzzing of the OpenAI-compatible routes (`/v1/*`, tag `openai` in `/api/openapi.json`)
 * with schemathesis against a host over the REAL core, with the plugin registered the way the
 * served host does (`openAiHostPlugin`), authenticated with a user token of scope `models`.
 * schemathesis checks every answer against the document (documented status, body schema, content
 * type); the host records every answer and the test asserts no 5xx at all.
 *
 * Models: the real embedding model only (linked from `$NOOK_MODELS_DIR`), so generated embeddings
 * requests run the real model; chat goes to the extractive provider (no language model installed),
 * speech to espeak-ng (no Piper voice), transcriptions answer 404 (no whisper model) — random text
 * through a language model or Piper would take minutes per example on this machine.
 *
 * schemathesis comes from the virtualenv fuzz.test.ts creates (~/.cache/nook-venv, or
 * $NOOK_SCHEMATHESIS); skipped, saying why, when it is not there.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/main/core';
import { openAiHostPlugin } from '../../src/main/host/openaiPlugin';
import { startHost, type HostHandle } from '../../src/main/host/server';
import type { KeychainBackend } from '../../src/main/services/secrets/secretStore';
import { manifest, modelsDir } from '../models/modelFiles';

const VERSION = '4.32.5';

function schemathesis(): string | null {
  const bin =
    process.env.NOOK_SCHEMATHESIS ?? path.join(os.homedir(), '.cache', 'nook-venv', 'bin', 'schemathesis');
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8' }).includes(VERSION) ? bin : null;
  } catch {
    return null;
  }
}
const bin = schemathesis();
if (!bin)
  console.warn(
    `Skipping /v1 fuzzing: no schemathesis ${VERSION} (run test/host/fuzz.test.ts once: it installs it)`,
  );
const embedding = manifest.models.find(
  (m) => m.task === 'embedding' && m.files.every((f) => fs.existsSync(path.join(modelsDir, m.id, f.path))),
);

class MapKeychain implements KeychainBackend {
  private readonly map = new Map<string, string>();
  async getPassword(s: string, a: string) {
    return this.map.get(`${s}/${a}`) ?? null;
  }
  async setPassword(s: string, a: string, p: string) {
    this.map.set(`${s}/${a}`, p);
  }
  async deletePassword(s: string, a: string) {
    return this.map.delete(`${s}/${a}`);
  }
  async findCredentials(s: string) {
    return [...this.map]
      .filter(([k]) => k.startsWith(`${s}/`))
      .map(([k, password]) => ({ account: k.slice(s.length + 1), password }));
  }
}

describe.skipIf(bin === null || !embedding)('/v1 fuzzing (schemathesis)', () => {
  let core: Core;
  let host: HostHandle;
  let dataDir: string;
  let token: string;
  const answers: Array<{ method: string; url: string; status: number; body: string }> = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-v1-fuzz-'));
    const models = path.join(dataDir, 'models');
    fs.mkdirSync(models);
    fs.symlinkSync(path.join(modelsDir, embedding!.id), path.join(models, embedding!.id), 'dir');
    core = await createCore({
      mode: 'host',
      dataDir,
      version: '0.0.0-fuzz',
      keychain: new MapKeychain(),
      secretStore: { service: 'nook-v1-fuzz', defaultTesters: false },
      models: { dir: models, cacheDir: path.join(dataDir, 'cache') },
    });
    host = await startHost({
      dispatcher: core.dispatcher,
      events: core.events,
      keychain: { get: (id) => core.secrets.reveal(id), set: (id, v) => core.secrets.set(id, v) },
      tokens: core.apiTokens,
      rateLimitPerMinute: () => 1_000_000,
      port: 0,
      plugins: [
        async (app) => {
          app.addHook('onSend', async (req, reply, payload) => {
            answers.push({
              method: req.method,
              url: req.url,
              status: reply.statusCode,
              body: reply.statusCode >= 500 ? String(payload) : '',
            });
            return payload;
          });
        },
        openAiHostPlugin(async () => core),
      ],
    });
    ({ value: token } = await core.apiTokens.create({ name: 'v1 fuzz', scopes: ['models'] }));
  }, 180_000);

  afterAll(async () => {
    await host?.close();
    await core?.dispose();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds no server error and no response outside its schema', async () => {
    const res = await fetch(`${host.url}/api/openapi.json`, {
      headers: { authorization: `Bearer ${token}` },
    });
    // The document needs `read`; the token here has only `models`.
    expect(res.status).toBe(403);
    const doc = await fetch(`${host.url}/api/openapi.json`, {
      headers: {
        authorization: `Bearer ${(await core.apiTokens.create({ name: 'doc', scopes: ['read'] })).value}`,
      },
    });
    expect(doc.status).toBe(200);
    const spec = (await doc.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths).filter((p) => p.startsWith('/v1/'))).toEqual([
      '/v1/models',
      '/v1/models/{id}',
      '/v1/embeddings',
      '/v1/chat/completions',
      '/v1/audio/transcriptions',
      '/v1/audio/speech',
    ]);
    const specFile = path.join(dataDir, 'openapi.json');
    fs.writeFileSync(specFile, JSON.stringify(spec));
    const configFile = path.join(dataDir, 'schemathesis.toml');
    fs.writeFileSync(
      configFile,
      [
        '[checks.negative_data_rejection]',
        'expected-statuses = ["400", "401", "403", "404", "413", "415", "422", "429"]',
        '',
      ].join('\n'),
    );
    const args = [
      '--config-file',
      configFile,
      'run',
      specFile,
      '--url',
      host.url,
      '-H',
      `Authorization: Bearer ${token}`,
      '--include-tag',
      'openai',
      '--checks',
      'all',
      // Generated JSON Schema values can still break a rule zod checks in code (a refinement).
      '--exclude-checks',
      'positive_data_acceptance',
      '--phases',
      'examples,coverage,fuzzing',
      '--max-examples',
      process.env.NOOK_FUZZ_EXAMPLES ?? '25',
      '--seed',
      process.env.NOOK_FUZZ_SEED ?? '20261121',
      '--workers',
      '1',
      '--request-timeout',
      '120',
      '--no-color',
      '--suppress-health-check',
      'all',
      '--output-truncate',
      'true',
    ];
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(bin!, args, { env: { ...process.env, NO_COLOR: '1' } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (c) => resolve({ code: c, output: out }));
    });
    fs.mkdirSync('test-results', { recursive: true });
    fs.writeFileSync(path.join('test-results', 'schemathesis-v1.txt'), output);
    const short = output
      .split('\n')
      .map((l) => (l.length > 400 ? `${l.slice(0, 400)}...` : l))
      .join('\n');
    const summary = short.slice(Math.max(0, short.indexOf('=== SUMMARY')));
    console.log(
      `schemathesis /v1 (${answers.length} requests):\n${code === 0 ? summary : short.slice(-30_000)}`,
    );
    expect(output).toMatch(/API Operations:/);
    expect(code, 'schemathesis found failures (see the output above)').toBe(0);
    expect(answers.filter((a) => a.url.startsWith('/v1/')).length).toBeGreaterThan(50);
    // Real work happened: generated embeddings requests got vectors, chat got answers.
    expect(answers.some((a) => a.url === '/v1/embeddings' && a.status === 200)).toBe(true);
    expect(answers.some((a) => a.url === '/v1/chat/completions' && a.status === 200)).toBe(true);
    expect(
      answers.filter((a) => a.status >= 500).map((a) => `${a.status} ${a.method} ${a.url} ${a.body}`),
    ).toEqual([]);
  }, 900_000);
});
