import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, type LogProblem } from '../../../src/main/services/logging/logger';
import { Redactor } from '../../../src/main/services/secrets/redactor';
import { readLogs, tempDir } from '../helpers/tmp';

let dir: string;
beforeEach(() => {
  dir = tempDir('logger');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const SECRET = 'sk-live-7f3a"9\\Qz+/w';

function lines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('createLogger', () => {
  it('never writes a stored secret: messages, objects, nested values, errors, stacks, encodings', async () => {
    const redactor = new Redactor();
    redactor.add(SECRET);
    const log = createLogger({ file: path.join(dir, 'logs', 'nook.log'), redactor, stdout: false });
    const err = new Error(`provider said: invalid key ${SECRET}`);
    log.info(`plain message with ${SECRET}`);
    log.info(
      { request: { url: `https://api.test/v1?key=${encodeURIComponent(SECRET)}`, body: { k: SECRET } } },
      'object',
    );
    log.warn({ auth: `Basic ${Buffer.from(SECRET).toString('base64')}` }, 'header');
    log.error(err);
    log.error({ err, extra: [SECRET] }, 'call failed');
    log.child({ provider: SECRET }).info('child bindings');
    log.info({ apiKey: 'not-registered-but-sensitive-key' }, 'sensitive key name');
    await log.close();

    const text = readLogs(dir);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(JSON.stringify(SECRET).slice(1, -1));
    expect(text).not.toContain(encodeURIComponent(SECRET));
    expect(text).not.toContain(Buffer.from(SECRET).toString('base64').replace(/=+$/, ''));
    expect(text).not.toContain('not-registered-but-sensitive-key');
    const parsed = lines(text);
    expect(parsed.map((l) => l.msg)).toEqual([
      'plain message with [REDACTED]',
      'object',
      'header',
      'provider said: invalid key [REDACTED]',
      'call failed',
      'child bindings',
      'sensitive key name',
    ]);
    expect((parsed[3]!.err as { stack: string }).stack).toContain('[REDACTED]');
    expect(parsed[5]!.provider).toBe('[REDACTED]');
  });

  it('keeps recent warnings and errors, redacted and bounded, and reports them to listeners', async () => {
    const redactor = new Redactor();
    redactor.add(SECRET);
    const log = createLogger({
      file: path.join(dir, 'logs', 'nook.log'),
      redactor,
      stdout: false,
      keepRecent: 3,
    });
    const seen: LogProblem[] = [];
    log.onProblem((p) => seen.push(p));
    log.info('not a problem');
    log.warn(`w1 ${SECRET}`);
    log.error({ err: new Error('boom') }, 'e1');
    log.warn('w2');
    log.error('e2');
    expect(log.recentErrors().map((e) => e.message)).toEqual(['e1: boom', 'w2', 'e2']);
    expect(seen.map((p) => [p.level, p.message])).toEqual([
      ['warn', 'w1 [REDACTED]'],
      ['error', 'e1: boom'],
      ['warn', 'w2'],
      ['error', 'e2'],
    ]);
    expect(Number.isNaN(Date.parse(seen[0]!.time))).toBe(false);
    await log.close();
  });

  it('setLevel applies to the root and to children created earlier', async () => {
    const log = createLogger({
      file: path.join(dir, 'logs', 'nook.log'),
      redactor: new Redactor(),
      stdout: false,
    });
    const child = log.child({ svc: 'x' });
    child.debug('hidden at info');
    log.setLevel('debug');
    child.debug('shown at debug');
    log.setLevel('error');
    expect(log.level).toBe('error');
    child.warn('hidden at error');
    log.error('shown at error');
    await log.close();
    expect(lines(readLogs(dir)).map((l) => l.msg)).toEqual(['shown at debug', 'shown at error']);
  });

  it('flushes everything on close and drops writes after it', async () => {
    const log = createLogger({
      file: path.join(dir, 'logs', 'nook.log'),
      redactor: new Redactor(),
      stdout: false,
    });
    for (let i = 0; i < 2000; i++) log.info({ i }, 'line');
    await log.close();
    log.info('after close');
    await log.close(); // idempotent
    const parsed = lines(readLogs(dir));
    expect(parsed).toHaveLength(2000);
    expect(parsed.at(-1)!.i).toBe(1999);
  });

  it('rotates by size and keeps at most maxFiles rotated files', async () => {
    const redactor = new Redactor();
    redactor.add(SECRET);
    const logs = path.join(dir, 'logs');
    const log = createLogger({
      file: path.join(logs, 'nook.log'),
      redactor,
      stdout: false,
      rotateSize: '4K',
      maxFiles: 2,
    });
    const payload = 'x'.repeat(200);
    for (let i = 0; i < 200; i++) {
      log.info({ i, payload, s: SECRET }, 'filler');
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5)); // let rotations happen
    }
    await log.close();
    await new Promise((r) => setTimeout(r, 50));
    const files = fs.readdirSync(logs).filter((f) => f.endsWith('.log'));
    const rotated = files.filter((f) => f !== 'nook.log');
    expect(files).toContain('nook.log');
    expect(rotated.length).toBeGreaterThan(0);
    expect(rotated.length).toBeLessThanOrEqual(2);
    for (const f of rotated) expect(f).toMatch(/^nook\.\d{4}-\d{2}-\d{2}T.+\.log$/);
    for (const f of files) {
      const size = fs.statSync(path.join(logs, f)).size;
      expect(size).toBeLessThan(4 * 1024 + 1024); // one line may overshoot the limit
    }
    const text = readLogs(dir);
    expect(text).not.toContain(SECRET);
    expect(lines(text).at(-1)!.i).toBe(199); // the newest line survives rotation
  });

  it('loses no line across rotations', async () => {
    const logs = path.join(dir, 'logs');
    const log = createLogger({
      file: path.join(logs, 'nook.log'),
      redactor: new Redactor(),
      stdout: false,
      rotateSize: '2K',
      maxFiles: 100,
    });
    for (let i = 0; i < 300; i++) {
      log.info({ i, pad: 'y'.repeat(100) }, 'counted');
      if (i % 25 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await log.close();
    const files = fs.readdirSync(logs).filter((f) => f.endsWith('.log'));
    expect(files.length).toBeGreaterThan(5);
    const seen = files.flatMap((f) =>
      lines(fs.readFileSync(path.join(logs, f), 'utf8')).map((l) => l.i as number),
    );
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });
});
