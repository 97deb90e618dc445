/**
 * The answer that needs no model: the sentences of the retrieved passages (and remembered facts)
 * that best match the question, in a readable order, each followed by its [n] citation. Always
 * available, so it is the last resort of every chain.
 *
 * Scoring: BM25-like weights of the question's content terms over the candidate sentences (IDF over
 * the sentences, length-normalised), plus a bonus for the passage's retrieval rank, plus the cosine
 * similarity of sentence embeddings to the question when an embedder is given.
 */
import { sentences, terms, toSecondPerson } from '../text';
import {
  estimateTokens,
  type ContextPassage,
  type Provider,
  type ProviderRequest,
  type StreamPart,
} from './types';

export interface ExtractiveOptions {
  id?: string;
  name?: string;
  /** Sentences in the answer at most. Default 3. */
  maxSentences?: number;
  /** Optional: embeddings of the question and sentences (normalised), to add semantic similarity. */
  embed?: (texts: string[]) => Promise<Float32Array[]>;
}

interface Candidate {
  text: string;
  passage: ContextPassage;
  order: number;
  terms: string[];
  score: number;
}

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
    const answer = await this.answer(req.question, req.passages);
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

  /** The extractive answer as one string. */
  async answer(question: string, passages: readonly ContextPassage[]): Promise<string> {
    const q = [...new Set(terms(question))];
    const cands: Candidate[] = [];
    let order = 0;
    for (const p of passages)
      for (const s of sentences(p.text))
        cands.push({ text: s, passage: p, order: order++, terms: terms(s), score: 0 });
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
    for (const c of cands) {
      let s = 0;
      for (const t of q) {
        let tf = 0;
        for (const w of c.terms) if (w === t) tf++;
        if (!tf) continue;
        const n = df.get(t) ?? 0;
        const idf = Math.log(1 + (N - n + 0.5) / (n + 0.5));
        s += (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * c.terms.length) / avg));
      }
      c.score =
        s + (s > 0 ? 0.3 / (1 + c.passage.rank) : 0) + (c.passage.kind === 'memory' && s > 0 ? 0.5 : 0);
    }
    if (this.o.embed) {
      const top = [...cands].sort((a, b2) => b2.score - a.score).slice(0, 32);
      try {
        const vecs = await this.o.embed([question, ...top.map((c) => c.text)]);
        const qv = vecs[0]!;
        top.forEach((c, i) => {
          const v = vecs[i + 1]!;
          let dot = 0;
          for (let d = 0; d < qv.length; d++) dot += qv[d]! * v[d]!;
          c.score += 2 * Math.max(0, dot);
        });
      } catch {
        // Keyword scores alone still give an answer.
      }
    }
    const best = cands.filter((c) => c.score > 0).sort((a, b2) => b2.score - a.score);
    if (best.length === 0) return NOTHING_FOUND;
    const max = this.o.maxSentences ?? 3;
    const chosen: Candidate[] = [];
    const seen = new Set<string>();
    for (const c of best) {
      const key = c.terms.join(' ');
      if (seen.has(key)) continue;
      // Keep sentences that score at least a third of the best one: the rest is noise.
      if (c.score < best[0]!.score / 3) break;
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
