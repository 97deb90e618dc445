import { useCallback, useEffect, useState } from 'react';
import { invoke, on } from '../../api';
import type { RouteOutput } from '../../../../shared/ipc/contract';
import type { VoiceInteraction, VoiceState } from '../../../../shared/types/voice';
import { useSettingsStore } from '../../stores/useSettingsStore';
import { useNavStore, type ViewId } from '../../stores/useNavStore';
import { useToastStore } from '../../stores/useToastStore';

const STATE_LABEL: Record<VoiceState['state'], string> = {
  idle: 'Ready',
  listening: 'Listening…',
  transcribing: 'Transcribing…',
  thinking: 'Thinking…',
  speaking: 'Speaking…',
};

/** Where a spoken "open …" goes: the intent's view names onto the app's screens. */
const VIEW_FOR: Record<string, ViewId> = {
  home: 'ask',
  chat: 'ask',
  library: 'library',
  search: 'library',
  briefing: 'briefing',
  reminders: 'briefing',
  notes: 'library',
  voice: 'voice',
  plugins: 'plugins',
  settings: 'settings',
  models: 'settings',
};

/** Voice actions the renderer carries out wherever the user is (open a view). Returns a stop function. */
export function startVoiceActions(): () => void {
  return on('voice.action', (a) => {
    if (a.kind !== 'open_view') return;
    const view = VIEW_FOR[String(a.data.view)];
    if (view) useNavStore.getState().setView(view);
  });
}

function Meter({ level }: { level: number }) {
  // RMS of speech is about 0.02-0.3: show it on a log scale from -60 dB to 0 dB.
  const db = level > 0 ? 20 * Math.log10(level) : -60;
  const pct = Math.max(0, Math.min(100, ((db + 60) / 60) * 100));
  return (
    <div
      role="meter"
      aria-label="Microphone level"
      aria-valuemin={-60}
      aria-valuemax={0}
      aria-valuenow={Math.round(db)}
      style={{ height: 8, borderRadius: 4, background: 'var(--border, #ddd)', overflow: 'hidden' }}
    >
      <div
        style={{
          width: `${pct}%`,
          height: '100%',
          background: 'var(--accent, #3b82f6)',
          transition: 'width 80ms',
        }}
      />
    </div>
  );
}

