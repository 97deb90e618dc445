/**
 * The keyword leg ranks inside FTS5 first and drops trashed documents afterwards; when the trash
 * holds more of the best matches than its margin, the joined query answers instead. Either way the
 * caller sees the best k live chunks.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp';
import { insertOneChunkDocuments, openKnowledge, testModel, type Knowledge } from './ingestHarness';

const model = testModel();

describe.skipIf(!model.spec)('keyword leg', () => {
  let k: Knowledge;
  const ids = new Map<string, number>();
  beforeAll(() => {
    k = openKnowledge(path.join(tempDir('kwleg'), 'db'), model.spec!);
    // 150 strong matches (the word three times) and 150 weaker ones (once).
    const docs = Array.from({ length: 300 }, (_, i) => ({
      name: `${i < 150 ? 'strong' : 'weak'}-${i}.txt`,
      text:
        i < 150
          ? `gasket gasket gasket replacement note ${i}`
          : `gasket mentioned once among many other words here ${i}`,
    }));
    for (const [name, id] of insertOneChunkDocuments(k.db, '/kw', docs)) ids.set(name, id);
  });
  afterAll(async () => {
    await k?.close();
  });

  const search = async (n: number) =>
    (await k.service.search({ query: 'gasket', mode: 'keyword', k: n })).hits.map((h) => h.chunkId);

  it('returns the best matches, and none from the trash', async () => {
    const top = await search(20);
    expect(top).toHaveLength(20);
    for (const id of top) expect(id).toBeLessThanOrEqual(ids.get('strong-149.txt')!);
    // Trash a few of today's best: they disappear and the next best take their place.
    const trashed = top.slice(0, 5);
    const docs = k.db
      .prepare('SELECT document_id FROM chunks WHERE id IN (SELECT value FROM json_each(?))')
      .pluck()
      .all(JSON.stringify(trashed)) as number[];
    await k.service.delete(docs);
    const after = await search(20);
    expect(after).toHaveLength(20);
    for (const id of trashed) expect(after).not.toContain(id);
    await k.service.restore(docs);
  });

  it('falls back to the joined query when the trash holds more of the best matches than its margin', async () => {
    // Trash all 150 strong matches: ranking inside FTS5 alone would find only trashed chunks.
    const strong = k.db
      .prepare("SELECT id FROM documents WHERE name LIKE 'strong-%'")
      .pluck()
      .all() as number[];
    await k.service.delete(strong);
    const hits = await search(40);
    expect(hits).toHaveLength(40);
    const weak = new Set([...ids].filter(([n]) => n.startsWith('weak-')).map(([, id]) => id));
    for (const id of hits) expect(weak.has(id)).toBe(true);
    await k.service.restore(strong);
    expect(await search(10)).toHaveLength(10);
  });
});
