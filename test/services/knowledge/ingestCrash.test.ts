/**
 * Crash safety: the ingest runs in a child process that is killed with SIGKILL at random (seeded)
 * moments, 20 times, restarting each time; then a last run finishes the queue. Afterwards every file
 * is present exactly once, chunk counts match, FTS and vectors agree with the chunks, and no job is
 * left behind.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/main/services/storage/database';
import { EmbeddedIndex } from '../../../src/main/services/vectors/embeddedIndex';
import { tempDir } from '../helpers/tmp';
import { consistencyProblems, testModel } from './ingestHarness';
import { mulberry32 } from '../helpers/random';

const model = testModel();
if (!model.spec) console.warn(`[skip] ingest crash test: ${model.missing}`);
const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ingestCrashChild.ts');
const RUNS = 20;

const WORDS =
  'pump valve boiler sensor firmware battery turbine harbour ledger invoice glacier orchard tide lantern compass signal'.split(
    ' ',
  );

function makeCorpus(dir: string, n: number, rand: () => number): string[] {
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const paragraphs = 1 + Math.floor(rand() * 5);
    const body: string[] = [];
    for (let p = 0; p < paragraphs; p++) {
      const words = 30 + Math.floor(rand() * 90);
      const s: string[] = [];
      for (let w = 0; w < words; w++) s.push(WORDS[Math.floor(rand() * WORDS.length)]!);
      body.push(`Paragraph ${p} of file ${i} mentions code X-${1000 + i}. ${s.join(' ')}.`);
    }
    const ext = i % 3 === 0 ? '.md' : '.txt';
    const file = path.join(dir, `sub${i % 4}`, `file${i}${ext}`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, (ext === '.md' ? `# File ${i}\n\n` : '') + body.join('\n\n'));
    files.push(file);
  }
  return files;
}

interface RunResult {
  ready: boolean;
  done: boolean;
  killed: boolean;
}

/**
 * Runs the child; kills it `killAfterReadyMs` after READY, or at once when it has committed
 * `maxCommits` documents (so each run does a bounded amount of work however fast the machine is).
 */
function runChild(
  dir: string,
  docs: string,
  killAfterReadyMs: number | null,
  maxCommits = Infinity,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, dir, docs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r: RunResult = { ready: false, done: false, killed: false };
    let commits = 0;
    const kill = (): void => {
      if (p.exitCode === null && !r.killed) {
        r.killed = true;
        p.kill('SIGKILL');
      }
    };
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.stdout.on('data', (d: Buffer) => {
      const s = d.toString();
      if (s.includes('READY') && !r.ready) {
        r.ready = true;
        if (killAfterReadyMs !== null) setTimeout(kill, killAfterReadyMs);
      }
      commits += s.split('COMMITTED').length - 1;
      if (commits >= maxCommits) kill();
      if (s.includes('DONE')) r.done = true;
    });
    const guard = setTimeout(() => p.kill('SIGKILL'), 400_000);
    p.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (signal === 'SIGKILL' || code === 0) resolve(r);
      else reject(new Error(`child exited with ${code}: ${err.slice(-2000)}`));
    });
  });
}

describe.skipIf(!model.spec)('ingest crash safety', () => {
  const dir = tempDir('crash');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`survives ${RUNS} SIGKILLs at random points with nothing lost or duplicated`, async () => {
    const rand = mulberry32(4012);
    const docs = path.join(dir, 'docs');
    const files = makeCorpus(docs, 60, rand);
    const data = path.join(dir, 'data');
    fs.mkdirSync(data);
    const results: RunResult[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Mostly short delays so kills land inside start-up recovery, parsing, embedding and the
      // commit itself; at most two documents are committed per run.
      const delay = Math.floor(rand() ** 2 * 1500);
      results.push(await runChild(data, docs, delay, 1 + Math.floor(rand() * 2)));
      // Between kills the database must already be consistent for what it holds (nothing half-written).
      const db = openDatabase(path.join(data, 'nook.db'));
      const halfWritten = db
        .prepare(
          'SELECT count(*) FROM documents d WHERE d.chunk_count != (SELECT count(*) FROM chunks c WHERE c.document_id = d.id)',
        )
        .pluck()
        .get();
      const dup = db.prepare('SELECT count(*) - count(DISTINCT path) FROM documents').pluck().get();
      db.close();
      expect(halfWritten).toBe(0);
      expect(dup).toBe(0);
    }
    // Every run was killed with work still queued (none got to finish on its own).
    expect(results.filter((r) => r.killed && !r.done).length).toBe(RUNS);

    const final = await runChild(data, docs, null);
    expect(final.done).toBe(true);

    const db = openDatabase(path.join(data, 'nook.db'));
    try {
      const index = new EmbeddedIndex(db);
      const paths = db.prepare('SELECT path FROM documents ORDER BY path').pluck().all() as string[];
      expect(paths).toEqual([...files].sort());
      expect(db.prepare("SELECT count(*) FROM documents WHERE status != 'indexed'").pluck().get()).toBe(0);
      expect(await consistencyProblems({ db, index }, model.spec!.id)).toEqual([]);
      const states = db.prepare('SELECT state, count(*) AS n FROM ingest_jobs GROUP BY state').all();
      expect(states).toEqual([{ state: 'done', n: files.length }]);
      // Every file's code is findable exactly in its own document.
      const hit = db
        .prepare(
          `SELECT d.name FROM chunks_fts f JOIN chunks c ON c.id = f.rowid JOIN documents d ON d.id = c.document_id
           WHERE chunks_fts MATCH '"X-1017"' GROUP BY d.id`,
        )
        .pluck()
        .all();
      expect(hit).toEqual(['file17.txt']);
    } finally {
      db.close();
    }
  }, 590_000);
});
