import { AppError, type ErrorCode } from '../../../../shared/ipc/result';
import { type ParseErrorReason } from '../../../../shared/types/knowledge';

const APP_CODE: Record<ParseErrorReason, ErrorCode> = {
  EMPTY: 'INVALID_INPUT',
  CORRUPT: 'INVALID_INPUT',
  UNSUPPORTED: 'INVALID_INPUT',
  TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  BINARY: 'INVALID_INPUT',
  ZIP_BOMB: 'INVALID_INPUT',
  ENCRYPTED: 'INVALID_INPUT',
  TIMEOUT: 'TIMEOUT',
  UNREADABLE: 'NOT_FOUND',
};

/**
 * A file that cannot be parsed. The message is safe to show the user (it names the problem, never
 * the file's content); `reason` is the machine-readable cause.
 */
export class ParseError extends AppError {
  constructor(
    readonly reason: ParseErrorReason,
    message: string,
  ) {
    super(APP_CODE[reason], message);
    this.name = 'ParseError';
  }
}

export function isParseError(e: unknown): e is ParseError {
  return e instanceof ParseError;
}

/** Throws TIMEOUT if the signal has fired (cancelled or past the per-file time limit). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

export function abortError(signal: AbortSignal): ParseError {
  const r: unknown = signal.reason;
  if (r instanceof ParseError) return r;
  const timedOut = r instanceof Error && r.name === 'TimeoutError';
  return new ParseError(
    'TIMEOUT',
    timedOut ? 'Parsing took too long and was stopped.' : 'Parsing was cancelled.',
  );
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
