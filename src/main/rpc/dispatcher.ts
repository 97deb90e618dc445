/**
 * Transport-agnostic dispatch of the contract: the Electron IPC registrar and the host's WebSocket
 * both call `dispatch`, so they share one validation path and pass the same contract test suite.
 */
import { isRouteName, MAX_PAYLOAD_BYTES, type RouteName } from '../../shared/ipc/channels';
import { routes, type RouteOutput, type RouteParsedInput } from '../../shared/ipc/contract';
import { AppError, err, ok, type Result } from '../../shared/ipc/result';

export interface CallContext {
  /** Which transport the call came in on, for logs and scopes. */
  transport: 'ipc' | 'ws' | 'http' | 'internal';
  /** Aborted when the caller goes away (window closed, socket dropped). */
  signal?: AbortSignal;
}

export type Handler<R extends RouteName> = (
  input: RouteParsedInput<R>,
  ctx: CallContext,
) => Promise<RouteOutput<R>> | RouteOutput<R>;

export type Handlers = { [R in RouteName]: Handler<R> };

export interface DispatchLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface Dispatcher {
  dispatch(route: unknown, input: unknown, ctx: CallContext): Promise<Result<unknown>>;
}

/** Size of a value as JSON, or Infinity when it cannot be serialized (cycles, BigInt). */
export function jsonSize(value: unknown): number {
  try {
    const s = JSON.stringify(value);
    return s === undefined ? 0 : Buffer.byteLength(s, 'utf8');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

export function createDispatcher(handlers: Handlers, log?: DispatchLogger): Dispatcher {
  return {
    async dispatch(route, input, ctx) {
      if (!isRouteName(route)) {
        return err('UNKNOWN_ROUTE', `Unknown route: ${describe(route)}`);
      }
      if (jsonSize(input) > MAX_PAYLOAD_BYTES) {
        return err('PAYLOAD_TOO_LARGE', `Request for ${route} is larger than ${MAX_PAYLOAD_BYTES} bytes`);
      }
      const def = routes[route];
      const parsed = def.input.safeParse(input === undefined ? {} : input);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
        return err('INVALID_INPUT', `Invalid input for ${route}${where}: ${first?.message ?? 'malformed'}`);
      }
      try {
        const handler = handlers[route] as Handler<RouteName>;
        const value = await handler(parsed.data as never, ctx);
        const checked = def.output.safeParse(value);
        if (!checked.success) {
          log?.error(
            { route, issues: checked.error.issues.slice(0, 3) },
            'handler returned output outside the contract',
          );
          return err('INTERNAL', `${route} produced an invalid result`);
        }
        return ok(checked.data);
      } catch (e) {
        if (e instanceof AppError) {
          log?.warn({ route, code: e.code }, e.message);
          return err(e.code, e.message);
        }
        log?.error({ route, err: e }, 'route handler failed');
        return err('INTERNAL', `${route} failed unexpectedly; see the log for details`);
      }
    },
  };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 64));
  return typeof value;
}
