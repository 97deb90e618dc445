import { useEffect, useId, useState, type KeyboardEvent } from 'react';
import type { Settings } from '../../../../shared/types/settings';
import type { HotkeyState } from '../../../../shared/types/system';
import { invoke, on } from '../../api';
import { useSettingsStore } from '../../stores/useSettingsStore';
import { acceleratorFromEvent, checkAccelerator, sameAccelerator } from './accelerator';

type HotkeyId = HotkeyState['id'];

const HOTKEYS: ReadonlyArray<{ id: HotkeyId; label: string; hint: string }> = [
  { id: 'quickAsk', label: 'Quick ask', hint: 'Opens the small ask window from anywhere.' },
  {
    id: 'pushToTalk',
    label: 'Push to talk',
    hint: 'Press once to start listening, again to stop.',
  },
];

/** The hotkeys' registration state (`hotkeys.list`, live through `hotkeys.changed`). */
function useHotkeyStates(): HotkeyState[] | null {
  const [states, setStates] = useState<HotkeyState[] | null>(null);
  useEffect(() => {
    let alive = true;
    void invoke('hotkeys.list', {}).then((r) => {
      if (alive && r.ok) setStates(r.value);
    });
    const off = on('hotkeys.changed', (s) => setStates(s));
    return () => {
      alive = false;
      off();
    };
  }, []);
  return states;
}

export function HotkeysSection({ settings, desktop }: { settings: Settings; desktop: boolean }) {
  const states = useHotkeyStates();
  return (
    <section className="card" aria-labelledby="settings-hotkeys">
      <h2 className="card__title" id="settings-hotkeys">
        Global hotkeys
      </h2>
      <p className="card__hint">
        Keys joined by “+”, for example <code>CommandOrControl+Alt+K</code>. CommandOrControl is ⌘ on macOS
        and Ctrl elsewhere.
        {desktop
          ? ''
          : ' Global hotkeys are registered by the desktop app; this browser session cannot register them.'}
      </p>
      {HOTKEYS.map((h) => {
        const other = HOTKEYS.find((o) => o.id !== h.id)!;
        return (
          <HotkeyField
            key={h.id}
            id={h.id}
            label={h.label}
            hint={h.hint}
            value={settings.hotkeys[h.id]}
            otherLabel={other.label}
            otherValue={settings.hotkeys[other.id]}
            state={states?.find((s) => s.id === h.id)}
          />
        );
      })}
    </section>
  );
}

function HotkeyField(props: {
  id: HotkeyId;
  label: string;
  hint: string;
  value: string;
  otherLabel: string;
  otherValue: string;
  state: HotkeyState | undefined;
}) {
  const update = useSettingsStore((s) => s.update);
  const [draft, setDraft] = useState(props.value);
  const [recording, setRecording] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const inputId = useId();
  const msgId = useId();

  // A change from elsewhere (another window, a reset) replaces the draft.
  const [seen, setSeen] = useState(props.value);
  if (seen !== props.value) {
    setSeen(props.value);
    setDraft(props.value);
    setServerError(null);
  }

  const check = checkAccelerator(draft);
  const clash = check.ok && sameAccelerator(draft, props.otherValue);
  const validation = !check.ok
    ? check.message
    : clash
      ? `Already used by ${props.otherLabel}; pick another shortcut.`
      : null;
  const dirty = draft.trim() !== props.value;
  const problem = validation ?? serverError;

  const save = async () => {
    if (!check.ok || clash) return;
    setSaving(true);
    const r = await update({ hotkeys: { [props.id]: check.normalized } });
    setSaving(false);
    setServerError(r.ok ? null : r.message);
    if (r.ok) setDraft(r.value.hotkeys[props.id]);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (recording) {
      e.preventDefault();
      if (e.key === 'Escape') {
        setRecording(false);
        return;
      }
      const acc = acceleratorFromEvent(e);
      if (acc) {
        setDraft(acc);
        setRecording(false);
      }
      return;
    }
    if (e.key === 'Enter' && dirty) {
      e.preventDefault();
      void save();
    }
  };

  return (
    <div className="field hotkey" data-hotkey={props.id}>
      <div className="field__text">
        <label className="field__label" htmlFor={inputId}>
          {props.label}
        </label>
        <span className="field__hint">{props.hint}</span>
        <HotkeyStatus state={props.state} />
      </div>
      <div className="hotkey__controls">
        <input
          id={inputId}
          className={`input input--mono${recording ? ' input--recording' : ''}`}
          value={recording ? 'Press the keys…' : draft}
          readOnly={recording}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? msgId : undefined}
          onChange={(e) => {
            setDraft(e.target.value);
            setServerError(null);
          }}
          onKeyDown={onKeyDown}
          onBlur={() => setRecording(false)}
        />
        <button
          type="button"
          className="button"
          aria-pressed={recording}
          onClick={() => {
            setRecording((r) => !r);
            document.getElementById(inputId)?.focus();
          }}
        >
          {recording ? 'Cancel' : 'Record'}
        </button>
        <button
          type="button"
          className="button button--primary"
          disabled={!dirty || validation !== null || saving}
          onClick={() => void save()}
        >
          Save
        </button>
      </div>
      {problem ? (
        <p className="field__error" id={msgId} role="alert">
          {problem}
        </p>
      ) : null}
    </div>
  );
}

function HotkeyStatus({ state }: { state: HotkeyState | undefined }) {
  if (!state) return null;
  if (state.registered) {
    return (
      <span className="hotkey__state hotkey__state--ok">
        <span className="dot" data-state="ok" aria-hidden="true" />
        Registered as {state.accelerator}
      </span>
    );
  }
  return (
    <span className="hotkey__state hotkey__state--problem">
      <span className="dot" data-state="degraded" aria-hidden="true" />
      Not registered{state.problem ? `: ${state.problem}` : ''}
    </span>
  );
}
