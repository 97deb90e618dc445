/**
 * The process the crash-safety test kills: opens the knowledge base in `dir`, imports `docs` once
 * (first run), and works through the queue. Prints READY when the queue is running, COMMITTED per document
 * written and DONE when the queue is empty. Run: node --import tsx ingestCrashChild.ts <dir> <docs>
 */
import { openKnowledge, testModel } from './ingestHarness';

const [dir, docs] = process.argv.slice(2);
const { spec, missing } = testModel();
if (!spec || !dir || !docs) {
  console.error(missing || 'usage: ingestCrashChild <dir> <docs>');
  process.exit(2);
}
const k = openKnowledge(dir, spec, {
  concurrency: 2,
  progressIntervalMs: 50,
  // One line per committed document, so the parent can bound the work done between kills.
  onEvent: (event, payload) => {
    if (event === 'knowledge.changed' && (payload as { kind: string }).kind === 'indexed')
      process.stdout.write('COMMITTED\n');
  },
});
const jobs = k.db.prepare('SELECT count(*) FROM ingest_jobs').pluck().get() as number;
if (jobs === 0) await k.service.import([docs]);
await k.service.ensureModel();
process.stdout.write('READY\n');
await k.service.whenIdle();
process.stdout.write('DONE\n');
await k.close();
process.exit(0);
