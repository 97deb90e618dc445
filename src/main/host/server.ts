/**
 * The headless host and the local API: the contract over a WebSocket and over REST (`rest.ts`), its
 * OpenAPI document, the built renderer as static files, and whatever plugins add (`/v1/*`,
 * `/metrics`), on 127.0.0.1 only. Every request passes, in order:
 *
 *   Host/Origin guard (403) -> CORS (allowed origins only) -> authentication (401 without or with an
 *   unknown credential, 403 for a revoked token) -> scope (403) -> per-token rate limit (429) -> route
 *
 * Credentials: the installation token and the browser session may do everything; a user API token
 * only what its scopes allow. Each route declares its scope in `config.scope` (read | write |
 * models); without one, GET/HEAD need `read` and other methods `write`. The same guard and
 * authentication run on the WebSocket upgrade; there each call is checked against the token's scopes.
 *
 * It takes the dispatcher and the event bus rather than the whole core, so it is tested in
 * isolation with hand-made handlers; `serve.ts` wires it to the real core.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import type { WebSocket, RawData } from 'ws';
import { isRouteName, MAX_PAYLOAD_BYTES, type EventName } from '../../shared/ipc/channels';
import { API_SCOPES, type ApiScope } from '../../shared/types/apiTokens';
import { err, type Result } from '../../shared/ipc/result';
import {
  encodeEvent,
  encodeReply,
  parseClientFrame,
  WS_CLOSE_GOING_AWAY,
  WS_MAX_FRAME_BYTES,
  WS_PATH,
  type ServerReplyFrame,
} from '../../shared/ipc/wsProtocol';
import type { Disposable } from '../../shared/lifecycle';
import type { Dispatcher } from '../rpc/dispatcher';
import {
  bearerToken,
  loadOrCreateInstallationToken,
  LoginCodes,
  safeEqual,
  SessionSigner,
  type TokenKeychain,
} from './auth';
import { checkHostAndOrigin } from './guards';
import { errorShapeOf, sendHostError, type ErrorShape } from './httpErrors';
import { buildOpenApi, OPENAPI_PATH, type OpenApiExtension } from './openapi';
import { registerRest } from './rest';
import { isOwnerOnly, scopeOf } from './restAccess';
import { registerUploads } from './upload';
import { registerPluginUpload } from './pluginUpload';

/** Who made a request (on `req.auth` once authentication passed). */
export interface RequestAuth {
  /** `installation`, `session`, or a user token's id (`tok_...`): the rate limit and metrics key. */
  tokenId: string;
  kind: 'installation' | 'session' | 'token';
  scopes: readonly ApiScope[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a user token needs (default: GET/HEAD `read`, others `write`). */
    scope?: ApiScope;
    /** Answer errors (auth, limits, validation) in OpenAI's shape; default for paths under `/v1/`. */
    errorShape?: ErrorShape;
  }
  interface FastifyRequest {
    auth: RequestAuth | null;
  }
}

/** What the host asks of the API token service (the core's ApiTokenService). */
export interface ApiTokenVerifier {
  verify(
    value: string,
  ): Promise<
    | { status: 'ok'; tokenId: string; scopes: readonly ApiScope[] }
    | { status: 'revoked'; tokenId: string }
    | { status: 'unknown' }
  >;
}

/** What a host plugin gets besides the fastify instance. */
export interface HostPluginContext {
  dispatcher: Dispatcher;
  events: HostEvents;
  log: HostLogger;
  /** Sends `{ok:false,code,message}`, or OpenAI's shape on `/v1/*` and `config.errorShape: 'openai'` routes. */
  sendError: typeof sendHostError;
  /** Adds paths (and component schemas) to `/api/openapi.json`. */
  addOpenApi(extension: OpenApiExtension): void;
}

/**
 * A fastify plugin the host registers after authentication is in place (so its routes are guarded,
 * authenticated, scope-checked and rate-limited like every other): `/v1/*`, `/metrics`.
 */
export type HostPlugin = (app: FastifyInstance, ctx: HostPluginContext) => Promise<void>;

const ALL_SCOPES: readonly ApiScope[] = API_SCOPES;

export interface HostLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface HostEvents {
  onAny(listener: (event: EventName, payload: unknown) => void): Disposable;
}

