/**
 * Structured JSON logs (pino) to a size-rotated file in `<dataDir>/logs/`, optionally echoed to stdout.
 * Every finished line passes through the secret redactor right before it is written, so a secret
 * value is removed wherever it hides: the message, a bound object, a serialized error or its stack.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pino, stdSerializers, stdTimeFunctions, type Logger as PinoLogger } from 'pino';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import { toDisposable, type Disposable } from '../../../shared/lifecycle';
import type { Redactor } from '../secrets/redactor';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

export interface LogProblem {
  time: string;
  level: 'warn' | 'error' | 'fatal';
  /** Already redacted. */
  message: string;
}

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
  setLevel(level: LogLevel): void;
  readonly level: LogLevel;
  /** The current log file. */
  readonly file: string;
  /** The last warnings and errors (redacted), oldest first, for diagnostics. */
  recentErrors(): { time: string; message: string }[];
  /** Called for every warning or error written (redacted); used to keep them across restarts. */
  onProblem(cb: (p: LogProblem) => void): Disposable;
  /** Flushes and closes the file. Later calls to the log functions are dropped. */
  close(): Promise<void>;
}

export interface LoggerOptions {
  file: string;
  redactor: Redactor;
  stdout: boolean;
  level?: LogLevel;
  /** Rotate when the file reaches this size (rotating-file-stream syntax). Default 10M. */
  rotateSize?: string;
  /** Rotated files kept. Default 5. */
  maxFiles?: number;
  /** Warnings/errors kept in memory for diagnostics. Default 50. */
  keepRecent?: number;
}

const LEVEL_VALUES: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };
const PROBLEM_LEVEL: Record<number, LogProblem['level']> = { 40: 'warn', 50: 'error', 60: 'fatal' };

/** Keys whose values are never logged, whatever they hold (defence in depth; the redactor is the real guard). */
const SENSITIVE_KEYS = ['apiKey', 'password', 'secret', 'token', 'authorization', 'value'];
const REDACT_PATHS = [
  ...SENSITIVE_KEYS,
  ...SENSITIVE_KEYS.map((k) => `*.${k}`),
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-api-key"]',
];

interface Shared {
  min: number;
  level: LogLevel;
  closed: boolean;
  recent: { time: string; message: string }[];
  listeners: Set<(p: LogProblem) => void>;
  close(): Promise<void>;
}

export function createLogger(options: LoggerOptions): Logger {
  const dir = path.dirname(options.file);
  const base = path.basename(options.file);
  fs.mkdirSync(dir, { recursive: true });
  const ext = path.extname(base);
  const stem = base.slice(0, base.length - ext.length);
  const stream: RotatingFileStream = createStream(
    (time: number | Date | null, index?: number) => {
      if (!time) return base;
      const d = time instanceof Date ? time : new Date(time);
      const stamp = d.toISOString().replace(/[:.]/g, '-');
      return `${stem}.${stamp}.${index ?? 1}${ext}`;
    },
    {
      path: dir,
      size: options.rotateSize ?? '10M',
      maxFiles: options.maxFiles ?? 5,
      history: `.${stem}-history.txt`,
    },
  );
  stream.on('error', (e) =>
    process.stderr.write(`nook: log file error: ${options.redactor.redact(String(e))}\n`),
  );

  const keep = options.keepRecent ?? 50;
  const initial = options.level ?? 'info';
  const shared: Shared = {
    min: LEVEL_VALUES[initial],
    level: initial,
    closed: false,
    recent: [],
    listeners: new Set(),
    close: () => closeOnce(),
  };

  const destination = {
    write(line: string): void {
      if (shared.closed) return;
      const safe = options.redactor.redact(line);
      stream.write(safe);
      if (options.stdout) process.stdout.write(safe);
      const m = /^\{"level":(\d+)/.exec(safe);
      const levelNum = m ? Number(m[1]) : 0;
      if (levelNum >= 40) recordProblem(safe, levelNum);
    },
  };

  function recordProblem(line: string, levelNum: number): void {
    let time = new Date().toISOString();
    let message = '';
    try {
      const o = JSON.parse(line) as { time?: string; msg?: string; err?: { message?: string } };
      if (typeof o.time === 'string') time = o.time;
      message = o.msg ?? '';
      const errMsg = o.err?.message;
      if (errMsg && errMsg !== message) message = message ? `${message}: ${errMsg}` : errMsg;
    } catch {
      message = line.slice(0, 500);
    }
    const entry = { time, message };
    shared.recent.push(entry);
    if (shared.recent.length > keep) shared.recent.splice(0, shared.recent.length - keep);
    const problem: LogProblem = {
      time,
      level: PROBLEM_LEVEL[Math.min(60, Math.floor(levelNum / 10) * 10)] ?? 'error',
      message,
    };
    for (const cb of shared.listeners) {
      try {
        cb(problem);
      } catch {
        // A failing listener (e.g. a closed database) must not break logging.
      }
    }
  }

  let closing: Promise<void> | undefined;
  function closeOnce(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      shared.closed = true;
      shared.listeners.clear();
      stream.end(() => resolve());
    });
    return closing;
  }

  const root = pino(
    {
      level: 'debug', // filtering happens in the wrapper so setLevel reaches every child at once
      base: { pid: process.pid },
      timestamp: stdTimeFunctions.isoTime,
      serializers: { err: stdSerializers.err, error: stdSerializers.err },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    },
    destination,
  );

  return wrap(root, shared, options.file);
}

function wrap(p: PinoLogger, shared: Shared, file: string): Logger {
  const at = (level: LogLevel): LogFn =>
    ((objOrMsg: object | string, msg?: string) => {
      if (shared.closed || LEVEL_VALUES[level] < shared.min) return;
      if (typeof objOrMsg === 'string') p[level](objOrMsg);
      else if (objOrMsg instanceof Error) p[level]({ err: objOrMsg }, msg ?? objOrMsg.message);
      else p[level](objOrMsg, msg);
    }) as LogFn;
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (bindings) => wrap(p.child(bindings), shared, file),
    setLevel(level) {
      shared.level = level;
      shared.min = LEVEL_VALUES[level];
    },
    get level() {
      return shared.level;
    },
    file,
    recentErrors: () => shared.recent.map((e) => ({ ...e })),
    onProblem(cb) {
      shared.listeners.add(cb);
      return toDisposable(() => void shared.listeners.delete(cb));
    },
    close: () => shared.close(),
  };
}
