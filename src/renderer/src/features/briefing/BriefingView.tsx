import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { BriefingListItem } from '../../../../shared/types/briefing';
import { invoke } from '../../api';
import { useSettingsStore } from '../../stores/useSettingsStore';
import { toastError, useToastStore } from '../../stores/useToastStore';
import { BriefingSections } from './BriefingSections';
import { dataUrlToBlobUrl, downloadText } from './download';
import { NotificationControl } from './NotificationControl';
import { RemindersPanel } from './RemindersPanel';
import { dayLabel, localDateKey, nextIndex, safeFileName } from './time';
import { useBriefingStore } from './useBriefingStore';
import './briefing.css';

const TRIGGER_LABEL: Record<BriefingListItem['trigger'], string> = {
  schedule: 'on schedule',
  manual: 'on request',
  'catch-up': 'caught up at start',
  voice: 'asked by voice',
};

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** "Every day at 07:30", "Weekdays at 07:30", "Mon, Wed at 08:00", or "Off". */
function scheduleText(b: { enabled: boolean; time: string; days: number[] } | undefined): string {
  if (!b) return '';
  if (!b.enabled || b.days.length === 0) return 'The daily briefing is off (Settings).';
  const days = [...new Set(b.days)].sort();
  const when =
    days.length === 7
      ? 'every day'
      : days.join(',') === '1,2,3,4,5'
        ? 'on weekdays'
        : `on ${days.map((d) => WEEKDAYS[d]!.slice(0, 3)).join(', ')}`;
  return `A new briefing arrives ${when} at ${b.time}.`;
}

