import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import type { ApiScope, ApiTokenInfo } from '../../../../shared/types/apiTokens';
import type { Settings } from '../../../../shared/types/settings';
import { invoke } from '../../api';
import { Switch } from '../../components/Switch';
import { useSettingsStore } from '../../stores/useSettingsStore';
import { unwrap, useToastStore } from '../../stores/useToastStore';
import './apiTokens.css';

const SCOPES: ReadonlyArray<{ id: ApiScope; label: string; hint: string }> = [
  { id: 'read', label: 'Read', hint: 'search, documents, conversations, events, metrics' },
  { id: 'write', label: 'Write', hint: 'import, delete, ask, reminders, plugins' },
  { id: 'models', label: 'Models', hint: 'the OpenAI-compatible /v1 endpoints' },
];

function when(iso: string | null): string {
  if (!iso) return 'never';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/**
 * Settings → Local API: serve the API from the desktop app (off by default, 127.0.0.1 only), its
 * port, rate limit and allowed browser origins; and the API tokens: create one with a name and
 * scopes (its value is shown once, with a copy button), see when each was last used, revoke one
 * (after a confirmation). Token values live in the OS keychain only.
 */
export function ApiTokensSection({ settings, desktop }: { settings: Settings; desktop: boolean }) {
  const update = useSettingsStore((s) => s.update);
  const push = useToastStore((s) => s.push);
  const ids = useId();
  const api = settings.api;
  const [tokens, setTokens] = useState<ApiTokenInfo[] | null>(null);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Set<ApiScope>>(new Set(['read']));
  const [created, setCreated] = useState<{ name: string; value: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);
  // What the user is typing; null shows the saved value.
  const [portDraft, setPort] = useState<string | null>(null);
  const [rateDraft, setRate] = useState<string | null>(null);
  const port = portDraft ?? String(api.port);
  const rate = rateDraft ?? String(api.rateLimitPerMinute);
  const [origin, setOrigin] = useState('');

  const load = useCallback(() => {
    void invoke('apiTokens.list', {}).then((r) => {
      const v = unwrap(r);
      if (v) setTokens(v);
    });
  }, []);
  useEffect(load, [load]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const r = await invoke('apiTokens.create', { name: name.trim(), scopes: [...scopes] });
    const v = unwrap(r);
    if (!v) return;
    setCreated({ name: v.token.name, value: v.value });
    setCopied(false);
    setName('');
    load();
  };

  const revoke = async (token: ApiTokenInfo) => {
    setConfirming(null);
    const v = unwrap(await invoke('apiTokens.revoke', { id: token.id }));
    if (v) push({ level: 'success', message: `Revoked ${token.name}` });
    load();
  };

  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.value);
      setCopied(true);
    } catch {
      push({ level: 'error', message: 'Could not copy: select the token and copy it yourself.' });
    }
  };

  const savePort = () => {
    const n = Number(port);
    if (Number.isInteger(n) && n >= 1024 && n <= 65535 && n !== api.port) void update({ api: { port: n } });
    setPort(null);
  };
  const saveRate = () => {
    const n = Number(rate);
    if (Number.isInteger(n) && n >= 1 && n <= 1_000_000 && n !== api.rateLimitPerMinute)
      void update({ api: { rateLimitPerMinute: n } });
    setRate(null);
  };
  const addOrigin = async (e: FormEvent) => {
    e.preventDefault();
    const o = origin.trim().toLowerCase().replace(/\/+$/, '');
    if (!o || api.allowedOrigins.includes(o)) return setOrigin('');
    const r = await update({ api: { allowedOrigins: [...api.allowedOrigins, o] } });
    if (r.ok) setOrigin('');
  };

  const base = desktop ? `http://127.0.0.1:${api.port}` : window.location.origin;
  const live = (tokens ?? []).filter((t) => t.revokedAt === null);
  const revoked = (tokens ?? []).filter((t) => t.revokedAt !== null);

  return (
    <section className="card api-tokens" aria-labelledby={`${ids}-h`}>
      <h2 className="card__title" id={`${ids}-h`}>
        Local API
      </h2>
      <p className="card__hint">
        Scripts and other apps on this computer can use your knowledge base, models and voice through a REST,
        WebSocket and OpenAI-compatible API on 127.0.0.1 only, with a token you create here. Its description:{' '}
        <code>{base}/api/openapi.json</code>
        {desktop ? '' : ' (this host serves it now)'}.
      </p>
      <Switch
        label="Serve the local API"
        description={`The desktop app listens on 127.0.0.1:${api.port} while this is on.${desktop ? '' : ' Applies to the desktop app; this host always serves it.'}`}
        checked={api.enabled}
        onChange={(v) => void update({ api: { enabled: v } })}
      />
      <div className="field field--row">
        <label className="field__text" htmlFor={`${ids}-port`}>
          <span className="field__label">Port</span>
          <span className="field__hint">1024–65535; the desktop app moves to it at once.</span>
        </label>
        <input
          id={`${ids}-port`}
          className="input api-tokens__number"
          type="number"
          min={1024}
          max={65535}
          value={port}
          onChange={(e) => setPort(e.target.value)}
          onBlur={savePort}
          onKeyDown={(e) => e.key === 'Enter' && savePort()}
        />
      </div>
      <div className="field field--row">
        <label className="field__text" htmlFor={`${ids}-rate`}>
          <span className="field__label">Requests per minute per token</span>
          <span className="field__hint">Over it, requests get 429 with Retry-After.</span>
        </label>
        <input
          id={`${ids}-rate`}
          className="input api-tokens__number"
          type="number"
          min={1}
          value={rate}
          onChange={(e) => setRate(e.target.value)}
          onBlur={saveRate}
          onKeyDown={(e) => e.key === 'Enter' && saveRate()}
        />
      </div>
      <div className="field">
        <div className="field__text">
          <span className="field__label" id={`${ids}-origins`}>
            Allowed browser origins
          </span>
          <span className="field__hint">
            Web pages may call the API only from these origins (CORS); none are allowed unless you add one.
          </span>
        </div>
        <ul className="api-tokens__origins" aria-labelledby={`${ids}-origins`}>
          {api.allowedOrigins.map((o) => (
            <li key={o}>
              <code>{o}</code>
              <button
                type="button"
                className="button button--ghost"
                aria-label={`Remove origin ${o}`}
                onClick={() =>
                  void update({ api: { allowedOrigins: api.allowedOrigins.filter((x) => x !== o) } })
                }
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
        <form className="api-tokens__inline" onSubmit={(e) => void addOrigin(e)}>
          <input
            className="input"
            aria-label="Origin to allow"
            placeholder="http://localhost:3000"
            value={origin}
            onChange={(e) => setOrigin(e.target.value)}
          />
          <button type="submit" className="button" disabled={!origin.trim()}>
            Allow origin
          </button>
        </form>
      </div>

      <h3 className="api-tokens__subtitle">Tokens</h3>
      <form className="api-tokens__create" onSubmit={(e) => void create(e)} aria-label="Create an API token">
        <input
          className="input"
          aria-label="Token name"
          placeholder="Name (my editor, a script…)"
          maxLength={80}
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
        />
        <fieldset className="api-tokens__scopes">
          <legend className="visually-hidden">Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s.id} title={s.hint}>
              <input
                type="checkbox"
                checked={scopes.has(s.id)}
                onChange={(e) => {
                  const next = new Set(scopes);
                  if (e.target.checked) next.add(s.id);
                  else next.delete(s.id);
                  setScopes(next);
                }}
              />{' '}
              {s.label}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="button button--primary" disabled={!name.trim() || scopes.size === 0}>
          Create token
        </button>
      </form>

      {created ? (
        <div className="api-tokens__created" role="status" aria-label="New token">
          <p>
            Token <strong>{created.name}</strong> created. Copy it now: it is kept only in your keychain and
            will not be shown again.
          </p>
          <div className="api-tokens__inline">
            <input
              className="input input--mono"
              aria-label="New token value"
              readOnly
              value={created.value}
              onFocus={(e) => e.target.select()}
            />
            <button type="button" className="button" onClick={() => void copy()}>
              {copied ? 'Copied' : 'Copy'}
            </button>
            <button type="button" className="button button--ghost" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </div>
      ) : null}

      {tokens && tokens.length === 0 ? <p className="muted">No tokens yet.</p> : null}
      <ul className="api-tokens__list" aria-label="API tokens">
        {[...live, ...revoked].map((t) => (
          <li
            key={t.id}
            className="api-tokens__row"
            data-token-id={t.id}
            data-revoked={t.revokedAt !== null}
            aria-label={`Token ${t.name}`}
          >
            <span className="api-tokens__name">
              {t.name}
              <span className="muted"> · {t.scopes.join(', ')}</span>
            </span>
            <span className="api-tokens__dates muted">
              created {when(t.createdAt)} · last used {when(t.lastUsedAt)}
              {t.revokedAt ? ` · revoked ${when(t.revokedAt)}` : ''}
            </span>
            <span className="api-tokens__actions">
              {t.revokedAt ? (
                <span className="badge">Revoked</span>
              ) : confirming === t.id ? (
                <>
                  <button type="button" className="button button--danger" onClick={() => void revoke(t)}>
                    Revoke {t.name}
                  </button>
                  <button type="button" className="button button--ghost" onClick={() => setConfirming(null)}>
                    Cancel
                  </button>
                </>
              ) : (
                <button
                  type="button"
                  className="button button--ghost"
                  aria-label={`Revoke ${t.name}…`}
                  onClick={() => setConfirming(t.id)}
                >
                  Revoke…
                </button>
              )}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
