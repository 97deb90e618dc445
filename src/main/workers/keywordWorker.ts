/**
 * Worker-thread entry for the keyword leg of hybrid search (BM25 in FTS5): at 100k chunks a
 * natural-language query matches a third of them and costs 20-40 ms of CPU, which would block the
 * main thread and serialise with the vector leg. Here it runs beside the query embedding and the KNN,
 * on its own read-only connection (WAL: it reads while the main connection writes).
 *
 * Protocol (parentPort): in `KeywordRequest`; out `KeywordReply` (`ready` once the connection is
 * open). workerData: `{ dbPath }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openReadConnection } from '../services/storage/database';
import { keywordLeg, TermStats } from '../services/knowledge/keywordLeg';
import type { KeywordReply, KeywordRequest } from '../services/knowledge/keywordThread';

const port = parentPort;
if (!port) throw new Error('keywordWorker must run in a worker thread');

const { dbPath } = workerData as { dbPath: string };
const db = openReadConnection(dbPath);
const stats = new TermStats(db);

port.on('message', (msg: KeywordRequest) => {
  if (msg.t !== 'search') return;
  let reply: KeywordReply;
  try {
    stats.learn(msg.query.generation, msg.counts);
    // One read transaction: the term counts and the scores see the same snapshot even while the
    // main connection commits an ingest.
    const hits = db.transaction(() => keywordLeg(db, msg.query, stats))();
    reply = { t: 'hits', id: msg.id, hits, counts: stats.known(msg.query.parts ?? []) };
  } catch (e) {
    reply = { t: 'error', id: msg.id, message: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
});
port.postMessage({ t: 'ready' } satisfies KeywordReply);
