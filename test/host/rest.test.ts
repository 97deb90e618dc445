/**
 * The REST API derived from the contract: query decoding for GET routes, JSON bodies for POST ones,
 * error codes mapped to HTTP statuses, the streamed ask, and the OpenAPI document that describes it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startHost, type HostHandle } from '../../src/main/host/server';
import { HOST_TOKEN_SECRET_ID } from '../../src/main/host/auth';
import { buildOpenApi } from '../../src/main/host/openapi';
import { decodeQuery, acceptsString } from '../../src/main/host/rest';
import { isOwnerOnly, restRoutes } from '../../src/main/host/restAccess';
import { ROUTES, type RouteName } from '../../src/shared/ipc/channels';
import { routes } from '../../src/shared/ipc/contract';
import { ok } from '../../src/shared/ipc/result';
import type { Dispatcher } from '../../src/main/rpc/dispatcher';
import { createTestBackend, type TestBackend } from '../contract/testBackend';
import { request } from './httpClient';

let backend: TestBackend;
let host: HostHandle;
let calls: Array<{ route: unknown; input: unknown; transport: string }>;
let install: string;

beforeEach(async () => {
  backend = createTestBackend();
  calls = [];
  const recording: Dispatcher = {
    dispatch: (route, input, ctx) => {
      calls.push({ route, input, transport: ctx.transport });
      if (route === 'assistant.ask') return fakeAsk();
      return backend.dispatcher.dispatch(route, input, ctx);
    },
  };
  host = await startHost({
    dispatcher: recording,
    events: backend.events,
    keychain: backend.keychain,
    tokens: backend.apiTokens,
    port: 0,
  });
  install = backend.keychain.values.get(HOST_TOKEN_SECRET_ID)!;
});

afterEach(async () => {
  await host.close();
  await backend.dispose();
});

/** An answer that streams: one delta before the ask returns (the REST layer must not lose it), the rest after. */
async function fakeAsk() {
  const ids = { conversationId: 4, userMessageId: 8, messageId: 9 };
  const delta = (text: string, messageId = 9) =>
    backend.events.emit('assistant.delta', { conversationId: 4, messageId, delta: text });
  delta('Hello');
  setTimeout(() => {
    delta('not ours', 99);
    delta(', world');
    backend.events.emit('assistant.done', {
      conversationId: 4,
      messageId: 9,
      status: 'done',
      content: 'Hello, world',
      citations: [],
      provider: 'test',
      notice: null,
      usage: null,
      error: null,
    });
    delta('after the end');
  }, 20);
  return ok(ids);
}

const bearer = () => ({ authorization: `Bearer ${install}` });

