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
    if (files.length > 0) onFilesRef.current(resolveDroppedFiles(files));
  }, []);

  return { isOver, bind: { onDragEnter, onDragOver, onDragLeave, onDrop } };
}
