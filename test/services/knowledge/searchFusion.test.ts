/**
 * Hybrid search against each of its legs on a labelled set where each leg has real failure modes
 * (fusionSet.ts): codes and rare names that the embedding blurs between near-identical documents,
 * paraphrases BM25 has no word for, and mixed queries. With the real int8 MiniLM. The fused list
 * must beat the better leg on nDCG@10 and on MRR; the numbers are printed per kind of query.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchMode } from '../../../src/shared/types/library';
import { tempDir } from '../helpers/tmp';
import { FUSION_DOCS, FUSION_QUERIES, type FusionQuery } from './fusionSet';
import { openKnowledge, testModel, type Knowledge } from './ingestHarness';
import { ndcgAt, rankedDocuments } from './searchLabelled';

const model = testModel();
if (!model.spec) console.warn(`[skip] search fusion test: ${model.missing}`);

function reciprocalRank(ranked: readonly string[], relevant: Record<string, number>): number {
  const i = ranked.findIndex((d) => (relevant[d] ?? 0) > 0);
  return i < 0 ? 0 : 1 / (i + 1);
}

describe.skipIf(!model.spec)('hybrid search on a labelled set where each leg fails somewhere', () => {
  let dir: string;
  let k: Knowledge;
  beforeAll(async () => {
    dir = tempDir('fusion');
    const docs = path.join(dir, 'docs');
    fs.mkdirSync(docs, { recursive: true });
    for (const [name, text] of Object.entries(FUSION_DOCS)) fs.writeFileSync(path.join(docs, name), text);
    k = openKnowledge(dir, model.spec!);
    await k.service.import([docs]);
    await k.service.whenIdle();
    expect(k.service.status().totals).toMatchObject({ done: Object.keys(FUSION_DOCS).length, failed: 0 });
  }, 180_000);
  afterAll(async () => {
    await k?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the fused list beats both legs on nDCG@10 and MRR', async () => {
    const modes: SearchMode[] = ['keyword', 'vector', 'hybrid'];
    const kinds: Array<FusionQuery['kind'] | 'all'> = ['exact', 'paraphrase', 'mixed', 'all'];
    const ndcg: Record<string, Record<string, number>> = {};
    const mrr: Record<string, Record<string, number>> = {};
    const firstHybrid = new Map<string, string>();
    for (const mode of modes) {
      const sumN: Record<string, number> = {};
      const sumR: Record<string, number> = {};
      for (const q of FUSION_QUERIES) {
        const ranked = rankedDocuments((await k.service.search({ query: q.query, mode, k: 10 })).hits);
        if (mode === 'hybrid') firstHybrid.set(q.query, ranked[0] ?? '');
        for (const kind of [q.kind, 'all']) {
          sumN[kind] = (sumN[kind] ?? 0) + ndcgAt(ranked, q.relevant, 10);
          sumR[kind] = (sumR[kind] ?? 0) + reciprocalRank(ranked, q.relevant);
        }
      }
      ndcg[mode] = {};
      mrr[mode] = {};
      for (const kind of kinds) {
        const n =
          kind === 'all' ? FUSION_QUERIES.length : FUSION_QUERIES.filter((q) => q.kind === kind).length;
        ndcg[mode][kind] = Number((sumN[kind]! / n).toFixed(4));
        mrr[mode][kind] = Number((sumR[kind]! / n).toFixed(4));
      }
    }
    const counts = kinds.map(
      (kind) =>
        `${kind} ${kind === 'all' ? FUSION_QUERIES.length : FUSION_QUERIES.filter((q) => q.kind === kind).length}`,
    );
    console.log(
      `fusion set: ${Object.keys(FUSION_DOCS).length} documents, queries: ${counts.join(', ')}\n` +
        modes
          .map(
            (m) =>
              `${m.padEnd(8)} nDCG@10 ${kinds.map((x) => `${x} ${ndcg[m]![x]!.toFixed(3)}`).join('  ')}` +
              `  | MRR ${kinds.map((x) => `${x} ${mrr[m]![x]!.toFixed(3)}`).join('  ')}`,
          )
          .join('\n'),
    );

    // Each leg has its failure mode on this set (otherwise the comparison says nothing).
    expect(ndcg.keyword!.paraphrase).toBeLessThan(0.5);
    expect(ndcg.vector!.exact).toBeLessThan(0.8);
    // The fused list beats the better leg overall, on both measures.
    const all = (m: Record<string, Record<string, number>>, mode: string) => m[mode]!.all!;
    expect(all(ndcg, 'hybrid')).toBeGreaterThan(Math.max(all(ndcg, 'keyword'), all(ndcg, 'vector')));
    expect(all(mrr, 'hybrid')).toBeGreaterThan(Math.max(all(mrr, 'keyword'), all(mrr, 'vector')));
    // A code or a rare name alone is answered first.
    for (const q of FUSION_QUERIES.filter((x) => x.kind === 'exact'))
      expect(firstHybrid.get(q.query), q.query).toBe(Object.keys(q.relevant)[0]);
  }, 120_000);
});
