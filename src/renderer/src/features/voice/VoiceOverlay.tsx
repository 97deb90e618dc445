import { useEffect, useState } from 'react';
import { invoke, on } from '../../api';
import type { VoiceAction, VoiceState } from '../../../../shared/types/voice';
import { LevelMeter } from './LevelMeter';

const LABEL: Record<VoiceState['state'], string> = {
  idle: 'Done',
  listening: 'Listening…',
  transcribing: 'Transcribing…',
  thinking: 'Thinking…',
  speaking: 'Speaking…',
};

const IDLE: VoiceState = { state: 'idle', transcript: '', intent: null, error: null };

/**
 * The push-to-talk overlay's content: the voice loop's state with the level meter while listening,
 * then what Nook heard, the command it understood and its answer. Esc cancels (in the desktop app the
 * overlay never has the focus, so the shell holds a global Esc while it shows; in a browser tab the
 * key goes to the page).
 */
export function VoiceOverlay({ initial = IDLE }: { initial?: VoiceState }) {
  const [state, setState] = useState<VoiceState>(initial);
  const [level, setLevel] = useState(0);
  const [answer, setAnswer] = useState('');

  useEffect(() => {
    const offState = on('voice.state', (s) => {
      setState(s);
      if (s.state === 'listening') setAnswer('');
      if (s.state !== 'listening') setLevel(0);
    });
    const offLevel = on('voice.level', (l) => setLevel(l.rms));
    const offAction = on('voice.action', (a: VoiceAction) => setAnswer(a.reply));
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') void invoke('voice.cancel', {});
    };
    window.addEventListener('keydown', onKey);
    return () => {
      offState();
      offLevel();
      offAction();
      window.removeEventListener('keydown', onKey);
    };
  }, []);

  return (
    <div className="voice-overlay" data-state={state.state} role="status" aria-live="polite">
      <div className="voice-overlay__head">
        <span className={`voice-overlay__dot voice-overlay__dot--${state.state}`} aria-hidden="true" />
        <span className="voice-overlay__label">{state.error ? 'Voice problem' : LABEL[state.state]}</span>
        <span className="voice-overlay__hint">Esc to cancel</span>
      </div>
      {state.state === 'listening' ? <LevelMeter level={level} /> : null}
      {state.transcript ? (
        <p className="voice-overlay__transcript">
          <q>{state.transcript}</q>
          {state.intent ? <span className="voice-overlay__intent"> → {state.intent.intent}</span> : null}
        </p>
      ) : null}
      {answer ? <p className="voice-overlay__answer">{answer}</p> : null}
      {state.error ? <p className="voice-overlay__error">{state.error.message}</p> : null}
    </div>
  );
}
