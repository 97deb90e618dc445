/** The tray icon and its menu: Open Nook, Quick ask, Quit. */
import type { Menu, MenuItemConstructorOptions, NativeImage, Tray } from 'electron';
import { toDisposable, type Disposable } from '../../shared/lifecycle';

export interface TrayDeps {
  Tray: new (image: NativeImage | string) => Tray;
  Menu: Pick<typeof Menu, 'buildFromTemplate'>;
  icon: NativeImage | string;
  platform: string;
  onOpen(): void;
  onQuickAsk(): void;
  onQuit(): void;
}

export function trayMenuTemplate(
  deps: Pick<TrayDeps, 'onOpen' | 'onQuickAsk' | 'onQuit'>,
): MenuItemConstructorOptions[] {
  return [
    { id: 'open', label: 'Open Nook', click: () => deps.onOpen() },
    { id: 'quickAsk', label: 'Quick ask', click: () => deps.onQuickAsk() },
    { type: 'separator' },
    { id: 'quit', label: 'Quit', role: undefined, click: () => deps.onQuit() },
  ];
}

export function createTray(deps: TrayDeps): Disposable {
  const tray = new deps.Tray(deps.icon);
  tray.setToolTip('Nook');
  tray.setContextMenu(deps.Menu.buildFromTemplate(trayMenuTemplate(deps)));
  // A left click opens the app on Windows and Linux; on macOS a click shows the menu.
  if (deps.platform !== 'darwin') tray.on('click', () => deps.onOpen());
  return toDisposable(() => {
    if (!tray.isDestroyed()) tray.destroy();
  });
}
