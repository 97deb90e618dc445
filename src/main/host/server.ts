/**
 * The headless host: the contract over a WebSocket, and the built renderer as static files, on
 * 127.0.0.1 only. Every request passes, in order: Host/Origin guard (403) -> authentication (401,
 * except `/login`) -> route. The same guard and authentication run on the WebSocket upgrade.
 *
 * It takes the dispatcher and the event bus rather than the whole core, so it is tested in
 * isolation with hand-made handlers; `serve.ts` wires it to the real core.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import type { WebSocket, RawData } from 'ws';
import type { EventName } from '../../shared/ipc/channels';
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
import { registerUploads } from './upload';
import { registerPluginUpload } from './pluginUpload';

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

  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, return503OnClosing: true });
  await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, { options: { maxPayload: WS_MAX_FRAME_BYTES } });

  app.addHook('onRequest', async (req, reply) => {
    const verdict = checkHostAndOrigin(req.headers, port);
    if (!verdict.ok) {
      log.warn({ reason: verdict.reason, method: req.method, path: pathOf(req.url) }, 'host request refused');
      return reply
        .code(403)
        .type('application/json')
        .send(errorBody('FORBIDDEN', 'Request refused: foreign Host or Origin'));
    }
    if (pathOf(req.url) === LOGIN_PATH) return;
    if (isAuthenticated(req)) return;
    return sendUnauthorized(req, reply);
  });

  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    reply.header('Cross-Origin-Resource-Policy', 'same-origin');
    return payload;
  });

  function isAuthenticated(req: FastifyRequest): boolean {
    const bearer = bearerToken(req.headers.authorization);
    if (bearer !== null) return safeEqual(bearer, installationToken);
    return sessions.verify(req.cookies[cookieName()]);
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

  app.post('/api/host/login-url', async (_req, reply) => {
    reply.header('Cache-Control', 'no-store');
    return { loginUrl: newLoginUrl() };
  });

  if (options.uploadsDir) await registerUploads(app, { dispatcher, dir: options.uploadsDir, log });
  await registerPluginUpload(app, { dispatcher, log });

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

  app.setNotFoundHandler(async (_req, reply) => reply.code(404).send(errorBody('NOT_FOUND', 'Not found')));

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

  function sendUnauthorized(req: FastifyRequest, reply: FastifyReply) {
    const message = 'Not logged in: open the login URL that `nook serve` printed in its terminal';
    if (wantsHtml(req)) {
      return reply
        .code(401)
        .type('text/html; charset=utf-8')
        .send(page('Log in to Nook', 'Open the login URL printed in the terminal where Nook is running.'));
    }
    return reply.code(401).type('application/json').send(errorBody('UNAUTHORIZED', message));
  }
}

function errorBody(code: string, message: string): string {
  return JSON.stringify({ ok: false, code, message });
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
