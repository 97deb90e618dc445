import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchMode } from '../../../src/shared/types/library';
import { tempDir } from '../helpers/tmp';
import { consistencyProblems, openKnowledge, testModel, type Knowledge } from './ingestHarness';
import { LABELLED_DOCS, LABELLED_QUERIES, ndcgAt, rankedDocuments } from './searchLabelled';

const model = testModel();
if (!model.spec) console.warn(`[skip] knowledge search tests: ${model.missing}`);

const DAY = 86_400_000;
const OLD = Date.UTC(2020, 0, 15);
const NEW = Date.UTC(2025, 5, 1);

describe.skipIf(!model.spec)('hybrid search with the real embedding model', () => {
  let dir: string;
  let docs: string;
  let k: Knowledge;
  beforeAll(async () => {
    dir = tempDir('search');
    docs = path.join(dir, 'docs');
    // Two folders: "work" (tagged, recent) and "home" (old), to test folder, tag and date filters.
    const work = new Set([
      'pump-errors-outlet.md',
      'boiler-codes-pilot.md',
      'invoice-policy-2019.txt',
      'security-incident-2.txt',
      'printer-jam-front.txt',
      'meeting-notes-feb.md',
      'pump-errors.md',
      'boiler-codes.md',
      'invoice-policy.txt',
      'meeting-notes.md',
      'printer-jam.txt',
      'security-incident.txt',
      'router-manual.txt',
      'http-caching.md',
    ]);
    for (const [name, text] of Object.entries(LABELLED_DOCS)) {
      const folder = path.join(docs, work.has(name) ? 'work' : 'home');
      fs.mkdirSync(folder, { recursive: true });
      const file = path.join(folder, name);
      fs.writeFileSync(file, text);
      const t = (work.has(name) ? NEW : OLD) / 1000;
      fs.utimesSync(file, t, t);
    }
    k = openKnowledge(dir, model.spec!, { purgeGraceMs: 300 });
    await k.service.import([path.join(docs, 'work')], ['work']);
    await k.service.import([path.join(docs, 'home')]);
    await k.service.whenIdle();
  }, 180_000);
  afterAll(async () => {
    await k?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const names = async (query: string, mode: SearchMode, extra: object = {}) =>
    rankedDocuments((await k.service.search({ query, mode, k: 10, ...extra })).hits);

  it('indexed every labelled document', () => {
    expect(k.service.status().totals).toMatchObject({ done: Object.keys(LABELLED_DOCS).length, failed: 0 });
  });

  it('finds exact tokens such as "E-4012" with the keyword leg, highlighted, with a citation', async () => {
    for (const q of LABELLED_QUERIES.filter((x) => x.kind === 'exact')) {
      const kw = await names(q.query, 'keyword');
      expect(kw[0], q.query).toBe(Object.keys(q.relevant)[0]);
      const hybrid = await k.service.search({ query: q.query, mode: 'hybrid' });
      expect(hybrid.hits[0]!.citation.name, q.query).toBe(Object.keys(q.relevant)[0]);
      expect(hybrid.hits[0]!.ranks.keyword).toBe(1);
    }
    const r = await k.service.search({ query: 'E-4012', mode: 'hybrid' });
    const top = r.hits[0]!;
    expect(top.snippet.filter((s) => s.mark).map((s) => s.text.toLowerCase())).toContain('e-4012');
    expect(top.citation).toMatchObject({
      name: 'pump-errors.md',
      path: path.join(docs, 'work', 'pump-errors.md'),
      headingPath: ['Pump fault codes'],
      chunkOrdinal: 0,
      format: 'markdown',
    });
    // "E-4012" is one phrase: a document with "e" and "4012" apart does not match it.
    expect(r.ftsQuery).toBe('"e-4012"');
  });

  it('finds paraphrases with no shared word through the vector leg', async () => {
    for (const q of LABELLED_QUERIES.filter((x) => x.kind === 'paraphrase')) {
      const want = Object.keys(q.relevant)[0]!;
      const vec = await names(q.query, 'vector');
      expect(vec.slice(0, 3), q.query).toContain(want);
      const kw = await names(q.query, 'keyword');
      expect(kw[0], q.query).not.toBe(want);
    }
    // Vector-only hits still get highlighted words where the query's words occur.
    const r = await k.service.search({ query: 'disposing of lithium cells', mode: 'vector' });
    const hit = r.hits.find((h) => h.citation.name === 'battery-recycling.txt')!;
    expect(hit.snippet.some((s) => s.mark && /lithium/i.test(s.text))).toBe(true);
  });

  // Measured: keyword 0.776, vector 0.973, hybrid 0.973 (plain RRF was 0.965: a keyword hit on one
  // incidental word outranked the vector leg's answer to two paraphrases; keyword hits are now
  // weighted by how much of the query they match). MiniLM separates even near-duplicate codes on a
  // set this small and this varied, so the vector leg has no failure left for fusion to fix here;
  // searchFusion.test.ts has the set where each leg fails somewhere and hybrid beats both.
  it('fused ranking beats the keyword leg and keeps up with the vector leg on the labelled set (nDCG@10)', async () => {
    const modes: SearchMode[] = ['keyword', 'vector', 'hybrid'];
    const scores: Record<string, number> = {};
    for (const mode of modes) {
      let sum = 0;
      for (const q of LABELLED_QUERIES) sum += ndcgAt(await names(q.query, mode), q.relevant, 10);
      scores[mode] = sum / LABELLED_QUERIES.length;
    }
    console.log('labelled set nDCG@10', scores);
    expect(scores.hybrid!).toBeGreaterThan(scores.keyword! + 0.1);
    expect(scores.hybrid!).toBeGreaterThan(scores.vector! - 0.02);
    // Codes are answered at rank 1 by the fused list.
    for (const q of LABELLED_QUERIES.filter((x) => x.kind === 'exact')) {
      expect((await names(q.query, 'hybrid'))[0], q.query).toBe(Object.keys(q.relevant)[0]);
    }
  });

  it('filters by file type, folder, date and tag in both legs', async () => {
    const q = 'water valve light code';
    for (const mode of ['keyword', 'vector', 'hybrid'] as const) {
      const md = await k.service.search({ query: q, mode, filters: { fileTypes: ['markdown'] } });
      expect(md.hits.length).toBeGreaterThan(0);
      expect(md.hits.every((h) => h.citation.format === 'markdown')).toBe(true);
      const home = await k.service.search({
        query: q,
        mode,
        filters: { folders: [path.join(docs, 'home')] },
      });
      expect(home.hits.every((h) => h.citation.path.startsWith(path.join(docs, 'home') + path.sep))).toBe(
        true,
      );
      const old = await k.service.search({ query: q, mode, filters: { dateTo: OLD + DAY } });
      expect(old.hits.length).toBeGreaterThan(0);
      expect(old.hits.every((h) => h.citation.path.includes(`${path.sep}home${path.sep}`))).toBe(true);
      const tagged = await k.service.search({
        query: q,
        mode,
        filters: { tags: ['work'], dateFrom: NEW - DAY },
      });
      expect(tagged.hits.length).toBeGreaterThan(0);
      expect(tagged.hits.every((h) => h.citation.path.includes(`${path.sep}work${path.sep}`))).toBe(true);
      const none = await k.service.search({ query: q, mode, filters: { tags: ['nope'] } });
      expect(none.hits).toEqual([]);
    }
  });

  it('never passes FTS5 syntax through: operators, quotes and stray symbols are just words', async () => {
    for (const query of [
      '"',
      'NEAR(pump valve',
      'pump AND',
      'OR OR OR',
      '*',
      'text:pump',
      '^pump',
      '(((',
      'the of and',
      '💥',
      'a"b"c',
    ]) {
      const r = await k.service.search({ query, mode: 'hybrid' });
      expect(Array.isArray(r.hits), query).toBe(true);
    }
    const r = await k.service.search({ query: 'text:inlet NEAR(valve)', mode: 'keyword' });
    expect(rankedDocuments(r.hits)[0]).toBe('pump-errors.md');
    const phrase = await k.service.search({ query: '"inlet valve stayed closed"', mode: 'keyword' });
    expect(rankedDocuments(phrase.hits)).toEqual(['pump-errors.md']);
  });

  it('hides deleted documents at once, restores them with undo, and purges them after the grace period', async () => {
    const before = await names('B-7781', 'hybrid');
    expect(before[0]).toBe('boiler-codes.md');
    const id = k.service.documents({ query: 'boiler-codes.md' }).items[0]!.id;
    const del = k.service.delete([id]);
    expect(del.deleted).toBe(1);
    expect(await names('B-7781', 'hybrid')).not.toContain('boiler-codes.md');
    expect(k.service.documents({ query: 'boiler-codes.md' }).total).toBe(0);
    expect(k.service.restore([id])).toEqual({ restored: 1 });
    expect((await names('B-7781', 'hybrid'))[0]).toBe('boiler-codes.md');

    k.service.delete([id]);
    await new Promise((r) => setTimeout(r, 400));
    await k.service.purgeExpired();
    expect(k.service.restore([id])).toEqual({ restored: 0 });
    expect(k.db.prepare('SELECT count(*) FROM documents WHERE id = ?').pluck().get(id)).toBe(0);
    expect(await names('B-7781', 'hybrid')).not.toContain('boiler-codes.md');
    expect(await consistencyProblems(k, model.spec!.id)).toEqual([]);
  });
});
