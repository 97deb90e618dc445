import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { SecretInfo } from '../../../../shared/types/secrets';
import { invoke, on } from '../../api';
import { unwrap } from '../../stores/useToastStore';

/**
 * API keys: write-only. The value lives only in the password input's DOM node until it is sent;
 * it is never put in React state or a store, and the input is cleared as soon as it was sent.
 * Whether a key is stored comes from `secrets.list` / `secrets.has` and `secrets.changed`.
 */
export function ApiKeysSection({ cloudAllowed }: { cloudAllowed: boolean }) {
  const [secrets, setSecrets] = useState<SecretInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let alive = true;
    void invoke('secrets.list', {}).then((r) => {
      if (!alive) return;
      if (r.ok) setSecrets(r.value);
      else setError(r.message);
    });
    const off = on('secrets.changed', ({ id, present }) =>
      setSecrets((list) => list?.map((s) => (s.id === id ? { ...s, present } : s)) ?? list),
    );
    return () => {
      alive = false;
      off();
    };
  }, []);

  const setPresent = (id: string, present: boolean) =>
    setSecrets((list) => list?.map((s) => (s.id === id ? { ...s, present } : s)) ?? list);

  return (
    <section className="card" aria-labelledby="settings-keys">
      <h2 className="card__title" id="settings-keys">
        API keys
      </h2>
      <p className="card__hint">
        Keys are stored in your operating system’s keychain and can’t be read back, only replaced or removed.
        {cloudAllowed
          ? ''
          : ' Cloud providers are off, so stored keys are not used until you allow them above.'}
      </p>
      {error ? <p className="field__error">Could not list keys: {error}</p> : null}
      {secrets === null && !error ? <p className="muted">Loading…</p> : null}
      {secrets?.map((s) => (
        <SecretRow key={s.id} info={s} onPresence={(p) => setPresent(s.id, p)} />
      ))}
    </section>
  );
}

type TestOutcome = { ok: boolean; message: string } | null;

function SecretRow({ info, onPresence }: { info: SecretInfo; onPresence(present: boolean): void }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [hasDraft, setHasDraft] = useState(false);
  const [busy, setBusy] = useState<'save' | 'test' | 'remove' | null>(null);
  const [test, setTest] = useState<TestOutcome>(null);
  const inputId = useId();
  const statusId = useId();

  // Confirm presence from the keychain itself, not only from the list.
  useEffect(() => {
    let alive = true;
    void invoke('secrets.has', { id: info.id }).then((r) => {
      if (alive && r.ok && r.value.present !== info.present) onPresence(r.value.present);
    });
    return () => {
      alive = false;
    };
    // Only on mount: later changes arrive through secrets.changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [info.id]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const input = inputRef.current;
    if (!input || input.value === '') return;
    const value = input.value;
    input.value = '';
    setHasDraft(false);
    setBusy('save');
    const r = await invoke('secrets.set', { id: info.id, value });
    setBusy(null);
    setTest(null);
    if (unwrap(r)) onPresence(true);
  };

  const runTest = async () => {
    setBusy('test');
    setTest(null);
    const r = await invoke('secrets.test', { id: info.id });
    setBusy(null);
    const v = unwrap(r);
    if (v) setTest(v);
  };

  const remove = async () => {
    setBusy('remove');
    const r = await invoke('secrets.delete', { id: info.id });
    setBusy(null);
    setTest(null);
    if (unwrap(r)) onPresence(false);
  };

  return (
    <form className="secret" data-secret={info.id} onSubmit={(e) => void save(e)} autoComplete="off">
      <div className="secret__head">
        <label className="field__label" htmlFor={inputId}>
          {info.label}
        </label>
        <code className="secret__id">{info.id}</code>
        <span
          id={statusId}
          className={`badge ${info.present ? 'badge--ok' : 'badge--muted'}`}
          data-testid="secret-status"
        >
          {info.present ? 'Stored' : 'Not set'}
        </span>
      </div>
      <div className="secret__controls">
        <input
          ref={inputRef}
          id={inputId}
          className="input input--mono"
          type="password"
          name={`${info.id}-new-value`}
          autoComplete="new-password"
          spellCheck={false}
          placeholder={info.present ? 'Enter a new key to replace the stored one' : 'Paste the key'}
          aria-describedby={statusId}
          onChange={(e) => setHasDraft(e.target.value !== '')}
        />
        <button type="submit" className="button button--primary" disabled={!hasDraft || busy !== null}>
          {info.present ? 'Replace' : 'Save'}
        </button>
        <button
          type="button"
          className="button"
          disabled={!info.present || !info.testable || busy !== null}
          title={info.testable ? undefined : 'This key cannot be checked automatically'}
          onClick={() => void runTest()}
        >
          {busy === 'test' ? 'Testing…' : 'Test'}
        </button>
        <button
          type="button"
          className="button button--danger"
          disabled={!info.present || busy !== null}
          onClick={() => void remove()}
        >
          Remove
        </button>
      </div>
      {test ? (
        <p className={`secret__test ${test.ok ? 'secret__test--ok' : 'secret__test--fail'}`} role="status">
          {test.ok ? 'Works: ' : 'Did not work: '}
          {test.message}
        </p>
      ) : null}
    </form>
  );
}
