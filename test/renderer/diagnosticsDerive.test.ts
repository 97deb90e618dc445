/** The Diagnostics screen's arithmetic: rates and interval latencies from two metrics snapshots. */
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/renderer/src/format';
import {
  appendPoint,
  derivePoint,
  formatFactor,
  formatMs,
  formatRate,
  histogramDelta,
  increase,
  quantile,
  type MetricsPoint,
} from '../../src/renderer/src/features/diagnostics/derive';
import { MetricsSnapshotSchema, type MetricsSnapshot } from '../../src/shared/types/metrics';

const BOUNDS = [0.01, 0.1, 1];

function snapshot(at: number, o: Partial<Record<string, unknown>> = {}): MetricsSnapshot {
  const h = (counts: number[], sum: number) => ({
    count: counts.reduce((a, b) => a + b, 0),
    sumSeconds: sum,
    bounds: BOUNDS,
    counts,
  });
  return MetricsSnapshotSchema.parse({
    takenAt: at,
    uptimeSeconds: at / 1000,
    http: { ...h([0, 0, 0, 0], 0), clientErrors: 0, serverErrors: 0, routes: [] },
    rpc: { ...h([0, 0, 0, 0], 0), errors: 0, routes: [] },
    search: h([0, 0, 0, 0], 0),
    ingest: { documents: 0, skipped: 0, failed: 0, chunks: 0, bytes: 0 },
    embeddings: { texts: 0, calls: 0, sumSeconds: 0 },
    stt: { runs: 0, audioSeconds: 0, processingSeconds: 0, lastRealTimeFactor: null },
    providers: [],
    failovers: 0,
    tokens: { prompt: 0, completion: 0 },
    memory: { rssBytes: 100, heapUsedBytes: 50, heapTotalBytes: 80, externalBytes: 1 },
    ...o,
  });
}

describe('quantile', () => {
  it('interpolates inside the bucket like histogram_quantile', () => {
    // 10 observations: 5 below 10 ms, 5 between 10 and 100 ms.
    const h = { count: 10, sumSeconds: 0.3, bounds: BOUNDS, counts: [5, 5, 0, 0] };
    expect(quantile(h, 0.5)).toBeCloseTo(0.01);
    expect(quantile(h, 0.95)).toBeCloseTo(0.01 + 0.09 * 0.9);
    expect(quantile(h, 0.25)).toBeCloseTo(0.005);
  });
  it('answers the last bound above it, and null when empty', () => {
    expect(quantile({ count: 2, sumSeconds: 9, bounds: BOUNDS, counts: [0, 0, 0, 2] }, 0.5)).toBe(1);
    expect(quantile({ count: 0, sumSeconds: 0, bounds: BOUNDS, counts: [0, 0, 0, 0] }, 0.5)).toBeNull();
    expect(quantile({ count: 0, sumSeconds: 0, bounds: [], counts: [0] }, 0.5)).toBeNull();
  });
});

describe('histogramDelta and increase', () => {
  it('subtracts per bucket; a first figure or a restart counts whole', () => {
    const a = { count: 3, sumSeconds: 0.5, bounds: BOUNDS, counts: [1, 1, 1, 0] };
    const b = { count: 7, sumSeconds: 1.5, bounds: BOUNDS, counts: [2, 3, 1, 1] };
    expect(histogramDelta(a, b)).toEqual({ count: 4, sumSeconds: 1, bounds: BOUNDS, counts: [1, 2, 0, 1] });
    const empty = { count: 0, sumSeconds: 0, bounds: [], counts: [0] };
    expect(histogramDelta(empty, b)).toBe(b);
    expect(histogramDelta(b, a)).toBe(a); // restarted core: fewer observations than before
    expect(increase(10, 15)).toBe(5);
    expect(increase(10, 4)).toBe(4);
  });
});

describe('derivePoint', () => {
  it('turns two snapshots 2 s apart into rates and interval latencies', () => {
    const prev = snapshot(10_000, {
      ingest: { documents: 1, skipped: 0, failed: 0, chunks: 10, bytes: 1000 },
      embeddings: { texts: 10, calls: 0, sumSeconds: 0 },
      stt: { runs: 1, audioSeconds: 10, processingSeconds: 5, lastRealTimeFactor: 0.5 },
      tokens: { prompt: 5, completion: 100 },
    });
    const next = snapshot(12_000, {
      http: {
        count: 4,
        sumSeconds: 0.2,
        bounds: BOUNDS,
        counts: [0, 4, 0, 0],
        clientErrors: 1,
        serverErrors: 0,
        routes: [],
      },
      search: { count: 2, sumSeconds: 0.04, bounds: BOUNDS, counts: [0, 2, 0, 0] },
      ingest: { documents: 3, skipped: 1, failed: 0, chunks: 50, bytes: 5000 },
      embeddings: { texts: 60, calls: 1, sumSeconds: 0.1 },
      stt: { runs: 2, audioSeconds: 14, processingSeconds: 6, lastRealTimeFactor: 0.25 },
      tokens: { prompt: 5, completion: 140 },
      failovers: 1,
      memory: { rssBytes: 300, heapUsedBytes: 60, heapTotalBytes: 90, externalBytes: 1 },
    });
    const p = derivePoint(prev, next);
    expect(p.t).toBe(12_000);
    expect(p.httpRate).toBe(2);
    expect(p.httpMeanMs).toBeCloseTo(50);
    expect(p.httpP95Ms).toBeCloseTo((0.01 + 0.09 * 0.95) * 1000);
    expect(p.searchRate).toBe(1);
    expect(p.searchMeanMs).toBeCloseTo(20);
    expect(p.chunksPerSec).toBe(20);
    expect(p.documentsPerSec).toBe(1.5);
    expect(p.bytesPerSec).toBe(2000);
    expect(p.embeddingsPerSec).toBe(25);
    expect(p.sttRtf).toBeCloseTo(0.25);
    expect(p.tokensPerSec).toBe(20);
    expect(p.failovers).toBe(1);
    expect(p.rssBytes).toBe(300);
    expect(p.rpcRate).toBe(0);
    expect(p.rpcP95Ms).toBeNull();
  });
  it('has no latency and no factor for an idle interval', () => {
    const p = derivePoint(snapshot(0), snapshot(1500));
    expect(p).toMatchObject({ httpRate: 0, httpMeanMs: null, searchP95Ms: null, sttRtf: null });
  });
});

describe('appendPoint and formatting', () => {
  it('keeps the newest points', () => {
    let pts: MetricsPoint[] = [];
    for (let i = 0; i < 5; i++)
      pts = appendPoint(pts, { ...derivePoint(snapshot(0), snapshot(1000)), t: i }, 3);
    expect(pts.map((p) => p.t)).toEqual([2, 3, 4]);
  });
  it('formats figures for people', () => {
    expect(formatRate(0)).toBe('0');
    expect(formatRate(0.05)).toBe('0.05');
    expect(formatRate(2.345)).toBe('2.3');
    expect(formatRate(1234.4)).toBe('1,234');
    expect(formatMs(null)).toBe('—');
    expect(formatMs(0.42)).toBe('0.42');
    expect(formatMs(37.6)).toBe('38');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB');
    expect(formatFactor(0.123)).toBe('0.12×');
    expect(formatFactor(null)).toBe('—');
  });
});
