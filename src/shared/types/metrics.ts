/**
 * The JSON snapshot of the metrics registry that `system.metrics` returns (the Diagnostics screen polls
 * it). Counters are cumulative since the core started; the screen derives rates and recent latencies
 * from two consecutive snapshots, the way Prometheus' rate() does from two scrapes.
 */
import { z } from 'zod';

/**
 * A latency histogram: `bounds` are bucket upper bounds in seconds; `counts` has one entry per bound
 * plus one for everything above the last bound. Counts are per bucket (not cumulative).
 */
export const HistogramFigureSchema = z.object({
  count: z.number().min(0),
  sumSeconds: z.number().min(0),
  bounds: z.array(z.number()),
  counts: z.array(z.number().min(0)),
});
export type HistogramFigure = z.infer<typeof HistogramFigureSchema>;

export const HttpRouteFigureSchema = z.object({
  method: z.string(),
  /** The route template (`/api/documents/:id`), never the raw URL. */
  route: z.string(),
  count: z.number().min(0),
  errors: z.number().min(0),
  sumSeconds: z.number().min(0),
});

export const RpcRouteFigureSchema = z.object({
  route: z.string(),
  transport: z.string(),
  count: z.number().min(0),
  errors: z.number().min(0),
  sumSeconds: z.number().min(0),
});

export const ProviderFigureSchema = z.object({
  id: z.string(),
  name: z.string(),
  state: z.string(),
  breaker: z.string(),
});

export const MetricsSnapshotSchema = z.object({
  /** When the snapshot was taken (ms since the epoch). */
  takenAt: z.number(),
  uptimeSeconds: z.number(),
  http: HistogramFigureSchema.extend({
    clientErrors: z.number().min(0),
    serverErrors: z.number().min(0),
    routes: z.array(HttpRouteFigureSchema),
  }),
  rpc: HistogramFigureSchema.extend({
    errors: z.number().min(0),
    routes: z.array(RpcRouteFigureSchema),
  }),
  search: HistogramFigureSchema,
  ingest: z.object({
    documents: z.number().min(0),
    skipped: z.number().min(0),
    failed: z.number().min(0),
    chunks: z.number().min(0),
    bytes: z.number().min(0),
  }),
  embeddings: z.object({
    /** Texts embedded (queries, re-embedding, the API and ingested chunks). */
    texts: z.number().min(0),
    /** Direct embed calls and the seconds they took (ingest embeds inside its worker job). */
    calls: z.number().min(0),
    sumSeconds: z.number().min(0),
  }),
  stt: z.object({
    runs: z.number().min(0),
    audioSeconds: z.number().min(0),
    processingSeconds: z.number().min(0),
    /** Processing time over audio time of the latest transcription (below 1: faster than real time). */
    lastRealTimeFactor: z.number().nullable(),
  }),
  providers: z.array(ProviderFigureSchema),
  failovers: z.number().min(0),
  tokens: z.object({ prompt: z.number().min(0), completion: z.number().min(0) }),
  memory: z.object({
    rssBytes: z.number(),
    heapUsedBytes: z.number(),
    heapTotalBytes: z.number(),
    externalBytes: z.number(),
  }),
});
export type MetricsSnapshot = z.infer<typeof MetricsSnapshotSchema>;
