/**
 * The keyword leg of hybrid search: BM25 over the chunks' FTS5 index, filters applied, chunks of
 * trashed documents left out. Plain functions over a connection, so the same code answers on the
 * service's own connection and on the keyword thread's read-only one (keywordThread.ts).
 *
 * Most of its cost is FTS5 scoring every matching row (bm25() reads each row's length and
 * positions), and a natural-language query's common words match a large share of the chunks. So a
 * query with common and rare terms is answered MaxScore-style (Turtle and Flood 1995),
 * exactly: only chunks with a rare term are scored, in two FTS5 queries whose bm25() is the full
 * query's (`(rare) AND (common)` and `(rare) NOT (common)`: every term counted once, BM25's
 * statistics are the whole index's whatever the expression), and a chunk with common terms only
 * cannot beat the k-th best because the common terms together can add at most
 * sum(idf * (k1 + 1)). When that bound does not hold, the terms are split again with the score
 * found, which makes it hold; the result is the plain query's, tie order included.
 */
import type { SearchFilters } from '../../../shared/types/library';
import type { Database } from '../storage/database';
import { normalizeFolder } from '../vectors/vectorIndex';
import { bm25Idf } from './query';

export interface KeywordLegQuery {
  /** An FTS5 expression from `toFtsQuery` (never raw user input). */
  fts: string;
  /** Its OR-ed alternatives (`toFtsQuery`'s parts); with two or more, common ones may be pruned. */
  parts?: readonly string[] | undefined;
  filters?: SearchFilters | undefined;
  /** How many hits to return. */
  k: number;
  /** The caller's count of chunk writes: term statistics are kept while it stays the same. */
  generation?: number | undefined;
}

export interface ScoredChunk {
  id: number;
  /** FTS5's bm25(): lower is better. */
  score: number;
}

/** FTS5's bm25() k1: one term adds at most idf * (k1 + 1) to a chunk's score, whatever its length. */
const BM25_K1 = 1.2;
/** Terms in at most this share of the chunks are "rare" in the first split. */
const RARE_SHARE = 0.05;
/** Below this many chunks the plain query is cheap: no pruning (and no counting). */
const PRUNE_MIN_CHUNKS = 5_000;
/**
 * Pruning runs two to four FTS5 queries that each walk every term's list, so it pays only when the
 * common terms would make the plain query score many chunks: measured interleaved on SciFact chunks,
 * 0.55-0.7x the plain query's time at 100k chunks, but 1.25x at 10k, where the common terms of a
 * query are in a few thousand chunks.
 */
const PRUNE_MIN_COMMON_POSTINGS = 20_000;
/** A filtered query is pruned only when its filters allow at least this share of the chunks. */
const PRUNE_MIN_ALLOWED_SHARE = 0.2;
const TERMS_CACHED = 4096;
const SHARES_CACHED = 64;
/** Chunk lists kept, and the longest kept (a term's list answers "which hits contain it" in JS). */
const LISTS_CACHED = 256;
const LIST_MAX = 4096;

/**
 * Per query term, how many chunks contain it, counted inside FTS5 and kept until the chunks change
 * (typing a query, and queries about one subject, reuse it; the least recently used go first).
 */
export class TermStats {
  private generation: number | undefined;
  private total = -1;
  private readonly df = new Map<string, number>();
  private readonly lists = new Map<string, Set<number>>();
  private readonly shares = new Map<string, number>();

  constructor(private readonly db: Database) {}

  /** Forgets everything when the chunks changed since the last call. */
  sync(generation: number | undefined): void {
    if (generation === this.generation && generation !== undefined) return;
    this.generation = generation;
    this.total = -1;
    this.df.clear();
    this.lists.clear();
    this.shares.clear();
  }

  /**
   * The share of the chunks in documents that pass `filter`, from the documents' chunk counts. It
   * only chooses how a query is run, never what it answers, so a document edit that leaves the
   * chunks as they are (new tags) may leave it stale until they change.
   */
  allowedShare(filter: MatchFilter): number {
    const key = JSON.stringify(filter);
    let share = this.shares.get(key);
    if (share === undefined) {
      const allowed = this.db
        .prepare(
          `SELECT coalesce(sum(d.chunk_count), 0) FROM documents d WHERE ${filter.where.join(' AND ')}`,
        )
        .pluck()
        .get(...filter.args) as number;
      share = allowed / Math.max(1, this.chunks());
      if (this.shares.size >= SHARES_CACHED) this.shares.delete(this.shares.keys().next().value!);
      this.shares.set(key, share);
    }
    return share;
  }

  chunks(): number {
    if (this.total < 0) this.total = this.db.prepare('SELECT count(*) FROM chunks').pluck().get() as number;
    return this.total;
  }

  /** Chunks containing `part` (an FTS5 phrase). */
  count(part: string): number {
    let n = this.df.get(part);
    if (n === undefined) {
      n = this.db
        .prepare('SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?')
        .pluck()
        .get(part) as number;
      if (this.df.size >= TERMS_CACHED) this.df.delete(this.df.keys().next().value!);
    } else this.df.delete(part);
    this.df.set(part, n); // most recently used last
    return n;
  }

