import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { MODEL_TASKS, type ModelStatus, type ModelTask } from '../../../../shared/types/models';
import type { Result } from '../../../../shared/ipc/result';
import { invoke, on } from '../../api';
import { unwrap, useToastStore } from '../../stores/useToastStore';

/**
 * Settings → Models: every model with its real status (from `models.list`, kept current by
 * `models.progress`), download with progress and ETA, cancel, delete, the model each task uses, and
 * import of a model file or folder (a path on the machine running Nook).
 */
const TASK_LABEL: Record<ModelTask, string> = {
  embedding: 'Embeddings',
  stt: 'Speech recognition',
  vad: 'Voice activity',
  llm: 'Language model',
  tts: 'Text to speech',
};

const STATE: Record<ModelStatus['state'], { label: string; badge: string }> = {
  missing: { label: 'Not downloaded', badge: 'badge--muted' },
  downloading: { label: 'Downloading', badge: 'badge--degraded' },
  ready: { label: 'Ready', badge: 'badge--ok' },
  corrupt: { label: 'Damaged', badge: 'badge--down' },
  unverified: { label: 'Checking…', badge: 'badge--muted' },
};

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} kB`;
  return `${n} B`;
}

export function formatEta(seconds: number | null): string {
  if (seconds === null) return 'estimating time left';
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s left`;
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min left`;
  return `about ${(seconds / 3600).toFixed(1)} h left`;
}

export function ModelsScreen() {
  const [models, setModels] = useState<ModelStatus[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  // Several reloads can be in flight (events, a delete, a settings change): only the newest one counts.
  const latest = useRef(0);
  const reload = async () => {
    const mine = ++latest.current;
    const r = await invoke('models.list', {});
    if (mine !== latest.current) return;
    if (r.ok) {
      setModels(r.value);
      setError(null);
    } else setError(r.message);
  };

  useEffect(() => {
    let alive = true;
    void invoke('models.list', {}).then((r) => {
      if (!alive) return;
      if (r.ok) setModels(r.value);
      else setError(r.message);
    });
    const off = on('models.progress', (p) => {
      setModels((list) => {
        if (!list) return list;
        const before = list.find((m) => m.id === p.id);
        // A model this list has not seen (an import elsewhere), or one that arrived on or left the disk:
        // which model a task uses may follow, so the whole list is asked for again.
        const settled =
          before && before.state !== p.state && (p.state === 'ready' || before.state === 'ready');
        if (!before || settled) void reload();
        if (!before) return list;
        return list.map((m) =>
          m.id === p.id
            ? {
                ...m,
                state: p.state,
                bytesDone: p.bytesDone,
                progress: p.progress,
                etaSeconds: p.etaSeconds,
                error: p.error,
              }
            : m,
        );
      });
    });
    // The model a task uses lives in settings: a change from another window or client moves "In use".
    const offSettings = on('settings.changed', () => void reload());
    return () => {
      alive = false;
      off();
      offSettings();
    };
  }, []);

  const replace = (s: ModelStatus) => setModels((list) => list?.map((m) => (m.id === s.id ? s : m)) ?? list);

  const tasks = MODEL_TASKS.filter((t) => models?.some((m) => m.task === t));

  return (
    <section className="card models" id="settings-models" aria-labelledby="settings-models-h">
      <h2 className="card__title" id="settings-models-h">
        Models
      </h2>
      <p className="card__hint">
        Models run on this computer. Each download is checked against its published checksum before it is
        used.
      </p>
      {error ? <p className="field__error">Could not list models: {error}</p> : null}
      {models === null && !error ? <p className="muted">Loading…</p> : null}
      {models !== null && models.length === 0 ? <p className="muted">No models are known.</p> : null}
      {tasks.map((task) => (
        <div key={task} className="models__task" data-task={task}>
          <h3 className="card__subtitle">{TASK_LABEL[task]}</h3>
          {models!
            .filter((m) => m.task === task)
            .map((m) => (
              <ModelRow
                key={m.id}
                model={m}
                onStatus={replace}
                onList={setModels}
                onRemoved={() => void reload()}
              />
            ))}
        </div>
      ))}
      <ImportForm onImported={() => void reload()} />
    </section>
  );
}

function ModelRow({
  model: m,
  onStatus,
  onList,
  onRemoved,
}: {
  model: ModelStatus;
  onStatus(s: ModelStatus): void;
  onList(list: ModelStatus[]): void;
  onRemoved(): void;
}) {
  const [busy, setBusy] = useState(false);
  const labelId = useId();
  const state = STATE[m.state];
  const partial = m.state === 'missing' && m.bytesDone !== null && m.bytesDone > 0;

  const run = async <T,>(fn: () => Promise<Result<T>>): Promise<T | undefined> => {
    setBusy(true);
    try {
      return unwrap(await fn());
    } finally {
      setBusy(false);
    }
  };

  const download = async () => {
    const s = await run(() => invoke('models.download', { id: m.id }));
    if (s) onStatus(s);
  };
  const cancel = async () => {
    const s = await run(() => invoke('models.cancel', { id: m.id }));
    if (s) onStatus(s);
  };
  const remove = async () => {
    const r = await run(() => invoke('models.delete', { id: m.id }));
    if (r) {
      useToastStore.getState().push({ level: 'info', message: `${m.displayName} was deleted.` });
      onRemoved();
    }
  };
  const use = async () => {
    const list = await run(() => invoke('models.setActive', { task: m.task, id: m.id }));
    if (list) onList(list);
  };

  return (
    <div className="field model" data-model={m.id} data-state={m.state} aria-labelledby={labelId}>
      <div
        className="model__head"
        style={{ display: 'flex', alignItems: 'center', gap: 8, flexWrap: 'wrap' }}
      >
        <span className="field__label" id={labelId}>
          {m.displayName}
        </span>
        <span className={`badge ${state.badge}`} data-testid="model-state">
          {partial ? 'Paused' : state.label}
        </span>
        {m.active ? (
          <span className="badge badge--ok" data-testid="model-active">
            In use
          </span>
        ) : null}
        {m.custom ? <span className="badge badge--muted">Custom</span> : null}
        <span className="muted" style={{ marginLeft: 'auto' }}>
          {formatBytes(m.sizeBytes)}
        </span>
      </div>
      {m.state === 'downloading' ? (
        <div
          className="model__progress"
          style={{ display: 'flex', alignItems: 'center', gap: 8, marginTop: 6 }}
        >
          <progress
            max={1}
            value={m.progress ?? undefined}
            aria-label={`Downloading ${m.displayName}`}
            style={{ flex: 1 }}
          />
          <span className="muted" data-testid="model-progress">
            {m.progress !== null ? `${Math.floor(m.progress * 100)}%` : ''}
            {m.bytesDone !== null ? ` · ${formatBytes(m.bytesDone)} of ${formatBytes(m.sizeBytes)}` : ''}
            {` · ${formatEta(m.etaSeconds)}`}
          </span>
        </div>
      ) : null}
      {partial ? (
        <p className="field__hint" data-testid="model-partial">
          {formatBytes(m.bytesDone!)} of {formatBytes(m.sizeBytes)} downloaded; Download resumes from there.
        </p>
      ) : null}
      {m.error ? (
        <pre className="field__error" role="alert" style={{ whiteSpace: 'pre-wrap', margin: '6px 0 0' }}>
          {m.error}
        </pre>
      ) : null}
      <div className="card__actions" style={{ marginTop: 8 }}>
        {m.state === 'downloading' ? (
          <button type="button" className="button" disabled={busy} onClick={() => void cancel()}>
            Cancel
          </button>
        ) : m.state !== 'ready' && m.state !== 'unverified' && !m.custom ? (
          <button
            type="button"
            className="button button--primary"
            disabled={busy}
            onClick={() => void download()}
          >
            {m.state === 'corrupt' ? 'Download again' : partial ? 'Resume download' : 'Download'}
          </button>
        ) : null}
        {!m.active ? (
          <button type="button" className="button" disabled={busy} onClick={() => void use()}>
            Use for {TASK_LABEL[m.task].toLowerCase()}
          </button>
        ) : null}
        {m.state !== 'downloading' && (m.state !== 'missing' || partial || m.custom) ? (
          <button
            type="button"
            className="button button--danger"
            disabled={busy}
            onClick={() => void remove()}
          >
            Delete
          </button>
        ) : null}
      </div>
    </div>
  );
}

function ImportForm({ onImported }: { onImported(): void }) {
  const id = useId();
  const [path, setPath] = useState('');
  const [task, setTask] = useState<ModelTask | ''>('');
  const [displayName, setDisplayName] = useState('');
  const [params, setParams] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    let parsed: Record<string, unknown> | undefined;
    if (params.trim()) {
      try {
        const v: unknown = JSON.parse(params);
        if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
        parsed = v as Record<string, unknown>;
      } catch {
        setProblem('Parameters must be a JSON object, for example {"dimension": 384}.');
        return;
      }
    }
    setBusy(true);
    const r = await invoke('models.import', {
      path: path.trim(),
      ...(task ? { task } : {}),
      ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
      ...(parsed ? { params: parsed } : {}),
    });
    setBusy(false);
    if (!r.ok) {
      setProblem(r.message);
      return;
    }
    useToastStore.getState().push({
      level: 'success',
      message: r.value.matched
        ? `Imported as ${r.value.status.displayName}.`
        : `Imported ${r.value.status.displayName} as a custom model.`,
    });
    setPath('');
    setParams('');
    setDisplayName('');
    onImported();
  };

  return (
    <form className="models__import" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-h`}>
      <h3 className="card__subtitle" id={`${id}-h`}>
        Import a model
      </h3>
      <p className="card__hint">
        A file or folder on this computer. If it matches a known model it is used as that model; otherwise
        choose its task to add it as a custom model.
      </p>
      <div style={{ display: 'grid', gridTemplateColumns: '1fr auto', gap: 8 }}>
        <input
          className="input input--mono"
          aria-label="Model file or folder path"
          placeholder="/path/to/model.onnx or a folder"
          value={path}
          onChange={(e) => setPath(e.target.value)}
        />
        <button type="submit" className="button button--primary" disabled={busy || path.trim() === ''}>
          {busy ? 'Importing…' : 'Import'}
        </button>
        <select
          className="select"
          aria-label="Task (for a custom model)"
          value={task}
          onChange={(e) => setTask(e.target.value as ModelTask | '')}
        >
          <option value="">Task: only if it is not a known model</option>
          {MODEL_TASKS.map((t) => (
            <option key={t} value={t}>
              {TASK_LABEL[t]}
            </option>
          ))}
        </select>
        <span />
        <input
          className="input"
          aria-label="Display name (for a custom model)"
          placeholder="Display name (optional)"
          value={displayName}
          onChange={(e) => setDisplayName(e.target.value)}
        />
        <span />
        <textarea
          className="input input--mono"
          aria-label="Parameters as JSON (for a custom model)"
          placeholder='Parameters as JSON, e.g. {"dimension": 384, "pooling": "mean", ...}'
          rows={2}
          value={params}
          onChange={(e) => setParams(e.target.value)}
        />
      </div>
      {problem ? (
        <p className="field__error" role="alert">
          {problem}
        </p>
      ) : null}
    </form>
  );
}
