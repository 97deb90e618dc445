/**
 * The REST API, derived from the contract (nothing here names a route by hand but `assistant.ask`'s
 * stream): every route `restRoutes()` admits becomes
 *
 *   GET  /api/<domain>/<verb>?field=value...   read routes: each input field is a query parameter
 *   POST /api/<domain>/<verb>   {json input}    routes that change state
 *
 * Both go through the same dispatcher as IPC and the WebSocket: the contract's zod schema parses the
 * input, the output is checked against its schema, errors come back as `{ ok: false, code, message }`
 * with the HTTP status of their code. A success answers the route's output itself (no envelope).
 *
 * Query parameters are strings; a field whose JSON Schema accepts a string is taken as it is, any
 * other field (number, boolean, array, object) is read as JSON (`?id=3`, `?ids=[1,2]`,
 * `?filters={"tags":["x"]}`), which is how the OpenAPI document describes them.
 *
 * `POST /api/assistant/ask` with `Accept: text/event-stream` answers with server-sent events: `ask`
 * (the ids), then the conversation's `assistant.delta` events, ending with `assistant.done`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { EventName, RouteName } from '../../shared/ipc/channels';
import { routes } from '../../shared/ipc/contract';
import type { Result } from '../../shared/ipc/result';
import type { Dispatcher } from '../rpc/dispatcher';
import { HTTP_STATUS, sendHostError } from './httpErrors';
import { restRoutes, type RestRoute } from './restAccess';

export interface RestEvents {
  onAny(listener: (event: EventName, payload: unknown) => void): { dispose(): unknown };
}

export interface RestOptions {
  dispatcher: Dispatcher;
  events: RestEvents;
  log: { error(obj: object, msg: string): void };
}

type JsonSchema = Record<string, unknown>;

/** The input's JSON Schema (as the OpenAPI document shows it). */
export function inputJsonSchema(route: RouteName): JsonSchema {
  const { $schema: _drop, ...schema } = z.toJSONSchema(routes[route].input, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as JsonSchema;
  return schema;
}

/** Whether a value of this schema may be a plain string (then a query value is taken verbatim). */
export function acceptsString(schema: JsonSchema): boolean {
  const type = schema['type'];
  if (type === 'string') return true;
  if (Array.isArray(type) && type.includes('string')) return true;
  if (type === undefined) {
    const variants = [schema['anyOf'], schema['oneOf']].flatMap((v) => (Array.isArray(v) ? v : []));
    if (variants.length > 0) return variants.some((v) => acceptsString(v as JsonSchema));
    const values = schema['enum'] ?? (schema['const'] !== undefined ? [schema['const']] : undefined);
    if (Array.isArray(values)) return values.some((v) => typeof v === 'string');
    return Object.keys(schema).length === 0; // unconstrained
  }
  return false;
}

/** Which query fields are strings as they stand, per GET route. */
function stringFields(route: RouteName): ReadonlySet<string> {
  const props = (inputJsonSchema(route)['properties'] ?? {}) as Record<string, JsonSchema>;
  return new Set(
    Object.entries(props)
      .filter(([, s]) => acceptsString(s))
      .map(([k]) => k),
  );
}

/** Query string -> input object (see the module comment). A repeated parameter is refused by the schema. */
export function decodeQuery(query: unknown, strings: ReadonlySet<string>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  if (query === null || typeof query !== 'object') return input;
  for (const [key, raw] of Object.entries(query as Record<string, unknown>)) {
    if (typeof raw !== 'string' || strings.has(key)) {
      input[key] = raw;
      continue;
    }
    try {
      input[key] = JSON.parse(raw);
    } catch {
      input[key] = raw; // the schema then says what was expected
    }
  }
  return input;
}

/** No body at all is `{}`; anything sent (even `null`) is the input as it stands. */
function bodyOf(req: FastifyRequest): unknown {
  return req.body === undefined ? {} : req.body;
}

function abortOnClientGone(reply: FastifyReply): AbortController {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller;
}

function sendResult(req: FastifyRequest, reply: FastifyReply, result: Result<unknown>) {
  if (!result.ok)
    return sendHostError(req, reply, HTTP_STATUS[result.code] ?? 500, result.code, result.message);
  reply.header('Cache-Control', 'no-store');
  return reply
    .code(200)
    .type('application/json')
    .send(JSON.stringify(result.value ?? null));
}

export async function registerRest(app: FastifyInstance, options: RestOptions): Promise<void> {
  const { dispatcher, log } = options;
  const call = async (route: RouteName, input: unknown, reply: FastifyReply): Promise<Result<unknown>> => {
    const controller = abortOnClientGone(reply);
    try {
      return await dispatcher.dispatch(route, input, { transport: 'http', signal: controller.signal });
    } catch (e) {
      log.error({ route, err: e }, 'REST dispatch failed');
      return {
        ok: false,
        code: 'INTERNAL',
        message: 'The call failed unexpectedly; see the log for details',
      };
    }
  };

  for (const r of restRoutes()) {
    if (r.method === 'GET') {
      const strings = stringFields(r.route);
      app.get(r.path, { config: { scope: r.scope } }, async (req, reply) =>
        sendResult(req, reply, await call(r.route, decodeQuery(req.query, strings), reply)),
      );
    } else if (r.route === 'assistant.ask') {
      app.post(r.path, { config: { scope: r.scope } }, async (req, reply) => askRoute(r, req, reply));
    } else {
      app.post(r.path, { config: { scope: r.scope } }, async (req, reply) =>
        sendResult(req, reply, await call(r.route, bodyOf(req), reply)),
      );
    }
  }

  // Every other method on a REST path: 405 with Allow (not 404: the path exists).
  for (const r of restRoutes()) {
    const allow = r.method === 'GET' ? 'GET, HEAD' : 'POST';
    // OPTIONS too: a CORS preflight from an allowed origin is answered by the CORS hook before this.
    const declared = r.method === 'GET' ? ['GET', 'HEAD'] : ['POST'];
    const others = app.supportedMethods.filter((m) => !declared.includes(m));
    app.route({
      method: others,
      url: r.path,
      config: { scope: r.scope },
      // Answered before the body is read (a QUERY without a content type would otherwise be a 400).
      onRequest: async (req, reply) => {
        reply.header('Allow', allow);
        return sendHostError(req, reply, 405, 'METHOD_NOT_ALLOWED', `${r.path} answers ${allow} only`);
      },
      handler: async () => undefined,
    });
  }

  async function askRoute(r: RestRoute, req: FastifyRequest, reply: FastifyReply) {
    const accept = req.headers.accept;
    if (typeof accept !== 'string' || !accept.includes('text/event-stream'))
      return sendResult(req, reply, await call(r.route, bodyOf(req), reply));

    // Subscribe before asking: the first delta can arrive before the ask's answer does.
    const early: Array<{ event: EventName; payload: unknown }> = [];
    let messageId: number | null = null;
    let finished = false;
    let write: ((event: string, data: unknown) => void) | null = null;
    let end: () => void = () => undefined;
    const relevant = (event: EventName, payload: unknown) =>
      (event === 'assistant.delta' || event === 'assistant.done') &&
      (payload as { messageId?: unknown }).messageId === messageId;
    const subscription = options.events.onAny((event, payload) => {
      if (finished) return;
      if (messageId === null || write === null) {
        if (event === 'assistant.delta' || event === 'assistant.done') early.push({ event, payload });
        return;
      }
      if (!relevant(event, payload)) return;
      write(event, payload);
      if (event === 'assistant.done') end();
    });
    const result = await call(r.route, bodyOf(req), reply);
    if (!result.ok) {
      void subscription.dispose();
      return sendResult(req, reply, result);
    }
    const asked = result.value as { messageId: number };
    messageId = asked.messageId;
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
      'X-Accel-Buffering': 'no',
    });
    end = () => {
      if (finished) return;
      finished = true;
      void subscription.dispose();
      raw.end();
    };
    raw.on('close', () => {
      if (!finished) {
        finished = true;
        void subscription.dispose();
        // The client went away: stop generating (what arrived is kept, as with the Stop button).
        void dispatcher
          .dispatch('assistant.stop', { messageId: asked.messageId }, { transport: 'http' })
          .catch(() => undefined);
      }
    });
    write = (event, data) => {
      if (!finished) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    write('ask', asked);
    for (const e of early.splice(0)) {
      if (!relevant(e.event, e.payload)) continue;
      write(e.event, e.payload);
      if (e.event === 'assistant.done') end();
    }
    return reply;
  }
}
