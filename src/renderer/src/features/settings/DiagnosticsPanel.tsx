import { useCallback, useEffect, useState } from 'react';
import type { Diagnostics } from '../../../../shared/types/system';
import { invoke } from '../../api';
import { useToastStore, unwrap } from '../../stores/useToastStore';
import { useNavStore } from '../../stores/useNavStore';
import { formatBytes } from '../../format';

export function formatUptime(seconds: number): string {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s % 60} s`;
  return `${s} s`;
}

const count = (n: number, one: string, many = `${one}s`): string =>
  `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** The knowledge base's part of the snapshot: what is stored, the vector index, the ingest queue. */
function KnowledgeRows({ k }: { k: NonNullable<Diagnostics['knowledge']> }) {
  const q = k.queue;
  const state = q.paused ? 'paused' : q.running + q.queued > 0 ? 'working' : 'idle';
  return (
    <>
      <dt>Library</dt>
      <dd data-testid="diagnostics-library">
        {count(k.documents, 'document')}
        {k.failedDocuments > 0 ? ` (${k.failedDocuments} failed)` : ''}, {count(k.chunks, 'chunk')},{' '}
        {count(k.tokens, 'token')}
        {k.deletedDocuments > 0 ? ` · ${k.deletedDocuments} deleted, purged soon` : ''}
      </dd>
      <dt>Vector index</dt>
      <dd data-testid="diagnostics-index">
        {k.index.kind === 'qdrant' ? 'Qdrant' : 'Embedded (sqlite-vec)'}
        {k.index.collection ? (
          <>
            {' · '}
            {k.index.vectors === null ? 'not counted yet' : count(k.index.vectors, 'vector')} in{' '}
            <span className="mono">{k.index.collection}</span>
          </>
        ) : null}
        {k.searchModel
          ? ` · ${count(k.storedVectors, 'vector')} stored for ${k.searchModel}`
          : ' · no model yet'}
        {k.index.pendingSync > 0 ? ` · ${count(k.index.pendingSync, 'document')} waiting to sync` : ''}
      </dd>
      <dt>Ingest queue</dt>
      <dd data-testid="diagnostics-queue">
        {state} · {q.queued} queued, {q.running} running, {q.failed} failed
        {q.reembed
          ? ` · re-embedding for ${q.reembed.toModel}: ${q.reembed.done} of ${q.reembed.total} chunks`
          : ''}
      </dd>
    </>
  );
}

/** `system.diagnostics`, for support: versions, paths, memory, database and recent errors. */
export function DiagnosticsPanel() {
  const [diag, setDiag] = useState<Diagnostics | null>(null);
  const [loading, setLoading] = useState(false);
  const push = useToastStore((s) => s.push);

  const refresh = useCallback(async () => {
    setLoading(true);
    const v = unwrap(await invoke('system.diagnostics', {}));
    setLoading(false);
    if (v) setDiag(v);
  }, []);

  useEffect(() => {
    let alive = true;
    void invoke('system.diagnostics', {}).then((r) => {
      if (alive) {
        const v = unwrap(r);
        if (v) setDiag(v);
      }
    });
    return () => {
      alive = false;
    };
  }, []);

  const copy = async () => {
    if (!diag) return;
    try {
      await navigator.clipboard.writeText(JSON.stringify(diag, null, 2));
      push({ level: 'success', message: 'Diagnostics copied to the clipboard' });
    } catch {
      push({ level: 'warning', message: 'The clipboard is not available here; select the text instead' });
    }
  };

  return (
    <section className="card" aria-labelledby="settings-diagnostics" data-testid="diagnostics">
      <div className="card__header">
        <h2 className="card__title" id="settings-diagnostics">
          Diagnostics
        </h2>
        <div className="card__actions">
          <button
            type="button"
            className="button"
            onClick={() => useNavStore.getState().setView('diagnostics')}
          >
            Live metrics
          </button>
          <button type="button" className="button" onClick={() => void copy()} disabled={!diag}>
            Copy
          </button>
          <button type="button" className="button" onClick={() => void refresh()} disabled={loading}>
            {loading ? 'Refreshing…' : 'Refresh'}
          </button>
        </div>
      </div>
      {!diag ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <dl className="kv">
            <dt>Version</dt>
            <dd>
              {diag.version} ({diag.mode === 'host' ? 'headless host' : 'desktop'})
            </dd>
            <dt>Platform</dt>
            <dd>
              {diag.platform} {diag.arch}
            </dd>
            <dt>Runtime</dt>
            <dd>
              {Object.entries(diag.versions)
                .map(([k, v]) => `${k} ${v}`)
                .join(' · ') || '—'}
            </dd>
            <dt>Uptime</dt>
            <dd>{formatUptime(diag.uptimeSeconds)}</dd>
            <dt>Memory</dt>
            <dd>
              {formatBytes(diag.memory.rssBytes)} resident, {formatBytes(diag.memory.heapUsedBytes)} heap
            </dd>
            <dt>Data folder</dt>
            <dd className="mono">{diag.dataDir}</dd>
            <dt>Log file</dt>
            <dd className="mono">{diag.logFile}</dd>
            <dt>Database</dt>
            <dd>
              <span className="mono">{diag.database.path}</span> — schema {diag.database.schemaVersion},{' '}
              {formatBytes(diag.database.sizeBytes)}
            </dd>
            {diag.knowledge ? <KnowledgeRows k={diag.knowledge} /> : null}
          </dl>
          {diag.settingsWarnings.length > 0 ? (
            <>
              <h3 className="card__subtitle">Settings warnings</h3>
              <ul className="plain-list">
                {diag.settingsWarnings.map((w, i) => (
                  <li key={i}>{w}</li>
                ))}
              </ul>
            </>
          ) : null}
          <h3 className="card__subtitle">Recent errors</h3>
          {diag.recentErrors.length === 0 ? (
            <p className="muted">None since Nook started.</p>
          ) : (
            <ul className="plain-list errors-list">
              {diag.recentErrors.map((e, i) => (
                <li key={i}>
                  <time className="mono">{e.time}</time> {e.message}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
