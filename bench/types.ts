/**
 * What a benchmark module (`bench/<name>.bench.ts`) exports: `run()`, returning one row per measured
 * quantity. `bench/run.ts` discovers modules by file name, so a new benchmark is just a new file.
 */
export interface BenchResult {
  /** Short, stable name: the key in results/latest.json and the row in BENCHMARKS.md. */
  name: string;
  value: number;
  unit: 'ms' | 'µs' | 'MB' | 'ops/s' | 'calls/s' | string;
  /** The goal, when the issue sets one: lower is better with `max`, higher with `min`. */
  target?: { max?: number; min?: number };
  notes?: string;
}

export type BenchModule = { run(): Promise<BenchResult[]> };

export function meetsTarget(r: BenchResult): boolean | null {
  if (!r.target) return null;
  if (r.target.max !== undefined && !(r.value <= r.target.max)) return false;
  if (r.target.min !== undefined && !(r.value >= r.target.min)) return false;
  return true;
}

/** Nearest-rank percentile of a sample (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
