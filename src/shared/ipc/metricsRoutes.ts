/** The metrics route (spread into contract.ts): the JSON form of what `/metrics` exposes to Prometheus. */
import { z } from 'zod';
import { MetricsSnapshotSchema } from '../types/metrics';
import type { RouteDef } from './contract';

export const metricsRoutes = {
  'system.metrics': {
    input: z.object({}).strict(),
    output: MetricsSnapshotSchema,
    mutates: false,
    summary:
      'Counters and latency histograms since start (requests, contract calls, search, ingest, embeddings, speech-to-text, providers, tokens, memory).',
  },
} as const satisfies Record<string, RouteDef>;
