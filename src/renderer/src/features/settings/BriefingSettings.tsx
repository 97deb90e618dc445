import { useId, useState } from 'react';
import type { Settings } from '../../../../shared/types/settings';
import { transportKind } from '../../api';
import { Switch } from '../../components/Switch';
import { useSettingsStore } from '../../stores/useSettingsStore';
import { NotificationControl } from '../briefing/NotificationControl';
import { toggleDay } from '../briefing/time';
import '../briefing/briefing.css';

/** Monday first, as most calendars outside the US show it; values are JS weekdays (0 = Sunday). */
const DAYS: ReadonlyArray<{ value: number; short: string; long: string }> = [
  { value: 1, short: 'Mon', long: 'Monday' },
  { value: 2, short: 'Tue', long: 'Tuesday' },
  { value: 3, short: 'Wed', long: 'Wednesday' },
  { value: 4, short: 'Thu', long: 'Thursday' },
  { value: 5, short: 'Fri', long: 'Friday' },
  { value: 6, short: 'Sat', long: 'Saturday' },
  { value: 0, short: 'Sun', long: 'Sunday' },
];

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Daily briefing: on/off, time of day, weekdays, read aloud when ready; notifications in a browser. */
export function BriefingSettings({ settings }: { settings: Settings }) {
  const update = useSettingsStore((s) => s.update);
  const b = settings.briefing;
  const id = useId();
  const [time, setTime] = useState(b.time);
  const [timeError, setTimeError] = useState<string | null>(null);
  // A change from elsewhere (another window, Restore defaults) replaces what the box shows.
  const [savedTime, setSavedTime] = useState(b.time);
  if (savedTime !== b.time) {
    setSavedTime(b.time);
    setTime(b.time);
  }

  const saveTime = (value: string) => {
    setTime(value);
    // A time input gives '' while the user is halfway through typing; save only a whole time.
    if (!TIME.test(value)) {
      setTimeError(value === '' ? null : 'Write the time as HH:MM.');
      return;
    }
    setTimeError(null);
    if (value !== b.time) void update({ briefing: { time: value } });
  };

  return (
    <section className="card" aria-labelledby={`${id}-h`} data-testid="briefing-settings">
      <h2 className="card__title" id={`${id}-h`}>
        Daily briefing
      </h2>
      <Switch
        label="Make a briefing every day"
        description="Built from your documents, reminders and memory at the time below; a missed one is made when Nook next starts."
        checked={b.enabled}
        onChange={(v) => void update({ briefing: { enabled: v } })}
      />
      <div className="field field--row">
        <div className="field__text">
          <label className="field__label" htmlFor={`${id}-time`}>
            Time
          </label>
          <span className="field__hint">Local time on this computer.</span>
          {timeError ? <span className="field__error">{timeError}</span> : null}
        </div>
        <input
          id={`${id}-time`}
          className="input"
          type="time"
          value={time}
          disabled={!b.enabled}
          aria-invalid={timeError ? true : undefined}
          onChange={(e) => saveTime(e.target.value)}
        />
      </div>
      <fieldset className="field briefing-days" disabled={!b.enabled}>
        <legend className="field__label">Days</legend>
        <div className="briefing-days__options">
          {DAYS.map((d) => (
            <label key={d.value} className="briefing-days__day" title={d.long}>
              <input
                type="checkbox"
                checked={b.days.includes(d.value)}
                aria-label={d.long}
                onChange={(e) =>
                  void update({ briefing: { days: toggleDay(b.days, d.value, e.target.checked) } })
                }
              />
              <span aria-hidden="true">{d.short}</span>
            </label>
          ))}
        </div>
        {b.days.length === 0 ? (
          <p className="field__hint">No day is chosen: no briefing is made on schedule.</p>
        ) : null}
      </fieldset>
      <Switch
        label="Read it aloud when it is ready"
        description="Speaks the briefing with Nook’s voice as soon as it is made."
        checked={b.speakWhenReady}
        onChange={(v) => void update({ briefing: { speakWhenReady: v } })}
      />
      {transportKind() === 'ws' ? (
        <div className="field">
          <NotificationControl />
        </div>
      ) : null}
    </section>
  );
}