export function VoiceView() {
  const hotkey = useSettingsStore((s) => s.settings?.hotkeys.pushToTalk);
  const push = useToastStore((s) => s.push);
  const [state, setState] = useState<VoiceState>({
    state: 'idle',
    transcript: '',
    intent: null,
    error: null,
  });
  const [level, setLevel] = useState(0);
  const [history, setHistory] = useState<VoiceInteraction[]>([]);
  const [mic, setMic] = useState<RouteOutput<'voice.testMicrophone'> | null>(null);
  const [testing, setTesting] = useState(false);
  const [sayText, setSayText] = useState('Hello, I am Nook. How can I help?');

  const refresh = useCallback(async () => {
    const r = await invoke('voice.history', { limit: 50 });
    if (r.ok) setHistory(r.value);
  }, []);

  useEffect(() => {
    let live = true;
    void invoke('voice.history', { limit: 50 }).then((r) => {
      if (live && r.ok) setHistory(r.value);
    });
    const offState = on('voice.state', (s) => {
      setState(s);
      if (s.state === 'idle') void refresh();
    });
    const offLevel = on('voice.level', (l) => setLevel(l.rms));
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') void invoke('voice.cancel', {});
    };
    window.addEventListener('keydown', onKey);
    return () => {
      live = false;
      offState();
      offLevel();
      window.removeEventListener('keydown', onKey);
    };
  }, [refresh]);

  const talk = async () => {
    const r = await invoke('voice.pushToTalk', {});
    if (!r.ok) push({ level: 'error', message: r.message });
  };
  const testMic = async () => {
    setTesting(true);
    const r = await invoke('voice.testMicrophone', {});
    setTesting(false);
    if (r.ok) setMic(r.value);
    else push({ level: 'error', message: r.message });
  };
  const say = async () => {
    // The renderer plays the audio itself, so this works in the browser as well as on the desktop.
    const r = await invoke('voice.speak', { text: sayText, play: false });
    if (!r.ok) return push({ level: 'error', message: r.message });
    if (r.value.fallbackReason)
      push({ level: 'info', message: `Using local speech: ${r.value.fallbackReason}` });
    void new Audio(r.value.audioUrl)
      .play()
      .catch(() => push({ level: 'error', message: 'The browser refused to play audio.' }));
  };

  const busy = state.state !== 'idle';
  return (
    <div className="view">
      <header className="view__header">
        <h1 className="view__title">Voice</h1>
      </header>
      <div className="settings-grid">
        <section className="card" aria-label="Push to talk">
          <div className="card__header">
            <h2 className="card__title">Push to talk</h2>
            <span
              className={`badge ${state.error ? 'badge--down' : busy ? 'badge--ok' : 'badge--muted'}`}
              aria-live="polite"
            >
              {STATE_LABEL[state.state]}
            </span>
          </div>
          <p className="card__hint">
            Press {hotkey ? <kbd>{hotkey}</kbd> : 'the hotkey'} or the button, speak, and pause: Nook stops
            listening by itself. Press again to stop early, Esc to cancel. (A global hotkey has no key-up
            event, so it toggles.)
          </p>
          <Meter level={state.state === 'listening' ? level : 0} />
          <p aria-live="polite" style={{ minHeight: '1.5em' }}>
            {state.transcript ? <q>{state.transcript}</q> : null}
            {state.intent ? (
              <span className="muted">
                {' '}
                → {state.intent.intent} ({Math.round(state.intent.confidence * 100)}%)
              </span>
            ) : null}
          </p>
          {state.error ? <p className="field__error">{state.error.message}</p> : null}
          <div className="card__actions">
            <button className="button button--primary" onClick={() => void talk()}>
              {state.state === 'listening'
                ? 'Stop listening'
                : state.state === 'speaking'
                  ? 'Stop speaking'
                  : 'Talk'}
            </button>
            <button
              className="button button--ghost"
              disabled={!busy}
              onClick={() => void invoke('voice.cancel', {})}
            >
              Cancel
            </button>
          </div>
        </section>

        <section className="card" aria-label="Microphone test">
          <div className="card__header">
            <h2 className="card__title">Microphone</h2>
          </div>
          <p className="card__hint">
            Records 1.5 seconds from the input device chosen in Settings and shows its level.
          </p>
          <Meter level={testing ? level : (mic?.rms ?? 0)} />
          {mic ? (
            <p>
              {mic.message} <span className="muted">peak {Math.round(mic.peak * 100)}%</span>
            </p>
          ) : null}
          <div className="card__actions">
            <button className="button" disabled={testing || busy} onClick={() => void testMic()}>
              {testing ? 'Recording…' : 'Test microphone'}
            </button>
          </div>
        </section>

        <section className="card" aria-label="Speech test">
          <div className="card__header">
            <h2 className="card__title">Speech</h2>
          </div>
          <label className="field">
            <span className="field__label">Text to say</span>
            <input
              className="input"
              value={sayText}
              onChange={(e) => setSayText(e.target.value)}
              maxLength={500}
            />
          </label>
          <div className="card__actions">
            <button className="button" disabled={!sayText.trim()} onClick={() => void say()}>
              Say it
            </button>
            <button className="button button--ghost" onClick={() => void invoke('voice.stopSpeaking', {})}>
              Stop
            </button>
          </div>
        </section>

        <section className="card" aria-label="Voice history">
          <div className="card__header">
            <h2 className="card__title">History</h2>
          </div>
          {history.length === 0 ? (
            <p className="muted">
              Nothing yet. Transcripts of what you dictate and the commands Nook recognised will be listed
              here.
            </p>
          ) : (
            <table style={{ width: '100%', borderCollapse: 'collapse' }}>
              <thead>
                <tr>
                  <th align="left">When</th>
                  <th align="left">Heard</th>
                  <th align="left">Intent</th>
                  <th align="right">Speech to text</th>
                  <th align="right">Total</th>
                </tr>
              </thead>
              <tbody>
                {history.map((h) => (
                  <tr key={h.id}>
                    <td className="muted">{new Date(h.createdAt).toLocaleTimeString()}</td>
                    <td>{h.transcript}</td>
                    <td>
                      {h.intent} <span className="muted">{Math.round(h.confidence * 100)}%</span>
                    </td>
                    <td align="right" className="mono">
                      {h.timings.stt !== undefined ? `${Math.round(h.timings.stt)} ms` : '—'}
                    </td>
                    <td align="right" className="mono">
                      {h.timings.total !== undefined ? `${Math.round(h.timings.total)} ms` : '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </div>
  );
}
