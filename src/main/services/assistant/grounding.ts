/**
 * Grounded answers: retrieval through the knowledge base, a relevance gate (nothing relevant ->
 * "I could not find this in your documents." instead of an invented answer), a prompt that fits the
 * model's context budget (counted with the provider's tokenizer), and [n] citations mapped back to
 * the source document and page.
 */
import type { AnswerCitation } from '../../../shared/types/assistant';
import type { SearchHit } from '../../../shared/types/library';
import type { SentenceVectors } from '../knowledge/sentenceVectors';
import type { ChatMessage, ContextPassage, Provider, QueryVector } from './providers/types';
import { terms, termCoverage } from './text';

export interface RetrievedPassage {
  chunkId: number;
  text: string;
  citation: SearchHit['citation'];
  /** Cosine similarity of the vector leg (null: not found by it). */
  cosine: number | null;
  /** Whether the keyword leg found it. */
  keyword: boolean;
  /** The chunk's stored sentence vectors, of the model of the retrieval's query vector. */
  sentences?: SentenceVectors;
}

/** Passages and the query vector the search computed (null: its vector leg did not run). */
export interface Retrieval {
  passages: RetrievedPassage[];
  queryVector: QueryVector | null;
}

export interface Retriever {
  search(query: string, k: number): Promise<RetrievedPassage[]>;
  /** The same search with the query vector and sentence vectors (for answers that run no model). */
  retrieve?(query: string, k: number): Promise<Retrieval>;
}

type HybridInput = { query: string; k: number; mode: 'hybrid' };

/** The knowledge service's hybrid search as a retriever. */
export function knowledgeRetriever(kb: {
  search(input: HybridInput): Promise<{ hits: SearchHit[] }>;
  searchForAnswer?(input: HybridInput): Promise<{
    hits: SearchHit[];
    queryVector: QueryVector | null;
    sentences: ReadonlyMap<number, SentenceVectors>;
  }>;
}): Retriever {
  const passage = (h: SearchHit, sentences?: SentenceVectors): RetrievedPassage => ({
    chunkId: h.chunkId,
    text: h.text,
    citation: h.citation,
    cosine: h.legScores.cosine,
    keyword: h.ranks.keyword !== null,
    ...(sentences ? { sentences } : {}),
  });
  return {
    async search(query, k) {
      const res = await kb.search({ query: query.slice(0, 2000), k, mode: 'hybrid' });
      return res.hits.map((h) => passage(h));
    },
    async retrieve(query, k) {
      const input: HybridInput = { query: query.slice(0, 2000), k, mode: 'hybrid' };
      if (!kb.searchForAnswer) {
        const res = await kb.search(input);
        return { passages: res.hits.map((h) => passage(h)), queryVector: null };
      }
      const res = await kb.searchForAnswer(input);
      return {
        passages: res.hits.map((h) => passage(h, res.sentences.get(h.chunkId))),
        queryVector: res.queryVector,
      };
    },
  };
}

export interface RelevanceOptions {
  /** A vector hit this close counts as relevant on its own. Default 0.45 (MiniLM, normalised). */
  minCosine?: number;
  /** Share of the question's content words a keyword hit must contain. Default 0.5. */
  minCoverage?: number;
}

/** Keeps the passages that plausibly answer the question. */
export function relevantPassages(
  question: string,
  hits: readonly RetrievedPassage[],
  o: RelevanceOptions = {},
): RetrievedPassage[] {
  const q = [...new Set(terms(question))];
  const minCos = o.minCosine ?? 0.45;
  const minCov = o.minCoverage ?? 0.5;
  return hits.filter((h) => (h.cosine ?? 0) >= minCos || (q.length > 0 && termCoverage(q, h.text) >= minCov));
}

export interface PromptInput {
  provider: Provider;
  question: string;
  history: ReadonlyArray<{ role: 'user' | 'assistant'; content: string }>;
  passages: readonly RetrievedPassage[];
  memories: readonly string[];
  grounded: boolean;
  maxAnswerTokens: number;
}

export interface BuiltPrompt {
  messages: ChatMessage[];
  passages: ContextPassage[];
  citations: AnswerCitation[];
  promptTokens: number;
}

const GROUNDED_RULES =
  'You are Nook, a careful assistant. Answer the question using only the numbered sources. ' +
  'After each statement, cite its source number in square brackets, like [1]. ' +
  'If the sources do not contain the answer, say: I could not find this in your documents. Be brief.';
const CHAT_RULES = 'You are Nook, a helpful personal assistant. Be brief and accurate.';