export interface StartHostOptions {
  dispatcher: Dispatcher;
  events: HostEvents;
  /** Where the installation token lives (`host.token`); created on first start. */
  keychain: TokenKeychain;
  log?: HostLogger;
  /** 0 picks a free port. */
  port?: number;
  /** Only loopback: the host is never reachable from another machine. */
  host?: '127.0.0.1';
  /** The built renderer (`out/renderer`); when missing, `/` explains how to build it. */
  rendererDir?: string | null;
  /** How long a one-time login code stays valid (default 10 minutes). */
  loginCodeTtlMs?: number;
  /** How long a browser session lasts (default 30 days). */
  sessionTtlMs?: number;
  /** Calls one WebSocket may have running at once; more get UNAVAILABLE (default 64). */
  maxInFlightPerSocket?: number;
  /** Where browser uploads are kept (`<dataDir>/imports`); without it there is no upload route. */
  uploadsDir?: string;
  /** User API tokens; without it only the installation token and the browser session authenticate. */
  tokens?: ApiTokenVerifier;
  /** Browser origins allowed to call the API (read on each request: settings `api.allowedOrigins`). */
  allowedOrigins?: () => readonly string[];
  /** Requests per minute per user token (read on each request: settings `api.rateLimitPerMinute`; default 600). */
  rateLimitPerMinute?: () => number;
  /** Largest request body in bytes; larger ones get 413 (default 1 MiB, the contract's limit). */
  bodyLimitBytes?: number;
  /** The REST API derived from the contract and its OpenAPI document (default true). */
  rest?: boolean;
  /** Registered after authentication, before the renderer's static files. */
  plugins?: HostPlugin[];
  /** Only the API (the desktop app's): `/` says where the API is described instead of serving the UI. */
  apiOnly?: boolean;
}

export interface HostHandle {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** A one-time login URL minted at start. */
  loginUrl: string;
  port: number;
  /** Where the server listens (always 127.0.0.1). */
  address(): AddressInfo;
  /** Mints another one-time login URL. */
  newLoginUrl(): string;
  close(): Promise<void>;
}

const LOGIN_PATH = '/login';
const DEFAULT_LOGIN_TTL_MS = 10 * 60 * 1000;
const DEFAULT_SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

const silentLog: HostLogger = { info() {}, warn() {}, error() {} };