  /**
   * Which of `ids` contain `part`. A term in few chunks has its whole chunk list read once and kept
   * (typing a query reuses it; one statement instead of a lookup per hit); for a longer list, FTS5
   * looks up just these ids (one seek per id and term).
   */
  containing(part: string, ids: readonly number[]): number[] {
    let list = this.lists.get(part);
    if (!list) {
      const df = this.count(part);
      if (df <= LIST_MAX && df <= 32 * ids.length) {
        list = new Set(
          this.db
            .prepare('SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ?')
            .pluck()
            .all(part) as number[],
        );
        if (this.lists.size >= LISTS_CACHED) this.lists.delete(this.lists.keys().next().value!);
        this.lists.set(part, list);
      }
    }
    if (list) return ids.filter((id) => list.has(id));
    return this.db
      .prepare(
        'SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid IN (SELECT value FROM json_each(?))',
      )
      .pluck()
      .all(part, JSON.stringify(ids)) as number[];
  }

  /** Counts already known (to hand to another thread's TermStats). */
  known(parts: readonly string[]): Array<[string, number]> {
    return parts.flatMap((p) => {
      const n = this.df.get(p);
      return n === undefined ? [] : [[p, n] as [string, number]];
    });
  }

  /** Takes counts another connection made for the same generation. */
  learn(generation: number | undefined, counts: ReadonlyArray<[string, number]>): void {
    this.sync(generation);
    if (generation === undefined) return;
    for (const [p, n] of counts) if (!this.df.has(p)) this.df.set(p, n);
  }
}

/** The best `k` live chunks for the expression, best first (equal scores: the lower id first). */
export function keywordLeg(db: Database, q: KeywordLegQuery, stats?: TermStats): ScoredChunk[] {
  const { fts, filters, k } = q;
  stats?.sync(q.generation);
  if (!hasSearchFilter(filters)) {
    // Rank inside FTS5 alone first: joining chunks and documents for every match costs about 3x
    // at 100k chunks. Then drop chunks of documents in the trash (rare: only during the undo
    // grace period); if that leaves too few, the joined query below answers exactly.
    const over = k + 32;
    const ranked = rankedMatches(db, fts, q.parts, over, stats);
    const live = liveChunkIds(
      db,
      ranked.map((r) => r.id),
    );
    const kept = ranked.filter((r) => live.has(r.id));
    if (kept.length >= k || ranked.length < over) return kept.slice(0, k);
  }
  // Filtered (or too many of the best in the trash): every FTS5 query joins each match's document
  // and keeps the ones the filters allow. Pruning applies as above: the bound holds within any
  // subset of the chunks, and it spares the join for every chunk it does not score.
  return rankedMatches(db, fts, q.parts, k, stats, { filter: matchFilter(filters) });
}

/** SQL conditions on a match's document (`d`), with their arguments, for `rankedMatches`. */
export interface MatchFilter {
  where: string[];
  args: unknown[];
}

/** The search filters (and "not in the trash") as conditions on a match's document. */
export function matchFilter(filters: SearchFilters | undefined): MatchFilter {
  const where: string[] = ['d.deleted_at IS NULL'];
  const args: unknown[] = [];
  if (filters?.fileTypes) {
    where.push('d.format IN (SELECT value FROM json_each(?))');
    args.push(JSON.stringify(filters.fileTypes));
  }
  if (filters?.folders) {
    const folders = filters.folders.map(normalizeFolder);
    where.push(
      `EXISTS (SELECT 1 FROM json_each(?) f WHERE d.folder = f.value OR substr(d.folder, 1, length(f.value) + 1) = f.value || '/' OR f.value = '/')`,
    );
    args.push(JSON.stringify(folders));
  }
  if (filters?.dateFrom !== undefined) {
    where.push('d.mtime >= ?');
    args.push(filters.dateFrom);
  }
  if (filters?.dateTo !== undefined) {
    where.push('d.mtime <= ?');
    args.push(filters.dateTo);
  }
  if (filters?.tags) {
    where.push(
      'EXISTS (SELECT 1 FROM json_each(d.tags) t WHERE t.value IN (SELECT value FROM json_each(?)))',
    );
    args.push(JSON.stringify(filters.tags));
  }
  return { where, args };
}

interface Term {
  part: string;
  df: number;
  /** The most this term can add to a chunk's score: idf * (k1 + 1). */
  most: number;
}

/**
 * The `n` best-scoring chunks of `fts` in FTS5 (all of them, trashed ones included, unless a
 * `filter` is given), pruning common terms when `stats` is given and the query has both common and
 * rare ones (see the module comment).
 */
