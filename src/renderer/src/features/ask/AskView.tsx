import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { invoke, on } from '../../api';
import { useToastStore } from '../../stores/useToastStore';
import type { Conversation, Message } from '../../../../shared/types/assistant';
import { AnswerText, Sources } from './AnswerText';
import { useAnswers, type LiveAnswer } from './useAnswers';
import { useAskLinkStore, type AskLink } from './askLink';
import './ask.css';

type Turn = {
  question: string;
  answer: Pick<
    LiveAnswer,
    'messageId' | 'content' | 'status' | 'citations' | 'provider' | 'notice' | 'error'
  >;
};

function turnsFrom(messages: readonly Message[]): Turn[] {
  const out: Turn[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (m.role !== 'user') continue;
    const a = messages[i + 1];
    if (a?.role === 'assistant')
      out.push({
        question: m.content,
        answer: {
          messageId: a.id,
          content: a.content,
          status: a.status,
          citations: a.citations,
          provider: a.provider,
          notice: a.notice,
          error: null,
        },
      });
  }
  return out;
}

export function AskView() {
  const push = useToastStore((s) => s.push);
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [current, setCurrent] = useState<number | undefined>(
    () => useAskLinkStore.getState().link?.conversationId,
  );
  const [history, setHistory] = useState<Turn[]>([]);
  const [text, setText] = useState('');
  const [grounded, setGrounded] = useState(true);
  const [renaming, setRenaming] = useState<number | null>(null);
  const { answers, ask, stop, reset, streaming } = useAnswers();
  const bottom = useRef<HTMLDivElement>(null);

  const refresh = useCallback(() => {
    void invoke('conversations.list', {}).then((r) => r.ok && setConversations(r.value));
  }, []);
  useEffect(() => {
    refresh();
    return on('assistant.done', () => refresh());
  }, [refresh]);

  const open = useCallback(
    async (id: number | undefined) => {
      reset();
      setCurrent(id);
      if (id === undefined) return setHistory([]);
      const r = await invoke('conversations.get', { id });
      if (r.ok) setHistory(turnsFrom(r.value.messages));
      else push({ level: 'error', message: r.message });
    },
    [push, reset],
  );

  // "Continue in Nook" from the quick-ask window: a new main window opens at ?conversation=<id>, an
  // open one gets the shell's app.openView event (askLink.ts); either way that conversation shows.
  useEffect(() => {
    const take = (link: AskLink | null) => {
      if (!link) return;
      useAskLinkStore.getState().consume();
      void open(link.conversationId);
    };
    const unsubscribe = useAskLinkStore.subscribe((s) => take(s.link));
    // One that came before this screen mounted (the event that switched to it, or the page's query).
    if (useAskLinkStore.getState().link) queueMicrotask(() => take(useAskLinkStore.getState().link));
    return unsubscribe;
  }, [open]);

  // Braces: recent Chromium returns a promise from scrollIntoView, which React would call as a cleanup.
  useEffect(() => {
    bottom.current?.scrollIntoView?.({ block: 'end' });
  }, [answers, history]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const q = text.trim();
    if (!q || streaming) return;
    setText('');
    const a = await ask(q, current, grounded);
    if (typeof a === 'string') push({ level: 'error', message: a });
    else if (current === undefined) setCurrent(a.conversationId);
  };

  const live: Turn[] = answers.map((a) => ({ question: a.question, answer: a }));
  const turns = [...history, ...live];

  return (
    <div className="view view--ask">
      <header className="view__header">
        <h1 className="view__title">Ask</h1>
        <button type="button" className="button" onClick={() => void open(undefined)}>
          New conversation
        </button>
      </header>
      <div className="ask">
        <nav className="ask__list" aria-label="Conversations">
          <ConversationSearch onOpen={(id) => void open(id)} />
          {conversations.length === 0 ? <p className="muted">No conversations yet.</p> : null}
          {conversations.map((c) => (
            <div
              key={c.id}
              className="ask__conv"
              data-active={c.id === current ? 'true' : undefined}
              data-testid="conversation"
            >
              {renaming === c.id ? (
                <input
                  className="input ask__conv-rename"
                  aria-label={`New title for ${c.title}`}
                  defaultValue={c.title}
                  autoFocus
                  maxLength={200}
                  onKeyDown={(e) => {
                    if (e.key === 'Escape') setRenaming(null);
                    if (e.key !== 'Enter') return;
                    const title = e.currentTarget.value.trim();
                    setRenaming(null);
                    if (!title || title === c.title) return;
                    void invoke('conversations.rename', { id: c.id, title }).then((r) => {
                      if (!r.ok) push({ level: 'error', message: r.message });
                      refresh();
                    });
                  }}
                  onBlur={() => setRenaming(null)}
                />
              ) : (
                <button
                  type="button"
                  className="ask__conv-open"
                  onClick={() => void open(c.id)}
                  onDoubleClick={() => setRenaming(c.id)}
                  title={c.title}
                >
                  {c.title}
                </button>
              )}
              <button
                type="button"
                className="ask__conv-delete"
                aria-label={`Rename ${c.title}`}
                onClick={() => setRenaming(c.id)}
              >
                ✎
              </button>
              <button
                type="button"
                className="ask__conv-delete"
                aria-label={`Delete ${c.title}`}
                onClick={() =>
                  void invoke('conversations.delete', { id: c.id }).then(() => {
                    if (c.id === current) void open(undefined);
                    refresh();
                  })
                }
              >
                ×
              </button>
            </div>
          ))}
        </nav>
        <section className="ask__chat" aria-label="Conversation">
          <div className="ask__turns" aria-live="polite">
            {turns.length === 0 ? (
              <p className="muted ask__empty">
                Ask about your documents. Answers cite the passages they come from; say “remember that …” to
                teach Nook a fact about you, and “forget that” to undo it.
              </p>
            ) : null}
            {turns.map((t) => (
              <article key={t.answer.messageId} className="answer" data-testid="answer">
                <p className="answer__question">{t.question}</p>
                {t.answer.notice ? (
                  <p className="answer__notice" role="note">
                    {t.answer.notice}
                  </p>
                ) : null}
                <AnswerText
                  text={t.answer.content || (t.answer.status === 'streaming' ? '…' : '')}
                  citations={t.answer.citations}
                  onError={(m) => push({ level: 'error', message: m })}
                />
                <Sources citations={t.answer.citations} />
                <footer className="answer__meta">
                  {t.answer.status === 'streaming' ? (
                    <button type="button" className="button" onClick={() => stop(t.answer.messageId)}>
                      Stop
                    </button>
                  ) : (
                    <>
                      <span>{t.answer.provider ? `Answered by ${t.answer.provider}` : ''}</span>
                      {t.answer.status === 'stopped' ? <span>Stopped</span> : null}
                      {t.answer.error ? <span className="answer__error">{t.answer.error}</span> : null}
                      <button
                        type="button"
                        className="button button--ghost"
                        onClick={() =>
                          void navigator.clipboard
                            ?.writeText(t.answer.content)
                            .then(() => push({ level: 'success', message: 'Copied' }))
                        }
                      >
                        Copy
                      </button>
                    </>
                  )}
                </footer>
              </article>
            ))}
            <div ref={bottom} />
          </div>
          <form className="ask__composer" onSubmit={(e) => void submit(e)}>
            <input
              className="input ask__input"
              aria-label="Your question"
              placeholder="Ask about your documents…"
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
            <label className="ask__grounded" title="Off: chat freely, without searching your Library">
              <input type="checkbox" checked={grounded} onChange={(e) => setGrounded(e.target.checked)} />
              From my documents
            </label>
            <button type="submit" className="button button--primary" disabled={!text.trim() || streaming}>
              Ask
            </button>
          </form>
        </section>
      </div>
    </div>
  );
}

type SearchHit = { conversationId: number; title: string; snippet: string };

/** Full-text search over conversation titles and messages (`conversations.search`). */
function ConversationSearch({ onOpen }: { onOpen(id: number): void }) {
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const latest = useRef(0);
  useEffect(() => {
    const q = query.trim();
    const mine = ++latest.current;
    const timer = setTimeout(() => {
      if (!q) return setHits(null);
      void invoke('conversations.search', { query: q }).then((r) => {
        if (mine === latest.current) setHits(r.ok ? r.value : []);
      });
    }, 200);
    return () => clearTimeout(timer);
  }, [query]);
  return (
    <div className="ask__search">
      <input
        className="input"
        type="search"
        placeholder="Search conversations"
        aria-label="Search conversations"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      {hits !== null ? (
        <ul className="ask__hits" aria-label="Matching conversations">
          {hits.length === 0 ? <li className="muted">No conversation mentions that.</li> : null}
          {hits.map((h, i) => (
            <li key={`${h.conversationId}-${i}`}>
              <button
                type="button"
                className="ask__conv-open"
                onClick={() => {
                  setQuery('');
                  onOpen(h.conversationId);
                }}
              >
                <strong>{h.title}</strong>
                <span className="ask__hit-snippet">{h.snippet}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
