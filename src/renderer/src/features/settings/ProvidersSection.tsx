import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { ProviderStatus } from '../../../../shared/types/assistant';
import { invoke, on } from '../../api';
import { unwrap, useToastStore } from '../../stores/useToastStore';

/**
 * Settings → Providers: the answer providers in the order they are tried, with health; add an
 * OpenAI-compatible endpoint (its key goes to the keychain and is never shown again), test, move,
 * remove. The local model and the extractive fallback are always there.
 */
export function ProvidersSection({ cloudAllowed }: { cloudAllowed: boolean }) {
  const [providers, setProviders] = useState<ProviderStatus[] | null>(null);
  const push = useToastStore((s) => s.push);
  const keyRef = useRef<HTMLInputElement>(null);
  const [form, setForm] = useState({ name: '', baseUrl: '', model: '' });

  const load = useCallback(() => {
    void invoke('providers.list', {}).then((r) => r.ok && setProviders(r.value));
  }, []);
  useEffect(() => {
    load();
    const off = on('assistant.health', ({ providers: p }) => setProviders(p));
    return off;
  }, [load]);

  const move = (id: string, by: number) => {
    if (!providers) return;
    const ids = providers.map((p) => p.id);
    const i = ids.indexOf(id);
    const j = i + by;
    if (j < 0 || j >= ids.length) return;
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    void invoke('providers.reorder', { ids }).then((r) => {
      const v = unwrap(r);
      if (v) setProviders(v);
    });
  };

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const apiKey = keyRef.current?.value ?? '';
    const r = await invoke('providers.save', {
      kind: 'openai-compatible',
      name: form.name.trim(),
      baseUrl: form.baseUrl.trim(),
      model: form.model.trim(),
      ...(apiKey ? { apiKey } : {}),
    });
    if (keyRef.current) keyRef.current.value = '';
    if (unwrap(r)) {
      setForm({ name: '', baseUrl: '', model: '' });
      push({ level: 'success', message: `Added ${r.ok ? r.value.name : ''}` });
      load();
    }
  };

  return (
    <section className="card" aria-labelledby="settings-providers">
      <h2 className="card__title" id="settings-providers">
        Providers
      </h2>
      <p className="card__hint">
        Tried in this order; when one fails before answering, the next one answers and says why. Cloud
        endpoints are used only while cloud providers are allowed (Privacy)
        {cloudAllowed ? '' : ', which is off'}.
      </p>
      <ol className="providers" aria-label="Providers in order">
        {(providers ?? []).map((p, i) => (
          <li key={p.id} className="providers__row" data-testid="provider-row">
            <span className="providers__name">
              {p.name}
              <span className="muted">
                {' '}
                ·{' '}
                {p.kind === 'openai-compatible'
                  ? (p.model ?? '')
                  : p.kind === 'local-gguf'
                    ? 'local model'
                    : 'no model'}
                {p.cloud ? ' · cloud' : ''}
                {p.hasKey ? ' · key stored' : ''}
              </span>
            </span>
            <span className="providers__state" data-state={p.state} title={p.detail}>
              {p.state}
            </span>
            <span className="providers__actions">
              <button
                type="button"
                className="button button--ghost"
                aria-label={`Move ${p.name} up`}
                disabled={i === 0}
                onClick={() => move(p.id, -1)}
              >
                ↑
              </button>
              <button
                type="button"
                className="button button--ghost"
                aria-label={`Move ${p.name} down`}
                disabled={i === (providers?.length ?? 0) - 1}
                onClick={() => move(p.id, 1)}
              >
                ↓
              </button>
              <button
                type="button"
                className="button"
                onClick={() =>
                  void invoke('providers.test', { id: p.id }).then((r) => {
                    const v = unwrap(r);
                    if (v) push({ level: v.ok ? 'success' : 'error', message: v.message });
                    load();
                  })
                }
              >
                Test
              </button>
              {p.kind === 'openai-compatible' ? (
                <button
                  type="button"
                  className="button button--ghost"
                  onClick={() => void invoke('providers.remove', { id: p.id }).then(() => load())}
                >
                  Remove
                </button>
              ) : null}
            </span>
          </li>
        ))}
      </ol>
      <form className="providers__add" onSubmit={(e) => void add(e)} aria-label="Add a provider">
        <input
          className="input"
          aria-label="Provider name"
          placeholder="Name (OpenAI, Ollama…)"
          value={form.name}
          onChange={(e) => setForm({ ...form, name: e.target.value })}
          required
        />
        <input
          className="input"
          aria-label="Base URL"
          placeholder="https://api.openai.com/v1"
          value={form.baseUrl}
          onChange={(e) => setForm({ ...form, baseUrl: e.target.value })}
          required
        />
        <input
          className="input"
          aria-label="Model"
          placeholder="gpt-4o-mini"
          value={form.model}
          onChange={(e) => setForm({ ...form, model: e.target.value })}
          required
        />
        <input
          className="input"
          aria-label="API key (optional)"
          placeholder="API key (optional)"
          type="password"
          autoComplete="off"
          ref={keyRef}
        />
        <button type="submit" className="button button--primary">
          Add
        </button>
      </form>
    </section>
  );
}