function sourceHeader(n: number, p: RetrievedPassage): string {
  const where = [p.citation.name, p.citation.page !== null ? `page ${p.citation.page}` : null]
    .filter(Boolean)
    .join(', ');
  return `[${n}] (${where}) `;
}

/**
 * Fits sources, memories and the recent conversation into the provider's context: the question and
 * the rules always; then sources best first (the last one shortened to fit), memories, and as many
 * recent turns as still fit, newest first.
 */
export async function buildPrompt(i: PromptInput): Promise<BuiltPrompt> {
  const p = i.provider;
  const budget = Math.max(64, p.contextSize - i.maxAnswerTokens - 32);
  const rules = i.grounded ? GROUNDED_RULES : CHAT_RULES;
  const memoryLines = i.memories.map((m) => `- ${m}`);
  const texts = [
    rules,
    i.question,
    ...i.passages.map((x, k) => sourceHeader(k + 1, x) + x.text),
    ...memoryLines,
    ...i.history.map((h) => h.content),
  ];
  const counts = await p.countTokens(texts);
  let used = counts[0]! + counts[1]! + 16;
  let k = 2;

  const sources: string[] = [];
  const passages: ContextPassage[] = [];
  const citations: AnswerCitation[] = [];
  for (const x of i.passages) {
    const c = counts[k++]!;
    const n = passages.length + 1;
    let text = x.text;
    if (used + c > budget) {
      const room = budget - used;
      if (room < 48) break;
      // Shorten the passage in proportion to the room left (tokens ~ characters here).
      text = x.text.slice(0, Math.floor((x.text.length * room) / c));
      used = budget;
    } else used += c;
    sources.push(sourceHeader(n, x) + text);
    // Sentence vectors are matched by span, so a shortened passage keeps those of its first sentences.
    passages.push({
      n,
      kind: 'document',
      text,
      rank: passages.length,
      ...(x.sentences ? { sentences: x.sentences } : {}),
    });
    citations.push({
      n,
      documentId: x.citation.documentId,
      chunkId: x.chunkId,
      name: x.citation.name,
      path: x.citation.path,
      page: x.citation.page,
      headingPath: x.citation.headingPath,
      excerpt: text.length > 400 ? `${text.slice(0, 400)}…` : text,
      cited: false,
    });
    if (used >= budget) break;
  }
  k = 2 + i.passages.length;
  const memories: string[] = [];
  for (let m = 0; m < memoryLines.length; m++) {
    const c = counts[k + m]!;
    if (used + c > budget) break;
    used += c;
    memories.push(memoryLines[m]!);
    passages.push({ kind: 'memory', text: i.memories[m]!, rank: m });
  }
  k += memoryLines.length;
  const history: ChatMessage[] = [];
  for (let h = i.history.length - 1; h >= 0; h--) {
    const c = counts[k + h]! + 4;
    if (used + c > budget) break;
    used += c;
    history.unshift({ role: i.history[h]!.role, content: i.history[h]!.content });
  }

  let system = rules;
  if (memories.length) system += `\n\nFacts the user told you earlier:\n${memories.join('\n')}`;
  if (sources.length) system += `\n\nSources:\n${sources.join('\n\n')}`;
  return {
    messages: [{ role: 'system', content: system }, ...history, { role: 'user', content: i.question }],
    passages,
    citations,
    promptTokens: used,
  };
}

/**
 * Marks which sources the answer cites. When a model answered from the sources but wrote no [n]
 * (small local models often do not), the source whose words the answer shares most is attributed,
 * and its marker is returned to append to the answer.
 */
export function mapCitations(
  answer: string,
  citations: readonly AnswerCitation[],
): { citations: AnswerCitation[]; appended: string } {
  const cited = new Set<number>();
  for (const m of answer.matchAll(/\[(\d{1,3})\]/g)) cited.add(Number(m[1]));
  let appended = '';
  if (![...cited].some((n) => citations.some((c) => c.n === n)) && citations.length > 0) {
    const a = terms(answer);
    let best: AnswerCitation | undefined;
    let bestScore = 0;
    for (const c of citations) {
      const score = termCoverage(a, c.excerpt);
      if (score > bestScore) {
        best = c;
        bestScore = score;
      }
    }
    if (best && bestScore >= 0.2) {
      cited.add(best.n);
      appended = ` [${best.n}]`;
    }
  }
  return { citations: citations.map((c) => ({ ...c, cited: cited.has(c.n) })), appended };
}
