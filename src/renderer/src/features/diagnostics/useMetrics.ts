import { useEffect, useRef, useState } from 'react';
import type { MetricsSnapshot } from '../../../../shared/types/metrics';
import { invoke } from '../../api';
import { appendPoint, derivePoint, type MetricsPoint } from './derive';

/** How often the screen asks for a snapshot while it is visible. */
export const POLL_MS = 1500;
/** Points kept for the charts (90 s at the poll interval). */
export const HISTORY_POINTS = 60;

export interface MetricsState {
  latest: MetricsSnapshot | null;
  points: MetricsPoint[];
  error: string | null;
}

/**
 * Polls `system.metrics` every POLL_MS while the screen is mounted and the page is visible (a
 * hidden tab or minimised window costs nothing), and derives one chart point per poll.
 */
export function useMetrics(pollMs = POLL_MS): MetricsState {
  const [state, setState] = useState<MetricsState>({ latest: null, points: [], error: null });
  const previous = useRef<MetricsSnapshot | null>(null);

  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight = false;

    const poll = async () => {
      if (!alive || inFlight || document.visibilityState !== 'visible') return;
      inFlight = true;
      const r = await invoke('system.metrics', {});
      inFlight = false;
      if (!alive) return;
      if (!r.ok) {
        setState((s) => ({ ...s, error: r.message }));
      } else {
        const prev = previous.current;
        previous.current = r.value;
        setState((s) => ({
          latest: r.value,
          points: prev ? appendPoint(s.points, derivePoint(prev, r.value), HISTORY_POINTS) : s.points,
          error: null,
        }));
      }
      schedule();
    };
    const schedule = () => {
      clearTimeout(timer);
      if (alive && document.visibilityState === 'visible') timer = setTimeout(() => void poll(), pollMs);
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible') void poll();
      else clearTimeout(timer);
    };
    document.addEventListener('visibilitychange', onVisibility);
    void poll();
    return () => {
      alive = false;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [pollMs]);

  return state;
}
