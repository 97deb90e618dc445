import type { ReactNode } from 'react';
import type { MetricsSnapshot } from '../../../../shared/types/metrics';
import { formatBytes } from '../../format';
import { formatCount, formatFactor, formatMs, formatRate, type MetricsPoint } from './derive';
import { Sparkline } from './Sparkline';
import { HISTORY_POINTS, POLL_MS, useMetrics } from './useMetrics';
import './diagnostics.css';

/**
 * Live diagnostics: the figures Nook exposes to Prometheus at `/metrics`, charted from the
 * `system.metrics` snapshot polled every 1.5 s while this screen is open. Each card states its
 * current value and totals as text; the chart shows the last 90 seconds.
 */
export function DiagnosticsView() {
  const { latest, points, error } = useMetrics();
  const series = <K extends keyof MetricsPoint>(k: K) => points.map((p) => p[k] as number | null);
  const last = points[points.length - 1] ?? null;
  const lastKnown = (k: keyof MetricsPoint): number | null => {
    for (let i = points.length - 1; i >= 0; i--) {
      const v = points[i]![k];
      if (v !== null) return v as number;
    }
    return null;
  };

  return (
    <div className="view view--diagnostics">
      <header className="view__header">
        <h1 className="view__title">Diagnostics</h1>
        <span className="muted diagnostics__live" aria-live="off">
          {latest
            ? `Live · every ${POLL_MS / 1000} s · up ${formatUptime(latest.uptimeSeconds)}`
            : 'Connecting…'}
        </span>
      </header>
      <p className="card__hint">
        Live figures from this Nook: API requests, search, ingest, embeddings, speech-to-text, providers,
        tokens and memory. They are the numbers Prometheus reads from <code>/metrics</code> (with an API token
        that has the read scope); charts cover the last {Math.round((HISTORY_POINTS * POLL_MS) / 1000)}{' '}
        seconds.
      </p>
      {error ? (
        <p className="notice" role="alert">
          Metrics are not available: {error}
        </p>
      ) : null}
      {!latest ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <div className="metrics-grid">
            <MetricCard
              id="http-rate"
              title="API requests"
              value={formatRate(last?.httpRate ?? 0)}
              unit="per second"
              detail={`${formatCount(latest.http.count)} total · ${formatCount(latest.http.clientErrors)} client errors · ${formatCount(latest.http.serverErrors)} server errors`}
              total={latest.http.count}
            >
              <Sparkline values={series('httpRate')} label="API requests per second" format={formatRate} />
            </MetricCard>
            <MetricCard
              id="http-latency"
              title="API latency (p95)"
              value={formatMs(lastKnown('httpP95Ms'))}
              unit="ms"
              detail={`mean ${formatMs(mean(latest.http.sumSeconds, latest.http.count))} ms since start`}
            >
              <Sparkline values={series('httpP95Ms')} label="API latency p95 in ms" format={formatMs} />
            </MetricCard>
            <MetricCard
              id="rpc-rate"
              title="Contract calls"
              value={formatRate(last?.rpcRate ?? 0)}
              unit="per second"
              detail={`${formatCount(latest.rpc.count)} total (app, WebSocket, REST) · ${formatCount(latest.rpc.errors)} errors · p95 ${formatMs(lastKnown('rpcP95Ms'))} ms`}
              total={latest.rpc.count}
            >
              <Sparkline values={series('rpcRate')} label="Contract calls per second" format={formatRate} />
            </MetricCard>
            <MetricCard
              id="search-latency"
              title="Search latency (p95)"
              value={formatMs(lastKnown('searchP95Ms'))}
              unit="ms"
              detail={`${formatCount(latest.search.count)} searches · mean ${formatMs(mean(latest.search.sumSeconds, latest.search.count))} ms`}
              total={latest.search.count}
            >
              <Sparkline values={series('searchP95Ms')} label="Search latency p95 in ms" format={formatMs} />
            </MetricCard>
            <MetricCard
              id="ingest"
              title="Ingest throughput"
              value={formatRate(last?.chunksPerSec ?? 0)}
              unit="chunks/s"
              detail={`${formatCount(latest.ingest.documents)} indexed · ${formatCount(latest.ingest.skipped)} unchanged · ${formatCount(latest.ingest.failed)} failed · ${formatBytes(latest.ingest.bytes)} · ${formatCount(latest.ingest.chunks)} chunks`}
              total={latest.ingest.chunks}
            >
              <Sparkline
                values={series('chunksPerSec')}
                label="Ingested chunks per second"
                format={formatRate}
              />
            </MetricCard>
            <MetricCard
              id="embeddings"
              title="Embeddings"
              value={formatRate(last?.embeddingsPerSec ?? 0)}
              unit="texts/s"
              detail={`${formatCount(latest.embeddings.texts)} texts embedded`}
              total={latest.embeddings.texts}
            >
              <Sparkline
                values={series('embeddingsPerSec')}
                label="Embedded texts per second"
                format={formatRate}
              />
            </MetricCard>
            <MetricCard
              id="stt"
              title="Speech-to-text speed"
              value={formatFactor(latest.stt.lastRealTimeFactor)}
              unit="real time"
              detail={`${formatCount(latest.stt.runs)} transcriptions · ${latest.stt.audioSeconds.toFixed(1)} s of audio${latest.stt.lastRealTimeFactor !== null ? (latest.stt.lastRealTimeFactor < 1 ? ' · faster than real time' : ' · slower than real time') : ''}`}
              total={latest.stt.runs}
            >
              <Sparkline
                values={series('sttRtf')}
                label="Speech-to-text real-time factor"
                format={formatFactor}
              />
            </MetricCard>
            <MetricCard
              id="tokens"
              title="Tokens generated"
              value={formatCount(latest.tokens.completion)}
              unit="tokens"
              detail={`${formatRate(last?.tokensPerSec ?? 0)} tokens/s now · ${formatCount(latest.tokens.prompt)} prompt tokens read`}
              total={latest.tokens.completion}
            >
              <Sparkline
                values={series('tokensPerSec')}
                label="Tokens generated per second"
                format={formatRate}
              />
            </MetricCard>
            <MetricCard
              id="memory"
              title="Memory"
              value={formatBytes(latest.memory.rssBytes)}
              unit="resident"
              detail={`${formatBytes(latest.memory.heapUsedBytes)} heap used of ${formatBytes(latest.memory.heapTotalBytes)}`}
            >
              <Sparkline values={series('rssBytes')} label="Resident memory" format={formatBytes} />
            </MetricCard>
          </div>
          <Providers snapshot={latest} />
          <RouteTables snapshot={latest} />
        </>
      )}
    </div>
  );
}

