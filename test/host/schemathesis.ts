/**
 * What the schemathesis fuzz tests (fuzz.test.ts: the whole REST API; openaiFuzz.test.ts: /v1)
 * share: finding (or installing) the schemathesis binary, a host plugin that records every answer,
 * and running schemathesis with the settings every run needs, its output kept for reading.
 *
 * schemathesis comes from a virtualenv: $NOOK_SCHEMATHESIS, else ~/.cache/nook-venv/bin/schemathesis,
 * created (when asked to install) with `python3 -m venv` + `pip install schemathesis==VERSION` (PyPI).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore, type Core } from '../../src/main/core';
import { startHost, type HostHandle, type HostPlugin } from '../../src/main/host/server';
import { memoryKeychain } from '../services/helpers/memoryKeychain';

export const SCHEMATHESIS_VERSION = '4.32.5';

function which(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The schemathesis binary; with `install`, installs it into the venv on first use. null when it is
 * not there (without `install`) or python3 is absent.
 */
export function schemathesis(opts: { install: boolean }): string | null {
  if (process.env.NOOK_SCHEMATHESIS) return process.env.NOOK_SCHEMATHESIS;
  const venv = path.join(os.homedir(), '.cache', 'nook-venv');
  const bin = path.join(venv, 'bin', 'schemathesis');
  const ok = () => {
    try {
      return execFileSync(bin, ['--version'], { encoding: 'utf8' }).includes(SCHEMATHESIS_VERSION);
    } catch {
      return false;
    }
  };
  if (ok()) return bin;
  if (!opts.install || !which('python3')) return null;
  if (!fs.existsSync(path.join(venv, 'bin', 'pip')))
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(path.join(venv, 'bin', 'pip'), ['install', '-q', `schemathesis==${SCHEMATHESIS_VERSION}`], {
    stdio: 'inherit',
  });
  return ok() ? bin : null;
}

export interface Answer {
  method: string;
  url: string;
  status: number;
  /** The body of a 5xx answer (to say why); empty for every other answer. */
  body: string;
}

/** A host plugin that pushes every answer the host sends onto `answers`. */
export function recordAnswers(answers: Answer[]): HostPlugin {
  return async (app) => {
    app.addHook('onSend', async (req, reply, payload) => {
      answers.push({
        method: req.method,
        url: req.url,
        status: reply.statusCode,
        body: reply.statusCode >= 500 ? String(payload) : '',
      });
      return payload;
    });
  };
}

/**
 * The REAL core the fuzz tests run against: a fresh data dir, models from `modelsDir` only, an
 * in-memory keychain (no secret is fuzzed into the OS keychain) with no provider testers.
 */
export function createFuzzCore(dataDir: string, service: string, modelsDir: string): Promise<Core> {
  return createCore({
    mode: 'host',
    dataDir,
    version: '0.0.0-fuzz',
    keychain: memoryKeychain(),
    secretStore: { service, defaultTesters: false },
    models: { dir: modelsDir, cacheDir: path.join(dataDir, 'cache') },
  });
}

/**
 * A host over `core` on a free port, authenticating with the core's API tokens, with a rate limit
 * no fuzz run reaches, recording every answer in `answers`, with `plugins` (the /v1 routes ...).
 */
export function startFuzzHost(core: Core, answers: Answer[], plugins: HostPlugin[]): Promise<HostHandle> {
  return startHost({
    dispatcher: core.dispatcher,
    events: core.events,
    keychain: { get: (id) => core.secrets.reveal(id), set: (id, v) => core.secrets.set(id, v) },
    tokens: core.apiTokens,
    rateLimitPerMinute: () => 1_000_000,
    port: 0,
    plugins: [recordAnswers(answers), ...plugins],
  });
}

/**
 * Runs `schemathesis --config-file <config> run <spec> --url <url> <args>` with the settings every
 * run here needs (one worker, no colour, no health checks, no example database: the seed makes a
 * run repeatable), in `cwd` (schemathesis keeps a cache folder in its working directory, so not the
 * checkout). The whole output goes to test-results/<outputName> (not committed); the log shows the
 * summary, or the output's end when it failed.
 */
export async function runSchemathesis(opts: {
  bin: string;
  configFile: string;
  specFile: string;
  url: string;
  args: string[];
  cwd: string;
  outputName: string;
  label: string;
  answers: Answer[];
}): Promise<{ code: number | null; output: string }> {
  const args = [
    '--config-file',
    opts.configFile,
    'run',
    opts.specFile,
    '--url',
    opts.url,
    ...opts.args,
    '--workers',
    '1',
    '--no-color',
    '--generation-database',
    'none',
    '--suppress-health-check',
    'all',
    '--output-truncate',
    'true',
  ];
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(opts.bin, args, { cwd: opts.cwd, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (c) => resolve({ code: c, output: out }));
  });
  fs.mkdirSync('test-results', { recursive: true });
  fs.writeFileSync(path.join('test-results', opts.outputName), output);
  // Long generated values make long lines: show each line's start only.
  const short = output
    .split('\n')
    .map((l) => (l.length > 400 ? `${l.slice(0, 400)}...` : l))
    .join('\n');
  const summary = short.slice(Math.max(0, short.indexOf('=== SUMMARY')));
  console.log(
    `${opts.label} (${opts.answers.length} requests):\n${code === 0 ? summary : short.slice(-30_000)}`,
  );
  return { code, output };
}
