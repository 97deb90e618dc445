/**
 * Runs fetchModel in a separate process (the cross-process half of the concurrency test).
 * Input: NOOK_TEST_FETCH = JSON { entry, modelsDir }; prints the FetchResult (+ phases seen) as JSON on stdout.
 */
import { fetchModel } from '../../../src/main/services/models/fetcher';

const { entry, modelsDir } = JSON.parse(process.env.NOOK_TEST_FETCH ?? '{}');
process.stdout.write('started\n');
const phases = new Set<string>();
fetchModel(entry, { modelsDir, lockStaleMs: 3000, onProgress: (p) => phases.add(p.phase) })
  .then((r) => {
    process.stdout.write(`${JSON.stringify({ ...r, phases: [...phases] })}\n`);
  })
  .catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
