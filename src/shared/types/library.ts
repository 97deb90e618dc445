import { z } from 'zod';
import { DOCUMENT_FORMATS, PARSE_ERROR_REASONS } from './knowledge';

/**
 * The knowledge base as the routes and events show it: documents, search hits with citations, the
 * ingest queue and its progress. (Parsing and chunk shapes are in ./knowledge.)
 */

/** An absolute path on any OS: "/x", "C:\\x", "C:/x" or a UNC "\\\\server\\share". */
export const AbsolutePathSchema = z
  .string()
  .min(2)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'A path cannot contain a NUL character')
  .refine((p) => /^(\/|[A-Za-z]:[\\/]|\\\\[^\\])/.test(p), 'Paths must be absolute');

export const DOCUMENT_STATUSES = ['indexed', 'error'] as const;
export const DOCUMENT_SORTS = ['name', 'updated', 'size', 'status', 'chunks', 'type'] as const;

export const DocumentSummarySchema = z.object({
  id: z.number().int(),
  path: z.string(),
  folder: z.string(),
  name: z.string(),
  ext: z.string(),
  format: z.enum(DOCUMENT_FORMATS).nullable(),
  mime: z.string().nullable(),
  size: z.number(),
  /** File modification time (ms since the epoch): the date that date filters use. */
  mtime: z.number(),
  status: z.enum(DOCUMENT_STATUSES),
  error: z.string().nullable(),
  errorReason: z.string().nullable(),
  title: z.string().nullable(),
  tags: z.array(z.string()),
  chunkCount: z.number().int(),
  tokenCount: z.number().int(),
  modelId: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  indexedAt: z.number().nullable(),
  /** Set while the document is deleted but can still be restored (until `purgeAt`). */
  deletedAt: z.number().nullable(),
});
export type DocumentSummary = z.infer<typeof DocumentSummarySchema>;

export const ChunkViewSchema = z.object({
  id: z.number().int(),
  ordinal: z.number().int(),
  text: z.string(),
  tokenCount: z.number().int(),
  page: z.number().int().nullable(),
  headingPath: z.array(z.string()),
  charStart: z.number().int(),
  charEnd: z.number().int(),
});
export type ChunkView = z.infer<typeof ChunkViewSchema>;

export const DocumentDetailSchema = DocumentSummarySchema.extend({
  contentHash: z.string().nullable(),
  warnings: z.array(z.string()),
  meta: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  chunks: z.array(ChunkViewSchema),
});
export type DocumentDetail = z.infer<typeof DocumentDetailSchema>;

export const DocumentsQuerySchema = z
  .object({
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(500).default(50),
    sort: z.enum(DOCUMENT_SORTS).optional(),
    order: z.enum(['asc', 'desc']).optional(),
    /** Matches name, title or path (substring, case-insensitive). */
    query: z.string().max(500).optional(),
  })
  .strict();

export const DocumentPageSchema = z.object({
  total: z.number().int(),
  items: z.array(DocumentSummarySchema),
});

// ---- search ---------------------------------------------------------------------------------------

