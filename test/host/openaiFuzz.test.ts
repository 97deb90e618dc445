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
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core';
import { openAiHostPlugin } from '../../src/main/host/openaiPlugin';
import type { HostHandle } from '../../src/main/host/server';
import { manifest, modelsDir } from '../models/modelFiles';
import {
  createFuzzCore,
  runSchemathesis,
  schemathesis,
  SCHEMATHESIS_VERSION,
  startFuzzHost,
  type Answer,
} from './schemathesis';

const bin = schemathesis({ install: false });
if (!bin)
  console.warn(
    `Skipping /v1 fuzzing: no schemathesis ${SCHEMATHESIS_VERSION} (run test/host/fuzz.test.ts once: it installs it)`,
  );
const embedding = manifest.models.find(
  (m) => m.task === 'embedding' && m.files.every((f) => fs.existsSync(path.join(modelsDir, m.id, f.path))),
);

describe.skipIf(bin === null || !embedding)('/v1 fuzzing (schemathesis)', () => {
  let core: Core;
  let host: HostHandle;
  let dataDir: string;
  let token: string;
  const answers: Answer[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-v1-fuzz-'));
    const models = path.join(dataDir, 'models');
    fs.mkdirSync(models);
    fs.symlinkSync(path.join(modelsDir, embedding!.id), path.join(models, embedding!.id), 'dir');
    core = await createFuzzCore(dataDir, 'nook-v1-fuzz', models);
    host = await startFuzzHost(core, answers, [openAiHostPlugin(async () => core)]);
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
    const { code, output } = await runSchemathesis({
      bin: bin!,
      configFile,
      specFile,
      url: host.url,
      cwd: dataDir,
      outputName: 'schemathesis-v1.txt',
      label: 'schemathesis /v1',
      answers,
      args: [
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
        '--request-timeout',
        '120',
      ],
    });
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
