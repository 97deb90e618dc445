/** The typed surface every transport offers the renderer (Electron IPC or the host's WebSocket). */
import type { EventName, RouteName } from './channels';
import type { EventPayload, RouteInput, RouteOutput } from './contract';
import type { Result } from './result';

export interface NookTransport {
  invoke<R extends RouteName>(route: R, input: RouteInput<R>): Promise<Result<RouteOutput<R>>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** What the preload exposes as `window.nook`: untyped at runtime, typed here. */
export interface PreloadBridge {
  invoke(route: string, input: unknown): Promise<unknown>;
  on(event: string, listener: (payload: unknown) => void): () => void;
  /** Absolute paths for files dropped on the window (Electron's webUtils.getPathForFile). */
  pathsForFiles(files: readonly File[]): string[];
  platform: string;
}