export const SEARCH_MODES = ['hybrid', 'keyword', 'vector'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

export const SearchFiltersSchema = z
  .object({
    fileTypes: z.array(z.enum(DOCUMENT_FORMATS)).max(20).optional(),
    /** Documents in these folders or below them (absolute paths). */
    folders: z.array(z.string().min(1).max(4096)).max(50).optional(),
    /** Inclusive bounds on the file's modification time, ms since the epoch. */
    dateFrom: z.number().optional(),
    dateTo: z.number().optional(),
    tags: z.array(z.string().min(1).max(100)).max(50).optional(),
  })
  .strict();
export type SearchFilters = z.infer<typeof SearchFiltersSchema>;

export const SearchInputSchema = z
  .object({
    query: z.string().trim().min(1).max(2000),
    k: z.number().int().min(1).max(200).default(10),
    mode: z.enum(SEARCH_MODES).default('hybrid'),
    filters: SearchFiltersSchema.optional(),
  })
  .strict();
export type SearchInput = z.input<typeof SearchInputSchema>;

/** A piece of text; `mark` pieces matched the query (render them highlighted; never as HTML). */
export const TextSpanSchema = z.object({ text: z.string(), mark: z.boolean() });
export type TextSpan = z.infer<typeof TextSpanSchema>;

export const CitationSchema = z.object({
  documentId: z.number().int(),
  name: z.string(),
  title: z.string().nullable(),
  path: z.string(),
  format: z.enum(DOCUMENT_FORMATS).nullable(),
  page: z.number().int().nullable(),
  headingPath: z.array(z.string()),
  chunkOrdinal: z.number().int(),
  charStart: z.number().int(),
  charEnd: z.number().int(),
});
export type Citation = z.infer<typeof CitationSchema>;

export const SearchHitSchema = z.object({
  chunkId: z.number().int(),
  /** Fused score (reciprocal rank fusion, k = 60) in hybrid mode; the leg's own score otherwise. */
  score: z.number(),
  snippet: z.array(TextSpanSchema),
  text: z.string(),
  citation: CitationSchema,
  /** 1-based rank in each leg (null: the leg did not return it), for debugging. */
  ranks: z.object({ keyword: z.number().int().nullable(), vector: z.number().int().nullable() }),
  /** BM25 (lower is better, as FTS5 reports it) and cosine similarity. */
  legScores: z.object({ bm25: z.number().nullable(), cosine: z.number().nullable() }),
});
export type SearchHit = z.infer<typeof SearchHitSchema>;

export const SearchResultSchema = z.object({
  query: z.string(),
  mode: z.enum(SEARCH_MODES),
  hits: z.array(SearchHitSchema),
  /** The FTS5 expression the query became (empty when it had no searchable words). */
  ftsQuery: z.string(),
  modelId: z.string().nullable(),
  timings: z.object({
    keywordMs: z.number(),
    embedMs: z.number(),
    vectorMs: z.number(),
    totalMs: z.number(),
  }),
  /** Why a leg did not run (no embedding model yet, no searchable words), if it did not. */
  notes: z.array(z.string()),
});
export type SearchResult = z.infer<typeof SearchResultSchema>;

// ---- ingest ---------------------------------------------------------------------------------------

export const INGEST_JOB_STATES = ['queued', 'running', 'done', 'failed', 'cancelled', 'paused'] as const;
export const INGEST_STAGES = [
  'queued',
  'hashing',
  'parsing',
  'chunking',
  'embedding',
  'writing',
  'done',
] as const;

export const IngestJobSchema = z.object({
  id: z.number().int(),
  path: z.string(),
  batchId: z.string(),
  state: z.enum(INGEST_JOB_STATES),
  stage: z.string().nullable(),
  attempts: z.number().int(),
  error: z.string().nullable(),
  errorReason: z.enum([...PARSE_ERROR_REASONS, 'OTHER']).nullable(),
  /** 'skipped': the file's content was already indexed (same SHA-256). */
  outcome: z.enum(['indexed', 'skipped']).nullable(),
  bytes: z.number(),
  chunks: z.number().int(),
  documentId: z.number().int().nullable(),
  enqueuedAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
});
export type IngestJob = z.infer<typeof IngestJobSchema>;

export const IngestTotalsSchema = z.object({
  files: z.number().int(),
  queued: z.number().int(),
  running: z.number().int(),
  done: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
  bytesTotal: z.number(),
  bytesDone: z.number(),
  chunks: z.number().int(),
  chunksPerSecond: z.number(),
  /** Estimated ms until the queue is empty (null until there is a rate to base it on). */
  etaMs: z.number().nullable(),
  /**
   * The newest job's id. Totals are published only once a batch is wholly queued (one transaction),
   * so a client that knows fewer jobs than this re-reads `ingest.status` for the new ones.
   */
  lastJobId: z.number().int(),
});
export type IngestTotals = z.infer<typeof IngestTotalsSchema>;

export const ReembedStatusSchema = z.object({
  fromModel: z.string().nullable(),
  toModel: z.string(),
  done: z.number().int(),
  total: z.number().int(),
});

export const IngestStatusSchema = z.object({
  paused: z.boolean(),
  active: z.boolean(),
  totals: IngestTotalsSchema,
  /** Jobs of the current run (queued, running and finished since the queue was last idle) and every failure. */
  jobs: z.array(IngestJobSchema),
  modelId: z.string().nullable(),
  reembed: ReembedStatusSchema.nullable(),
});
export type IngestStatus = z.infer<typeof IngestStatusSchema>;

export const FileProgressSchema = z.object({
  jobId: z.number().int(),
  path: z.string(),
  state: z.enum(INGEST_JOB_STATES),
  stage: z.string().nullable(),
  chunks: z.number().int(),
  outcome: z.enum(['indexed', 'skipped']).nullable(),
  error: z.string().nullable(),
});
export type FileProgress = z.infer<typeof FileProgressSchema>;

export const IngestProgressSchema = z.object({
  /** Files whose state changed since the previous event (at most ~5 events a second). */
  files: z.array(FileProgressSchema),
  totals: IngestTotalsSchema,
  paused: z.boolean(),
  active: z.boolean(),
  reembed: ReembedStatusSchema.nullable(),
});
export type IngestProgress = z.infer<typeof IngestProgressSchema>;

/** The knowledge base in `system.diagnostics`: what is stored, the vector index, the queue. */
export const KnowledgeDiagnosticsSchema = z.object({
  /** Documents in the Library (indexed or failed), not counting deleted ones waiting to be purged. */
  documents: z.number().int(),
  failedDocuments: z.number().int(),
  deletedDocuments: z.number().int(),
  chunks: z.number().int(),
  tokens: z.number().int(),
  /** The embedding model whose vectors answer searches, and how many of its vectors SQLite holds. */
  searchModel: z.string().nullable(),
  storedVectors: z.number().int(),
  index: z.object({
    /** The index searches use now: the embedded sqlite-vec index or Qdrant. */
    kind: z.enum(['embedded', 'qdrant']),
    collection: z.string().nullable(),
    /** Vectors in the index's collection when last counted (null before the first count). */
    vectors: z.number().int().nullable(),
    /** Documents whose vectors still have to reach the index. */
    pendingSync: z.number().int(),
  }),
  queue: z.object({
    paused: z.boolean(),
    queued: z.number().int(),
    running: z.number().int(),
    /** Files whose last attempt failed (shown in the import panel with Retry). */
    failed: z.number().int(),
    reembed: ReembedStatusSchema.nullable(),
  }),
});
export type KnowledgeDiagnostics = z.infer<typeof KnowledgeDiagnosticsSchema>;

export const KnowledgeChangedSchema = z.object({
  kind: z.enum(['indexed', 'deleted', 'restored', 'purged', 'model']),
  documentIds: z.array(z.number().int()),
});
export type KnowledgeChanged = z.infer<typeof KnowledgeChangedSchema>;

export const ImportInputSchema = z
  .object({
    paths: z.array(AbsolutePathSchema).min(1).max(10_000),
    tags: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
  })
  .strict();

export const ImportResultSchema = z.object({
  batchId: z.string(),
  queued: z.number().int(),
  /** Already waiting in the queue. */
  alreadyQueued: z.number().int(),
  /** Files inside the given folders that Nook does not read (by extension). */
  ignored: z.number().int(),
  /** Given paths that do not exist or cannot be read. */
  missing: z.array(z.string()),
});
export type ImportResult = z.infer<typeof ImportResultSchema>;
