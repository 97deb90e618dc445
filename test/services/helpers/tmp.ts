import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, type Logger } from '../../../src/main/services/logging/logger';
import { Redactor } from '../../../src/main/services/secrets/redactor';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `nook-${prefix}-`));
}

export function testLogger(dir: string, redactor = new Redactor()): Logger {
  return createLogger({ file: path.join(dir, 'logs', 'nook.log'), redactor, stdout: false, level: 'debug' });
}

/** Every line of every file under `dir`/logs, after closing the logger. */
export function readLogs(dir: string): string {
  const logs = path.join(dir, 'logs');
  if (!fs.existsSync(logs)) return '';
  return fs
    .readdirSync(logs)
    .filter((f) => f.endsWith('.log'))
    .map((f) => fs.readFileSync(path.join(logs, f), 'utf8'))
    .join('');
}
