import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { RouteOutput } from '../../../../shared/ipc/contract';
import type { Result } from '../../../../shared/ipc/result';
import type { Settings } from '../../../../shared/types/settings';
import { invoke, on } from '../../api';
import { Switch } from '../../components/Switch';
import { useSettingsStore } from '../../stores/useSettingsStore';
import { LevelMeter } from '../voice/LevelMeter';

type Voice = Settings['voice'];
type VoiceKey = keyof Voice;
type Flush = () => Promise<unknown>;

const ELEVENLABS_SECRET = 'voice.elevenlabs';
const SAMPLE_TEXT = 'Hello, this is how Nook sounds.';

const RECORDERS: ReadonlyArray<{ value: Voice['recorder']; label: string }> = [
  { value: 'sox', label: 'sox' },
  { value: 'arecord', label: 'arecord' },
];

/** Whisper's common languages (ISO 639-1); a value set elsewhere is shown as well. */
const LANGUAGES: ReadonlyArray<[string, string]> = [
  ['en', 'English'],
  ['de', 'German'],
  ['fr', 'French'],
  ['es', 'Spanish'],
  ['it', 'Italian'],
  ['pt', 'Portuguese'],
  ['nl', 'Dutch'],
  ['pl', 'Polish'],
  ['sv', 'Swedish'],
  ['da', 'Danish'],
  ['no', 'Norwegian'],
  ['fi', 'Finnish'],
  ['cs', 'Czech'],
  ['ru', 'Russian'],
  ['uk', 'Ukrainian'],
  ['tr', 'Turkish'],
  ['ar', 'Arabic'],
  ['hi', 'Hindi'],
  ['ja', 'Japanese'],
  ['ko', 'Korean'],
  ['zh', 'Chinese'],
];

const ENGINES: ReadonlyArray<{ value: Voice['ttsEngine']; label: string }> = [
  { value: 'local', label: 'Local' },
  { value: 'espeak', label: 'espeak-ng' },
  { value: 'elevenlabs', label: 'ElevenLabs' },
];

const ENGINE_NAME = { piper: 'Piper', 'espeak-ng': 'espeak-ng', elevenlabs: 'ElevenLabs' } as const;

/** An espeak-ng voice as `-v` takes it: a language, optionally `+variant` (en-us, en-us+f3). */
const ESPEAK_VOICE = /^[A-Za-z0-9][A-Za-z0-9_-]*(\+[A-Za-z0-9][A-Za-z0-9_-]*)?$/;
const ELEVENLABS_VOICE_ID = /^[A-Za-z0-9]{1,64}$/;

/** The settings route's message without its route prefix ("… at voice.ttsRate: Too big …"). */
function routeMessage(message: string): string {
  return message.replace(/^Invalid input for settings\.update at [\w.]+: /, '');
}

/**
 * A value the user changes in steps (a slider): shown at once, saved after a short pause so a drag
 * is one write; `flush` saves a pending change now (before a test uses the settings).
 */
function useDraft<T>(saved: T, commit: (v: T) => Promise<unknown>, flushers: Set<Flush>, delayMs = 300) {
  const [draft, setDraft] = useState(saved);
  const [base, setBase] = useState(saved);
  // A change from elsewhere (our own save, another window, Restore defaults) replaces the draft.
  if (!Object.is(base, saved)) {
    setBase(saved);
    setDraft(saved);
  }
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef(saved);
  const commitRef = useRef(commit);
  useEffect(() => {
    commitRef.current = commit;
  });
  const flush = useCallback((): Promise<unknown> => {
    if (timer.current === undefined) return Promise.resolve();
    clearTimeout(timer.current);
    timer.current = undefined;
    return commitRef.current(latest.current);
  }, []);
  useEffect(() => {
    flushers.add(flush);
    return () => {
      flushers.delete(flush);
      void flush();
    };
  }, [flush, flushers]);
  const change = (v: T) => {
    setDraft(v);
    latest.current = v;
    if (timer.current !== undefined) clearTimeout(timer.current);
    timer.current = setTimeout(() => void flush(), delayMs);
  };
  return [draft, change] as const;
}

type AudioDevice = RouteOutput<'voice.devices'>[number];

type Devices =
  { state: 'loading' } | { state: 'ok'; list: AudioDevice[] } | { state: 'error'; message: string };

type EspeakVoices =
  | { state: 'loading' }
  | { state: 'ok'; value: RouteOutput<'voice.ttsVoices'> }
  | { state: 'error'; message: string };

