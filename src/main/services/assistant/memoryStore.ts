/**
 * Long-term memory: facts about the user ("my sister's birthday is on March 3"). Stored once:
 * an exact duplicate is caught by the hash of the normalised text, a near duplicate by embedding
 * cosine similarity above 0.9 (or, without an embedding model, by content-word overlap).
 * Injected into a prompt when relevant to the question.
 */
import crypto from 'node:crypto';
import { AppError } from '../../../shared/ipc/result';
import type { Memory } from '../../../shared/types/assistant';
import type { Database } from '../storage/database';
import { terms } from './text';

export type EmbedFn = (texts: string[]) => Promise<Float32Array[]>;

interface Row {
  id: number;
  text: string;
  hash: string;
  embedding: Buffer | null;
  source_conversation_id: number | null;
  created_at: number;
  updated_at: number;
}

export const DUPLICATE_COSINE = 0.9;
const RELEVANT_COSINE = 0.45;

export function normaliseFact(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/\s+/g, ' ')
    .replace(/[\s.!?,;:]+$/, '')
    .trim();
}

export function factHash(text: string): string {
  return crypto.createHash('sha256').update(normaliseFact(text)).digest('hex');
}

function toMemory(r: Row): Memory {
  return {
    id: r.id,
    text: r.text,
    sourceConversationId: r.source_conversation_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toBlob(v: Float32Array | undefined): Buffer | null {
  return v ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : null;
}

function fromBlob(b: Buffer | null): Float32Array | undefined {
  if (!b) return undefined;
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return s / Math.sqrt(na * nb || 1);
}

function jaccard(a: readonly string[], b: readonly string[]): number {
  const A = new Set(a);
  const B = new Set(b);
  let inter = 0;
  for (const x of A) if (B.has(x)) inter++;
  return inter / (A.size + B.size - inter || 1);
}

export class MemoryStore {
  constructor(
    private readonly db: Database,
    private readonly embed?: EmbedFn,
    private readonly now: () => number = Date.now,
  ) {}

  private rows(): Row[] {
    return this.db.prepare('SELECT * FROM memories ORDER BY id').all() as Row[];
  }

  list(): Memory[] {
    return this.rows().map(toMemory);
  }

  private async vector(text: string): Promise<Float32Array | undefined> {
    if (!this.embed) return undefined;
    try {
      return (await this.embed([text]))[0];
    } catch {
      return undefined; // no embedding model yet: hash and word overlap still dedupe
    }
  }

  /** The stored memory this fact duplicates, if any (exact hash, then embedding / word similarity). */
  private findDuplicate(text: string, vec: Float32Array | undefined, exceptId?: number): Row | undefined {
    const hash = factHash(text);
    const words = terms(text);
    for (const r of this.rows()) {
      if (r.id === exceptId) continue;
      if (r.hash === hash) return r;
      const v = fromBlob(r.embedding);
      if (vec && v && v.length === vec.length && dot(vec, v) > DUPLICATE_COSINE) return r;
      if (jaccard(words, terms(r.text)) >= 0.9) return r;
    }
    return undefined;
  }

  /** Stores a fact unless it is already known. */
  async remember(
    text: string,
    conversationId: number | null,
  ): Promise<{ memory: Memory; duplicate: boolean }> {
    const clean = text.trim().replace(/[\s.!?,;:]+$/, '');
    if (!clean) throw new AppError('INVALID_INPUT', 'Nothing to remember.');
    const vec = await this.vector(clean);
    const dup = this.findDuplicate(clean, vec);
    if (dup) return { memory: toMemory(dup), duplicate: true };
    const t = this.now();
    const id = Number(
      this.db
        .prepare(
          'INSERT INTO memories (text, hash, embedding, source_conversation_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(clean, factHash(clean), toBlob(vec), conversationId, t, t).lastInsertRowid,
    );
    return { memory: toMemory(this.row(id)!), duplicate: false };
  }

  private row(id: number): Row | undefined {
    return this.db.prepare('SELECT * FROM memories WHERE id = ?').get(id) as Row | undefined;
  }

  async update(id: number, text: string): Promise<Memory> {
    if (!this.row(id)) throw new AppError('NOT_FOUND', `No memory ${id}.`);
    const clean = text.trim().replace(/[\s.!?,;:]+$/, '');
    if (!clean) throw new AppError('INVALID_INPUT', 'A memory cannot be empty; delete it instead.');
    const vec = await this.vector(clean);
    const dup = this.findDuplicate(clean, vec, id);
    if (dup) throw new AppError('CONFLICT', `That is already remembered: "${dup.text}".`);
    this.db
      .prepare('UPDATE memories SET text = ?, hash = ?, embedding = ?, updated_at = ? WHERE id = ?')
      .run(clean, factHash(clean), toBlob(vec), this.now(), id);
    return toMemory(this.row(id)!);
  }

  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM memories WHERE id = ?').run(id).changes > 0;
  }

  /**
   * "Forget that": the memory that best matches `about` when given, else the last one remembered
   * (in this conversation when it remembered one, else overall). Returns what was forgotten.
   */
  async forget(about: string | undefined, conversationId: number | null): Promise<Memory | undefined> {
    let target: Row | undefined;
    if (about && terms(about).length > 0) target = (await this.scored(about))[0]?.row;
    else
      target =
        (conversationId !== null
          ? (this.db
              .prepare(
                'SELECT * FROM memories WHERE source_conversation_id = ? ORDER BY updated_at DESC, id DESC LIMIT 1',
              )
              .get(conversationId) as Row | undefined)
          : undefined) ??
        (this.db.prepare('SELECT * FROM memories ORDER BY updated_at DESC, id DESC LIMIT 1').get() as
          Row | undefined);
    if (!target) return undefined;
    this.delete(target.id);
    return toMemory(target);
  }

  private async scored(question: string, vector?: Float32Array): Promise<Array<{ row: Row; score: number }>> {
    const q = terms(question);
    const qs = new Set(q);
    const rows = this.rows();
    // No memories: nothing to compare the question with, so no model run for it either.
    if (rows.length === 0) return [];
    const vec = vector ?? (await this.vector(question));
    const out: Array<{ row: Row; score: number }> = [];
    for (const r of rows) {
      const t = terms(r.text);
      let overlap = 0;
      for (const w of new Set(t)) if (qs.has(w)) overlap++;
      const lexical = qs.size ? overlap / qs.size : 0;
      const v = fromBlob(r.embedding);
      const cos = vec && v && v.length === vec.length ? dot(vec, v) : 0;
      // Relevant: most of the question's content words appear, or the embeddings are close.
      const relevant = overlap >= 2 || (overlap >= 1 && qs.size <= 2) || cos >= RELEVANT_COSINE;
      if (relevant) out.push({ row: r, score: lexical + cos });
    }
    return out.sort((a, b) => b.score - a.score);
  }

  /**
   * Memories relevant to a question, best first. `vector`: the question's vector when the caller has
   * one of the model `embed` uses (the search's), so the question is not embedded again.
   */
  async relevant(question: string, k = 5, vector?: Float32Array): Promise<Memory[]> {
    return (await this.scored(question, vector)).slice(0, k).map((s) => toMemory(s.row));
  }
}