describe('derived routes', () => {
  it('every contract route but the app-only ones is in the REST API: reads as GET, changes as POST', () => {
    const rest = restRoutes();
    const names = rest.map((r) => r.route);
    expect(names).toEqual(ROUTES.filter((r) => !isOwnerOnly(r)));
    expect(names).toEqual(
      expect.arrayContaining(['knowledge.search', 'knowledge.documents', 'assistant.ask']),
    );
    for (const r of rest) {
      expect(r.method).toBe(routes[r.route].mutates ? 'POST' : 'GET');
      expect(r.path).toBe(`/api/${r.route.replace('.', '/')}`);
    }
    const offRest: RouteName[] = ['app.pickFiles', 'secrets.set', 'apiTokens.create', 'settings.update'];
    for (const r of offRest) expect(names).not.toContain(r);
  });

  it('GET decodes the query: strings as sent, other fields as JSON', async () => {
    const res = await request(
      host.port,
      `/api/knowledge/search?query=42&k=3&mode=keyword&filters=${encodeURIComponent('{"tags":["a b"]}')}`,
      { headers: bearer() },
    );
    expect(res.status).toBe(200);
    expect(calls.at(-1)).toEqual({
      route: 'knowledge.search',
      input: { query: '42', k: 3, mode: 'keyword', filters: { tags: ['a b'] } },
      transport: 'http',
    });
    // The answer is the route's output itself, checked against the contract.
    const body = JSON.parse(res.body);
    expect(routes['knowledge.search'].output.parse(body)).toMatchObject({
      query: '42',
      mode: 'keyword',
      hits: [],
    });
  });

  it('maps contract errors to HTTP statuses with the contract error body', async () => {
    const bad = await request(host.port, '/api/knowledge/search?k=3', { headers: bearer() });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, code: 'INVALID_INPUT', message: /query/ });
    const notNumber = await request(host.port, '/api/knowledge/document?id=abc', { headers: bearer() });
    expect(notNumber.status).toBe(400);
    const missing = await request(host.port, '/api/knowledge/document?id=5', { headers: bearer() });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    const unavailable = await request(host.port, '/api/conversations/list', { headers: bearer() });
    expect(unavailable.status).toBe(503);
    const extra = await request(host.port, '/api/ingest/status?surprise=1', { headers: bearer() });
    expect(extra.status).toBe(400);
  });

  it('POST takes a JSON body (or none) and refuses other media types and broken JSON', async () => {
    const post = (path: string, body?: string, type = 'application/json') =>
      request(host.port, path, {
        method: 'POST',
        headers: { ...bearer(), ...(body !== undefined ? { 'content-type': type } : {}) },
        ...(body !== undefined ? { body } : {}),
      });
    const paused = await post('/api/ingest/pause');
    expect(paused.status).toBe(200);
    expect(JSON.parse(paused.body)).toMatchObject({ paused: true });
    const deleted = await post('/api/knowledge/delete', JSON.stringify({ ids: [1, 2] }));
    expect(deleted.status).toBe(200);
    expect(calls.at(-1)?.input).toEqual({ ids: [1, 2] });
    expect((await post('/api/knowledge/delete', JSON.stringify({ ids: [] }))).status).toBe(400);
    const broken = await post('/api/knowledge/delete', '{"ids": [1,');
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body)).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    const text = await post('/api/knowledge/delete', 'ids=1', 'text/plain');
    expect(text.status).toBe(415);
    expect(JSON.parse(text.body)).toMatchObject({ ok: false, code: 'UNSUPPORTED_MEDIA_TYPE' });
    // GET-only and POST-only routes answer another method with 405 and Allow.
    const wrongMethod = await post('/api/ingest/status');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers['allow']).toBe('GET, HEAD');
    const getOnPost = await request(host.port, '/api/ingest/pause', { headers: bearer() });
    expect(getOnPost.status).toBe(405);
    expect(getOnPost.headers['allow']).toBe('POST');
    expect(JSON.parse(getOnPost.body)).toMatchObject({ ok: false, code: 'METHOD_NOT_ALLOWED' });
  });

  it('streams an ask as server-sent events: the ids, the deltas of that message only, then done', async () => {
    const res = await request(host.port, '/api/assistant/ask', {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ text: 'hello?' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = res.body
      .trim()
      .split('\n\n')
      .map((block) => {
        const [ev, data] = block.split('\n');
        return { event: ev!.replace('event: ', ''), data: JSON.parse(data!.replace('data: ', '')) };
      });
    expect(events.map((e) => e.event)).toEqual([
      'ask',
      'assistant.delta',
      'assistant.delta',
      'assistant.done',
    ]);
    expect(events[0]!.data).toEqual({ conversationId: 4, userMessageId: 8, messageId: 9 });
    expect(events.slice(1, 3).map((e) => e.data.delta)).toEqual(['Hello', ', world']);
    expect(events[3]!.data).toMatchObject({ status: 'done', content: 'Hello, world' });
    // Without the Accept header the same route answers the ids as JSON.
    const plain = await request(host.port, '/api/assistant/ask', {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello?' }),
    });
    expect(JSON.parse(plain.body)).toEqual({ conversationId: 4, userMessageId: 8, messageId: 9 });
  });
});

describe('streamed ask, client gone', () => {
  it('stops the answer when the client closes the stream', async () => {
    const { default: http } = await import('node:http');
    await host.close();
    const stopped: unknown[] = [];
    const hanging: Dispatcher = {
      dispatch: async (route, input, ctx) => {
        if (route === 'assistant.ask') return ok({ conversationId: 1, userMessageId: 2, messageId: 3 });
        if (route === 'assistant.stop') {
          stopped.push(input);
          return ok({ stopped: true });
        }
        return backend.dispatcher.dispatch(route, input, ctx);
      },
    };
    host = await startHost({
      dispatcher: hanging,
      events: backend.events,
      keychain: backend.keychain,
      port: 0,
    });
    install = backend.keychain.values.get(HOST_TOKEN_SECRET_ID)!;
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: host.port,
          path: '/api/assistant/ask',
          method: 'POST',
          headers: {
            host: `127.0.0.1:${host.port}`,
            ...bearer(),
            'content-type': 'application/json',
            accept: 'text/event-stream',
          },
        },
        (res) => {
          res.once('data', (chunk: Buffer) => {
            expect(chunk.toString()).toContain('event: ask');
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
      req.end(JSON.stringify({ text: 'a long answer' }));
    });
    await expect.poll(() => stopped).toEqual([{ messageId: 3 }]);
  });
});