/** Whether an ElevenLabs key is stored (never the key itself): `secrets.has` and `secrets.changed`. */
function useElevenLabsKey(): boolean | null {
  const [present, setPresent] = useState<boolean | null>(null);
  useEffect(() => {
    let alive = true;
    void invoke('secrets.has', { id: ELEVENLABS_SECRET }).then((r) => {
      if (alive) setPresent(r.ok ? r.value.present : false);
    });
    const off = on('secrets.changed', ({ id, present: p }) => {
      if (id === ELEVENLABS_SECRET) setPresent(p);
    });
    return () => {
      alive = false;
      off();
    };
  }, []);
  return present;
}

/**
 * Settings → Voice: the microphone and how listening ends, and how Nook speaks. Every control saves
 * through `settings.update`; what the route refuses is shown under the control.
 */
export function VoiceSettings({ settings }: { settings: Settings }) {
  const update = useSettingsStore((s) => s.update);
  const v = settings.voice;
  const cloudAllowed = settings.privacy.allowCloudProviders;
  const id = useId();
  const [errors, setErrors] = useState<Partial<Record<VoiceKey, string>>>({});
  const pending = useRef(new Set<Promise<unknown>>());
  const [flushers] = useState(() => new Set<Flush>());

  const save = useCallback(
    (key: VoiceKey, patch: Partial<Voice>): Promise<Result<Settings>> => {
      const p = update({ voice: patch }).then((r) => {
        setErrors((e) => ({ ...e, [key]: r.ok ? undefined : routeMessage(r.message) }));
        return r;
      });
      pending.current.add(p);
      void p.finally(() => pending.current.delete(p));
      return p;
    },
    [update],
  );
  /** Every change saved: pending drafts written and their answers back. */
  const settle = async () => {
    await Promise.all([...flushers].map((f) => f()));
    await Promise.all([...pending.current]);
  };

  // ---- microphone ----
  const [devices, setDevices] = useState<Devices>({ state: 'loading' });
  const [devicesAsked, setDevicesAsked] = useState(0);
  useEffect(() => {
    let alive = true;
    void invoke('voice.devices', {}).then((r) => {
      if (alive) setDevices(r.ok ? { state: 'ok', list: r.value } : { state: 'error', message: r.message });
    });
    return () => {
      alive = false;
    };
  }, [devicesAsked]);
  const refreshDevices = () => {
    setDevices({ state: 'loading' });
    setDevicesAsked((n) => n + 1);
  };

  const deviceOptions: Array<{ id: string; label: string }> = [];
  if (devices.state === 'ok') {
    if (!devices.list.some((d) => d.id === 'default'))
      deviceOptions.push({ id: 'default', label: 'System default' });
    for (const d of devices.list)
      deviceOptions.push({ id: d.id, label: d.isDefault ? `${d.label} — default` : d.label });
  } else {
    deviceOptions.push({ id: 'default', label: 'System default' });
  }
  const deviceMissing = devices.state === 'ok' && !deviceOptions.some((o) => o.id === v.inputDevice);
  if (!deviceOptions.some((o) => o.id === v.inputDevice))
    deviceOptions.push({
      id: v.inputDevice,
      label: `${v.inputDevice}${devices.state === 'ok' ? ' (not connected now)' : ''}`,
    });
  const noMicrophone = devices.state === 'ok' && devices.list.length === 0;

  const [mic, setMic] = useState<
    | { state: 'testing' }
    | { state: 'done'; value: RouteOutput<'voice.testMicrophone'> }
    | { state: 'error'; message: string }
    | null
  >(null);
  const [level, setLevel] = useState(0);
  useEffect(() => on('voice.level', (l) => setLevel(l.rms)), []);
  const testMicrophone = async () => {
    setMic({ state: 'testing' });
    setLevel(0);
    await settle();
    const r = await invoke('voice.testMicrophone', {});
    setMic(r.ok ? { state: 'done', value: r.value } : { state: 'error', message: r.message });
  };

  // ---- listening ----
  const [silence, setSilence] = useState(String(v.silenceTimeoutMs));
  const [savedSilence, setSavedSilence] = useState(v.silenceTimeoutMs);
  if (savedSilence !== v.silenceTimeoutMs) {
    setSavedSilence(v.silenceTimeoutMs);
    setSilence(String(v.silenceTimeoutMs));
  }
  const commitSilence = () => {
    const text = silence.trim();
    if (!/^\d+$/.test(text)) {
      setErrors((e) => ({ ...e, silenceTimeoutMs: 'Write a whole number of milliseconds.' }));
      return;
    }
    const ms = Number(text);
    if (ms === v.silenceTimeoutMs && !errors.silenceTimeoutMs) return;
    void save('silenceTimeoutMs', { silenceTimeoutMs: ms });
  };

  const [vad, setVad] = useDraft(v.vadThreshold, (x) => save('vadThreshold', { vadThreshold: x }), flushers);

  // ---- speech ----
  const keyStored = useElevenLabsKey();
  const elevenLabsReason = !cloudAllowed
    ? 'Cloud providers are off (Privacy), so ElevenLabs is not used.'
    : keyStored === false
      ? 'No ElevenLabs API key is stored (API keys, below).'
      : null;

  const [espeak, setEspeak] = useState<EspeakVoices>({ state: 'loading' });
  useEffect(() => {
    let alive = true;
    void invoke('voice.ttsVoices', {}).then((r) => {
      if (alive) setEspeak(r.ok ? { state: 'ok', value: r.value } : { state: 'error', message: r.message });
    });
    return () => {
      alive = false;
    };
  }, []);
  const [language, variant = ''] = v.ttsVoice.split('+', 2) as [string, string?];
  const setVoice = (lang: string, vari: string) =>
    void save('ttsVoice', { ttsVoice: vari ? `${lang}+${vari}` : lang });

  // The text field used when espeak-ng cannot list its voices.
  const [voiceText, setVoiceText] = useState(v.ttsVoice);
  const [savedVoice, setSavedVoice] = useState(v.ttsVoice);
  if (savedVoice !== v.ttsVoice) {
    setSavedVoice(v.ttsVoice);
    setVoiceText(v.ttsVoice);
  }
  const commitVoiceText = () => {
    const text = voiceText.trim();
    if (!ESPEAK_VOICE.test(text) || text.length > 64) {
      setErrors((e) => ({
        ...e,
        ttsVoice: 'A voice is a language such as en-us, optionally with a variant: en-us+f3.',
      }));
      return;
    }
    if (text !== v.ttsVoice || errors.ttsVoice) void save('ttsVoice', { ttsVoice: text });
  };

  const [elevenVoice, setElevenVoice] = useState(v.elevenlabsVoiceId);
  const [savedElevenVoice, setSavedElevenVoice] = useState(v.elevenlabsVoiceId);
  if (savedElevenVoice !== v.elevenlabsVoiceId) {
    setSavedElevenVoice(v.elevenlabsVoiceId);
    setElevenVoice(v.elevenlabsVoiceId);
  }
  const commitElevenVoice = () => {
    const text = elevenVoice.trim();
    if (!ELEVENLABS_VOICE_ID.test(text)) {
      setErrors((e) => ({
        ...e,
        elevenlabsVoiceId: 'A voice ID is letters and digits, as ElevenLabs shows it.',
      }));
      return;
    }
    if (text !== v.elevenlabsVoiceId || errors.elevenlabsVoiceId)
      void save('elevenlabsVoiceId', { elevenlabsVoiceId: text });
  };

  const [rate, setRate] = useDraft(v.ttsRate, (x) => save('ttsRate', { ttsRate: x }), flushers);

  const [spoken, setSpoken] = useState<
    | { state: 'speaking' }
    | { state: 'done'; text: string; note?: string }
    | { state: 'error'; message: string }
    | null
  >(null);
  const testVoice = async () => {
    setSpoken({ state: 'speaking' });
    await settle();
    // The renderer plays the audio itself, so this works in a browser as well as on the desktop.
    const r = await invoke('voice.speak', { text: SAMPLE_TEXT, play: false });
    if (!r.ok) return setSpoken({ state: 'error', message: r.message });
    const { engine, firstAudioMs, fallbackReason } = r.value;
    const text = `Spoken with ${ENGINE_NAME[engine]}: first audio after ${Math.round(firstAudioMs)} ms.`;
    const note = fallbackReason ? `Local speech was used: ${fallbackReason}.` : undefined;
    setSpoken({ state: 'done', text, ...(note ? { note } : {}) });
    void new Audio(r.value.audioUrl)
      .play()
      .catch(() =>
        setSpoken({ state: 'done', text, note: 'The audio was made, but this browser refused to play it.' }),
      );
  };

  const err = (key: VoiceKey) =>
    errors[key] ? (
      <span className="field__error" role="alert" id={`${id}-${key}-err`}>
        {errors[key]}
      </span>
    ) : null;
  const errAttrs = (key: VoiceKey) =>
    errors[key] ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-${key}-err` } : {};

  return (
    <section className="card" id="settings-voice" aria-labelledby={`${id}-h`} data-testid="voice-settings">
      <h2 className="card__title" id={`${id}-h`}>
        Voice
      </h2>
      <p className="card__hint">
        The microphone Nook listens with, when it stops listening, and how it speaks. Speech is recognised on
        this computer.
      </p>

      <h3 className="card__subtitle">Microphone</h3>
      <div className="field">
        <div className="field--row">
          <div className="field__text">
            <label className="field__label" htmlFor={`${id}-device`}>
              Input device
            </label>
            <span className="field__hint">ALSA devices and PulseAudio sources on this computer.</span>
          </div>
          <div className="card__actions">
            <select
              id={`${id}-device`}
              className="select"
              value={v.inputDevice}
              style={{ maxWidth: 360 }}
              {...errAttrs('inputDevice')}
              onChange={(e) => void save('inputDevice', { inputDevice: e.target.value })}
            >
              {deviceOptions.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.label}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="button"
              aria-label="Refresh the microphone list"
              disabled={devices.state === 'loading'}
              onClick={refreshDevices}
            >
              {devices.state === 'loading' ? 'Looking…' : 'Refresh'}
            </button>
          </div>
        </div>
        {devices.state === 'error' ? (
          <p className="field__error" role="alert">
            Could not list microphones: {devices.message}
          </p>
        ) : null}
        {noMicrophone ? (
          <p className="field__error" role="alert">
            No microphone found. Connect one and press Refresh; the system default is used meanwhile.
          </p>
        ) : null}
        {deviceMissing ? (
          <p className="field__hint" data-testid="device-missing">
            “{v.inputDevice}” is not connected now; Nook will use it when it is back.
          </p>
        ) : null}
        {err('inputDevice')}
      </div>

      <div className="field">
        <div className="field--row">
          <div className="field__text">
            <span className="field__label">Microphone test</span>
            <span className="field__hint">
              Records 1.5 seconds from the device above and shows its level.
            </span>
          </div>
          <button
            type="button"
            className="button"
            disabled={mic?.state === 'testing'}
            onClick={() => void testMicrophone()}
          >
            {mic?.state === 'testing' ? 'Recording…' : 'Test microphone'}
          </button>
        </div>
        {mic ? (
          <div style={{ marginTop: 8 }}>
            <LevelMeter level={mic.state === 'done' ? mic.value.rms : mic.state === 'testing' ? level : 0} />
            <p
              role="status"
              data-testid="mic-test-result"
              className={mic.state === 'error' ? 'field__error' : ''}
            >
              {mic.state === 'testing'
                ? 'Recording…'
                : mic.state === 'error'
                  ? `Microphone test failed: ${mic.message}`
                  : `${mic.value.message} Level ${Math.round(mic.value.rms * 1000) / 10}% RMS, peak ${Math.round(mic.value.peak * 100)}% (${mic.value.device}).`}
            </p>
          </div>
        ) : null}
      </div>

      <div className="field field--row">
        <div className="field__text">
          <span className="field__label" id={`${id}-rec`}>
            Recorder
          </span>
          <span className="field__hint">The program that records: sox, or ALSA’s arecord.</span>
        </div>
        <div className="segmented" role="radiogroup" aria-labelledby={`${id}-rec`}>
          {RECORDERS.map((r) => (
            <label key={r.value} className="segmented__option">
              <input
                type="radio"
                name={`${id}-recorder`}
                value={r.value}
                checked={v.recorder === r.value}
                onChange={() => void save('recorder', { recorder: r.value })}
              />
              <span>{r.label}</span>
            </label>
          ))}
        </div>
      </div>

      <h3 className="card__subtitle">Listening</h3>
      <div className="field field--row">
        <div className="field__text">
          <label className="field__label" htmlFor={`${id}-lang`}>
            Language
          </label>
          <span className="field__hint">
            The language you speak. English-only speech models understand only English.
          </span>
          {err('language')}
        </div>
        <select
          id={`${id}-lang`}
          className="select"
          value={v.language}
          {...errAttrs('language')}
          onChange={(e) => void save('language', { language: e.target.value })}
        >
          {LANGUAGES.some(([code]) => code === v.language) ? null : (
            <option value={v.language}>{v.language}</option>
          )}
          {LANGUAGES.map(([code, name]) => (
            <option key={code} value={code}>
              {name} ({code})
            </option>
          ))}
        </select>
      </div>

      <div className="field field--row">
        <div className="field__text">
          <label className="field__label" htmlFor={`${id}-silence`}>
            Stop listening after this much silence (ms)
          </label>
          <span className="field__hint">
            How long a pause ends what you say: 200 to 5000 milliseconds. Longer lets you pause mid-sentence.
          </span>
          {err('silenceTimeoutMs')}
        </div>
        <input
          id={`${id}-silence`}
          className="input"
          type="number"
          inputMode="numeric"
          step={50}
          style={{ width: 110 }}
          value={silence}
          {...errAttrs('silenceTimeoutMs')}
          onChange={(e) => setSilence(e.target.value)}
          onBlur={commitSilence}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commitSilence();
          }}
        />
      </div>

      <Switch
        label="Act as soon as a command is complete"
        description="When what you said is already a whole command (“open the library”), Nook acts at the first pause instead of waiting out the silence above."
        checked={v.endOnCompleteCommand}
        onChange={(x) => void save('endOnCompleteCommand', { endOnCompleteCommand: x })}
      />

      <div className="field field--row">
        <div className="field__text">
          <label className="field__label" htmlFor={`${id}-vad`}>
            Speech detection threshold
          </label>
          <span className="field__hint">
            Higher ignores more background noise but may miss quiet speech; lower hears softer voices.
          </span>
          {err('vadThreshold')}
        </div>
        <span className="card__actions" style={{ alignItems: 'center' }}>
          <input
            id={`${id}-vad`}
            type="range"
            min={0.1}
            max={0.95}
            step={0.05}
            value={vad}
            aria-valuetext={vad.toFixed(2)}
            {...errAttrs('vadThreshold')}
            onChange={(e) => setVad(Number(e.target.value))}
          />
          <output htmlFor={`${id}-vad`} className="mono" style={{ minWidth: 36 }}>
            {vad.toFixed(2)}
          </output>
        </span>
      </div>

      <h3 className="card__subtitle">Speaking</h3>
      <Switch
        label="Speak answers"
        description="Say replies to voice commands aloud."
        checked={v.speakAnswers}
        onChange={(x) => void save('speakAnswers', { speakAnswers: x })}
      />

      <div className="field">
        <div className="field--row">
          <div className="field__text">
            <span className="field__label" id={`${id}-engine`}>
              Speech engine
            </span>
            <span className="field__hint">
              Local: the Piper voice when one is installed, else espeak-ng; both work offline. ElevenLabs
              streams from the cloud and falls back to local speech when it cannot.
            </span>
          </div>
          <div className="segmented" role="radiogroup" aria-labelledby={`${id}-engine`}>
            {ENGINES.map((x) => {
              // Kept choosable while it is the saved engine, so the choice can be seen and changed.
              const off =
                x.value === 'elevenlabs' && elevenLabsReason !== null && v.ttsEngine !== 'elevenlabs';
              return (
                <label
                  key={x.value}
                  className="segmented__option"
                  title={x.value === 'elevenlabs' ? (elevenLabsReason ?? undefined) : undefined}
                >
                  <input
                    type="radio"
                    name={`${id}-engine`}
                    value={x.value}
                    checked={v.ttsEngine === x.value}
                    disabled={off}
                    onChange={() => void save('ttsEngine', { ttsEngine: x.value })}
                  />
                  <span style={off ? { opacity: 0.45, cursor: 'not-allowed' } : undefined}>{x.label}</span>
                </label>
              );
            })}
          </div>
        </div>
        {elevenLabsReason ? (
          <p className="field__hint" data-testid="elevenlabs-reason">
            ElevenLabs is unavailable: {elevenLabsReason}
            {v.ttsEngine === 'elevenlabs' ? ' Local speech is used instead.' : ''}
          </p>
        ) : null}
        {err('ttsEngine')}
      </div>

      {v.ttsEngine === 'elevenlabs' ? (
        <div className="field field--row">
          <div className="field__text">
            <label className="field__label" htmlFor={`${id}-11voice`}>
              ElevenLabs voice ID
            </label>
            <span className="field__hint">From the voice library on elevenlabs.io.</span>
            {err('elevenlabsVoiceId')}
          </div>
          <input
            id={`${id}-11voice`}
            className="input input--mono"
            value={elevenVoice}
            spellCheck={false}
            {...errAttrs('elevenlabsVoiceId')}
            onChange={(e) => setElevenVoice(e.target.value)}
            onBlur={commitElevenVoice}
            onKeyDown={(e) => {
              if (e.key === 'Enter') commitElevenVoice();
            }}
          />
        </div>
      ) : null}

      <div className="field">
        <div className="field--row">
          <div className="field__text">
            <span className="field__label">espeak-ng voice</span>
            <span className="field__hint">
              The language and variant espeak-ng speaks with (the Piper voice has its own).
            </span>
          </div>
          {espeak.state === 'ok' ? (
            <span className="card__actions">
              <select
                className="select"
                aria-label="espeak-ng voice"
                value={language}
                style={{ maxWidth: 260 }}
                {...errAttrs('ttsVoice')}
                onChange={(e) => setVoice(e.target.value, variant)}
              >
                {espeak.value.voices.some((x) => x.id === language) ? null : (
                  <option value={language}>{language} (not installed)</option>
                )}
                {espeak.value.voices.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.name} ({x.id})
                  </option>
                ))}
              </select>
              <select
                className="select"
                aria-label="espeak-ng variant"
                value={variant}
                onChange={(e) => setVoice(language, e.target.value)}
              >
                <option value="">Standard</option>
                {variant && !espeak.value.variants.some((x) => x.id === variant) ? (
                  <option value={variant}>{variant} (not installed)</option>
                ) : null}
                {espeak.value.variants.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.name}
                  </option>
                ))}
              </select>
            </span>
          ) : (
            <input
              className="input input--mono"
              aria-label="espeak-ng voice"
              value={voiceText}
              spellCheck={false}
              disabled={espeak.state === 'loading'}
              {...errAttrs('ttsVoice')}
              onChange={(e) => setVoiceText(e.target.value)}
              onBlur={commitVoiceText}
              onKeyDown={(e) => {
                if (e.key === 'Enter') commitVoiceText();
              }}
            />
          )}
        </div>
        {espeak.state === 'error' ? (
          <p className="field__hint">
            espeak-ng could not list its voices ({espeak.message}); write one such as en-us or en-us+f3.
          </p>
        ) : null}
        {err('ttsVoice')}
      </div>

      <div className="field field--row">
        <div className="field__text">
          <label className="field__label" htmlFor={`${id}-rate`}>
            Speaking rate
          </label>
          <span className="field__hint">Words per minute (ElevenLabs speaks at its own pace).</span>
          {err('ttsRate')}
        </div>
        <span className="card__actions" style={{ alignItems: 'center' }}>
          <input
            id={`${id}-rate`}
            type="range"
            min={80}
            max={450}
            step={5}
            value={rate}
            aria-valuetext={`${rate} words per minute`}
            {...errAttrs('ttsRate')}
            onChange={(e) => setRate(Number(e.target.value))}
          />
          <output htmlFor={`${id}-rate`} className="mono" style={{ minWidth: 64 }}>
            {rate} wpm
          </output>
        </span>
      </div>

      <div className="field">
        <div className="field--row">
          <div className="field__text">
            <span className="field__label">Voice test</span>
            <span className="field__hint">Says “{SAMPLE_TEXT}” with the settings above.</span>
          </div>
          <span className="card__actions">
            <button
              type="button"
              className="button"
              disabled={spoken?.state === 'speaking'}
              onClick={() => void testVoice()}
            >
              {spoken?.state === 'speaking' ? 'Speaking…' : 'Test voice'}
            </button>
            <button
              type="button"
              className="button button--ghost"
              onClick={() => void invoke('voice.stopSpeaking', {})}
            >
              Stop
            </button>
          </span>
        </div>
        {spoken && spoken.state !== 'speaking' ? (
          <p
            role="status"
            data-testid="voice-test-result"
            className={spoken.state === 'error' ? 'field__error' : 'field__hint'}
          >
            {spoken.state === 'error' ? `Could not speak: ${spoken.message}` : spoken.text}
            {spoken.state === 'done' && spoken.note ? ` ${spoken.note}` : ''}
          </p>
        ) : null}
      </div>
    </section>
  );
}
