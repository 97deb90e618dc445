/** Conversations and their messages in SQLite (schema 70), with FTS5 search over message text. */
import { AppError } from '../../../shared/ipc/result';
import type {
  AnswerCitation,
  Conversation,
  ConversationDetail,
  Message,
  Usage,
} from '../../../shared/types/assistant';
import type { Database } from '../storage/database';

type Status = Message['status'];

interface MessageRow {
  id: number;
  conversation_id: number;
  role: 'user' | 'assistant';
  content: string;
  status: Status;
  provider: string | null;
  notice: string | null;
  citations: string;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  usage_source: Usage['source'] | null;
  created_at: number;
}

function toMessage(r: MessageRow): Message {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    role: r.role,
    content: r.content,
    status: r.status,
    provider: r.provider,
    notice: r.notice,
    citations: JSON.parse(r.citations) as AnswerCitation[],
    usage:
      r.prompt_tokens !== null && r.completion_tokens !== null && r.usage_source
        ? { promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens, source: r.usage_source }
        : null,
    createdAt: r.created_at,
  };
}

/** FTS5 query from free text: every word quoted (no syntax injection), the last one as a prefix. */
export function ftsQuery(text: string): string {
  const words = text.match(/[\p{L}\p{N}]+/gu) ?? [];
  return words
    .slice(0, 20)
    .map((w, i, a) => `"${w}"${i === a.length - 1 ? '*' : ''}`)
    .join(' ');
}

export class ConversationStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  create(title: string): number {
    const t = this.now();
    return Number(
      this.db
        .prepare('INSERT INTO conversations (title, created_at, updated_at) VALUES (?, ?, ?)')
        .run(title.trim().slice(0, 200) || 'New conversation', t, t).lastInsertRowid,
    );
  }

  exists(id: number): boolean {
    return this.db.prepare('SELECT 1 FROM conversations WHERE id = ?').get(id) !== undefined;
  }

  list(limit = 500): Conversation[] {
    return (
      this.db
        .prepare(
          `SELECT c.id, c.title, c.created_at, c.updated_at,
                  (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS n
           FROM conversations c ORDER BY c.updated_at DESC, c.id DESC LIMIT ?`,
        )
        .all(limit) as Array<{ id: number; title: string; created_at: number; updated_at: number; n: number }>
    ).map((r) => ({
      id: r.id,
      title: r.title,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      messageCount: r.n,
    }));
  }

  get(id: number): ConversationDetail {
    const c = this.db
      .prepare('SELECT id, title, created_at, updated_at FROM conversations WHERE id = ?')
      .get(id) as { id: number; title: string; created_at: number; updated_at: number } | undefined;
    if (!c) throw new AppError('NOT_FOUND', `No conversation ${id}.`);
    const messages = (
      this.db.prepare('SELECT * FROM messages WHERE conversation_id = ? ORDER BY id').all(id) as MessageRow[]
    ).map(toMessage);
    return {
      id: c.id,
      title: c.title,
      createdAt: c.created_at,
      updatedAt: c.updated_at,
      messageCount: messages.length,
      messages,
    };
  }

  rename(id: number, title: string): Conversation {
    const r = this.db
      .prepare('UPDATE conversations SET title = ?, updated_at = ? WHERE id = ?')
      .run(title.trim().slice(0, 200), this.now(), id);
    if (r.changes === 0) throw new AppError('NOT_FOUND', `No conversation ${id}.`);
    return this.list().find((c) => c.id === id)!;
  }

  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM conversations WHERE id = ?').run(id).changes > 0;
  }

  search(
    query: string,
    limit = 50,
  ): Array<{ conversationId: number; title: string; messageId: number | null; snippet: string }> {
    const q = ftsQuery(query);
    if (!q) return [];
    const hits = this.db
      .prepare(
        `SELECT m.conversation_id AS cid, c.title, m.id AS mid,
                snippet(messages_fts, 0, '', '', '…', 16) AS snippet
         FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
         JOIN conversations c ON c.id = m.conversation_id
         WHERE messages_fts MATCH ? ORDER BY bm25(messages_fts) LIMIT ?`,
      )
      .all(q, limit) as Array<{ cid: number; title: string; mid: number; snippet: string }>;
    const out = new Map<
      number,
      { conversationId: number; title: string; messageId: number | null; snippet: string }
    >();
    // Titles first (a conversation named after the topic is the best hit), then messages.
    const like = `%${query.trim().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    for (const t of this.db
      .prepare(
        "SELECT id, title FROM conversations WHERE title LIKE ? ESCAPE '\\' ORDER BY updated_at DESC LIMIT ?",
      )
      .all(like, limit) as Array<{ id: number; title: string }>)
      out.set(t.id, { conversationId: t.id, title: t.title, messageId: null, snippet: t.title });
    for (const h of hits)
      if (!out.has(h.cid))
        out.set(h.cid, { conversationId: h.cid, title: h.title, messageId: h.mid, snippet: h.snippet });
    return [...out.values()].slice(0, limit);
  }

  addMessage(conversationId: number, role: 'user' | 'assistant', content: string, status: Status): number {
    const t = this.now();
    const id = Number(
      this.db
        .prepare(
          'INSERT INTO messages (conversation_id, role, content, status, created_at) VALUES (?, ?, ?, ?, ?)',
        )
        .run(conversationId, role, content, status, t).lastInsertRowid,
    );
    this.db.prepare('UPDATE conversations SET updated_at = ? WHERE id = ?').run(t, conversationId);
    return id;
  }

  finishMessage(
    id: number,
    m: {
      content: string;
      status: Status;
      provider: string | null;
      notice: string | null;
      citations: AnswerCitation[];
      usage: Usage | null;
    },
  ): void {
    this.db
      .prepare(
        `UPDATE messages SET content = ?, status = ?, provider = ?, notice = ?, citations = ?,
           prompt_tokens = ?, completion_tokens = ?, usage_source = ? WHERE id = ?`,
      )
      .run(
        m.content,
        m.status,
        m.provider,
        m.notice,
        JSON.stringify(m.citations),
        m.usage?.promptTokens ?? null,
        m.usage?.completionTokens ?? null,
        m.usage?.source ?? null,
        id,
      );
  }

  message(id: number): Message | undefined {
    const r = this.db.prepare('SELECT * FROM messages WHERE id = ?').get(id) as MessageRow | undefined;
    return r && toMessage(r);
  }

  /** Earlier turns of a conversation (oldest first), finished ones only, before `beforeId`. */
  history(
    conversationId: number,
    beforeId: number,
    limit = 40,
  ): Array<{ role: 'user' | 'assistant'; content: string }> {
    return (
      this.db
        .prepare(
          `SELECT role, content FROM messages WHERE conversation_id = ? AND id < ? AND content != ''
             AND status IN ('done', 'cut', 'stopped') ORDER BY id DESC LIMIT ?`,
        )
        .all(conversationId, beforeId, limit) as Array<{ role: 'user' | 'assistant'; content: string }>
    ).reverse();
  }

  /** Messages left "streaming" by a crash are marked stopped on start. */
  recoverInterrupted(): number {
    return this.db.prepare("UPDATE messages SET status = 'stopped' WHERE status = 'streaming'").run().changes;
  }
}
