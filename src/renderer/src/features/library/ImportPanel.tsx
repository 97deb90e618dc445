import { useState } from 'react';
import { Icon } from '../../components/Icon';
import {
  baseName,
  formatDuration,
  isFinished,
  useIngestStore,
  visibleJobs,
  type JobView,
} from '../../stores/useIngestStore';
import { formatBytes } from '../../format';
import './library.css';

const STAGE_LABEL: Record<string, string> = {
  queued: 'Waiting',
  hashing: 'Reading',
  parsing: 'Parsing',
  chunking: 'Splitting',
  embedding: 'Embedding',
  writing: 'Saving',
  done: 'Done',
};

/** Most rows drawn at once; the rest are counted (the totals line covers every file). */
const MAX_ROWS = 200;

function jobLabel(j: JobView, paused: boolean): string {
  if (j.state === 'done')
    return j.outcome === 'skipped'
      ? 'Unchanged'
      : `Indexed · ${j.chunks} ${j.chunks === 1 ? 'chunk' : 'chunks'}`;
  if (j.state === 'failed') return 'Failed';
  if (j.state === 'cancelled') return 'Cancelled';
  if (j.state === 'queued' || j.state === 'paused') return paused ? 'Paused' : 'Waiting';
  return STAGE_LABEL[j.stage ?? ''] ?? 'Working';
}

/**
 * The import drawer: shown while files are uploading, queued or just finished. Live per-file rows
 * (stage, chunks, error + Retry), totals (files, bytes, chunks/s, ETA), Pause/Resume/Cancel.
 */
export function ImportPanel() {
  const s = useIngestStore();
  const [collapsed, setCollapsed] = useState(false);
  const jobs = visibleJobs(s);
  const t = s.totals;
  const queueBusy = t !== null && t.queued + t.running > 0;
  if (jobs.length === 0 && s.uploads.length === 0 && !queueBusy) return null;

  // The heading counts the queue's current run as the main process does (its totals are published
  // only after a whole batch is queued, so they are right from the first event, before this page
  // has listed the jobs); with no run (only older failures listed) it counts the rows.
  const run = t !== null && t.files > 0;
  const unfinished = jobs.filter((j) => !isFinished(j)).length;
  const done = run ? t.done + t.skipped : jobs.filter((j) => j.state === 'done').length;
  const files = run ? t.files : jobs.length;
  const failedCount = run ? t.failed : jobs.filter((j) => j.state === 'failed').length;
  const cancelled = run ? t.cancelled : jobs.filter((j) => j.state === 'cancelled').length;
  const allFinished = unfinished === 0 && !queueBusy && s.uploads.length === 0;
  const bytesTotal = run ? t.bytesTotal : jobs.reduce((a, j) => a + j.bytes, 0);
  const bytesDone = run ? t.bytesDone : jobs.reduce((a, j) => a + (isFinished(j) ? j.bytes : 0), 0);
  const uploadLoaded = s.uploads.reduce((a, u) => a + u.loaded, 0);
  const uploadTotal = s.uploads.reduce((a, u) => a + u.total, 0);
  const pct = bytesTotal > 0 ? Math.round((bytesDone / bytesTotal) * 100) : allFinished ? 100 : 0;
  // Failures first, then what is running, then the queue, then finished ones.
  const order = (j: JobView) =>
    j.state === 'failed' ? 0 : j.state === 'running' ? 1 : isFinished(j) ? 3 : 2;
  const rows = [...jobs].sort((a, b) => order(a) - order(b) || a.id - b.id);

  const uploading = s.uploads.reduce((a, u) => a + u.files, 0);
  const title =
    s.uploads.length > 0 && !queueBusy
      ? // Files on their way to the host: the run they start has no totals yet.
        `Uploading ${uploading} ${uploading === 1 ? 'file' : 'files'}`
      : allFinished
        ? `Import finished: ${done} of ${files} ${files === 1 ? 'file' : 'files'}` +
          (failedCount ? `, ${failedCount} failed` : '') +
          (cancelled ? `, ${cancelled} cancelled` : '')
        : s.paused
          ? `Import paused: ${done} of ${files} ${files === 1 ? 'file' : 'files'}`
          : `Importing ${done} of ${files} ${files === 1 ? 'file' : 'files'}`;

  return (
    <section className="import-panel" aria-labelledby="import-panel-title" data-testid="import-panel">
      <header className="import-panel__header">
        <h2 className="import-panel__title" id="import-panel-title" aria-live="polite">
          {title}
        </h2>
        <div className="import-panel__actions">
          {!allFinished ? (
            s.paused ? (
              <button type="button" className="button" onClick={() => void s.resume()}>
                Resume
              </button>
            ) : (
              <button type="button" className="button" onClick={() => void s.pause()}>
                Pause
              </button>
            )
          ) : null}
          {!allFinished ? (
            <button type="button" className="button button--ghost" onClick={() => void s.cancel()}>
              Cancel all
            </button>
          ) : null}
          <button
            type="button"
            className="button button--ghost"
            aria-expanded={!collapsed}
            aria-controls="import-panel-body"
            onClick={() => setCollapsed((c) => !c)}
          >
            {collapsed ? 'Details' : 'Hide'}
          </button>
          {allFinished ? (
            <button
              type="button"
              className="icon-button"
              aria-label="Close the import panel"
              onClick={() => s.dismiss()}
            >
              <Icon name="close" size={14} />
            </button>
          ) : null}
        </div>
      </header>
      <div
        className="progress"
        role="progressbar"
        aria-label="Import progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
      >
        <span className="progress__bar" style={{ width: `${pct}%` }} />
      </div>
      <p className="import-panel__totals" data-testid="import-totals">
        {s.uploads.length > 0 ? (
          <span>
            Uploading {s.uploads.reduce((a, u) => a + u.files, 0)} files: {formatBytes(uploadLoaded)} of{' '}
            {formatBytes(uploadTotal)}
          </span>
        ) : null}
        {jobs.length > 0 ? (
          <span>
            {formatBytes(bytesDone)} of {formatBytes(bytesTotal)}
          </span>
        ) : null}
        {t ? <span>{t.chunks} chunks</span> : null}
        {t && t.chunksPerSecond > 0 && !allFinished ? (
          <span>{t.chunksPerSecond.toFixed(1)} chunks/s</span>
        ) : null}
        {t && t.etaMs !== null && !allFinished && !s.paused ? (
          <span>about {formatDuration(t.etaMs)} left</span>
        ) : null}
      </p>
      {collapsed ? null : (
        <ul className="import-panel__list" id="import-panel-body" aria-label="Files being imported">
          {rows.slice(0, MAX_ROWS).map((j) => (
            <li key={j.id} className="import-row" data-state={j.state} data-testid="import-row">
              <span className="import-row__name" title={j.path}>
                {baseName(j.path)}
              </span>
              <span className="import-row__stage">{jobLabel(j, s.paused)}</span>
              {j.state === 'failed' || j.state === 'cancelled' ? (
                <button type="button" className="button button--ghost" onClick={() => void s.retry(j.id)}>
                  Retry
                </button>
              ) : !isFinished(j) ? (
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Cancel ${baseName(j.path)}`}
                  onClick={() => void s.cancel({ jobId: j.id })}
                >
                  <Icon name="close" size={12} />
                </button>
              ) : null}
              {j.error ? <p className="import-row__error">{j.error}</p> : null}
            </li>
          ))}
          {rows.length > MAX_ROWS ? (
            <li className="import-row import-row--more">and {rows.length - MAX_ROWS} more files</li>
          ) : null}
        </ul>
      )}
    </section>
  );
}
