/** The contract over Electron IPC, through the preload's `window.nook` bridge. */
import type { NookTransport, PreloadBridge } from '../../../shared/ipc/api';
import type { EventName, RouteName } from '../../../shared/ipc/channels';
import type { EventPayload, RouteInput, RouteOutput } from '../../../shared/ipc/contract';
import { err, type Result } from '../../../shared/ipc/result';
import { toResult } from './wsTransport';

export function createIpcTransport(bridge: PreloadBridge): NookTransport {
  return {
    async invoke<R extends RouteName>(route: R, input: RouteInput<R>): Promise<Result<RouteOutput<R>>> {
      try {
        return toResult(await bridge.invoke(route, input ?? {})) as Result<RouteOutput<R>>;
      } catch {
        return err('UNAVAILABLE', `Could not reach the Nook main process for ${route}`);
      }
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      return bridge.on(event, listener as (payload: unknown) => void);
    },
  };
}
