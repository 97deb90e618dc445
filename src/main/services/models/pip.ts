/** `pip download --no-deps` through the ordinary client, and finding the wheel it left. */
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';

export interface PipDownloadRequest {
  /** `package==version` */
  requirement: string;
  destDir: string;
  signal?: AbortSignal;
}

/** Downloads one wheel into `destDir`; injectable so tests can supply wheels they build. */
export type PipRunner = (req: PipDownloadRequest) => Promise<void>;

export class PipMissingError extends Error {
  constructor(tried: string[]) {
    super(
      `pip is not available (tried ${tried.join(', ')}). Install Python 3 with pip ` +
        '(Debian/Ubuntu: apt-get install python3-pip), or set NOOK_PIP to a pip command.',
    );
    this.name = 'PipMissingError';
  }
}

interface RunOutcome {
  code: number | null;
  output: string;
  spawnError?: NodeJS.ErrnoException;
}

function run(cmd: string, args: string[], signal?: AbortSignal): Promise<RunOutcome> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    const keep = (b: Buffer) => {
      output = (output + b.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (e: NodeJS.ErrnoException) => resolve({ code: null, output, spawnError: e }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

function candidates(): string[][] {
  const custom = process.env.NOOK_PIP?.trim();
  if (custom) return [custom.split(/\s+/)];
  const python = process.env.NOOK_PYTHON?.trim() || 'python3';
  return [[python, '-m', 'pip'], ['pip3'], ['pip']];
}

/** The default runner: the first of `python3 -m pip`, `pip3`, `pip` that exists. */
export const spawnPip: PipRunner = async ({ requirement, destDir, signal }) => {
  const args = [
    'download',
    '--no-deps',
    '--only-binary=:all:',
    '--disable-pip-version-check',
    '--no-input',
    '--progress-bar',
    'off',
    '-d',
    destDir,
    requirement,
  ];
  const tried: string[] = [];
  for (const [cmd, ...pre] of candidates()) {
    tried.push([cmd, ...pre].join(' '));
    const out = await run(cmd!, [...pre, ...args], signal);
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
    if (out.spawnError) {
      if (out.spawnError.code === 'ENOENT') continue;
      throw out.spawnError;
    }
    if (out.code !== 0 && /No module named pip/.test(out.output)) continue;
    if (out.code !== 0) {
      const last = out.output.trim().split('\n').slice(-3).join(' ').trim();
      throw new Error(`pip download ${requirement} failed (exit ${out.code}): ${last}`);
    }
    return;
  }
  throw new PipMissingError(tried);
};

export function normalizeDistName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '_');
}

export function parseRequirement(req: string): { name: string; version: string } {
  const [name, version] = req.split('==');
  if (!name || !version) throw new Error(`"${req}" is not of the form package==version`);
  return { name, version };
}

/** The wheel for `package==version` in `dir`, if one is there. */
export async function findWheel(dir: string, requirement: string): Promise<string | null> {
  const { name, version } = parseRequirement(requirement);
  const prefix = `${normalizeDistName(name)}-${version.toLowerCase()}-`;
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return null;
  }
  const hit = names.find(
    (n) => n.toLowerCase().endsWith('.whl') && normalizeWheelPrefix(n).startsWith(prefix),
  );
  return hit ? `${dir}/${hit}` : null;
}

function normalizeWheelPrefix(fileName: string): string {
  const dash = fileName.indexOf('-');
  return dash < 0
    ? fileName.toLowerCase()
    : normalizeDistName(fileName.slice(0, dash)) + fileName.slice(dash).toLowerCase();
}
