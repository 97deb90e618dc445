/**
 * `/metrics` for Prometheus, and the HTTP figures behind it: every response of the host is counted
 * and timed by method, route TEMPLATE (`/api/documents/:id`, never the raw URL, so ids and query
 * strings cannot blow up the label set) and status code.
 *
 * A host plugin: `registerMetrics(app, deps)` runs on the host's root instance after authentication
 * is in place, so `/metrics` is guarded and authenticated like every route (scope `read`) and the
 * response hook sees every route, whichever plugin declared it.
 */
import type { FastifyInstance } from 'fastify';
import type { Core } from '../core';
import type { MetricsService } from '../services/metrics/metricsService';
import type { OpenApiExtension } from './openapi';
import type { HostPlugin } from './server';

export const METRICS_PATH = '/metrics';
/** The route label of requests no route matched (404s, probes of random paths). */
export const UNMATCHED_ROUTE = 'unmatched';

export interface MetricsPluginDeps {
  /**
   * The core's metrics, or null while the core is still loading (the headless host listens before
   * the core exists): requests then are not counted.
   */
  metrics: () => MetricsService | null;
  /** Resolves once the core has loaded: `/metrics` waits for it (as calls do) instead of answering 503. */
  ready?: () => Promise<MetricsService>;
}

/** Deps for a core that may still be loading (`hostPlugins.ts` gets the core as a promise). */
export function coreMetrics(core: () => Promise<{ metrics: MetricsService }>): MetricsPluginDeps {
  let current: MetricsService | null = null;
  let pending: Promise<MetricsService> | null = null;
  const ready = (): Promise<MetricsService> => (pending ??= core().then((c) => (current = c.metrics)));
  // Not awaited: the host listens before the core has loaded; requests until then are not counted.
  void ready().catch(() => (pending = null));
  return {
    metrics: () => {
      if (!current) void ready().catch(() => (pending = null));
      return current;
    },
    ready,
  };
}

export async function registerMetrics(app: FastifyInstance, deps: MetricsPluginDeps): Promise<void> {
  app.addHook('onResponse', async (req, reply) => {
    const metrics = deps.metrics();
    if (!metrics) return;
    const route = req.routeOptions.url ?? UNMATCHED_ROUTE;
    metrics.observeHttp(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });

  app.get(METRICS_PATH, { config: { scope: 'read' } }, async (_req, reply) => {
    const metrics = deps.metrics() ?? (deps.ready ? await deps.ready().catch(() => null) : null);
    reply.header('Cache-Control', 'no-store');
    if (!metrics) {
      return reply
        .code(503)
        .header('Retry-After', '1')
        .type('application/json')
        .send(JSON.stringify({ ok: false, code: 'UNAVAILABLE', message: 'Nook is still starting.' }));
    }
    const text = await metrics.exposition();
    return reply.type(metrics.contentType).send(text);
  });
}

/** The plugin for a host whose core arrives later (hostPlugins.ts lists it), with its OpenAPI part. */
export function metricsHostPlugin(core: () => Promise<Pick<Core, 'metrics'>>): HostPlugin {
  return async (app, ctx) => {
    ctx.addOpenApi(metricsOpenApi());
    await registerMetrics(app, coreMetrics(core));
  };
}

export function metricsOpenApi(): OpenApiExtension {
  const error = (description: string) => ({
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  return {
    paths: {
      [METRICS_PATH]: {
        get: {
          tags: ['metrics'],
          operationId: 'metrics.scrape',
          summary:
            'Prometheus metrics: requests and latency per route, contract calls, search latency, ingest, embeddings, speech-to-text real-time factor, provider health and failovers, tokens, process memory',
          security: [{ bearer: ['read'] }],
          'x-nook-scope': 'read',
          responses: {
            '200': {
              description: 'Prometheus exposition text, format 0.0.4.',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
            '401': error('No credential, or an unknown token.'),
            '403': error('A revoked token, a token without the `read` scope, or a foreign Host/Origin.'),
            '429': error('Over the token rate limit; see Retry-After.'),
            '503': error('Nook is still starting.'),
          },
        },
      },
    },
    tags: [{ name: 'metrics', description: 'Monitoring with Prometheus' }],
  };
}
