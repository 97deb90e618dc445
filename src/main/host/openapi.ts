/**
 * `/api/openapi.json`: an OpenAPI 3.1 document generated from the contract (zod 4's
 * `z.toJSONSchema`, JSON Schema 2020-12, which OpenAPI 3.1 uses as is) for every REST route
 * `restRoutes()` admits, plus what host plugins add (the OpenAI-compatible `/v1/*` endpoints).
 * Nothing in it is written by hand per route: paths, methods, parameters, bodies, outputs, scopes and
 * error responses all come from the contract and `restAccess.ts`.
 */
import { z } from 'zod';
import { routes } from '../../shared/ipc/contract';
import { ImportResultSchema } from '../../shared/types/library';
import { ORIGINAL_PATH_PREFIX, UPLOAD_PATH } from '../../shared/types/upload';
import { version } from '../../../package.json';
import { inputJsonSchema, acceptsString } from './rest';
import { restRoutes } from './restAccess';

export const OPENAPI_PATH = '/api/openapi.json';

type JsonSchema = Record<string, unknown>;

/** What a plugin adds: OpenAPI path items (keyed by path) and component schemas. */
export interface OpenApiExtension {
  paths: Record<string, unknown>;
  schemas?: Record<string, unknown>;
  tags?: Array<{ name: string; description?: string }>;
}

function outputJsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io: 'output',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as JsonSchema;
  return rest;
}

const errorRef = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorRef } },
});

/** Every status a REST route can answer besides 200 (the error codes' statuses, auth, limits). */
const ERROR_RESPONSES = {
  '400': errorResponse('Invalid input (INVALID_INPUT): the contract schema refused it.'),
  '401': errorResponse('No credential, or an unknown token (UNAUTHORIZED).'),
  '403': errorResponse('A revoked token, a token without the scope, or a foreign Host/Origin (FORBIDDEN).'),
  '404': errorResponse('Not found (NOT_FOUND).'),
  '409': errorResponse('Conflict with the current state (CONFLICT, CANCELLED).'),
  '413': errorResponse('The request body is too large (PAYLOAD_TOO_LARGE).'),
  '415': errorResponse('The body is not application/json (UNSUPPORTED_MEDIA_TYPE).'),
  '431': errorResponse('The URL (query) or headers are larger than 16 KiB (PAYLOAD_TOO_LARGE).'),
  '429': {
    ...errorResponse('Over the token rate limit (RATE_LIMITED); see Retry-After.'),
    headers: {
      'Retry-After': { schema: { type: 'integer' }, description: 'Seconds until the window resets' },
    },
  },
  '500': errorResponse('An unexpected failure (INTERNAL); the log has the details.'),
  '503': errorResponse('A service is not running or a model is missing (UNAVAILABLE, KEYCHAIN_UNAVAILABLE).'),
  '504': errorResponse('A service took too long (TIMEOUT).'),
};

function queryParameters(route: Parameters<typeof inputJsonSchema>[0]): unknown[] {
  const schema = inputJsonSchema(route);
  const props = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema['required'] as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, prop]) => {
    const base = { name, in: 'query', required: required.has(name) };
    const description = typeof prop['description'] === 'string' ? { description: prop['description'] } : {};
    // Strings are sent as they are; numbers and booleans as their JSON text (a plain form value);
    // arrays and objects as JSON (OpenAPI's `content` form).
    const type = prop['type'];
    if (acceptsString(prop) || type === 'integer' || type === 'number' || type === 'boolean')
      return { ...base, ...description, schema: prop };
    return { ...base, ...description, content: { 'application/json': { schema: prop } } };
  });
}