function MetricCard({
  id,
  title,
  value,
  unit,
  detail,
  total,
  children,
}: {
  id: string;
  title: string;
  value: string;
  unit: string;
  detail: string;
  /** A cumulative count, exposed for tests and tools as data-total. */
  total?: number;
  children: ReactNode;
}) {
  const titleId = `metric-${id}-title`;
  return (
    <section
      className="card metric"
      aria-labelledby={titleId}
      data-metric={id}
      {...(total !== undefined ? { 'data-total': String(total) } : {})}
    >
      <h2 className="card__title" id={titleId}>
        {title}
      </h2>
      <p className="metric__value">
        <span className="metric__number" data-testid={`metric-${id}`}>
          {value}
        </span>{' '}
        <span className="metric__unit">{unit}</span>
      </p>
      <p className="metric__detail" data-testid={`metric-${id}-detail`}>
        {detail}
      </p>
      {children}
    </section>
  );
}

function Providers({ snapshot }: { snapshot: MetricsSnapshot }) {
  return (
    <section className="card" aria-labelledby="diag-providers" data-metric="providers">
      <div className="card__header">
        <h2 className="card__title" id="diag-providers">
          Providers
        </h2>
        <span className="muted" data-testid="metric-failovers">
          {formatCount(snapshot.failovers)} failover{snapshot.failovers === 1 ? '' : 's'}
        </span>
      </div>
      {snapshot.providers.length === 0 ? (
        <p className="muted">No provider health reported yet.</p>
      ) : (
        <ul className="plain-list providers-health">
          {snapshot.providers.map((p) => (
            <li key={p.id}>
              <span className={`badge ${badgeClass(p.state)}`}>{p.state}</span> {p.name}{' '}
              <span className="muted">
                ({p.id}, breaker {p.breaker})
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function RouteTables({ snapshot }: { snapshot: MetricsSnapshot }) {
  const http = snapshot.http.routes.slice(0, 12);
  const rpc = snapshot.rpc.routes.slice(0, 12);
  return (
    <div className="metrics-tables">
      <section className="card" aria-labelledby="diag-http-routes">
        <h2 className="card__title" id="diag-http-routes">
          API requests by route
        </h2>
        {http.length === 0 ? (
          <p className="muted">No API requests since Nook started.</p>
        ) : (
          <table className="metrics-table" aria-labelledby="diag-http-routes">
            <thead>
              <tr>
                <th scope="col">Route</th>
                <th scope="col">Requests</th>
                <th scope="col">Errors</th>
                <th scope="col">Mean ms</th>
              </tr>
            </thead>
            <tbody>
              {http.map((r) => (
                <tr key={`${r.method} ${r.route}`} data-route={`${r.method} ${r.route}`}>
                  <th scope="row" className="mono">
                    {r.method} {r.route}
                  </th>
                  <td data-col="count">{formatCount(r.count)}</td>
                  <td>{formatCount(r.errors)}</td>
                  <td>{formatMs(mean(r.sumSeconds, r.count))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card" aria-labelledby="diag-rpc-routes">
        <h2 className="card__title" id="diag-rpc-routes">
          Contract calls by route
        </h2>
        {rpc.length === 0 ? (
          <p className="muted">No calls yet.</p>
        ) : (
          <table className="metrics-table" aria-labelledby="diag-rpc-routes">
            <thead>
              <tr>
                <th scope="col">Route</th>
                <th scope="col">Transport</th>
                <th scope="col">Calls</th>
                <th scope="col">Errors</th>
                <th scope="col">Mean ms</th>
              </tr>
            </thead>
            <tbody>
              {rpc.map((r) => (
                <tr key={`${r.route} ${r.transport}`} data-route={`${r.route} ${r.transport}`}>
                  <th scope="row" className="mono">
                    {r.route}
                  </th>
                  <td>{r.transport}</td>
                  <td data-col="count">{formatCount(r.count)}</td>
                  <td>{formatCount(r.errors)}</td>
                  <td>{formatMs(mean(r.sumSeconds, r.count))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function mean(sumSeconds: number, count: number): number | null {
  return count > 0 ? (sumSeconds / count) * 1000 : null;
}

function badgeClass(state: string): string {
  if (state === 'ok') return 'badge--ok';
  if (state === 'failing' || state === 'blocked') return 'badge--down';
  if (state === 'unknown') return 'badge--degraded';
  return 'badge--muted';
}

function formatUptime(seconds: number): string {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s % 60} s`;
  return `${s} s`;
}
