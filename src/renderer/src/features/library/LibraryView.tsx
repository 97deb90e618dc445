import { useState } from 'react';
import type { DroppedFiles } from '../../api';
import { DropOverlay } from '../../components/DropOverlay';
import { EmptyState } from '../../components/EmptyState';
import { useFileDrop } from '../../hooks/useFileDrop';

/**
 * The Library lists imported documents once importing exists. The drop target is already live so the
 * plumbing (absolute paths in Electron, File objects in a browser) can be seen working, but nothing
 * is imported yet and the screen says so.
 */
export function LibraryView() {
  const [dropped, setDropped] = useState<DroppedFiles | null>(null);
  const { isOver, bind } = useFileDrop(setDropped);

  return (
    <div className="view view--droppable" {...bind} data-testid="library-drop-target">
      <header className="view__header">
        <h1 className="view__title">Library</h1>
      </header>
      <EmptyState
        icon="library"
        title="Your documents will live here"
        arrives="Importing arrives in a coming update."
      >
        <p>
          PDFs, Markdown, text files and notes you add will be listed here with their import progress, size
          and when they were last indexed. You will be able to drop files on this window to add them.
        </p>
      </EmptyState>
      {dropped ? (
        <div className="notice" role="status" data-testid="drop-result">
          <p>
            Received {dropped.names.length} {dropped.names.length === 1 ? 'file' : 'files'}
            {dropped.kind === 'paths' ? ' (paths resolved)' : ''}: {dropped.names.join(', ')}. Nothing was
            imported: importing is not available yet.
          </p>
          <button type="button" className="button button--ghost" onClick={() => setDropped(null)}>
            Dismiss
          </button>
        </div>
      ) : null}
      <DropOverlay visible={isOver} label="Drop files to add them to your Library" />
    </div>
  );
}
