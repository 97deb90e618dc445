/**
 * The answer that needs no model: the sentences of the retrieved passages (and remembered facts)
 * that best match the question, in a readable order, each followed by its [n] citation. Always
 * available, so it is the last resort of every chain.
 *
 * Scoring by meaning: the cosine similarity of each sentence to the question, plus the share of the
 * question's informative words (IDF-weighted, BM25's term weights) the sentence contains, plus a
 * small bonus for the passage's retrieval rank. Meaning leads, so a paraphrased question ("when was
 * the tower constructed") finds "It was built in 1904" over a sentence that merely repeats a word of
 * it. The vectors cost no model run: each passage's sentence vectors were stored at ingest (pooled
 * from the chunk's own forward pass, see knowledge/sentenceVectors.ts) and the question's vector is
 * the one the hybrid search already computed (`ProviderRequest.queryVector`, same model).
 *
 * A passage without stored sentence vectors (indexed before they existed and not yet filled in):
 * with an embedding function, up to `maxEmbedded` of its most promising sentences are embedded on
 * the spot together with the question (tens of milliseconds a batch on a laptop CPU; each cosine
 * pairs vectors of one model); without one, its sentences keep their keyword scores. With no vectors
 * at all (no embedding model): BM25 over the sentences, plus the rank bonus. When keywords already
 * settle it (a sentence holds every content word of the question), the keyword ranking stands.
 */
import { sentenceAt, sentenceDot } from '../../knowledge/sentenceVectors';
import { sentenceSpans, terms, toSecondPerson } from '../text';
import {
  estimateTokens,
  type ContextPassage,
  type Provider,
  type ProviderRequest,
  type QueryVector,
  type StreamPart,
} from './types';

export interface ExtractiveOptions {
  id?: string;
  name?: string;
  /** Sentences in the answer at most. Default 3. */
  maxSentences?: number;
  /**
   * Optional: embeddings of the question and sentences (normalised), for passages that have no
   * stored sentence vectors.
   */
  embed?: (texts: string[]) => Promise<Float32Array[]>;
  /** Sentences embedded per answer at most (the best by keywords and retrieval rank). Default 16. */
  maxEmbedded?: number;
}

interface Candidate {
  text: string;
  /** Where the sentence lies in the passage text (stored sentence vectors are found by it). */
  start: number;
  end: number;
  passage: ContextPassage;
  order: number;
  terms: string[];
  /** BM25 of the question's terms in this sentence. */
  bm25: number;
  /** IDF-weighted share of the question's distinct terms the sentence contains (0..1). */
  coverage: number;
  score: number;
}

/** Weight of keyword coverage next to cosine similarity when embeddings rank the sentences. */
const COVERAGE_WEIGHT = 0.3;
/** With embeddings: a sentence must be at least this close in meaning, or share a keyword, to count. */
const MIN_COSINE = 0.2;

export const NOTHING_FOUND = 'I could not find this in your documents.';

export class ExtractiveProvider implements Provider {
  readonly kind = 'extractive' as const;
  readonly cloud = false;
  readonly contextSize = 1_000_000;
  readonly id: string;
  readonly name: string;

  constructor(private readonly o: ExtractiveOptions = {}) {
    this.id = o.id ?? 'extractive';
    this.name = o.name ?? 'Extractive (no model)';
  }

