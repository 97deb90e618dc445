/**
 * Errors over HTTP. The contract's error codes map to HTTP statuses; the body is the same data the
 * IPC and WebSocket transports carry (`{ ok: false, code, message }`), or OpenAI's error shape
 * (`{ error: { message, type, param, code } }`) on the OpenAI-compatible `/v1/*` routes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../../shared/ipc/result';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  UNKNOWN_ROUTE: 404,
  CONFLICT: 409,
  CANCELLED: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  KEYCHAIN_UNAVAILABLE: 503,
  TIMEOUT: 504,
};

/** Codes only HTTP has (the contract's codes plus these can appear in a REST error body). */
export type HttpErrorCode = ErrorCode | 'UNSUPPORTED_MEDIA_TYPE' | 'METHOD_NOT_ALLOWED';

export type ErrorShape = 'nook' | 'openai';

const OPENAI_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'invalid_request_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  429: 'rate_limit_error',
};

export function errorPayload(
  shape: ErrorShape,
  status: number,
  code: HttpErrorCode,
  message: string,
): object {
  if (shape === 'openai') {
    return {
      error: {
        message,
        type: OPENAI_TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error'),
        param: null,
        code: status === 401 ? 'invalid_api_key' : code.toLowerCase(),
      },
    };
  }
  return { ok: false, code, message };
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** OpenAI's shape for routes that ask for it (`config.errorShape: 'openai'`) and anything under `/v1/`. */
export function errorShapeOf(req: FastifyRequest): ErrorShape {
  const config = req.routeOptions?.config as { errorShape?: ErrorShape } | undefined;
  if (config?.errorShape) return config.errorShape;
  return pathOf(req.url).startsWith('/v1/') ? 'openai' : 'nook';
}

/** Sends an error in the shape the route wants. */
export function sendHostError(
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: HttpErrorCode,
  message: string,
): FastifyReply {
  return reply
    .code(status)
    .type('application/json')
    .send(JSON.stringify(errorPayload(errorShapeOf(req), status, code, message)));
}

/**
 * Sends the contract's error data (`{ ok: false, code, message }`) with the code's HTTP status, for
 * the host's own `/api` routes outside the contract (uploads, originals).
 */
export function sendErrorData(reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  return reply
    .code(HTTP_STATUS[code] ?? 500)
    .type('application/json')
    .send(JSON.stringify(errorPayload('nook', HTTP_STATUS[code] ?? 500, code, message)));
}
