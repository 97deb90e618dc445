/**
 * Schema fuzzing of the REST API from its own OpenAPI document, with schemathesis (PyPI) against a
 * host over the REAL core (fresh data dir, no models, in-memory keychain), authenticated with a user
 * token that has every scope. schemathesis checks every response against the document (status
 * documented, body matching its schema, content type); the host records every answer, and the test
 * asserts no 5xx at all except 503 UNAVAILABLE from a service this core honestly does not run (it
 * has no models; a service not wired into the core yet), each listed with its message.
 *
 * schemathesis comes from a virtualenv: $NOOK_SCHEMATHESIS, else ~/.cache/nook-venv/bin/schemathesis,
 * created on first run with `python3 -m venv` + `pip install schemathesis==4.32.5` (PyPI). Skipped,
 * saying why, only when python3 itself is missing.
 *
 * Not fuzzed (random inputs there would act on the machine, not test the API): routes that take a
 * local path and import, copy or install what is there (knowledge.import, models.import,
 * plugins.install, plugins.inspect, voice.transcribe: a generated "/" would index or copy the whole
 * disk), the microphone (voice.start/stop/cancel/pushToTalk/testMicrophone) and downloads
 * (models.download). Their validation is the same generated code as every other route's.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core';
import type { HostHandle } from '../../src/main/host/server';
import { corePlugins } from '../../src/main/host/hostPlugins';
import type { RouteName } from '../../src/shared/ipc/channels';
import { createFuzzCore, runSchemathesis, schemathesis, startFuzzHost, type Answer } from './schemathesis';

const EXCLUDED = [
  'knowledge.import',
  'models.import',
  'models.download',
  'plugins.install',
  'plugins.inspect',
  'voice.transcribe',
  'voice.start',
  'voice.stop',
  'voice.cancel',
  'voice.pushToTalk',
  'voice.testMicrophone',
];

const bin = schemathesis({ install: true });

describe.skipIf(bin === null)('REST API fuzzing (schemathesis)', () => {
  let core: Core;
  let host: HostHandle;
  let dataDir: string;
  let value: string;
  const answers: Answer[] = [];
  /** Domains whose service this core does not run (their routes answer 503 UNAVAILABLE by design). */
  const absent = new Set<string>();

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-fuzz-'));
    core = await createFuzzCore(dataDir, 'nook-fuzz', path.join(dataDir, 'models'));
    // The OpenAI-compatible /v1 endpoints and /metrics, as `nook serve` has them.
    host = await startFuzzHost(
      core,
      answers,
      corePlugins(async () => core),
    );
    // One read route per domain tells whether its service runs in this core at all.
    const probes: RouteName[] = ['briefing.list', 'reminders.list', 'conversations.list', 'voice.history'];
    for (const route of probes) {
      const r = await core.dispatcher.dispatch(route, {}, { transport: 'internal' });
      if (!r.ok && r.code === 'UNAVAILABLE') absent.add(route.split('.')[0]!);
    }
    ({ value } = await core.apiTokens.create({ name: 'fuzz', scopes: ['read', 'write', 'models'] }));
  }, 120_000);

  afterAll(async () => {
    await host?.close();
    await core?.dispose();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds no server error and no response outside its schema', async () => {
    const res = await fetch(`${host.url}/api/openapi.json`, {
      headers: { authorization: `Bearer ${value}` },
    });
    expect(res.status).toBe(200);
    const doc = await res.text();
    const specFile = path.join(dataDir, 'openapi.json');
    fs.writeFileSync(specFile, doc);
    const configFile = path.join(dataDir, 'schemathesis.toml');
    // 503 is a documented answer (UNAVAILABLE); which 503s are acceptable is asserted below.
    fs.writeFileSync(
      configFile,
      [
        '[checks.not_a_server_error]',
        'expected-statuses = ["2xx", "3xx", "4xx", "503"]',
        // An invalid request the parser or the size limit refuses is rejected too.
        '[checks.negative_data_rejection]',
        'expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "431", "5xx"]',
        // Chat and audio run the model router, whisper and TTS on every case: a few examples, no
        // exhaustive coverage phase (it would take many minutes on a loaded 2-core machine).
        '[[operations]]',
        'include-path-regex = "^/v1/(chat|audio)/"',
        'generation = { max-examples = 3 }',
        'phases = { coverage = { enabled = false } }',
        '',
      ].join('\n'),
    );
    const { code, output } = await runSchemathesis({
      bin: bin!,
      configFile,
      specFile,
      url: host.url,
      cwd: dataDir,
      outputName: 'schemathesis.txt',
      label: 'schemathesis',
      answers,
      args: [
        '-H',
        `Authorization: Bearer ${value}`,
        '--checks',
        process.env.NOOK_FUZZ_CHECKS ?? 'all',
        // Zod refinements (a real calendar date, "minutes or until") have no JSON Schema form, so an
        // input can match the document and still be refused with 400 by the contract: by design.
        '--exclude-checks',
        'positive_data_acceptance',
        '--phases',
        process.env.NOOK_FUZZ_PHASES ?? 'examples,coverage,fuzzing',
        '--max-examples',
        process.env.NOOK_FUZZ_EXAMPLES ?? '15',
        '--seed',
        process.env.NOOK_FUZZ_SEED ?? '20261121',
        '--request-timeout',
        '60',
        ...EXCLUDED.flatMap((id) => ['--exclude-operation-id', id]),
      ],
    });
    expect(output).toMatch(/API Operations:/);
    expect(code, 'schemathesis found failures (see the output above)').toBe(0);

    expect(answers.length).toBeGreaterThan(100);
    const serverErrors = answers.filter((a) => a.status >= 500);
    const unexplained = serverErrors.filter((a) => {
      const domain = a.url.split('?')[0]!.split('/')[2] ?? '';
      const body = JSON.parse(a.body) as { code?: string };
      return !(a.status === 503 && body.code === 'UNAVAILABLE' && absent.has(domain));
    });
    const byRoute = new Map<string, number>();
    for (const a of serverErrors) {
      const key = `${a.status} ${a.method} ${a.url.split('?')[0]} ${a.body.slice(0, 120)}`;
      byRoute.set(key, (byRoute.get(key) ?? 0) + 1);
    }
    console.log(
      `5xx answers (services absent here: ${[...absent].join(', ') || 'none'}):\n` +
        ([...byRoute].map(([k, n]) => `  ${n} x ${k}`).join('\n') || '  none'),
    );
    expect(
      unexplained.map((a) => `${a.status} ${a.method} ${a.url.slice(0, 120)} ${a.body.slice(0, 200)}`),
    ).toEqual([]);
  }, 600_000);
});
