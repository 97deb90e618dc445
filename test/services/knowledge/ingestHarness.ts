/**
 * Shared set-up for the knowledge tests and benchmarks: a real database, the embedded sqlite-vec
 * index, the real knowledge worker and the real embedding model (all-MiniLM-L6-v2 int8, fetched by
 * `npm run models:fetch -- --set test`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { EmbeddingParamsSchema } from '../../../src/shared/types/models';
import { openDatabase, type Database } from '../../../src/main/services/storage/database';
import { EmbeddedIndex } from '../../../src/main/services/vectors/embeddedIndex';
import {
  KnowledgeService,
  type KnowledgeEvents,
  type KnowledgeServiceOptions,
} from '../../../src/main/services/knowledge/knowledgeService';
import { KnowledgeWorkerClient } from '../../../src/main/services/knowledge/workerClient';
import type { ModelSpec } from '../../../src/main/workers/knowledgeProtocol';
import { modelFiles } from '../../models/modelFiles';

export const TEST_MODEL = 'all-minilm-l6-v2-int8';

/** The test model as the worker loads it, or the reason it is missing (for a clear skip message). */
export function testModel(id = TEST_MODEL): { spec?: ModelSpec; missing: string } {
  const m = modelFiles(id);
  if (!m.present) return { missing: m.missing };
  const params = EmbeddingParamsSchema.parse(m.entry.params);
  return {
    spec: {
      id,
      onnxPath: m.file(params.onnx),
      tokenizerPath: m.file(params.tokenizer),
      params,
    },
    missing: '',
  };
}

export interface Knowledge {
  db: Database;
  index: EmbeddedIndex;
  worker: KnowledgeWorkerClient;
  service: KnowledgeService;
  events: Array<{ event: string; payload: unknown }>;
  close(): Promise<void>;
}

export function openKnowledge(
  dir: string,
  spec: ModelSpec,
  options: Partial<KnowledgeServiceOptions> & {
    workerThreads?: number;
    onEvent?: (event: string, payload: unknown) => void;
  } = {},
): Knowledge {
  fs.mkdirSync(dir, { recursive: true });
  const db = openDatabase(path.join(dir, 'nook.db'));
  const index = new EmbeddedIndex(db);
  const worker = options.worker ?? new KnowledgeWorkerClient({ threads: options.workerThreads });
  const events: Knowledge['events'] = [];
  const bus: KnowledgeEvents = {
    emit: (event: string, payload: unknown) => {
      events.push({ event, payload });
      options.onEvent?.(event, payload);
    },
  };
  const service = new KnowledgeService({
    db,
    vectors: index,
    worker,
    models: { current: async () => spec, byId: async (id) => (id === spec.id ? spec : undefined) },
    events: bus,
    ...options,
  });
  service.start();
  return {
    db,
    index,
    worker,
    service,
    events,
    async close() {
      await service.dispose();
      await worker.dispose();
      db.close();
    },
  };
}

/**
 * Writes documents of one chunk each straight into the tables (no parsing, no vectors), for tests of
 * the keyword leg. Returns each name's chunk id.
 */
export function insertOneChunkDocuments(
  db: Database,
  folder: string,
  docs: ReadonlyArray<{ name: string; text: string }>,
): Map<string, number> {
  const insDoc = db.prepare(
    `INSERT INTO documents (path, folder, name, ext, format, size, mtime, status, title, chunk_count, created_at, updated_at)
     VALUES (?, ?, ?, '.txt', 'text', 100, 0, 'indexed', ?, 1, 0, 0)`,
  );
  const insChunk = db.prepare(
    `INSERT INTO chunks (document_id, ordinal, text, token_count, heading_path, char_start, char_end)
     VALUES (?, 0, ?, 10, '[]', 0, 1)`,
  );
  const ids = new Map<string, number>();
  db.transaction(() => {
    for (const { name, text } of docs) {
      const doc = Number(insDoc.run(`${folder}/${name}`, folder, name, name).lastInsertRowid);
      ids.set(name, Number(insChunk.run(doc, text).lastInsertRowid));
    }
  })();
  return ids;
}

/** Invariants that must hold whenever no write is in flight. Returns a list of violations. */
export async function consistencyProblems(
  k: Pick<Knowledge, 'db' | 'index'>,
  modelId: string,
): Promise<string[]> {
  const { db } = k;
  const problems: string[] = [];
  const one = (sql: string, ...args: unknown[]): number =>
    db
      .prepare(sql)
      .pluck()
      .get(...args) as number;
  const dupPaths = one('SELECT count(*) FROM (SELECT path FROM documents GROUP BY path HAVING count(*) > 1)');
  if (dupPaths) problems.push(`${dupPaths} paths have more than one document`);
  const badCounts = one(
    `SELECT count(*) FROM documents d WHERE d.chunk_count != (SELECT count(*) FROM chunks c WHERE c.document_id = d.id)`,
  );
  if (badCounts) problems.push(`${badCounts} documents have a chunk_count that does not match their chunks`);
  const indexedNoChunks = one("SELECT count(*) FROM documents WHERE status = 'indexed' AND chunk_count = 0");
  if (indexedNoChunks) problems.push(`${indexedNoChunks} indexed documents have no chunks`);
  const gaps = one(
    `SELECT count(*) FROM documents d WHERE d.chunk_count > 0 AND
       (SELECT max(ordinal) FROM chunks c WHERE c.document_id = d.id) != d.chunk_count - 1`,
  );
  if (gaps) problems.push(`${gaps} documents have gaps in chunk ordinals`);
  const noVec = one(
    'SELECT count(*) FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM chunk_vectors v WHERE v.chunk_id = c.id AND v.model_id = ?)',
    modelId,
  );
  if (noVec) problems.push(`${noVec} chunks have no vector`);
  const chunks = one('SELECT count(*) FROM chunks');
  const ftsRows = one('SELECT count(*) FROM chunks_fts_docsize');
  if (ftsRows !== chunks) problems.push(`FTS has ${ftsRows} rows for ${chunks} chunks`);
  try {
    db.prepare("INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)").run();
  } catch (e) {
    problems.push(`FTS integrity check failed: ${(e as Error).message}`);
  }
  const { collectionFor } = await import('../../../src/main/services/knowledge/knowledgeService');
  const coll = collectionFor(modelId);
  const vecCount = (await k.index.describeCollection(coll)) ? await k.index.count(coll) : 0;
  const stored = one('SELECT count(*) FROM chunk_vectors WHERE model_id = ?', modelId);
  if (vecCount !== stored)
    problems.push(`the vector index holds ${vecCount} vectors for ${stored} stored vectors`);
  const pending = one('SELECT count(*) FROM vector_sync');
  if (pending) problems.push(`${pending} documents still wait for a vector index update`);
  return problems;
}
