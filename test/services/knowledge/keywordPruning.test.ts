/**
 * The keyword leg's MaxScore pruning (keywordLeg.ts `rankedMatches`) must give exactly the plain
 * FTS5 query's top n, order and scores included, while scoring only the chunks with a rare term. A
 * generated corpus with a Zipf-like vocabulary has common and rare words in every query; random
 * queries must come out the same both ways and go through each path (plain, one round, two rounds).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../src/main/services/storage/database';
import {
  keywordLeg,
  matchFilter,
  rankedMatches,
  TermStats,
} from '../../../src/main/services/knowledge/keywordLeg';
import type { SearchFilters } from '../../../src/shared/types/library';
import { toFtsQuery } from '../../../src/main/services/knowledge/query';
import { tempDir } from '../helpers/tmp';
import { mulberry32 } from '../helpers/random';

const VOCAB = 3000;
const word = (i: number): string => `w${i.toString(36)}x`;

describe('keyword leg pruning (MaxScore over FTS5)', () => {
  let db: Database;
  const rand = mulberry32(20261121);
  // Zipf-like: word i drawn with weight 1 / (i + 1).
  const cdf: number[] = [];
  let acc = 0;
  for (let i = 0; i < VOCAB; i++) cdf.push((acc += 1 / (i + 1)));
  const draw = (): number => {
    const x = rand() * acc;
    let lo = 0;
    let hi = VOCAB - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  // 2-7 words: mostly one or two from the head of the vocabulary (common) and the rest anywhere.
  const randomQuery = (q: number): ReturnType<typeof toFtsQuery> => {
    const n = 2 + Math.floor(rand() * 6);
    const words = Array.from({ length: n }, (_, i) =>
      word(i < 2 ? Math.floor(rand() * (q % 3 === 0 ? 200 : 8)) : draw()),
    );
    return toFtsQuery(words.join(' '));
  };

  beforeAll(() => {
    db = openDatabase(path.join(tempDir('kwprune'), 'nook.db'));
    const insDoc = db.prepare(
      `INSERT INTO documents (path, folder, name, ext, format, size, mtime, status, title, chunk_count, tags, created_at, updated_at)
       VALUES (?, ?, ?, '.txt', 'text', 100, ?, 'indexed', ?, 4, ?, 0, 0)`,
    );
    const insChunk = db.prepare(
      `INSERT INTO chunks (document_id, ordinal, text, token_count, heading_path, char_start, char_end)
       VALUES (?, ?, ?, 10, '[]', 0, 1)`,
    );
    db.transaction(() => {
      for (let d = 0; d < 2000; d++) {
        // For filters: the date is the document's number, every third is in a subfolder, tags t0-t4.
        const folder = d % 3 === 0 ? '/p/sub' : '/p';
        const doc = Number(
          insDoc.run(`${folder}/d${d}.txt`, folder, `d${d}.txt`, d, `d${d}`, `["t${d % 5}"]`).lastInsertRowid,
        );
        for (let j = 0; j < 4; j++) {
          const len = 8 + Math.floor(rand() * 60);
          const words = Array.from({ length: len }, () => word(draw()));
          insChunk.run(doc, j, words.join(' '));
        }
      }
    })();
  });
  afterAll(() => db?.close());

  it('gives the plain query top n, order and scores included, by every path', () => {
    const stats = new TermStats(db);
    stats.sync(1);
    const paths = new Map<number, number>();
    for (let q = 0; q < 300; q++) {
      const parsed = randomQuery(q);
      const k = q % 2 === 0 ? 92 : 20;
      const plain = rankedMatches(db, parsed.fts, undefined, k);
      const trace = { queries: 0, rounds: 0 };
      // The corpus is small: prune whatever the common terms' postings, to test the algorithm.
      const pruned = rankedMatches(db, parsed.fts, parsed.parts, k, stats, { trace, minCommonPostings: 0 });
      paths.set(trace.rounds, (paths.get(trace.rounds) ?? 0) + 1);
      expect(pruned.map((h) => h.id)).toEqual(plain.map((h) => h.id));
      pruned.forEach((h, i) => expect(h.score).toBeCloseTo(plain[i]!.score, 9));
    }
    // Every path ran: the plain query (no common term), one round, and a second round.
    expect(paths.get(0)).toBeGreaterThan(0);
    expect(paths.get(1)).toBeGreaterThan(0);
    expect(paths.get(2)).toBeGreaterThan(0);
  });

  it('gives the plain query top n within the filters too, by every path', () => {
    const stats = new TermStats(db);
    stats.sync(3);
    const filters: SearchFilters[] = [
      { dateFrom: 200 },
      { dateTo: 999 },
      { folders: ['/p/sub'] },
      { tags: ['t1', 't2'] },
      { fileTypes: ['text'], dateFrom: 1500 },
      { dateFrom: 1990 },
    ];
    const paths = new Map<number, number>();
    for (let q = 0; q < 240; q++) {
      const parsed = randomQuery(q);
      const k = q % 2 === 0 ? 92 : 20;
      const only = filters[q % filters.length];
      const filter = matchFilter(only);
      const plain = rankedMatches(db, parsed.fts, undefined, k, undefined, { filter });
      const trace = { queries: 0, rounds: 0 };
      const pruned = rankedMatches(db, parsed.fts, parsed.parts, k, stats, {
        trace,
        minCommonPostings: 0,
        minAllowedShare: 0,
        filter,
      });
      paths.set(trace.rounds, (paths.get(trace.rounds) ?? 0) + 1);
      expect(pruned.map((h) => h.id)).toEqual(plain.map((h) => h.id));
      pruned.forEach((h, i) => expect(h.score).toBeCloseTo(plain[i]!.score, 9));
      // The leg as the service calls it answers the same (it may prune or not: the share decides).
      const leg = keywordLeg(db, { fts: parsed.fts, parts: parsed.parts, filters: only, k }, stats);
      expect(leg.map((h) => h.id)).toEqual(plain.map((h) => h.id));
    }
    expect(paths.get(0)).toBeGreaterThan(0);
    expect(paths.get(1)).toBeGreaterThan(0);
    expect(paths.get(2)).toBeGreaterThan(0);
    // The share of the chunks a filter allows (what decides whether a filtered query is pruned).
    expect(stats.allowedShare(matchFilter(undefined))).toBe(1);
    expect(stats.allowedShare(matchFilter({ dateFrom: 1990 }))).toBeCloseTo(10 / 2000, 9);
    expect(stats.allowedShare(matchFilter({ folders: ['/p/sub'] }))).toBeCloseTo(667 / 2000, 9);
  });

  it('counts each term once per generation of the chunks, and again after they change', () => {
    const stats = new TermStats(db);
    stats.sync(7);
    const common = `"${word(0)}"`;
    const before = stats.count(common);
    expect(before).toBe(
      db.prepare('SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?').pluck().get(common),
    );
    const doc = Number(
      db
        .prepare(
          `INSERT INTO documents (path, folder, name, ext, format, size, mtime, status, title, chunk_count, created_at, updated_at)
           VALUES ('/p/extra.txt', '/p', 'extra.txt', '.txt', 'text', 1, 0, 'indexed', 'extra', 1, 0, 0)`,
        )
        .run().lastInsertRowid,
    );
    db.prepare(
      `INSERT INTO chunks (document_id, ordinal, text, token_count, heading_path, char_start, char_end)
       VALUES (?, 0, ?, 1, '[]', 0, 1)`,
    ).run(doc, word(0));
    stats.sync(7);
    expect(stats.count(common)).toBe(before); // same generation: kept
    stats.sync(8);
    expect(stats.count(common)).toBe(before + 1);
    expect(stats.chunks()).toBe(8001);
    // Counts handed over from another connection for the same generation are taken as they are.
    const other = new TermStats(db);
    other.learn(8, stats.known([common, '"nothing"']));
    expect(other.known([common])).toEqual([[common, before + 1]]);
    db.prepare('DELETE FROM documents WHERE id = ?').run(doc);
  });

  it('tells which hits contain a term, from its kept chunk list or by looking the hits up', () => {
    const stats = new TermStats(db);
    stats.sync(11);
    const ids = Array.from({ length: 40 }, (_, i) => 1 + i * 97);
    const truth = (part: string) =>
      new Set(
        db.prepare('SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ?').pluck().all(part) as number[],
      );
    // w0x is in thousands of chunks (looked up per hit); a mid-vocabulary word is in few (list kept).
    for (const w of [0, 1, 300, 2000]) {
      const part = `"${word(w)}"`;
      const all = truth(part);
      expect(stats.containing(part, ids)).toEqual(ids.filter((id) => all.has(id)));
      expect(stats.containing(part, ids.slice(0, 3))).toEqual(ids.slice(0, 3).filter((id) => all.has(id)));
    }
    const lists = (stats as unknown as { lists: Map<string, Set<number>> }).lists;
    expect(lists.has(`"${word(0)}"`)).toBe(false);
    expect(lists.has(`"${word(2000)}"`)).toBe(true);
  });

  it('leaves out trashed documents the same way with and without pruning', () => {
    // Trash the documents of the plain query's best chunks for a query with common and rare words.
    const parsed = toFtsQuery(`${word(0)} ${word(1)} ${word(40)} ${word(900)}`);
    const best = rankedMatches(db, parsed.fts, undefined, 10);
    const docs = db
      .prepare('SELECT DISTINCT document_id FROM chunks WHERE id IN (SELECT value FROM json_each(?))')
      .pluck()
      .all(JSON.stringify(best.map((h) => h.id))) as number[];
    const trash = db.prepare('UPDATE documents SET deleted_at = ? WHERE id = ?');
    for (const d of docs) trash.run(1, d);
    try {
      const stats = new TermStats(db);
      const query = { fts: parsed.fts, parts: parsed.parts, k: 30, generation: 9 };
      const plain = keywordLeg(db, { ...query, parts: undefined });
      const pruned = keywordLeg(db, query, stats);
      expect(pruned.map((h) => h.id)).toEqual(plain.map((h) => h.id));
      for (const h of best) expect(pruned.map((p) => p.id)).not.toContain(h.id);
      expect(pruned).toHaveLength(30);
    } finally {
      for (const d of docs) trash.run(null, d);
    }
  });
});