export function rankedMatches(
  db: Database,
  fts: string,
  parts: readonly string[] | undefined,
  n: number,
  stats?: TermStats,
  options: {
    /** Filled with how it was answered: FTS5 queries run, and the pruned rounds (0: plain). */
    trace?: { queries: number; rounds: number };
    /** Prune only when the common terms are in at least this many chunks together (tests). */
    minCommonPostings?: number;
    /** Only matches whose document passes these conditions (`matchFilter`); default: all of them. */
    filter?: MatchFilter;
    /** Prune a filtered query only when its filter allows at least this share of the chunks (tests). */
    minAllowedShare?: number;
  } = {},
): ScoredChunk[] {
  const { trace, filter } = options;
  const sql = filter
    ? `SELECT f.rowid AS id, bm25(chunks_fts) AS score
       FROM chunks_fts f JOIN chunks c INDEXED BY chunks_document_of ON c.id = f.rowid
       JOIN documents d ON d.id = c.document_id
       WHERE chunks_fts MATCH ? AND ${filter.where.join(' AND ')} ORDER BY score, f.rowid LIMIT ?`
    : 'SELECT rowid AS id, bm25(chunks_fts) AS score FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY score, rowid LIMIT ?';
  const top = (expr: string): ScoredChunk[] => {
    if (trace) trace.queries++;
    return db.prepare(sql).all(expr, ...(filter?.args ?? []), n) as ScoredChunk[];
  };
  if (!stats || !parts || parts.length < 2) return top(fts);
  const total = stats.chunks();
  if (total < PRUNE_MIN_CHUNKS) return top(fts);
  // Commonest first: the cheapest to leave out and the least they can add.
  const terms: Term[] = parts
    .map((part) => {
      const df = stats.count(part);
      return { part, df, most: bm25Idf(total, df) * (BM25_K1 + 1) };
    })
    .sort((a, b) => b.df - a.df);
  let common = terms.filter((t) => t.df > total * RARE_SHARE);
  if (common.length === terms.length) common = terms.slice(0, -1); // keep the rarest
  const postings = common.reduce((sum, t) => sum + t.df, 0);
  if (common.length === 0 || postings < (options.minCommonPostings ?? PRUNE_MIN_COMMON_POSTINGS))
    return top(fts);
  // A selective filter is answered by the plain query: the few chunks it allows rarely give the
  // rounds a bar to prune with, so they would only add their own queries. Measured interleaved at
  // 100k chunks with a date filter, pruned against plain: 1.4x allowing 1% of the chunks, 1.1x
  // allowing 10%, 0.87x allowing 20%, 0.6x allowing half. Judged last: it reads the documents.
  if (filter && stats.allowedShare(filter) < (options.minAllowedShare ?? PRUNE_MIN_ALLOWED_SHARE))
    return top(fts);
  const most = (ts: readonly Term[]): number => ts.reduce((s, t) => s + t.most, 0);
  const best = (lists: ScoredChunk[][]): ScoredChunk[] =>
    lists
      .flat()
      .sort((a, b) => a.score - b.score || a.id - b.id)
      .slice(0, n);
  // bm25() is negative: the n-th best's magnitude is what a chunk left out must stay below.
  const bar = (found: ScoredChunk[]): number => (found.length === n ? -found[n - 1]!.score : 0);
  // A margin for rounding: a chunk that could tie the bar is not ruled out.
  const holds = (ts: readonly Term[], found: ScoredChunk[]): boolean => most(ts) < bar(found) * (1 - 1e-9);
  const or = (ts: readonly Term[]): string => ts.map((t) => t.part).join(' OR ');

  // Round 1: every chunk with a rare term, scored in full.
  if (trace) trace.rounds = 1;
  const rare = terms.filter((t) => !common.includes(t));
  let found = best([top(`(${or(rare)}) AND (${or(common)})`), top(`(${or(rare)}) NOT (${or(common)})`)]);
  if (holds(common, found)) return found;
  // Round 2: keep as common only the commonest terms that together stay below the bar found; the
  // others join the scored set. Only chunks that have one of them and no rare term are new (the rest
  // were scored in round 1), and the bar can only rise, so the bound then holds.
  if (trace) trace.rounds = 2;
  const still: Term[] = [];
  for (const t of common) {
    if (!holds([...still, t], found)) break;
    still.push(t);
  }
  const middle = common.filter((t) => !still.includes(t));
  const fresh = `((${or(middle)}) NOT (${or(rare)}))`;
  found = best([
    found,
    ...(still.length > 0
      ? [top(`${fresh} AND (${or(still)})`), top(`${fresh} NOT (${or(still)})`)]
      : [top(fresh)]),
  ]);
  return still.length === 0 || holds(still, found) ? found : top(fts);
}

/** Which of these chunk ids still exist in a document that is not in the trash. */
export function liveChunkIds(db: Database, ids: readonly number[]): Set<number> {
  return new Set(
    db
      .prepare(
        `SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id
         WHERE c.id IN (SELECT value FROM json_each(?)) AND d.deleted_at IS NULL`,
      )
      .pluck()
      .all(JSON.stringify(ids)) as number[],
  );
}

function hasSearchFilter(f: SearchFilters | undefined): boolean {
  return (
    f !== undefined &&
    (f.fileTypes !== undefined ||
      f.folders !== undefined ||
      f.dateFrom !== undefined ||
      f.dateTo !== undefined ||
      f.tags !== undefined)
  );
}
