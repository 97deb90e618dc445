/** Errors cross a process boundary as data, never as a thrown exception (Signal's sql_channel). */
export const ERROR_CODES = [
  'INVALID_INPUT',
  'UNKNOWN_ROUTE',
  'FORBIDDEN',
  'UNAUTHORIZED',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'NOT_FOUND',
  'CONFLICT',
  'UNAVAILABLE',
  'KEYCHAIN_UNAVAILABLE',
  'TIMEOUT',
  'CANCELLED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type Ok<T> = { ok: true; value: T };
export type Err = { ok: false; code: ErrorCode; message: string };
export type Result<T> = Ok<T> | Err;

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

export function err(code: ErrorCode, message: string): Err {
  return { ok: false, code, message };
}

/**
 * An error a service throws on purpose: its code and message are safe to show the user.
 * Anything else that escapes a handler becomes INTERNAL with a generic message.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
