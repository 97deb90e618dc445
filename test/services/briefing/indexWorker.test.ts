/**
 * The document analysis in its worker thread (the app's path): the same results as inline, written
 * on the worker's own connection while the main connection stays usable.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BriefingIndexWorker } from '../../../src/main/services/briefing/indexWorker';
import { zonedTime } from '../../../src/main/services/briefing/time';
import { makeBriefingCorpus } from '../../fixtures/makeBriefingCorpus';
import { harness, ManualClock, type Harness } from './helpers';

const TZ = 'Asia/Tokyo';
const NOW = zonedTime({ year: 2026, month: 11, day: 18 }, 7, 30, TZ);

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('briefing analysis in a worker thread', () => {
  it('analyses the library off the main thread; the briefing finds exactly the planted deadlines', async () => {
    let worker!: BriefingIndexWorker;
    h = harness(new ManualClock(NOW), TZ, (dbPath) => ({
      analyser: (worker = new BriefingIndexWorker(dbPath, () => TZ)),
    }));
    const corpus = makeBriefingCorpus(h.db, { now: NOW, timeZone: TZ, documents: 200, seed: 21 });
    const pending = h.service.index.pendingCount();
    expect(pending).toBe(corpus.documentIds.length);

    const run = worker.catchUp();
    // The main connection answers while the worker writes.
    expect(h.db.prepare('SELECT COUNT(*) AS n FROM documents').get()).toEqual({
      n: corpus.documentIds.length,
    });
    const result = await run;
    expect(result.documents).toBe(pending);
    expect(result.dates).toBeGreaterThanOrEqual(corpus.expected.length);
    expect(h.service.index.pendingCount()).toBe(0);

    const b = await h.service.generate();
    const fromDocs = b.sections
      .find((s) => s.kind === 'deadlines')!
      .items.filter((i) => i.reminderId === null);
    expect(fromDocs.map((i) => i.text).sort()).toEqual(corpus.expected.map((e) => e.sentence).sort());
    expect(b.timings.sections.index).toBeDefined();
  });
});
