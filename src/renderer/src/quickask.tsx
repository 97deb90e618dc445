import { StrictMode, useEffect, useState, type KeyboardEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { invoke, on } from './api';
import { Icon } from './components/Icon';
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

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' && e.currentTarget.value.trim() !== '') setSubmitted(true);
  };

  return (
    <main className="quickask__panel">
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
