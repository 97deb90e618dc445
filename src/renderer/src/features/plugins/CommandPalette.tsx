import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { invoke } from '../../api';
import { textOf } from './PluginsView';
import './palette.css';

type Command = {
  pluginId: string;
  pluginName: string;
  commandId: string;
  title: string;
  voiceExamples: string[];
};

/** Ctrl+Shift+P (Cmd+Shift+P on macOS) from anywhere, including text fields. */
function isPaletteKey(e: globalThis.KeyboardEvent): boolean {
  return (e.ctrlKey || e.metaKey) && e.shiftKey && !e.altKey && e.key.toLowerCase() === 'p';
}

/**
 * The command palette: every enabled plugin's commands (`plugins.commands`), filtered as you type;
 * Enter picks one, then takes its input (the first voice example as the hint) and runs it
 * (`plugins.run`), showing the plugin's answer in place. Esc closes.
 */
export function CommandPalette() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (!isPaletteKey(e)) return;
      e.preventDefault();
      setOpen((o) => !o);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return open ? <Palette onClose={() => setOpen(false)} /> : null;
}

function Palette({ onClose }: { onClose(): void }) {
  const [commands, setCommands] = useState<Command[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const [chosen, setChosen] = useState<Command | null>(null);
  const [input, setInput] = useState('');
  const [running, setRunning] = useState(false);
  const [output, setOutput] = useState<{ text: string; error: boolean } | null>(null);
  const field = useRef<HTMLInputElement>(null);

  useEffect(() => {
    let alive = true;
    void invoke('plugins.commands', {}).then((r) => {
      if (!alive) return;
      if (r.ok) setCommands(r.value);
      else setError(r.message);
    });
    return () => {
      alive = false;
    };
  }, []);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (commands ?? []).filter((c) => !q || `${c.title} ${c.pluginName}`.toLowerCase().includes(q));
  }, [commands, query]);

  const choose = (c: Command | undefined) => {
    if (!c) return;
    setChosen(c);
    setInput('');
    setOutput(null);
    field.current?.focus();
  };

  const run = async () => {
    if (!chosen || running) return;
    setRunning(true);
    const r = await invoke('plugins.run', { id: chosen.pluginId, command: chosen.commandId, input });
    setRunning(false);
    setOutput(r.ok ? { text: textOf(r.value.output), error: false } : { text: r.message, error: true });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      if (chosen) {
        setChosen(null);
        setOutput(null);
      } else onClose();
      return;
    }
    if (chosen) {
      if (e.key === 'Enter') {
        e.preventDefault();
        void run();
      }
      return;
    }
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const n = shown.length;
      if (n) setActive((a) => (a + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      choose(shown[Math.min(active, shown.length - 1)]);
    }
  };

  const listId = 'command-palette-list';
  return (
    <div className="palette__backdrop" onMouseDown={onClose}>
      <div
        className="palette"
        role="dialog"
        aria-modal="true"
        aria-label="Command palette"
        onMouseDown={(e) => e.stopPropagation()}
      >
        {chosen ? (
          <p className="palette__chosen">
            {chosen.pluginName}: <strong>{chosen.title}</strong>
          </p>
        ) : null}
        <input
          ref={field}
          className="input palette__input"
          autoFocus
          role="combobox"
          aria-expanded={!chosen}
          aria-controls={listId}
          aria-label={chosen ? `Input for ${chosen.title}` : 'Type a command'}
          placeholder={
            chosen
              ? chosen.voiceExamples[0]
                ? `For example: ${chosen.voiceExamples[0]}`
                : 'Input, then Enter'
              : 'Type a command'
          }
          value={chosen ? input : query}
          onChange={(e) => {
            if (chosen) setInput(e.target.value);
            else {
              setQuery(e.target.value);
              setActive(0);
            }
          }}
          onKeyDown={onKeyDown}
        />
        {chosen ? (
          <div className="palette__result" aria-live="polite">
            {running ? <p className="muted">Running…</p> : null}
            {output ? (
              <output
                className={output.error ? 'palette__output field__error' : 'palette__output'}
                data-testid="palette-output"
              >
                {output.text}
              </output>
            ) : null}
          </div>
        ) : (
          <ul className="palette__list" id={listId} role="listbox" aria-label="Commands">
            {error ? <li className="field__error">Could not list commands: {error}</li> : null}
            {commands === null && !error ? <li className="muted">Loading…</li> : null}
            {commands !== null && shown.length === 0 ? (
              <li className="muted">
                {commands.length === 0 ? 'No plugin commands: install or enable a plugin.' : 'No match.'}
              </li>
            ) : null}
            {shown.map((c, i) => (
              <li
                key={`${c.pluginId}/${c.commandId}`}
                role="option"
                aria-selected={i === active}
                className="palette__option"
                onMouseEnter={() => setActive(i)}
                onClick={() => choose(c)}
              >
                <span>{c.title}</span>
                <span className="muted">{c.pluginName}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
