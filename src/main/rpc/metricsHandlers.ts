/** Handler of the `system.metrics` route (spread into handlers.ts). */
import { AppError } from '../../shared/ipc/result';
import type { MetricsService } from '../services/metrics/metricsService';
import type { Handlers } from './dispatcher';

export function metricsHandlers(metrics: MetricsService | undefined): Pick<Handlers, 'system.metrics'> {
  return {
    'system.metrics': () => {
      if (!metrics) throw new AppError('UNAVAILABLE', 'Metrics are not collected here.');
      return metrics.snapshot();
    },
  };
}
