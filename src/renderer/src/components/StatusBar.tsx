import { useEffect, useId, useRef, useState } from 'react';
import type { ServiceHealth } from '../../../shared/types/system';
import { useStatusStore } from '../stores/useStatusStore';
import type { ConnectionState } from '../api';

export const STATE_LABEL: Record<ServiceHealth['state'], string> = {
  ok: 'OK',
  starting: 'Starting',
  degraded: 'Degraded',
  down: 'Down',
  off: 'Off',
};

const CONNECTION_LABEL: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected',
};

/**
 * Each service's health from `system.status`, kept live by `system.statusChanged`. The summary row
 * is a button that opens the details (each service's own message, such as the schema version).
 */
export function StatusBar() {
  const status = useStatusStore((s) => s.status);
  const connection = useStatusStore((s) => s.connection);
  const error = useStatusStore((s) => s.error);
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const rootRef = useRef<HTMLElement>(null);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    const onClick = (e: MouseEvent) => {
      if (rootRef.current && !rootRef.current.contains(e.target as Node)) setOpen(false);
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('mousedown', onClick);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  const services = status?.services ?? [];
  const worst = services.some((s) => s.state === 'down')
    ? 'down'
    : services.some((s) => s.state === 'degraded')
      ? 'degraded'
      : 'ok';

  return (
    <footer className="statusbar" ref={rootRef} aria-label="Service status">
      <button
        type="button"
        className="statusbar__summary"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((o) => !o)}
      >
        {connection !== 'open' ? (
          <span className={`statusbar__item statusbar__conn statusbar__conn--${connection}`}>
            <span
              className="dot"
              data-state={connection === 'closed' ? 'down' : 'starting'}
              aria-hidden="true"
            />
            {CONNECTION_LABEL[connection]}
          </span>
        ) : null}
        {services.length === 0 && connection === 'open' ? (
          <span className="statusbar__item">
            {error ? `Status unavailable: ${error}` : 'Checking services…'}
          </span>
        ) : null}
        {services.map((s) => (
          <span
            key={s.id}
            className="statusbar__item"
            data-service={s.id}
            data-state={s.state}
            title={`${s.label}: ${STATE_LABEL[s.state]} — ${s.detail}`}
          >
            <span className="dot" data-state={s.state} aria-hidden="true" />
            {s.label}
            <span className="visually-hidden">: {STATE_LABEL[s.state]}</span>
          </span>
        ))}
        <span className="statusbar__spacer" />
        {status ? (
          <span className="statusbar__meta">
            {status.mode === 'host' ? 'Browser' : 'Desktop'} · v{status.version}
          </span>
        ) : null}
      </button>
      {open ? (
        <div className="statusbar__panel" id={panelId} role="region" aria-label="Service health details">
          <h2 className="statusbar__panel-title">
            Service health
            <span className={`badge badge--${worst}`}>
              {worst === 'ok' ? 'All good' : STATE_LABEL[worst]}
            </span>
          </h2>
          <ul className="health-list">
            {services.map((s) => (
              <li key={s.id} className="health-list__row" data-service={s.id}>
                <span className="dot" data-state={s.state} aria-hidden="true" />
                <span className="health-list__label">{s.label}</span>
                <span className="health-list__state">{STATE_LABEL[s.state]}</span>
                <span className="health-list__detail">{s.detail}</span>
              </li>
            ))}
          </ul>
          <p className="statusbar__conn-line">Connection: {CONNECTION_LABEL[connection]}</p>
          {connection !== 'open' ? (
            <p className="statusbar__conn-line">
              Nook is not answering. If it was restarted, this browser session may have ended: open the login
              link it printed in its terminal.
            </p>
          ) : null}
        </div>
      ) : null}
    </footer>
  );
}