describe('query decoding', () => {
  it('keeps strings verbatim and parses the rest as JSON (falling back to the raw text)', () => {
    const strings = new Set(['q']);
    expect(decodeQuery({ q: '[1]', n: '7', b: 'true', o: '{"a":1}', bad: '{' }, strings)).toEqual({
      q: '[1]',
      n: 7,
      b: true,
      o: { a: 1 },
      bad: '{',
    });
    expect(decodeQuery({ n: ['1', '2'] }, strings)).toEqual({ n: ['1', '2'] });
    expect(acceptsString({ type: 'string' })).toBe(true);
    expect(acceptsString({ type: ['string', 'null'] })).toBe(true);
    expect(acceptsString({ anyOf: [{ type: 'integer' }, { type: 'string' }] })).toBe(true);
    expect(acceptsString({ enum: ['a', 'b'] })).toBe(true);
    expect(acceptsString({ type: 'integer' })).toBe(false);
    expect(acceptsString({ type: 'array', items: { type: 'string' } })).toBe(false);
  });
});

describe('OpenAPI document', () => {
  it('is served at /api/openapi.json and describes every REST route from the contract', async () => {
    const res = await request(host.port, '/api/openapi.json', { headers: bearer() });
    expect(res.status).toBe(200);
    const doc = JSON.parse(res.body);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.servers).toEqual([{ url: host.url }]);
    const ops = Object.entries(doc.paths as Record<string, Record<string, { operationId: string }>>).flatMap(
      ([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, id: op.operationId })),
    );
    expect(ops).toEqual(
      restRoutes().map((r) => ({ path: r.path, method: r.method.toLowerCase(), id: r.route })),
    );
    const search = doc.paths['/api/knowledge/search'].get;
    expect(search['x-nook-scope']).toBe('read');
    expect(search.security).toEqual([{ bearer: ['read'] }]);
    const params = Object.fromEntries(search.parameters.map((p: { name: string }) => [p.name, p]));
    expect(params.query).toMatchObject({ in: 'query', required: true, schema: { type: 'string' } });
    expect(params.k).toMatchObject({ required: false, schema: { type: 'integer' } });
    expect(params.filters.content['application/json'].schema.type).toBe('object');
    for (const status of ['400', '401', '403', '413', '429', '500', '503'])
      expect(search.responses[status].content['application/json'].schema).toEqual({
        $ref: '#/components/schemas/Error',
      });
    const del = doc.paths['/api/knowledge/delete'].post;
    expect(del.security).toEqual([{ bearer: ['write'] }]);
    expect(del.requestBody.content['application/json'].schema.required).toEqual(['ids']);
  });

  it("an output schema accepts the route's real answer and refuses a broken one", async () => {
    const doc = buildOpenApi();
    const schema = doc.paths['/api/ingest/status'] as {
      get: { responses: { 200: { content: Record<string, { schema: object }> } } };
    };
    const json = schema.get.responses[200].content['application/json']!.schema;
    const validate = z.fromJSONSchema(json as never);
    const status = await backend.dispatcher.dispatch('ingest.status', {}, { transport: 'internal' });
    if (!status.ok) throw new Error(status.message);
    const real = status.value as Record<string, unknown>;
    expect(validate.safeParse(real).success).toBe(true);
    expect(validate.safeParse({ ...real, paused: 'no' }).success).toBe(false);
  });

  it('describes the upload and original-file routes when the host has them', () => {
    expect(buildOpenApi().paths).not.toHaveProperty('/api/knowledge/upload');
    const doc = buildOpenApi({ uploads: true });
    const upload = (doc.paths as Record<string, { post: Record<string, unknown> }>)['/api/knowledge/upload']!
      .post;
    expect(upload).toMatchObject({ security: [{ bearer: ['write'] }], requestBody: { required: true } });
    expect(doc.paths).toHaveProperty(['/api/knowledge/original/{id}', 'get', 'parameters', 0, 'in'], 'path');
  });

  it('plugins add their paths', () => {
    const doc = buildOpenApi({
      extensions: [
        { paths: { '/v1/models': { get: { operationId: 'listModels' } } }, schemas: { Model: {} } },
      ],
    });
    expect(doc.paths['/v1/models']).toEqual({ get: { operationId: 'listModels' } });
    expect(doc.components.schemas).toHaveProperty('Model');
  });
});
