import { StrictMode, useEffect, useState, type KeyboardEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { invoke, on } from './api';
import { Icon } from './components/Icon';
import { DropOverlay } from './components/DropOverlay';
import { useFileDrop } from './hooks/useFileDrop';
import { startIngestSync, useIngestStore, visibleJobs, isFinished } from './stores/useIngestStore';
import './features/library/library.css';
import { applyTheme, type ThemeSetting } from './theme';
import './styles.css';

/**
 * The quick-ask window: one input. The assistant arrives later, so for now it says what it will do
 * and answers nothing. Esc closes (the Electron shell turns close into hide, and hides it on blur).
 */
function QuickAsk() {
  const [theme, setTheme] = useState<ThemeSetting>('system');
  const [submitted, setSubmitted] = useState(false);

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
    if (e.key === 'Enter' && e.currentTarget.value.trim() !== '') setSubmitted(true);
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
          onChange={() => setSubmitted(false)}
        />
        <kbd className="quickask__esc">Esc</kbd>
      </div>
      <p className="quickask__hint" id="quickask-hint" role="status">
        {submitted
          ? 'Not answered: the assistant is not part of Nook yet. It arrives in a coming update.'
          : 'Answers from your own documents will appear here once the assistant arrives. Esc closes this window.'}
      </p>
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
