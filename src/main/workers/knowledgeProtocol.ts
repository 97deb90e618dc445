/**
 * Messages between the main thread (`KnowledgeWorkerClient`) and the knowledge worker
 * (`knowledgeWorker.ts`). Plain data only; vectors travel as transferable Float32Arrays.
 */
import type { EmbeddingRuntimeParams, EmbedKind } from '../services/inference/embedder';
import type { SentenceVectors } from '../services/knowledge/sentenceVectors';
import type { Chunk, DocumentFormat, ParseErrorReason } from '../../shared/types/knowledge';
import type { ErrorCode } from '../../shared/ipc/result';

export interface ModelSpec {
  /** The model id (also keys the loaded session inside the worker). */
  id: string;
  onnxPath: string;
  tokenizerPath: string;
  params: EmbeddingRuntimeParams;
}

export interface ChunkingOptions {
  maxTokens: number;
  overlapTokens: number;
}

export type IngestStage = 'hashing' | 'parsing' | 'chunking' | 'embedding' | 'writing';

export type ToWorker =
  | { t: 'init'; threads: number; maxBatch: number; maxBatchTokens: number }
  | { t: 'load'; id: number; model: ModelSpec }
  | { t: 'unload'; id: number; modelId: string }
  | { t: 'embed'; id: number; modelId: string; texts: string[]; kind: EmbedKind }
  /** Document vectors plus each text's late-pooled sentence vectors (re-embedding stored chunks). */
  | { t: 'embedDocuments'; id: number; modelId: string; texts: string[] }
  | {
      t: 'ingest';
      id: number;
      modelId: string;
      path: string;
      /** The content hash already indexed for this path; an equal hash returns `skipped`. */
      knownHash?: string;
      maxBytes?: number;
      chunking: ChunkingOptions;
    }
  | { t: 'cancel'; id: number }
  | { t: 'stats'; id: number };

export interface WorkerStats {
  /** Requests in flight (an ingest or embed counts until it is answered). */
  requests: number;
  /** Texts waiting in the embedding queues (all models). */
  queuedTexts: number;
  /** Texts run through a model since the worker started (all models). */
  embeddedTexts: number;
  /** Ids of the loaded models whose MatMuls run in int8 (onnxSimplify.ts `int8MatMuls`). */
  int8Models: string[];
}

export interface IngestedFile {
  skipped: boolean;
  hash: string;
  size: number;
  mtimeMs: number;
  title?: string;
  mime?: string;
  format?: DocumentFormat;
  meta?: Record<string, string | number | boolean | null>;
  warnings?: string[];
  chunks?: Chunk[];
  /** chunks.length x dimension, row-major. */
  vectors?: Float32Array;
  dimension?: number;
  /** Per chunk, its sentences' vectors from the same forward pass (null: none could be pooled). */
  sentences?: Array<SentenceVectors | null>;
}

export interface EmbeddedDocuments {
  /** texts.length x dimension, row-major. */
  vectors: Float32Array;
  sentences: Array<SentenceVectors | null>;
}

export interface WorkerFailure {
  code: ErrorCode;
  message: string;
  /** Set when the file could not be parsed. */
  reason?: ParseErrorReason;
}

export type FromWorker =
  | { t: 'ready' }
  | { t: 'ok'; id: number; value: unknown }
  | { t: 'error'; id: number; error: WorkerFailure }
  | { t: 'stage'; id: number; stage: IngestStage; chunks?: number };
