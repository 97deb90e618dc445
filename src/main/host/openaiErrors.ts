/**
 * OpenAI's error shape for the `/v1/*` routes: `{ error: { message, type, param, code } }` with the
 * status OpenAI uses for the same failure, so OpenAI clients raise their usual exception classes
 * (`BadRequestError`, `NotFoundError`, ...). Service errors (AppError) keep their message; anything
 * unexpected becomes a 500 with a generic message (the details go to the log, never to the client).
 */
import { isAppError, type ErrorCode } from '../../shared/ipc/result';

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export class OpenAiHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'OpenAiHttpError';
  }
}

/** OpenAI's error `type` for a status. */
export function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'invalid_request_error';
  if (status === 429) return 'rate_limit_error';
  if (status < 500) return 'invalid_request_error';
  return 'server_error';
}

export function openAiErrorBody(
  status: number,
  message: string,
  param: string | null = null,
  code: string | null = null,
): OpenAiErrorBody {
  return { error: { message, type: errorType(status), param, code } };
}

const APP_STATUS: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  UNKNOWN_ROUTE: 404,
  FORBIDDEN: 403,
  UNAUTHORIZED: 401,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAVAILABLE: 503,
  KEYCHAIN_UNAVAILABLE: 503,
  TIMEOUT: 504,
  CANCELLED: 499,
  INTERNAL: 500,
};

export interface MappedError {
  status: number;
  body: OpenAiErrorBody;
  /** True when the error was not expected (log it with its stack). */
  unexpected: boolean;
}

/** Any thrown value as an OpenAI error response. */
export function toOpenAiError(e: unknown): MappedError {
  if (e instanceof OpenAiHttpError) {
    return {
      status: e.status,
      body: openAiErrorBody(e.status, e.message, e.param, e.code),
      unexpected: false,
    };
  }
  if (isAppError(e)) {
    const status = APP_STATUS[e.code] ?? 500;
    const message = e.code === 'INTERNAL' ? 'The request failed unexpectedly; see the Nook log' : e.message;
    return {
      status,
      body: openAiErrorBody(status, message, null, e.code.toLowerCase()),
      unexpected: e.code === 'INTERNAL',
    };
  }
  // Fastify's own errors: malformed JSON, wrong content type, body over the route's limit.
  const fe = e as { statusCode?: unknown; code?: unknown; message?: unknown };
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const status = fe.statusCode;
    const message =
      fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'The request body is larger than this endpoint accepts'
        : typeof fe.message === 'string'
          ? fe.message
          : 'Bad request';
    return {
      status,
      body: openAiErrorBody(
        status,
        message,
        null,
        typeof fe.code === 'string' ? fe.code.toLowerCase() : null,
      ),
      unexpected: false,
    };
  }
  return {
    status: 500,
    body: openAiErrorBody(500, 'The request failed unexpectedly; see the Nook log'),
    unexpected: true,
  };
}
