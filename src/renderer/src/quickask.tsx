import { StrictMode, useEffect, useState, type KeyboardEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { invoke, on, transportKind } from './api';
import { Icon } from './components/Icon';
import { DropOverlay } from './components/DropOverlay';
import { useFileDrop } from './hooks/useFileDrop';
import { startIngestSync, useIngestStore, visibleJobs, isFinished } from './stores/useIngestStore';
import './features/library/library.css';
import { applyTheme, type ThemeSetting } from './theme';
import { AnswerText, Sources } from './features/ask/AnswerText';
import { useAnswers } from './features/ask/useAnswers';
import './styles.css';
import './features/ask/ask.css';

/**
 * The quick-ask window: one input; Enter asks, the answer streams below with its citations.
 * Esc closes (the Electron shell turns close into hide, and hides it on blur).
 */
function QuickAsk() {
  const [theme, setTheme] = useState<ThemeSetting>('system');
  const { answers, ask, stop, reset } = useAnswers();
  const [error, setError] = useState<string | null>(null);
  const answer = answers.at(-1);

  useEffect(() => {
    void invoke('settings.get', {}).then((r) => {
      if (r.ok) setTheme(r.value.appearance.theme);
    });
    return on('settings.changed', (s) => setTheme(s.appearance.theme));
  }, []);
  useEffect(() => applyTheme(theme), [theme]);

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'Escape') window.close();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // Files dropped here are imported like on the main window; a line follows their progress.
  useEffect(() => startIngestSync(), []);
  const { isOver, bind } = useFileDrop((dropped) => void useIngestStore.getState().importFiles(dropped));
  const importing = useIngestStore((s) => {
    const jobs = visibleJobs(s);
    if (jobs.length === 0 && s.uploads.length === 0) return null;
    const done = jobs.filter(isFinished).length;
    return s.uploads.length > 0 && jobs.length === 0
      ? 'Uploading your files…'
      : done === jobs.length
        ? `Added ${jobs.filter((j) => j.state === 'done').length} of ${jobs.length} files to your Library`
        : `Adding files to your Library: ${done} of ${jobs.length} done`;
  });

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const q = e.currentTarget.value.trim();
    if (e.key !== 'Enter' || q === '' || answer?.status === 'streaming') return;
    reset();
    setError(null);
    // A follow-up continues the same conversation.
    void ask(q, answer?.conversationId).then((r) => typeof r === 'string' && setError(r));
  };

  return (
    <main className="quickask__panel view--droppable" {...bind} data-testid="quickask-drop-target">
      <div className="quickask__row">
        <Icon name="search" size={20} />
        <input
          className="quickask__input"
          autoFocus
          aria-label="Ask Nook"
          aria-describedby="quickask-hint"
          placeholder="Ask Nook about your documents…"
          spellCheck={false}
          onKeyDown={onKeyDown}
        />
        <kbd className="quickask__esc">Esc</kbd>
      </div>
      {answer ? (
        <section className="quickask__answer" aria-live="polite" data-testid="quickask-answer">
          {answer.notice ? <p className="answer__notice">{answer.notice}</p> : null}
          <AnswerText text={answer.content || '…'} citations={answer.citations} onError={setError} />
          <Sources citations={answer.citations} />
          {error ? (
            <p className="field__error" role="alert">
              {error}
            </p>
          ) : null}
          <div className="quickask__actions">
            {answer.status === 'streaming' ? (
              <button type="button" className="button" onClick={() => stop(answer.messageId)}>
                Stop
              </button>
            ) : (
              <>
                <span>{answer.provider ? `Answered by ${answer.provider}` : ''}</span>
                <a
                  href={`/?conversation=${answer.conversationId}#/ask`}
                  target="_blank"
                  rel="noopener"
                  data-testid="continue-in-nook"
                  onClick={(e) => {
                    // The desktop app: the shell shows the conversation in the main window and hides
                    // this one. A browser follows the link to a new tab of the main page.
                    if (transportKind() !== 'ipc') return;
                    e.preventDefault();
                    void invoke('app.openConversation', { id: answer.conversationId }).then(
                      (r) => !r.ok && setError(r.message),
                    );
                  }}
                >
                  Continue in Nook
                </a>
              </>
            )}
          </div>
        </section>
      ) : (
        <p className="quickask__hint" id="quickask-hint" role="status">
          {error ?? 'Ask about your documents and press Enter. Esc closes this window.'}
        </p>
      )}
      {importing ? (
        <p className="quickask__import" aria-live="polite" data-testid="quickask-import">
          {importing}
        </p>
      ) : null}
      <DropOverlay visible={isOver} label="Drop to add to your Library" />
    </main>
  );
}

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QuickAsk />
    </StrictMode>,
  );
}
