import { useCallback, useEffect, useState } from 'react';
import type { Memory } from '../../../../shared/types/assistant';
import { invoke, on } from '../../api';
import { unwrap } from '../../stores/useToastStore';

/** Settings → Memory: what the assistant remembers about you; edit or forget any fact. */
export function MemorySection() {
  const [memories, setMemories] = useState<Memory[] | null>(null);
  const [editing, setEditing] = useState<{ id: number; text: string } | null>(null);
  const load = useCallback(() => {
    void invoke('memory.list', {}).then((r) => r.ok && setMemories(r.value));
  }, []);
  useEffect(() => {
    load();
    // "remember that …" / "forget that" in a conversation change the list.
    return on('assistant.done', () => load());
  }, [load]);

  return (
    <section className="card" aria-labelledby="settings-memory">
      <h2 className="card__title" id="settings-memory">
        Memory
      </h2>
      <p className="card__hint">
        Facts you told Nook (“remember that …”). They are added to a question when relevant; say “forget that”
        in a conversation, or remove them here.
      </p>
      {memories?.length === 0 ? <p className="muted">Nothing remembered yet.</p> : null}
      <ul className="memories">
        {(memories ?? []).map((m) => (
          <li key={m.id} className="memories__row" data-testid="memory-row">
            {editing?.id === m.id ? (
              <form
                className="memories__edit"
                onSubmit={(e) => {
                  e.preventDefault();
                  void invoke('memory.update', { id: m.id, text: editing.text }).then((r) => {
                    if (unwrap(r)) setEditing(null);
                    load();
                  });
                }}
              >
                <input
                  className="input"
                  aria-label="Edit the fact"
                  value={editing.text}
                  onChange={(e) => setEditing({ id: m.id, text: e.target.value })}
                  autoFocus
                />
                <button type="submit" className="button button--primary">
                  Save
                </button>
                <button type="button" className="button button--ghost" onClick={() => setEditing(null)}>
                  Cancel
                </button>
              </form>
            ) : (
              <>
                <span className="memories__text">{m.text}</span>
                <button
                  type="button"
                  className="button button--ghost"
                  onClick={() => setEditing({ id: m.id, text: m.text })}
                >
                  Edit
                </button>
                <button
                  type="button"
                  className="button button--ghost"
                  onClick={() => void invoke('memory.delete', { id: m.id }).then(() => load())}
                >
                  Forget
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