/** The host's file routes (upload.ts), when it has them: not contract routes, so described here. */
function fileRoutes(): Record<string, unknown> {
  const uploaded = outputJsonSchema(
    z.object({
      ok: z.literal(true),
      value: ImportResultSchema.extend({
        stored: z.number().int(),
        rejected: z.array(z.object({ name: z.string(), reason: z.string() })),
      }),
    }),
  );
  return {
    [UPLOAD_PATH]: {
      post: {
        operationId: 'knowledge.upload',
        summary:
          'Upload files (multipart/form-data, one or more `file` parts; folder-relative names kept) and queue them for indexing like knowledge.import.',
        tags: ['knowledge'],
        security: [{ bearer: ['write'] }],
        'x-nook-scope': 'write',
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                properties: { file: { type: 'array', items: { type: 'string', format: 'binary' } } },
              },
            },
          },
        },
        responses: {
          '200': {
            description: 'What was stored, refused and queued.',
            content: { 'application/json': { schema: uploaded } },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    [`${ORIGINAL_PATH_PREFIX}{id}`]: {
      get: {
        operationId: 'knowledge.original',
        summary: "A document's original file, as it was imported.",
        tags: ['knowledge'],
        security: [{ bearer: ['read'] }],
        'x-nook-scope': 'read',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
        responses: {
          '200': {
            description: 'The file.',
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
  };
}

export function buildOpenApi(
  options: { serverUrl?: string; extensions?: OpenApiExtension[]; uploads?: boolean } = {},
) {
  const paths: Record<string, unknown> = {};
  const tags = new Map<string, { name: string; description?: string }>();
  for (const r of restRoutes()) {
    const def = routes[r.route];
    const domain = r.route.split('.')[0]!;
    tags.set(domain, { name: domain });
    const ok200 = {
      description: 'The route output.',
      content: {
        'application/json': { schema: outputJsonSchema(def.output) },
        ...(r.route === 'assistant.ask'
          ? {
              'text/event-stream': {
                schema: { type: 'string' },
                description:
                  'With Accept: text/event-stream: `ask` (the ids), then assistant.delta events, ending with assistant.done.',
              },
            }
          : {}),
      },
    };
    const operation: Record<string, unknown> = {
      operationId: r.route,
      summary: def.summary,
      tags: [domain],
      security: [{ bearer: [r.scope] }],
      'x-nook-scope': r.scope,
      responses: { '200': ok200, ...ERROR_RESPONSES },
    };
    if (r.method === 'GET') operation['parameters'] = queryParameters(r.route);
    else {
      const schema = inputJsonSchema(r.route);
      // A body is needed when the input has required fields; without one the input is `{}`.
      const required = Array.isArray(schema['required']) && schema['required'].length > 0;
      operation['requestBody'] = { required, content: { 'application/json': { schema } } };
    }
    paths[r.path] = { [r.method.toLowerCase()]: operation };
  }
  const schemas: Record<string, unknown> = {
    Error: {
      type: 'object',
      required: ['ok', 'code', 'message'],
      properties: {
        ok: { const: false },
        code: { type: 'string', description: 'The contract error code (INVALID_INPUT, NOT_FOUND, ...).' },
        message: { type: 'string' },
      },
    },
  };
  if (options.uploads) Object.assign(paths, fileRoutes());
  for (const ext of options.extensions ?? []) {
    Object.assign(paths, ext.paths);
    Object.assign(schemas, ext.schemas ?? {});
    for (const t of ext.tags ?? []) tags.set(t.name, t);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Nook local API',
      version,
      description:
        'The Nook contract over HTTP on 127.0.0.1: read routes are GET with their input as query parameters ' +
        '(strings as they are, other values as JSON), routes that change state are POST with a JSON body. ' +
        'Authenticate with `Authorization: Bearer <token>`; a token created in Settings has the scopes chosen ' +
        'there (read, write, models). The WebSocket at /ws carries the same routes and every event.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    tags: [...tags.values()],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API token (Settings > Local API) or the installation token. Scopes: read, write, models.',
        },
      },
      schemas,
    },
    security: [{ bearer: [] }],
  };
}
