import { useCallback, useEffect, useState, type MouseEvent } from 'react';
import { invoke, on } from '../../api';
import type { RouteOutput } from '../../../../shared/ipc/contract';
import type { VoiceInteraction, VoiceState } from '../../../../shared/types/voice';
import { useSettingsStore } from '../../stores/useSettingsStore';
import { useNavStore, type ViewId } from '../../stores/useNavStore';
import { useToastStore } from '../../stores/useToastStore';
import { LevelMeter } from './LevelMeter';

const STATE_LABEL: Record<VoiceState['state'], string> = {
  idle: 'Ready',
  listening: 'Listening…',
  transcribing: 'Transcribing…',
  thinking: 'Thinking…',
  speaking: 'Speaking…',
};

const ENGINE_NAME = { piper: 'Piper', 'espeak-ng': 'espeak-ng', elevenlabs: 'ElevenLabs' } as const;

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
  const [spoken, setSpoken] = useState('');
  const [recording, setRecording] = useState<{
    name: string;
    result: RouteOutput<'voice.transcribeAudio'> | null;
    error: string | null;
    busy: boolean;
  } | null>(null);

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
    setSpoken(
      `${ENGINE_NAME[r.value.engine]}: first audio after ${Math.round(r.value.firstAudioMs)} ms, ` +
        `${Math.round((r.value.audioUrl.length * 3) / 4 / 1024)} KiB of audio`,
    );
    if (r.value.fallbackReason)
      push({ level: 'info', message: `Using local speech: ${r.value.fallbackReason}` });
    void new Audio(r.value.audioUrl)
      .play()
      .catch(() => push({ level: 'error', message: 'The browser refused to play audio.' }));
  };

  const tryRecording = async (file: File) => {
    setRecording({ name: file.name, result: null, error: null, busy: true });
    const data = await fileToBase64(file);
    const r = await invoke('voice.transcribeAudio', { name: file.name, data });
    setRecording({
      name: file.name,
      result: r.ok ? r.value : null,
      error: r.ok ? null : r.message,
      busy: false,
    });
    void refresh();
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
          <LevelMeter level={state.state === 'listening' ? level : 0} />
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
            Records 1.5 seconds from the input device chosen in{' '}
            <a href="#/settings" onClick={openVoiceSettings}>
              Settings → Voice
            </a>{' '}
            and shows its level.
          </p>
          <LevelMeter level={testing ? level : (mic?.rms ?? 0)} />
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

        <section className="card" aria-label="Try a recording">
          <div className="card__header">
            <h2 className="card__title">Try a recording</h2>
          </div>
          <p className="card__hint">
            Choose an audio file (WAV, FLAC, MP3, …). Nook transcribes it; a recording of up to 30 seconds is
            handled like a spoken command.
          </p>
          <label className="field">
            <span className="field__label">Audio file</span>
            <input
              type="file"
              accept="audio/*,.wav,.flac,.mp3,.ogg"
              disabled={recording?.busy}
              onChange={(e) => {
                const f = e.currentTarget.files?.[0];
                if (f) void tryRecording(f);
                e.currentTarget.value = '';
              }}
            />
          </label>
          {recording?.busy ? <p className="muted">Transcribing {recording.name}…</p> : null}
          {recording?.result ? (
            <div aria-label="Recording result">
              <p>
                {recording.result.noSpeech || !recording.result.text ? (
                  <span className="muted">No speech in {recording.name}.</span>
                ) : (
                  <q data-testid="recording-transcript">{recording.result.text}</q>
                )}
              </p>
              {recording.result.intent ? (
                <p className="muted" data-testid="recording-intent">
                  Command: {recording.result.intent.intent} (
                  {Math.round(recording.result.intent.confidence * 100)}%)
                </p>
              ) : null}
              <p className="muted">
                {recording.result.durationSec.toFixed(1)} s of audio in{' '}
                {(recording.result.elapsedMs / 1000).toFixed(1)} s
              </p>
            </div>
          ) : null}
          {recording?.error ? <p className="field__error">{recording.error}</p> : null}
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
          {spoken ? (
            <p className="muted" data-testid="spoken">
              {spoken}
            </p>
          ) : null}
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

/** Settings, scrolled to its Voice section (the link's hash alone would open Settings at the top). */
function openVoiceSettings(e: MouseEvent<HTMLAnchorElement>): void {
  e.preventDefault();
  useNavStore.getState().setView('settings');
  const scroll = (tries: number) => {
    const el = document.getElementById('settings-voice');
    if (el) el.scrollIntoView({ block: 'start' });
    // Settings renders once they are loaded: try again for a moment.
    else if (tries > 0) setTimeout(() => scroll(tries - 1), 50);
  };
  requestAnimationFrame(() => scroll(40));
}

/** A file's bytes as base64 (what voice.transcribeAudio takes). */
function fileToBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error('cannot read the file'));
    reader.readAsDataURL(file);
  });
}