export async function startHost(options: StartHostOptions): Promise<HostHandle> {
  const { dispatcher, events } = options;
  const log = options.log ?? silentLog;
  const maxInFlight = options.maxInFlightPerSocket ?? 64;
  const installationToken = await loadOrCreateInstallationToken(options.keychain);
  const codes = new LoginCodes(options.loginCodeTtlMs ?? DEFAULT_LOGIN_TTL_MS);
  const sessions = new SessionSigner(installationToken, options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS);
  const sockets = new Set<WebSocket>();
  let port = 0;
  // Cookies are shared by every port on a host, so the name carries the port: two hosts never clash.
  const cookieName = () => `nook_session_${port}`;

  const allowedOrigins = (): readonly string[] => options.allowedOrigins?.() ?? [];
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes ?? MAX_PAYLOAD_BYTES,
    return503OnClosing: true,
    clientErrorHandler: clientError,
  });
  app.decorateRequest('auth', null);
  // Bodies are JSON (and multipart where a route registers it): a text/plain POST is one a foreign
  // page could send without a CORS preflight, so it is not parsed at all (415).
  app.removeContentTypeParser('text/plain');
  await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, { options: { maxPayload: WS_MAX_FRAME_BYTES } });

  app.addHook('onRequest', async (req, reply) => {
    const verdict = checkHostAndOrigin(req.headers, port, allowedOrigins());
    if (!verdict.ok) {
      log.warn({ reason: verdict.reason, method: req.method, path: pathOf(req.url) }, 'host request refused');
      return sendHostError(req, reply, 403, 'FORBIDDEN', 'Request refused: foreign Host or Origin');
    }
  });
  // CORS only for origins the user allowed (the guard above already refused every other foreign one).
  await app.register(fastifyCors, {
    origin: (origin, cb) => cb(null, origin !== undefined && allowedOrigins().includes(origin.toLowerCase())),
    methods: ['GET', 'POST'],
    allowedHeaders: ['authorization', 'content-type', 'accept'],
    exposedHeaders: ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    credentials: false,
    maxAge: 600,
  });
  app.addHook('onRequest', async (req, reply) => {
    if (pathOf(req.url) === LOGIN_PATH) return;
    // A CORS preflight carries no credentials; only an allowed origin's gets past the guard to here.
    if (
      req.method === 'OPTIONS' &&
      typeof req.headers.origin === 'string' &&
      req.headers['access-control-request-method']
    )
      return;
    let auth: RequestAuth | { status: 401 | 403 | 503; message: string };
    try {
      auth = await authenticate(req);
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'verifying an API token failed');
      return sendHostError(
        req,
        reply,
        503,
        'UNAVAILABLE',
        'API tokens cannot be checked right now (is the keychain locked?)',
      );
    }
    if ('status' in auth) {
      if (auth.status === 401) return sendUnauthorized(req, reply, auth.message);
      return sendHostError(
        req,
        reply,
        auth.status,
        auth.status === 403 ? 'FORBIDDEN' : 'UNAVAILABLE',
        auth.message,
      );
    }
    // No route matched: nothing to guard, the 404 follows (a scope error would hide it).
    const matched = req.routeOptions.url !== undefined;
    const needed =
      req.routeOptions.config?.scope ??
      (pathOf(req.url).startsWith('/v1/')
        ? 'models'
        : req.method === 'GET' || req.method === 'HEAD'
          ? 'read'
          : 'write');
    if (matched && !auth.scopes.includes(needed))
      return sendHostError(req, reply, 403, 'FORBIDDEN', `This token lacks the "${needed}" scope`);
    req.auth = auth;
  });
  // Per user token (the app's own credentials are not limited); route-level hook, so after the above.
  await app.register(fastifyRateLimit, {
    global: true,
    timeWindow: 60_000,
    max: () => Math.max(1, Math.floor(options.rateLimitPerMinute?.() ?? 600)),
    keyGenerator: (req) => req.auth?.tokenId ?? 'anonymous',
    allowList: (req) => req.auth?.kind !== 'token',
    errorResponseBuilder: (_req, context) =>
      Object.assign(
        new Error(`Rate limit exceeded: at most ${context.max} requests a minute; retry in ${context.after}`),
        {
          statusCode: context.statusCode,
        },
      ),
  });

  /** A path that exists under other methods (a plugin's `/metrics`, `/v1/models`): 405 with Allow. */
  function sendMethodNotAllowed(req: FastifyRequest, reply: FastifyReply): FastifyReply | null {
    if (req.routeOptions.url !== undefined) return null;
    const url = pathOf(req.url);
    const allow = app.supportedMethods.filter((method) => app.hasRoute({ url, method }));
    if (allow.length === 0) return null;
    reply.header('Allow', allow.join(', '));
    return sendHostError(req, reply, 405, 'METHOD_NOT_ALLOWED', `${url} answers ${allow.join(', ')} only`);
  }

  app.setErrorHandler(async (error: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    // An unmatched route's body can fail to parse before the not-found handler sees it.
    if (status >= 400 && status < 500 && status !== 413 && status !== 429) {
      const refused = sendMethodNotAllowed(req, reply);
      if (refused) return refused;
    }
    if (status === 413)
      return sendHostError(
        req,
        reply,
        413,
        'PAYLOAD_TOO_LARGE',
        `The request body is larger than ${app.initialConfig.bodyLimit} bytes`,
      );
    if (status === 429) return sendHostError(req, reply, 429, 'RATE_LIMITED', error.message);
    if (status === 415)
      return sendHostError(req, reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
    if (status >= 400 && status < 500)
      return sendHostError(req, reply, status, 'INVALID_INPUT', error.message);
    log.error({ err: error, method: req.method, path: pathOf(req.url) }, 'host request failed');
    return sendHostError(
      req,
      reply,
      500,
      'INTERNAL',
      'The request failed unexpectedly; see the log for details',
    );
  });

  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    reply.header('Cross-Origin-Resource-Policy', 'same-origin');
    return payload;
  });

  async function authenticate(
    req: FastifyRequest,
  ): Promise<RequestAuth | { status: 401 | 403; message: string }> {
    const bearer = bearerToken(req.headers.authorization);
    if (bearer !== null) {
      if (safeEqual(bearer, installationToken))
        return { tokenId: 'installation', kind: 'installation', scopes: ALL_SCOPES };
      const verdict = options.tokens ? await options.tokens.verify(bearer) : { status: 'unknown' as const };
      if (verdict.status === 'ok') return { tokenId: verdict.tokenId, kind: 'token', scopes: verdict.scopes };
      if (verdict.status === 'revoked') return { status: 403, message: 'This API token was revoked' };
      return { status: 401, message: 'Unknown API token' };
    }
    if (sessions.verify(req.cookies[cookieName()]))
      return { tokenId: 'session', kind: 'session', scopes: ALL_SCOPES };
    return {
      status: 401,
      message:
        'Not logged in: send Authorization: Bearer <token>, or open the login URL that `nook serve` printed',
    };
  }

  app.get(LOGIN_PATH, async (req, reply) => {
    reply.header('Cache-Control', 'no-store');
    const code = (req.query as Record<string, unknown>)['token'];
    if (typeof code !== 'string' || !codes.consume(code)) {
      log.warn({}, 'login with an invalid, used or expired code refused');
      return reply
        .code(401)
        .type('text/html; charset=utf-8')
        .send(
          page(
            'Login link not valid',
            'This login link was already used or has expired. Start Nook again, or ask the running host for a new link.',
          ),
        );
    }
    reply.setCookie(cookieName(), sessions.issue(), {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      maxAge: Math.floor(sessions.ttlMs / 1000),
    });
    log.info({}, 'browser session started');
    return reply.redirect('/', 302);
  });

  app.post('/api/host/login-url', async (req, reply) => {
    reply.header('Cache-Control', 'no-store');
    // A login URL opens a browser session with every scope: never for a user API token.
    if (req.auth?.kind === 'token')
      return sendHostError(
        req,
        reply,
        403,
        'FORBIDDEN',
        'Login links are only for the app itself, not for API tokens',
      );
    return { loginUrl: newLoginUrl() };
  });

  if (options.uploadsDir) await registerUploads(app, { dispatcher, dir: options.uploadsDir, log });
  await registerPluginUpload(app, { dispatcher, log });

  const openApiExtensions: OpenApiExtension[] = [];
  if (options.rest !== false) {
    await registerRest(app, { dispatcher, events, log });
    let openApiDoc: string | null = null;
    app.get(OPENAPI_PATH, { config: { scope: 'read' } }, async (_req, reply) => {
      openApiDoc ??= JSON.stringify(
        buildOpenApi({
          serverUrl: `http://127.0.0.1:${port}`,
          extensions: openApiExtensions,
          uploads: options.uploadsDir !== undefined,
        }),
      );
      return reply.type('application/json').header('Cache-Control', 'no-store').send(openApiDoc);
    });
  }
  for (const plugin of options.plugins ?? []) {
    await plugin(app, {
      dispatcher,
      events,
      log,
      sendError: sendHostError,
      addOpenApi: (extension) => openApiExtensions.push(extension),
    });
  }

  // WebSocket calls count against a user token's limit too (their own window, per token, all sockets).
  const rateLimit = () => Math.max(1, Math.floor(options.rateLimitPerMinute?.() ?? 600));
  const wsWindows = new Map<string, { start: number; calls: number }>();
  const wsCallAllowed = (tokenId: string): boolean => {
    const now = Date.now();
    let w = wsWindows.get(tokenId);
    if (!w || now - w.start >= 60_000) wsWindows.set(tokenId, (w = { start: now, calls: 0 }));
    w.calls++;
    return w.calls <= rateLimit();
  };

  app.get(WS_PATH, { websocket: true }, (socket, req) => {
    const controller = new AbortController();
    let inFlight = 0;
    sockets.add(socket);
    const send = (text: string) => {
      if (socket.readyState === socket.OPEN) socket.send(text);
    };
    const reply = (frame: ServerReplyFrame) => {
      let text: string;
      try {
        text = encodeReply(frame);
      } catch {
        text = encodeReply({ id: frame.id, result: err('INTERNAL', 'The result could not be serialized') });
      }
      send(text);
    };
    const subscription = events.onAny((event, payload) => {
      try {
        send(encodeEvent({ event, payload }));
      } catch (e) {
        log.error({ event, err: e }, 'event could not be forwarded to a WebSocket client');
      }
    });
    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        reply({ id: null, result: err('INVALID_INPUT', 'Binary frames are not part of the protocol') });
        return;
      }
      const parsed = parseClientFrame(rawToString(data));
      if (!parsed.ok) {
        reply(parsed.reply);
        return;
      }
      const { id, route, input } = parsed.frame;
      const auth = req.auth;
      if (auth?.kind === 'token' && isRouteName(route)) {
        if (isOwnerOnly(route)) {
          reply({ id, result: err('FORBIDDEN', `${route} is only for the app itself, not for API tokens`) });
          return;
        }
        if (!wsCallAllowed(auth.tokenId)) {
          reply({
            id,
            result: err(
              'RATE_LIMITED',
              `Rate limit exceeded: at most ${rateLimit()} calls a minute with this token`,
            ),
          });
          return;
        }
        if (!auth.scopes.includes(scopeOf(route))) {
          reply({
            id,
            result: err('FORBIDDEN', `This token lacks the "${scopeOf(route)}" scope for ${route}`),
          });
          return;
        }
      }
      if (inFlight >= maxInFlight) {
        reply({
          id,
          result: err('UNAVAILABLE', `More than ${maxInFlight} calls in flight on this connection`),
        });
        return;
      }
      inFlight++;
      let pending: Promise<Result<unknown>>;
      try {
        pending = dispatcher.dispatch(route, input, { transport: 'ws', signal: controller.signal });
      } catch (e) {
        pending = Promise.reject(e);
      }
      pending
        .catch((e: unknown) => {
          log.error({ err: e }, 'WebSocket dispatch failed');
          return err('INTERNAL', 'The call failed unexpectedly; see the log for details');
        })
        .then((result) => {
          inFlight--;
          reply({ id, result });
        });
    });
    socket.on('close', () => {
      controller.abort();
      void subscription.dispose();
      sockets.delete(socket);
    });
    socket.on('error', (e) => log.warn({ err: e.message, path: pathOf(req.url) }, 'WebSocket error'));
  });

  const rendererDir = options.rendererDir ?? null;
  if (rendererDir && fs.existsSync(path.join(rendererDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: path.resolve(rendererDir), prefix: '/', index: 'index.html' });
  } else if (options.apiOnly) {
    app.get('/', async (_req, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .send(
          page(
            'Nook local API',
            `This is the Nook desktop app's local API. Its description is at ${OPENAPI_PATH}; create tokens in Nook's Settings > Local API.`,
          ),
        ),
    );
  } else {
    app.get('/', async (_req, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .send(
          page(
            'Nook host',
            'The renderer is not built. Run `npx electron-vite build`, then start the host again.',
          ),
        ),
    );
  }

  app.setNotFoundHandler(
    async (req, reply) =>
      sendMethodNotAllowed(req, reply) ?? sendHostError(req, reply, 404, 'NOT_FOUND', 'Not found'),
  );

  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  function newLoginUrl(): string {
    return `${url}${LOGIN_PATH}?token=${codes.issue()}`;
  }

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    loginUrl: newLoginUrl(),
    newLoginUrl,
    address: () => app.server.address() as AddressInfo,
    close() {
      closing ??= (async () => {
        for (const s of sockets) s.close(WS_CLOSE_GOING_AWAY, 'host shutting down');
        await app.close();
      })();
      return closing;
    },
  };

  function sendUnauthorized(req: FastifyRequest, reply: FastifyReply, message: string) {
    if (wantsHtml(req) && errorShapeOf(req) === 'nook') {
      return reply
        .code(401)
        .type('text/html; charset=utf-8')
        .send(page('Log in to Nook', 'Open the login URL printed in the terminal where Nook is running.'));
    }
    reply.header('WWW-Authenticate', 'Bearer realm="nook"');
    return sendHostError(req, reply, 401, 'UNAUTHORIZED', message);
  }
}

/**
 * Requests node's parser refuses before fastify sees them (headers or URL over 16 KiB, malformed
 * HTTP): the same JSON error body as every other answer, then the connection is closed.
 */
function clientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'PAYLOAD_TOO_LARGE', 'The request line or headers are larger than 16 KiB']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'TIMEOUT', 'The request took too long to arrive']
        : [400, 'INVALID_INPUT', 'Malformed HTTP request'];
  const body = JSON.stringify({ ok: false, code, message });
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(err);
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function wantsHtml(req: FastifyRequest): boolean {
  const accept = req.headers.accept;
  return typeof accept === 'string' && accept.includes('text/html');
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function page(title: string, text: string): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><meta name="viewport" content="width=device-width"></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem"><h1>${esc(title)}</h1><p>${esc(text)}</p></body></html>`;
}