/** History by date: a listbox; arrow keys move and open, Home/End jump. */
function History({ now }: { now: Date }) {
  const history = useBriefingStore((s) => s.history);
  const loaded = useBriefingStore((s) => s.historyLoaded);
  const current = useBriefingStore((s) => s.current);
  const pick = useBriefingStore((s) => s.pick);
  const show = useBriefingStore((s) => s.show);
  const refs = useRef<Map<number, HTMLLIElement>>(new Map());
  const today = localDateKey(now);
  const selectedId = pick.kind === 'id' ? pick.id : (current?.id ?? -1);
  const selectedIndex = history.findIndex((h) => h.id === selectedId);

  const select = (item: BriefingListItem) =>
    void show(item.date === today ? { kind: 'today' } : { kind: 'id', id: item.id });

  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>) => {
    const from = selectedIndex < 0 ? 0 : selectedIndex;
    const i = nextIndex(e.key, from, history.length);
    if (i === null) return;
    e.preventDefault();
    const item = history[i]!;
    select(item);
    refs.current.get(item.id)?.focus();
  };

  return (
    <nav className="briefing-history" aria-label="Briefing history">
      <h2 className="briefing-history__title" id="briefing-history-h">
        History
      </h2>
      {loaded && history.length === 0 ? <p className="muted">No briefings yet.</p> : null}
      <ul
        className="briefing-history__list"
        role="listbox"
        aria-labelledby="briefing-history-h"
        onKeyDown={onKeyDown}
      >
        {history.map((h, i) => {
          const selected = h.id === selectedId;
          return (
            <li
              key={h.id}
              ref={(el) => {
                if (el) refs.current.set(h.id, el);
                else refs.current.delete(h.id);
              }}
              role="option"
              aria-selected={selected}
              tabIndex={selected || (selectedIndex < 0 && i === 0) ? 0 : -1}
              className="briefing-history__item"
              data-testid="briefing-history-item"
              data-date={h.date}
              onClick={() => select(h)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  select(h);
                }
              }}
            >
              <span className="briefing-history__date">{dayLabel(h.date, now)}</span>
              <span className="briefing-history__summary">{h.empty ? 'Nothing new' : h.summary}</span>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

function useReadAloud(id: number | null) {
  const [state, setState] = useState<'idle' | 'preparing' | 'playing'>('idle');
  const audio = useRef<{ el: HTMLAudioElement; url: string } | null>(null);
  const stop = () => {
    const a = audio.current;
    audio.current = null;
    if (a) {
      a.el.pause();
      URL.revokeObjectURL(a.url);
    }
    setState('idle');
  };
  // Another briefing on screen (or leaving the screen) stops the reading.
  useEffect(() => () => stop(), [id]);

  const start = async () => {
    if (id === null) return;
    stop();
    setState('preparing');
    // The renderer plays the audio itself, so reading aloud works in a browser as on the desktop.
    const r = await invoke('briefing.speak', { id, play: false });
    if (!r.ok) {
      setState('idle');
      return toastError(r);
    }
    try {
      const url = dataUrlToBlobUrl(r.value.audioUrl);
      const el = new Audio(url);
      audio.current = { el, url };
      el.onended = () => {
        if (audio.current?.el === el) stop();
      };
      setState('playing');
      await el.play();
    } catch {
      stop();
      useToastStore.getState().push({ level: 'error', message: 'Could not play the briefing’s audio.' });
    }
  };
  return { state, start, stop };
}

export function BriefingView() {
  const current = useBriefingStore((s) => s.current);
  const loaded = useBriefingStore((s) => s.loaded);
  const loading = useBriefingStore((s) => s.loading);
  const error = useBriefingStore((s) => s.error);
  const generating = useBriefingStore((s) => s.generating);
  const pick = useBriefingStore((s) => s.pick);
  const schedule = useSettingsStore((s) => s.settings?.briefing);
  const [now, setNow] = useState(() => new Date());
  const read = useReadAloud(current?.id ?? null);
  const [exporting, setExporting] = useState(false);

  useEffect(() => {
    const s = useBriefingStore.getState();
    void s.reload();
    void s.loadHistory();
    // "Today" moves at midnight; labels follow the clock.
    const t = setInterval(() => setNow(new Date()), 60_000);
    return () => clearInterval(t);
  }, []);

  const exportMarkdown = async () => {
    if (!current) return;
    setExporting(true);
    const r = await invoke('briefing.export', { id: current.id });
    setExporting(false);
    if (!r.ok) return toastError(r);
    downloadText(safeFileName(r.value.filename), r.value.markdown);
  };

  const today = localDateKey(now);
  const heading =
    pick.kind === 'today' ? 'Today' : current ? dayLabel(current.date, now) : loading ? 'Loading…' : '';

  return (
    <div className="view view--briefing">
      <header className="view__header briefing__header">
        <div>
          <h1 className="view__title">Briefing</h1>
          <p className="muted briefing__schedule">{scheduleText(schedule)}</p>
        </div>
        <div className="briefing__actions" role="toolbar" aria-label="Briefing">
          <NotificationControl compact />
          <button
            type="button"
            className="button button--primary"
            onClick={() => void useBriefingStore.getState().generate()}
            disabled={generating}
            aria-busy={generating}
          >
            {generating ? 'Generating…' : 'Generate now'}
          </button>
        </div>
      </header>
      <div className="briefing__body">
        <History now={now} />
        <article className="briefing__main" aria-labelledby="briefing-day" aria-busy={loading || generating}>
          <div className="briefing__day">
            <div>
              <h2 className="briefing__day-title" id="briefing-day">
                {heading}
              </h2>
              {current ? (
                <p className="muted briefing__meta" data-testid="briefing-meta">
                  {current.date !== today || pick.kind !== 'today' ? `${dayLabel(current.date, now)} · ` : ''}
                  {`Made at ${new Date(current.generatedAt).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })} · ${TRIGGER_LABEL[current.trigger]}`}
                </p>
              ) : null}
            </div>
            {current ? (
              <div className="briefing__day-actions">
                <button
                  type="button"
                  className="button"
                  aria-pressed={read.state !== 'idle'}
                  disabled={read.state === 'preparing'}
                  onClick={() => (read.state === 'playing' ? read.stop() : void read.start())}
                >
                  {read.state === 'preparing'
                    ? 'Preparing audio…'
                    : read.state === 'playing'
                      ? 'Stop reading'
                      : 'Read aloud'}
                </button>
                <button
                  type="button"
                  className="button"
                  disabled={exporting}
                  onClick={() => void exportMarkdown()}
                >
                  Export as Markdown
                </button>
              </div>
            ) : null}
          </div>
          {generating ? (
            <p className="briefing__progress" role="status" data-testid="briefing-progress">
              <span className="spinner" aria-hidden="true" /> Reading your documents, reminders and memory…
            </p>
          ) : null}
          {error ? <p className="field__error">Could not load the briefing: {error}</p> : null}
          {current ? (
            <BriefingSections briefing={current} now={now} />
          ) : loaded && !error ? (
            <div className="briefing-empty" data-testid="briefing-none">
              <p className="briefing-empty__title">No briefing yet today</p>
              <p className="muted">
                {schedule?.enabled
                  ? `It is made at ${schedule.time}; or make one now with Generate now.`
                  : 'Make one now with Generate now, or turn on the daily briefing in Settings.'}
              </p>
            </div>
          ) : null}
        </article>
        <RemindersPanel />
      </div>
    </div>
  );
}
