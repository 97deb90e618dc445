import { invoke } from '../../api';
import { toastError, useToastStore } from '../../stores/useToastStore';
import { useIngestStore } from '../../stores/useIngestStore';

/** Deletes documents and offers Undo (knowledge.restore) for as long as the server keeps them. */
export async function deleteWithUndo(ids: number[], label?: string): Promise<boolean> {
  if (ids.length === 0) return false;
  const r = await invoke('knowledge.delete', { ids });
  if (!r.ok) {
    toastError(r);
    return false;
  }
  const what =
    ids.length === 1 && label
      ? label
      : `${r.value.deleted} ${r.value.deleted === 1 ? 'document' : 'documents'}`;
  const push = useToastStore.getState().push;
  push({
    level: 'info',
    message: `Deleted ${what}`,
    durationMs: Math.max(3000, Math.min(30_000, r.value.purgeAt - Date.now() - 1000)),
    action: {
      label: 'Undo',
      run: () =>
        void invoke('knowledge.restore', { ids }).then((u) => {
          if (!u.ok) toastError(u);
          else push({ level: 'success', message: `Restored ${what}` });
        }),
    },
  });
  return true;
}

export async function reindex(ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  const r = await invoke('knowledge.reindex', { ids });
  if (!r.ok) return toastError(r);
  const missing = r.value.missing.length;
  useToastStore.getState().push({
    level: missing > 0 ? 'warning' : 'info',
    message:
      `Re-indexing ${r.value.queued} ${r.value.queued === 1 ? 'document' : 'documents'}` +
      (missing > 0 ? `; ${missing} original ${missing === 1 ? 'file is' : 'files are'} missing` : ''),
  });
  await useIngestStore.getState().refresh();
}

/** The desktop app opens the file with the system's application; a browser gets it from the host. */
export async function openOriginal(id: number, page: number | null): Promise<void> {
  const r = await invoke('knowledge.openOriginal', { id });
  if (!r.ok) return toastError(r);
  if (r.value.downloadUrl) {
    const url = r.value.downloadUrl + (page ? `#page=${page}` : '');
    window.open(url, '_blank', 'noopener');
  } else if (r.value.opened && page) {
    useToastStore
      .getState()
      .push({ level: 'info', message: `Opened ${r.value.path}; the passage is on page ${page}` });
  }
}
