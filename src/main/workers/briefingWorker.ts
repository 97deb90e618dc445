/**
 * Worker-thread entry for the briefing's document analysis (chrono over chunk text, term counts, bulk
 * SQLite writes): a first run over a large library takes seconds, so it runs here, on its own
 * connection to the app database (WAL: the main thread keeps reading and writing meanwhile).
 *
 * Protocol (parentPort): in `{ type: 'catchUp', id, timeZone }`; out `{ type: 'done', id, result }` or
 * `{ type: 'error', id, message }`. workerData: `{ dbPath }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BriefingIndex } from '../services/briefing/briefingIndex';
import { openDatabase } from '../services/storage/database';
import type { BriefingWorkerRequest, BriefingWorkerResponse } from '../services/briefing/indexWorker';

const port = parentPort;
if (!port) throw new Error('briefingWorker must run in a worker thread');

const { dbPath } = workerData as { dbPath: string };
const db = openDatabase(dbPath);
let timeZone = 'UTC';
const index = new BriefingIndex(db, () => timeZone);

port.on('message', (msg: BriefingWorkerRequest) => {
  if (msg.type !== 'catchUp') return;
  timeZone = msg.timeZone;
  index.catchUp().then(
    (result) => port.postMessage({ type: 'done', id: msg.id, result } satisfies BriefingWorkerResponse),
    (e: unknown) =>
      port.postMessage({
        type: 'error',
        id: msg.id,
        message: e instanceof Error ? e.message : String(e),
      } satisfies BriefingWorkerResponse),
  );
});
