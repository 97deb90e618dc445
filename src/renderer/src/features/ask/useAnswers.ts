/**
 * Streaming answers for the Ask view and the quick-ask window: asks through `assistant.ask`, then
 * follows `assistant.delta` / `assistant.done` for the messages it started.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { invoke, on } from '../../api';
import type { EventPayload } from '../../../../shared/ipc/contract';
import type { AnswerCitation, Message, Usage } from '../../../../shared/types/assistant';

export interface LiveAnswer {
  messageId: number;
  conversationId: number;
  question: string;
  content: string;
  status: Message['status'];
  citations: AnswerCitation[];
  provider: string | null;
  notice: string | null;
  usage: Usage | null;
  error: string | null;
}

export function useAnswers(): {
  answers: LiveAnswer[];
  ask(text: string, conversationId?: number, grounded?: boolean): Promise<LiveAnswer | string>;
  stop(messageId: number): void;
  reset(): void;
  streaming: boolean;
} {
  const [answers, setAnswers] = useState<LiveAnswer[]>([]);
  const mine = useRef(new Set<number>());
  // Events can arrive before assistant.ask's reply (an answer that needs no model is instant): keep
  // them for a while, by message id, and apply them when the reply names the message.
  const early = useRef(new Map<number, { content: string; done?: EventPayload<'assistant.done'> }>());
  const keepEarly = (id: number) => {
    let e = early.current.get(id);
    if (!e) {
      early.current.set(id, (e = { content: '' }));
      if (early.current.size > 100) early.current.delete(early.current.keys().next().value!);
    }
    return e;
  };

  useEffect(() => {
    const offDelta = on('assistant.delta', (d) => {
      if (!mine.current.has(d.messageId)) return void (keepEarly(d.messageId).content += d.delta);
      setAnswers((list) =>
        list.map((a) => (a.messageId === d.messageId ? { ...a, content: a.content + d.delta } : a)),
      );
    });
    const offDone = on('assistant.done', (d) => {
      if (!mine.current.has(d.messageId)) return void (keepEarly(d.messageId).done = d);
      setAnswers((list) =>
        list.map((a) =>
          a.messageId === d.messageId
            ? {
                ...a,
                content: d.content,
                status: d.status,
                citations: d.citations,
                provider: d.provider,
                notice: d.notice,
                usage: d.usage,
                error: d.error,
              }
            : a,
        ),
      );
    });
    return () => {
      offDelta();
      offDone();
    };
  }, []);

  const ask = useCallback(async (text: string, conversationId?: number, grounded = true) => {
    const r = await invoke('assistant.ask', {
      text,
      grounded,
      ...(conversationId ? { conversationId } : {}),
    });
    if (!r.ok) return r.message;
    mine.current.add(r.value.messageId);
    const seen = early.current.get(r.value.messageId);
    early.current.delete(r.value.messageId);
    const d = seen?.done;
    const a: LiveAnswer = {
      messageId: r.value.messageId,
      conversationId: r.value.conversationId,
      question: text,
      content: d ? d.content : (seen?.content ?? ''),
      status: d ? d.status : 'streaming',
      citations: d ? d.citations : [],
      provider: d ? d.provider : null,
      notice: d ? d.notice : null,
      usage: d ? d.usage : null,
      error: d ? d.error : null,
    };
    setAnswers((list) => [...list, a]);
    return a;
  }, []);

  const stop = useCallback((messageId: number) => void invoke('assistant.stop', { messageId }), []);
  const reset = useCallback(() => setAnswers([]), []);
  return { answers, ask, stop, reset, streaming: answers.some((a) => a.status === 'streaming') };
}

/** Opens a cited document: the system app on the desktop, the host's download URL in a browser. */
export async function openCitation(c: AnswerCitation): Promise<string | null> {
  const r = await invoke('knowledge.openOriginal', { id: c.documentId });
  if (!r.ok) return r.message;
  if (r.value.downloadUrl) window.open(r.value.downloadUrl, '_blank', 'noopener');
  return null;
}
