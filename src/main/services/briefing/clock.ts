/**
 * Time as the briefing services see it: injectable so tests run them on a fixed or fake clock. The
 * system clock calls the globals at call time, so vitest's fake timers drive it too.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Longest single wait: timers are re-armed at least this often, so a clock change or a machine
 * that slept past a due time is noticed within it (and setTimeout's 24.8-day limit never matters).
 */
export const MAX_TIMER_MS = 15 * 60_000;
