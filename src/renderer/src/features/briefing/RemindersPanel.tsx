import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { Reminder, ReminderParse } from '../../../../shared/types/briefing';
import { invoke } from '../../api';
import { formatDue, fromLocalInput, nextIndex, snoozeChoices, toLocalInput } from './time';
import { splitReminders, useReminders } from './useReminders';

/** How long typing must pause before the text is parsed for a preview. */
const PARSE_DELAY_MS = 150;

/** The live preview of what a natural-language reminder will be ("next Tuesday at 9"). */
function useParsePreview(text: string): ReminderParse | null {
  const [preview, setPreview] = useState<ReminderParse | null>(null);
  useEffect(() => {
    const trimmed = text.trim();
    // An empty box shows the hint instead (the caller ignores the preview then).
    if (trimmed === '') return;
    let live = true;
    const t = setTimeout(() => {
      void invoke('reminders.parse', { text: trimmed }).then((r) => {
        if (live) setPreview(r.ok ? r.value : null);
      });
    }, PARSE_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [text]);
  return preview;
}

function NewReminder() {
  const create = useReminders((s) => s.create);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const preview = useParsePreview(text);
  const inputId = useId();
  const previewId = useId();
  const now = new Date();
  // The preview only counts while it is for the text in the box.
  const shown = text.trim() !== '' ? preview : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = text.trim();
    if (value === '' || busy) return;
    setBusy(true);
    const ok = await create(value);
    setBusy(false);
    if (ok) setText('');
  };

  return (
    <form className="reminder-new" onSubmit={(e) => void submit(e)}>
      <label className="field__label" htmlFor={inputId}>
        New reminder
      </label>
      <div className="reminder-new__row">
        <input
          id={inputId}
          className="input reminder-new__input"
          placeholder="Call Sam next Tuesday at 9"
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-describedby={previewId}
          maxLength={500}
          autoComplete="off"
        />
        <button type="submit" className="button button--primary" disabled={busy || text.trim() === ''}>
          Add
        </button>
      </div>
      <p className="reminder-new__preview" id={previewId} aria-live="polite" data-testid="reminder-preview">
        {shown
          ? shown.due !== null
            ? `“${shown.title || text.trim()}”, ${formatDue(shown.due, now, shown.allDay).text}`
            : `“${shown.title || text.trim()}”, no date`
          : 'Write what and when: “pay rent on the 1st”, “stand-up tomorrow at 9:30”.'}
      </p>
    </form>
  );
}

function SnoozeMenu({ reminder }: { reminder: Reminder }) {
  const snooze = useReminders((s) => s.snooze);
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const items = useRef<Array<HTMLButtonElement | null>>([]);
  const menuId = useId();
  const [choices, setChoices] = useState(() => snoozeChoices(new Date()));

  useEffect(() => {
    if (open) items.current[0]?.focus();
  }, [open]);

  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };
  const onMenuKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape' || e.key === 'Tab') {
      if (e.key === 'Escape') e.preventDefault();
      close(e.key === 'Escape');
      return;
    }
    const i = items.current.findIndex((el) => el === document.activeElement);
    const next = nextIndex(e.key, i < 0 ? 0 : i, choices.length);
    if (next === null) return;
    e.preventDefault();
    items.current[next]?.focus();
  };

  return (
    <div className="menu-anchor">
      <button
        ref={button}
        type="button"
        className="button button--ghost"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        aria-label={`Snooze “${reminder.title}”`}
        onClick={() => {
          if (!open) setChoices(snoozeChoices(new Date()));
          setOpen(!open);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' && !open) {
            e.preventDefault();
            setChoices(snoozeChoices(new Date()));
            setOpen(true);
          }
        }}
      >
        Snooze
      </button>
      {open ? (
        <div
          className="menu"
          role="menu"
          id={menuId}
          aria-label="Snooze for"
          onKeyDown={onMenuKey}
          onBlur={(e) => {
            if (
              !e.currentTarget.contains(e.relatedTarget as Node | null) &&
              e.relatedTarget !== button.current
            )
              setOpen(false);
          }}
        >
          {choices.map((c, i) => (
            <button
              key={c.id}
              ref={(el) => {
                items.current[i] = el;
              }}
              type="button"
              role="menuitem"
              tabIndex={-1}
              className="menu__item"
              onClick={() => {
                close(true);
                void snooze(reminder.id, c.until);
              }}
            >
              {c.label}
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}

function EditReminder({ reminder, onDone }: { reminder: Reminder; onDone(): void }) {
  const update = useReminders((s) => s.update);
  const [title, setTitle] = useState(reminder.title);
  const [due, setDue] = useState(reminder.dueAt !== null ? toLocalInput(reminder.dueAt) : '');
  const [error, setError] = useState<string | null>(null);
  const titleId = useId();
  const dueId = useId();
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (title.trim() === '') return setError('A reminder needs a title.');
    const dueMs = due === '' ? null : fromLocalInput(due);
    if (due !== '' && dueMs === null) return setError('That date is not valid.');
    const patch: { title?: string; due?: number | null; allDay?: boolean } = {};
    if (title.trim() !== reminder.title) patch.title = title.trim();
    const before = reminder.dueAt !== null ? toLocalInput(reminder.dueAt) : '';
    if (due !== before) {
      patch.due = dueMs;
      patch.allDay = false;
    }
    if (Object.keys(patch).length > 0 && !(await update(reminder.id, patch))) return;
    onDone();
  };

  return (
    <form
      className="reminder-edit"
      aria-label={`Edit “${reminder.title}”`}
      onSubmit={(e) => void save(e)}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          onDone();
        }
      }}
    >
      <label className="field__hint" htmlFor={titleId}>
        Title
      </label>
      <input
        ref={first}
        id={titleId}
        className="input"
        value={title}
        maxLength={500}
        onChange={(e) => setTitle(e.target.value)}
      />
      <label className="field__hint" htmlFor={dueId}>
        Due (empty: no date)
      </label>
      <input
        id={dueId}
        className="input"
        type="datetime-local"
        value={due}
        onChange={(e) => setDue(e.target.value)}
      />
      {error ? <p className="field__error">{error}</p> : null}
      <div className="reminder-edit__actions">
        <button type="submit" className="button button--primary">
          Save
        </button>
        <button type="button" className="button button--ghost" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function ReminderRow({ reminder, now }: { reminder: Reminder; now: Date }) {
  const complete = useReminders((s) => s.complete);
  const remove = useReminders((s) => s.remove);
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const done = reminder.status === 'done';
  const at = reminder.snoozedUntil ?? reminder.dueAt;
  const due = at !== null ? formatDue(at, now, reminder.allDay && reminder.snoozedUntil === null) : null;
  const overdue = !done && (reminder.overdue || (due?.overdue ?? false));

  if (editing)
    return (
      <li className="reminder" data-testid="reminder">
        <EditReminder
          reminder={reminder}
          onDone={() => {
            setEditing(false);
            setTimeout(() => editButton.current?.focus(), 0);
          }}
        />
      </li>
    );

  return (
    <li
      className="reminder"
      data-testid="reminder"
      data-status={reminder.status}
      data-overdue={overdue || undefined}
    >
      <input
        type="checkbox"
        className="reminder__check"
        checked={done}
        aria-label={done ? `Reopen “${reminder.title}”` : `Done: “${reminder.title}”`}
        onChange={(e) => void complete(reminder.id, e.target.checked)}
      />
      <div className="reminder__main">
        <p className="reminder__title">{reminder.title}</p>
        <p className="reminder__when">
          {overdue ? <span className="badge badge--down">Overdue</span> : null}
          {due ? (
            <time dateTime={new Date(at!).toISOString()}>
              {reminder.snoozedUntil !== null && !done ? `Snoozed until ${due.text}` : due.text}
            </time>
          ) : (
            <span>No date</span>
          )}
        </p>
      </div>
      <div className="reminder__actions">
        {done ? null : (
          <>
            <button
              ref={editButton}
              type="button"
              className="button button--ghost"
              aria-label={`Edit “${reminder.title}”`}
              onClick={() => setEditing(true)}
            >
              Edit
            </button>
            <SnoozeMenu reminder={reminder} />
          </>
        )}
        <button
          type="button"
          className="button button--ghost button--danger"
          aria-label={`Delete “${reminder.title}”`}
          onClick={() => void remove(reminder.id)}
        >
          Delete
        </button>
      </div>
    </li>
  );
}

/** Reminders: create in plain words, edit, complete, snooze, delete with Undo. */
export function RemindersPanel() {
  const items = useReminders((s) => s.items);
  const loaded = useReminders((s) => s.loaded);
  const error = useReminders((s) => s.error);
  const load = useReminders((s) => s.load);
  const [now, setNow] = useState(() => new Date());
  const h = useId();

  useEffect(() => {
    void load();
    // Overdue flags and "Today/Tomorrow" follow the clock.
    const t = setInterval(() => setNow(new Date()), 30_000);
    return () => clearInterval(t);
  }, [load]);

  const { open, done } = splitReminders(items);
  return (
    <section className="card reminders" aria-labelledby={h} data-testid="reminders">
      <h2 className="card__title" id={h}>
        Reminders
      </h2>
      <NewReminder />
      {error ? <p className="field__error">{error}</p> : null}
      {loaded && open.length === 0 ? <p className="muted reminders__empty">No open reminders.</p> : null}
      <ul className="reminders__list" aria-label="Open reminders">
        {open.map((r) => (
          <ReminderRow key={r.id} reminder={r} now={now} />
        ))}
      </ul>
      {done.length > 0 ? (
        <details className="reminders__done">
          <summary>Done ({done.length})</summary>
          <ul className="reminders__list" aria-label="Done reminders">
            {done.map((r) => (
              <ReminderRow key={r.id} reminder={r} now={now} />
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
