/**
 * Who may call which contract route from outside the app, derived from the contract (no list of
 * REST routes written by hand): `mutates` routes need the `write` scope, the others `read`.
 *
 * A few routes never leave the app's own credentials (the desktop window over IPC; the browser
 * session and the installation token over the WebSocket), so they are not in the REST API and user
 * tokens cannot call them over the WebSocket either:
 *   - desktop-only routes (`app.*`: the system file picker);
 *   - secret routes (`secrets.*`, `providers.save` which carries an API key) and token management
 *     (`apiTokens.*`): a token must not mint or widen tokens;
 *   - `settings.update` / `settings.reset`: they switch the API itself (allowed origins, rate limit);
 *   - `knowledge.openOriginal`: on the desktop it opens the file in another application, on screen
 *     (API clients read originals from `/api/knowledge/original/<id>` where the host serves them).
 */
import { ROUTES, type RouteName } from '../../shared/ipc/channels';
import { routes } from '../../shared/ipc/contract';
import type { ApiScope } from '../../shared/types/apiTokens';

const OWNER_ONLY_PREFIXES = ['app.', 'secrets.', 'apiTokens.'] as const;
const OWNER_ONLY_ROUTES: ReadonlySet<string> = new Set([
  'providers.save',
  'settings.update',
  'settings.reset',
  'knowledge.openOriginal',
]);

/** True for routes only the app's own credentials may call (see above). */
export function isOwnerOnly(route: RouteName): boolean {
  return OWNER_ONLY_ROUTES.has(route) || OWNER_ONLY_PREFIXES.some((p) => route.startsWith(p));
}

/** The scope a user token needs for a contract route. */
export function scopeOf(route: RouteName): ApiScope {
  return routes[route].mutates ? 'write' : 'read';
}

export interface RestRoute {
  route: RouteName;
  method: 'GET' | 'POST';
  /** `/api/<domain>/<verb>`, e.g. `knowledge.search` -> `/api/knowledge/search`. */
  path: string;
  scope: ApiScope;
}

export const REST_PREFIX = '/api/';

export function restPath(route: RouteName): string {
  return `${REST_PREFIX}${route.split('.').join('/')}`;
}

/** Every contract route in the REST API: read routes as GET (input in the query), the rest as POST (JSON body). */
export function restRoutes(): RestRoute[] {
  return ROUTES.filter((r) => !isOwnerOnly(r)).map((route) => ({
    route,
    method: routes[route].mutates ? 'POST' : 'GET',
    path: restPath(route),
    scope: scopeOf(route),
  }));
}
