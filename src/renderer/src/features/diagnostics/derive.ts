/**
 * From two consecutive `system.metrics` snapshots to one point of the Diagnostics charts: rates per
 * second and latencies over the interval between them, computed the way Prometheus' rate() and
 * histogram_quantile() do from two scrapes. DOM-free, so it is unit-tested in Node.
 */
import type { HistogramFigure, MetricsSnapshot } from '../../../../shared/types/metrics';

export interface MetricsPoint {
  /** When the later snapshot was taken (ms since the epoch). */
  t: number;
  httpRate: number;
  httpMeanMs: number | null;
  httpP95Ms: number | null;
  rpcRate: number;
  rpcP95Ms: number | null;
  searchRate: number;
  searchMeanMs: number | null;
  searchP95Ms: number | null;
  chunksPerSec: number;
  documentsPerSec: number;
  bytesPerSec: number;
  embeddingsPerSec: number;
  /** Processing over audio seconds of the transcriptions in the interval (null: none). */
  sttRtf: number | null;
  tokensPerSec: number;
  failovers: number;
  rssBytes: number;
  heapUsedBytes: number;
}

/** A counter's increase; a smaller value means the counter started again (a restarted core). */
export function increase(prev: number, next: number): number {
  return next >= prev ? next - prev : next;
}

/** The observations between two snapshots of one histogram (per bucket). */
export function histogramDelta(prev: HistogramFigure | null, next: HistogramFigure): HistogramFigure {
  const sameBuckets =
    prev !== null &&
    prev.bounds.length === next.bounds.length &&
    prev.bounds.every((b, i) => b === next.bounds[i]) &&
    prev.count <= next.count;
  if (!sameBuckets) {
    // No earlier figure with these buckets (first observation, or a restart): all of `next` is new
    // when the earlier count was zero or the counter went back.
    if (prev === null || prev.count === 0 || prev.count > next.count) return next;
    return {
      count: next.count - prev.count,
      sumSeconds: next.sumSeconds - prev.sumSeconds,
      bounds: [],
      counts: [],
    };
  }
  return {
    count: next.count - prev.count,
    sumSeconds: Math.max(0, next.sumSeconds - prev.sumSeconds),
    bounds: next.bounds,
    counts: next.counts.map((c, i) => Math.max(0, c - (prev.counts[i] ?? 0))),
  };
}

/**
 * The q-quantile (0..1) of a histogram in seconds, interpolated linearly inside its bucket as
 * Prometheus' histogram_quantile does; above the last bound it answers the last bound. Null when
 * the histogram is empty or has no buckets.
 */
export function quantile(h: HistogramFigure, q: number): number | null {
  const total = h.counts.reduce((a, b) => a + b, 0);
  if (total <= 0 || h.bounds.length === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const c = h.counts[i]!;
    if (seen + c >= rank && c > 0) {
      if (i >= h.bounds.length) return h.bounds[h.bounds.length - 1]!;
      const lower = i === 0 ? 0 : h.bounds[i - 1]!;
      const upper = h.bounds[i]!;
      return lower + (upper - lower) * ((rank - seen) / c);
    }
    seen += c;
  }
  return h.bounds[h.bounds.length - 1]!;
}

const ms = (seconds: number | null): number | null => (seconds === null ? null : seconds * 1000);

export function derivePoint(prev: MetricsSnapshot, next: MetricsSnapshot): MetricsPoint {
  const dt = Math.max(0.001, (next.takenAt - prev.takenAt) / 1000);
  const rate = (a: number, b: number) => increase(a, b) / dt;
  const http = histogramDelta(prev.http, next.http);
  const rpc = histogramDelta(prev.rpc, next.rpc);
  const search = histogramDelta(prev.search, next.search);
  const audio = increase(prev.stt.audioSeconds, next.stt.audioSeconds);
  const processing = increase(prev.stt.processingSeconds, next.stt.processingSeconds);
  return {
    t: next.takenAt,
    httpRate: http.count / dt,
    httpMeanMs: http.count > 0 ? (http.sumSeconds / http.count) * 1000 : null,
    httpP95Ms: ms(quantile(http, 0.95)),
    rpcRate: rpc.count / dt,
    rpcP95Ms: ms(quantile(rpc, 0.95)),
    searchRate: search.count / dt,
    searchMeanMs: search.count > 0 ? (search.sumSeconds / search.count) * 1000 : null,
    searchP95Ms: ms(quantile(search, 0.95)),
    chunksPerSec: rate(prev.ingest.chunks, next.ingest.chunks),
    documentsPerSec: rate(
      prev.ingest.documents + prev.ingest.skipped + prev.ingest.failed,
      next.ingest.documents + next.ingest.skipped + next.ingest.failed,
    ),
    bytesPerSec: rate(prev.ingest.bytes, next.ingest.bytes),
    embeddingsPerSec: rate(prev.embeddings.texts, next.embeddings.texts),
    sttRtf: audio > 0 ? processing / audio : null,
    tokensPerSec: rate(prev.tokens.completion, next.tokens.completion),
    failovers: increase(prev.failovers, next.failovers),
    rssBytes: next.memory.rssBytes,
    heapUsedBytes: next.memory.heapUsedBytes,
  };
}

/** Keeps the newest `max` points. */
export function appendPoint(points: readonly MetricsPoint[], p: MetricsPoint, max: number): MetricsPoint[] {
  const out = points.length >= max ? points.slice(points.length - max + 1) : points.slice();
  out.push(p);
  return out;
}

// ---- formatting ------------------------------------------------------------------------------

export function formatRate(perSecond: number): string {
  if (perSecond === 0) return '0';
  if (perSecond < 0.1) return perSecond.toFixed(2);
  if (perSecond < 10) return perSecond.toFixed(1);
  return Math.round(perSecond).toLocaleString('en-US');
}

export function formatMs(value: number | null): string {
  if (value === null) return '—';
  if (value < 1) return value.toFixed(2);
  if (value < 10) return value.toFixed(1);
  return Math.round(value).toLocaleString('en-US');
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatFactor(value: number | null): string {
  return value === null ? '—' : `${value.toFixed(value < 1 ? 2 : 1)}×`;
}
