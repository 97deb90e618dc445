/** Handlers of the `apiTokens.*` routes (spread into handlers.ts). */
import { AppError } from '../../shared/ipc/result';
import type { ApiTokenService } from '../services/apiTokens/apiTokenService';
import type { Handlers } from './dispatcher';

type ApiTokenRoutes = 'apiTokens.list' | 'apiTokens.create' | 'apiTokens.revoke';

export function apiTokenHandlers(service: ApiTokenService | undefined): Pick<Handlers, ApiTokenRoutes> {
  const tokens = (): ApiTokenService => {
    if (!service) throw new AppError('UNAVAILABLE', 'API tokens are not available here.');
    return service;
  };
  return {
    'apiTokens.list': () => tokens().list(),
    'apiTokens.create': (input) => tokens().create(input),
    'apiTokens.revoke': ({ id }) => tokens().revoke(id),
  };
}
