/**
 * Drag-and-drop: dropping a file on a window must never replace the app with that file. The renderer
 * handles drops itself (the preload's `pathsForFiles` turns File objects into absolute paths and a
 * typed route takes them); here main refuses any page-initiated navigation to a file: URL, as a
 * second line behind `navigateOnDragDrop: false`. The app's own pages load through loadFile/loadURL,
 * which do not emit 'will-navigate', so this never blocks the app itself.
 */
import type { WebContents } from 'electron';

export function installDropGuard(
  contents: Pick<WebContents, 'on'>,
  log?: { warn(obj: object, msg: string): void },
): void {
  contents.on('will-navigate', (event, url) => {
    if (!/^file:/i.test(url)) return;
    event.preventDefault();
    log?.warn({}, 'navigation to a dropped file blocked');
  });
}