  async *stream(req: ProviderRequest): AsyncIterable<StreamPart> {
    const answer = await this.answer(req.question, req.passages, req.queryVector);
    // Stream sentence by sentence, as a model would.
    const parts = answer.split(/(?<=\])\s+|(?<=\.)\s+(?=[A-Z])/);
    for (let i = 0; i < parts.length; i++) {
      if (req.signal.aborted) return;
      yield { type: 'delta', text: (i > 0 ? ' ' : '') + parts[i]! };
    }
    yield {
      type: 'usage',
      promptTokens: estimateTokens(req.passages.map((p) => p.text).join('\n') + req.question),
      completionTokens: estimateTokens(answer),
      source: 'estimate',
    };
  }

  /**
   * The extractive answer as one string. `query`: the search's vector of the question, paired with
   * the passages' stored sentence vectors (they must be of its model).
   */
  async answer(question: string, passages: readonly ContextPassage[], query?: QueryVector): Promise<string> {
    const q = [...new Set(terms(question))];
    const cands: Candidate[] = [];
    let order = 0;
    for (const p of passages)
      for (const s of sentenceSpans(p.text))
        cands.push({
          text: s.text,
          start: s.start,
          end: s.end,
          passage: p,
          order: order++,
          terms: terms(s.text),
          bm25: 0,
          coverage: 0,
          score: 0,
        });
    if (cands.length === 0 || q.length === 0) return NOTHING_FOUND;

    // BM25 over sentences as the documents.
    const df = new Map<string, number>();
    let totalLen = 0;
    for (const c of cands) {
      totalLen += c.terms.length;
      for (const t of new Set(c.terms)) if (q.includes(t)) df.set(t, (df.get(t) ?? 0) + 1);
    }
    const avg = totalLen / cands.length || 1;
    const N = cands.length;
    const k1 = 1.2;
    const b = 0.75;
    const idf = (t: string): number => {
      const n = df.get(t) ?? 0;
      return Math.log(1 + (N - n + 0.5) / (n + 0.5));
    };
    const idfTotal = q.reduce((sum, t) => sum + idf(t), 0) || 1;
    for (const c of cands) {
      let s = 0;
      let covered = 0;
      for (const t of q) {
        let tf = 0;
        for (const w of c.terms) if (w === t) tf++;
        if (!tf) continue;
        covered += idf(t);
        s += (idf(t) * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * c.terms.length) / avg));
      }
      c.bm25 = s;
      c.coverage = covered / idfTotal;
      c.score =
        s + (s > 0 ? 0.3 / (1 + c.passage.rank) : 0) + (c.passage.kind === 'memory' && s > 0 ? 0.5 : 0);
    }

    // A sentence with every content word of the question: keywords settle it, no embedding needed.
    const settled = cands.some((c) => c.coverage >= 0.999);
    const byMeaning = settled ? false : await this.rankByMeaning(question, cands, query);
    const best = cands.filter((c) => c.score > 0).sort((a, b2) => b2.score - a.score);
    if (best.length === 0) return NOTHING_FOUND;
    // Keep sentences close to the best one: the rest is noise. Keyword scores spread wide (a third of
    // the best); scores led by cosine similarity sit close together (three quarters of the best).
    const floor = best[0]!.score * (byMeaning ? 0.75 : 1 / 3);
    const max = this.o.maxSentences ?? 3;
    const chosen: Candidate[] = [];
    const seen = new Set<string>();
    for (const c of best) {
      const key = c.terms.join(' ');
      if (seen.has(key)) continue;
      if (c.score < floor) break;
      seen.add(key);
      chosen.push(c);
      if (chosen.length >= max) break;
    }
    // Readable order: memories first, then document order (passage rank, then position).
    chosen.sort((a, b2) =>
      a.passage.kind === b2.passage.kind ? a.order - b2.order : a.passage.kind === 'memory' ? -1 : 1,
    );
    return chosen
      .map((c) => {
        if (c.passage.kind === 'memory')
          return `You told me: ${capitalise(toSecondPerson(stripEnd(c.text)))}.`;
        const s = /[.!?]$/.test(c.text) ? c.text : `${c.text}.`;
        return `${s.slice(0, -1)} [${c.passage.n}]${s.slice(-1)}`;
      })
      .join(' ');
  }

  /**
   * Re-scores the candidates by meaning: cosine to the question, plus keyword coverage and the
   * retrieval-rank bonus. Cosines come from the stored sentence vectors and the search's query
   * vector; for passages with none stored, from embedding the question and at most `maxEmbedded` of
   * their sentences (the best by keywords, then by retrieval rank) when an embedder is given. Others
   * keep only their keyword part. Returns false (and leaves the keyword scores) when no sentence got
   * a cosine.
   */
  private async rankByMeaning(question: string, cands: Candidate[], query?: QueryVector): Promise<boolean> {
    const cosine = new Map<Candidate, number>();
    if (query) {
      const dim = query.vector.length;
      for (const c of cands) {
        const sv = c.passage.sentences;
        if (!sv || sv.vectors.length !== sv.scales.length * dim) continue;
        const i = sentenceAt(sv, c.start, c.end);
        if (i >= 0) cosine.set(c, sentenceDot(sv, i, query.vector));
      }
    }
    // Passages without stored sentence vectors: a few of their sentences embedded now.
    const unstored = cands.filter((c) => !(query && c.passage.sentences));
    if (this.o.embed && unstored.length > 0) await this.embedSome(question, unstored, cosine);
    if (cosine.size === 0) return false;
    for (const c of cands) {
      const cos = cosine.get(c) ?? 0;
      const relevant = cos >= MIN_COSINE || c.coverage > 0;
      c.score = relevant
        ? Math.max(0, cos) +
          COVERAGE_WEIGHT * c.coverage +
          0.05 / (1 + c.passage.rank) +
          (c.passage.kind === 'memory' ? 0.15 : 0)
        : 0;
    }
    return true;
  }

  /** Embeds the question and the `maxEmbedded` most promising of `cands` (one batch); sets cosines. */
  private async embedSome(
    question: string,
    cands: Candidate[],
    cosine: Map<Candidate, number>,
  ): Promise<void> {
    // Half the pool: the sentences keywords like best; the rest: the best-retrieved passages' sentences
    // in order (retrieval ranked the passages by meaning already, so the answer is likely among them).
    const max = this.o.maxEmbedded ?? 16;
    const byKeywords = cands
      .filter((c) => c.bm25 > 0)
      .sort((a, b) => b.bm25 - a.bm25 || a.passage.rank - b.passage.rank || a.order - b.order)
      .slice(0, Math.ceil(max / 2));
    const picked = new Set(byKeywords);
    const byRank = [...cands]
      .filter((c) => !picked.has(c))
      .sort((a, b) => a.passage.rank - b.passage.rank || a.order - b.order)
      .slice(0, max - byKeywords.length);
    const pool = [...byKeywords, ...byRank];
    let vecs: Float32Array[];
    try {
      vecs = await this.o.embed!([question, ...pool.map((c) => c.text)]);
    } catch {
      return; // keyword scores alone still give an answer
    }
    const qv = vecs[0];
    if (!qv || vecs.length !== pool.length + 1) return;
    pool.forEach((c, i) => {
      const v = vecs[i + 1]!;
      let dot = 0;
      for (let d = 0; d < qv.length; d++) dot += qv[d]! * v[d]!;
      cosine.set(c, dot);
    });
  }

  probe(): Promise<void> {
    return Promise.resolve();
  }

  countTokens(texts: readonly string[]): Promise<number[]> {
    return Promise.resolve(texts.map(estimateTokens));
  }
}

function stripEnd(s: string): string {
  return s.replace(/[.!?\s]+$/, '');
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
