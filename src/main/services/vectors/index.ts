/**
 * The vector domain's composition: the embedded index over the app database, the Qdrant sidecar (or a
 * remote Qdrant) as a mirror, and the VectorService that chooses between them. The composition root
 * (core.ts) builds it once, registers its two health providers, and disposes it on quit (which stops
 * the sidecar: SIGTERM, then SIGKILL after the timeout).
 */
import type { Disposable } from '../../../shared/lifecycle';
import type { Database } from '../storage/database';
import { EmbeddedIndex } from './embeddedIndex';
import { QdrantSidecar, type SidecarLogger, type SidecarSecrets } from './qdrantSidecar';
import { VectorService, remoteMirror, sidecarMirror, type VectorMirror } from './vectorService';

export interface VectorStackOptions {
  db: Database;
  /** The app data directory (the sidecar keeps its storage in `<dataDir>/qdrant`). */
  dataDir: string;
  /** The keychain (the app's SecretStore fits): holds the sidecar's generated API key. */
  secrets: SidecarSecrets;
  logger?: SidecarLogger;
  /**
   * Where resources/bin/qdrant lands in a packaged app. Default: Electron's `process.resourcesPath`
   * when running inside Electron (read off `process`, so this module stays free of electron imports).
   */
  resourcesPath?: string;
  /** Environment for QDRANT_BIN / PATH lookup (default process.env). */
  env?: NodeJS.ProcessEnv;
  qdrant?: {
    /** 'off' keeps everything on the embedded index. Default 'auto'. */
    mode?: 'auto' | 'off';
    /** The Qdrant binary chosen in Settings. */
    binaryPath?: string | null;
    /** A remote Qdrant (scale-out for large collections); wins over the sidecar when set. */
    url?: string | null;
    apiKey?: string | null;
  };
}

export interface VectorStack extends Disposable {
  embedded: EmbeddedIndex;
  service: VectorService;
  sidecar: QdrantSidecar | undefined;
  mirror: VectorMirror | undefined;
  /** Starts following the mirror and starts the sidecar in the background (never blocks app start). */
  start(): void;
}

export function createVectorStack(options: VectorStackOptions): VectorStack {
  const embedded = new EmbeddedIndex(options.db);
  const resourcesPath =
    options.resourcesPath ?? (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  const q = options.qdrant ?? {};
  let sidecar: QdrantSidecar | undefined;
  let mirror: VectorMirror | undefined;
  if (q.mode !== 'off') {
    if (q.url) {
      mirror = remoteMirror({ url: q.url, ...(q.apiKey ? { apiKey: q.apiKey } : {}) });
    } else {
      sidecar = new QdrantSidecar({
        dataDir: options.dataDir,
        secrets: options.secrets,
        binaryPath: q.binaryPath ?? null,
        ...(resourcesPath ? { resourcesPath } : {}),
        ...(options.env ? { env: options.env } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      });
      mirror = sidecarMirror(sidecar);
    }
  }
  const service = new VectorService({
    embedded,
    ...(mirror ? { mirror } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    embedded,
    service,
    sidecar,
    mirror,
    start() {
      service.start();
      if (sidecar) void sidecar.start();
    },
    async dispose() {
      await service.dispose();
      await sidecar?.stop();
      await embedded.dispose();
    },
  };
}

export { EmbeddedIndex } from './embeddedIndex';
export { QdrantIndex } from './qdrantIndex';
export { QdrantSidecar, QDRANT_API_KEY_SECRET } from './qdrantSidecar';
export { VectorService } from './vectorService';
export * from './vectorIndex';
