import { useCallback, useLayoutEffect, useRef, useState, type DragEvent } from 'react';
import { resolveDroppedFiles, type DroppedFiles } from '../api';

export interface FileDropBindings {
  onDragEnter(e: DragEvent): void;
  onDragOver(e: DragEvent): void;
  onDragLeave(e: DragEvent): void;
  onDrop(e: DragEvent): void;
}

/** True when a drag carries files (not text or a link dragged from inside the page). */
export function dragHasFiles(types: readonly string[] | DOMStringList): boolean {
  return Array.from(types as ArrayLike<string>).includes('Files');
}

/**
 * Drag-and-drop plumbing for files: `isOver` while files hover, and `onFiles` with absolute paths
 * in Electron (through the preload's webUtils) or File objects in the browser (for an HTTP upload).
 * Nested elements fire enter/leave in pairs; a depth counter keeps the overlay from flickering.
 */
export function useFileDrop(onFiles: (dropped: DroppedFiles) => void): {
  isOver: boolean;
  bind: FileDropBindings;
} {
  const [isOver, setOver] = useState(false);
  const depth = useRef(0);
  const onFilesRef = useRef(onFiles);
  useLayoutEffect(() => {
    onFilesRef.current = onFiles;
  }, [onFiles]);

  const onDragEnter = useCallback((e: DragEvent) => {
    if (!dragHasFiles(e.dataTransfer.types)) return;
    e.preventDefault();
    depth.current += 1;
    setOver(true);
  }, []);

  const onDragOver = useCallback((e: DragEvent) => {
    if (!dragHasFiles(e.dataTransfer.types)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDragLeave = useCallback((e: DragEvent) => {
    if (!dragHasFiles(e.dataTransfer.types)) return;
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setOver(false);
  }, []);

  const onDrop = useCallback((e: DragEvent) => {
    if (!dragHasFiles(e.dataTransfer.types)) return;
    e.preventDefault();
    depth.current = 0;
    setOver(false);
    const files = Array.from(e.dataTransfer.files);
    if (files.length === 0) return;
    // A folder dropped in a browser arrives as an empty File; its entries are read through the
    // File System entries API (only while the event lasts, so the entries are taken now).
    const entries = window.nook
      ? []
      : Array.from(e.dataTransfer.items ?? [], (item) => item.webkitGetAsEntry?.() ?? null);
    if (entries.some((en) => en?.isDirectory)) {
      void filesFromEntries(entries).then(({ files: found, relativePaths }) => {
        if (found.length > 0)
          onFilesRef.current({ kind: 'files', files: found, names: found.map((f) => f.name), relativePaths });
      });
      return;
    }
    onFilesRef.current(resolveDroppedFiles(files));
  }, []);

  return { isOver, bind: { onDragEnter, onDragOver, onDragLeave, onDrop } };
}

const MAX_FOLDER_FILES = 10_000;

/** Every file under dropped entries (folders recursively), with its folder-relative path. */
export async function filesFromEntries(
  entries: readonly (FileSystemEntry | null)[],
): Promise<{ files: File[]; relativePaths: string[] }> {
  const files: File[] = [];
  const relativePaths: string[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (files.length >= MAX_FOLDER_FILES || entry.name.startsWith('.')) return;
    if (entry.isFile) {
      const file = await new Promise<File | null>((resolve) =>
        (entry as FileSystemFileEntry).file(resolve, () => resolve(null)),
      );
      if (file) {
        files.push(file);
        relativePaths.push(prefix + entry.name);
      }
      return;
    }
    if (!entry.isDirectory) return;
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries answers in slices (100 at a time in Chromium) until it answers an empty one.
    for (;;) {
      const slice = await new Promise<FileSystemEntry[]>((resolve) =>
        reader.readEntries(resolve, () => resolve([])),
      );
      if (slice.length === 0) break;
      for (const child of slice) await walk(child, `${prefix}${entry.name}/`);
    }
  };
  for (const e of entries) if (e) await walk(e, '');
  return { files, relativePaths };
}
