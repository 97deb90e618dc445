import { useEffect, useRef, useState } from 'react';
import type { DocumentDetail } from '../../../../shared/types/library';
import { invoke, on } from '../../api';
import { Icon } from '../../components/Icon';
import { formatBytes } from '../../format';
import { Highlight } from '../search/Highlight';
import { markTerms } from '../search/text';
import { deleteWithUndo, openOriginal, reindex } from './actions';
import { useLibraryStore } from './useLibraryStore';

/**
 * One document: what Nook knows about it and every chunk, with the cited chunk scrolled into view
 * and highlighted (the words the search matched marked in it).
 */
export function DocumentPane() {
  const open = useLibraryStore((s) => s.open);
  const close = useLibraryStore((s) => s.openDocument);
  const [doc, setDoc] = useState<DocumentDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const focused = useRef<HTMLLIElement | null>(null);
  const id = open?.id;

  useEffect(
    () =>
      on('knowledge.changed', (c) => {
        if (id !== undefined && c.documentIds.includes(id)) setVersion((v) => v + 1);
      }),
    [id],
  );

  useEffect(() => {
    if (id === undefined) return;
    let live = true;
    void invoke('knowledge.document', { id }).then((r) => {
      if (!live) return;
      if (r.ok) {
        setDoc(r.value);
        setError(null);
      } else {
        setDoc(null);
        setError(r.message);
      }
    });
    return () => {
      live = false;
    };
  }, [id, version]);

  useEffect(() => {
    focused.current?.scrollIntoView({ block: 'center' });
  }, [doc, open?.chunkOrdinal]);

  if (!open) return null;
  const shown = doc && doc.id === open.id ? doc : null;
  const lastOrdinal = shown?.chunks.at(-1)?.ordinal ?? -1;

  return (
    <aside
      className="doc-pane"
      aria-label="Document"
      data-testid="document-pane"
      onKeyDown={(e) => {
        if (e.key === 'Escape') close(null);
      }}
    >
      <header className="doc-pane__header">
        <h2 className="doc-pane__title" title={shown?.path}>
          {shown ? (shown.title ?? shown.name) : error ? 'Document not available' : 'Loading…'}
        </h2>
        <button
          type="button"
          className="icon-button"
          aria-label="Close the document"
          onClick={() => close(null)}
        >
          <Icon name="close" size={14} />
        </button>
      </header>
      {error ? <p className="doc-pane__error">{error}</p> : null}
      {shown ? (
        <>
          <dl className="kv doc-pane__facts">
            <dt>File</dt>
            <dd className="mono" title={shown.path}>
              {shown.path}
            </dd>
            <dt>Type</dt>
            <dd>{shown.format ?? shown.ext}</dd>
            <dt>Size</dt>
            <dd>{formatBytes(shown.size)}</dd>
            <dt>Chunks</dt>
            <dd>{shown.chunkCount}</dd>
            <dt>Status</dt>
            <dd>{shown.status === 'error' ? `Error: ${shown.error ?? 'unknown'}` : 'Indexed'}</dd>
          </dl>
          {shown.warnings.length > 0 ? (
            <ul className="doc-pane__warnings">
              {shown.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          ) : null}
          <div className="doc-pane__actions">
            <button
              type="button"
              className="button"
              onClick={() => void openOriginal(shown.id, open.page ?? null)}
            >
              Open original{open.page ? ` at p. ${open.page}` : ''}
            </button>
            <button type="button" className="button button--ghost" onClick={() => void reindex([shown.id])}>
              Re-index
            </button>
            <button
              type="button"
              className="button button--ghost button--danger"
              onClick={() => {
                close(null);
                void deleteWithUndo([shown.id], shown.name);
              }}
            >
              Delete
            </button>
          </div>
          <ol className="doc-pane__chunks" aria-label="Passages">
            {shown.chunks.map((c) => {
              const cited = c.ordinal === open.chunkOrdinal;
              return (
                <li
                  key={c.id}
                  ref={cited ? focused : undefined}
                  className="chunk"
                  data-cited={cited || undefined}
                  data-testid={cited ? 'cited-chunk' : undefined}
                  aria-current={cited || undefined}
                >
                  <p className="chunk__where">
                    #{c.ordinal + 1}
                    {c.page !== null ? ` · p. ${c.page}` : ''}
                    {c.headingPath.length > 0 ? ` · ${c.headingPath.join(' › ')}` : ''}
                  </p>
                  <p className="chunk__text">
                    {cited && open.terms?.length ? (
                      <Highlight spans={markTerms(c.text, open.terms)} />
                    ) : (
                      c.text
                    )}
                  </p>
                </li>
              );
            })}
          </ol>
          {open.chunkOrdinal !== undefined && open.chunkOrdinal > lastOrdinal ? (
            <p className="doc-pane__more">
              The cited passage (#{open.chunkOrdinal + 1}) is beyond the first {shown.chunks.length} shown
              here; open the original to read it.
            </p>
          ) : null}
        </>
      ) : null}
    </aside>
  );
}
