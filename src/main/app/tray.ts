/** The tray icon and its menu: Open Nook, Today's briefing, Quick ask, Quit; its tooltip says what waits. */
import type { Menu, MenuItemConstructorOptions, NativeImage, Tray } from 'electron';
import type { Disposable } from '../../shared/lifecycle';

export interface TrayDeps {
  Tray: new (image: NativeImage | string) => Tray;
  Menu: Pick<typeof Menu, 'buildFromTemplate'>;
  icon: NativeImage | string;
  platform: string;
  onOpen(): void;
  /** Opens the main window on the Briefing screen. */
  onBriefing?(): void;
  onQuickAsk(): void;
  onQuit(): void;
}

/** What waits for the user: reminders now due and a briefing not opened yet. */
export interface Attention {
  dueReminders: number;
  unreadBriefing: boolean;
}

export interface TrayHandle extends Disposable {
  /** Shows what waits in the tooltip (and, on macOS, as a count next to the icon). */
  setAttention(attention: Attention): void;
}

export function trayMenuTemplate(
  deps: Pick<TrayDeps, 'onOpen' | 'onBriefing' | 'onQuickAsk' | 'onQuit'>,
): MenuItemConstructorOptions[] {
  return [
    { id: 'open', label: 'Open Nook', click: () => deps.onOpen() },
    ...(deps.onBriefing
      ? [{ id: 'briefing', label: 'Today’s briefing', click: () => deps.onBriefing?.() }]
      : []),
    { id: 'quickAsk', label: 'Quick ask', click: () => deps.onQuickAsk() },
    { type: 'separator' },
    { id: 'quit', label: 'Quit', role: undefined, click: () => deps.onQuit() },
  ];
}

/** How many things wait: each due reminder, and one for an unread briefing. */
export function attentionCount(a: Attention): number {
  return Math.max(0, a.dueReminders) + (a.unreadBriefing ? 1 : 0);
}

/** "Nook", or "Nook: 2 reminders due, briefing ready". */
export function trayTooltip(a: Attention): string {
  const parts: string[] = [];
  if (a.dueReminders > 0)
    parts.push(`${a.dueReminders} ${a.dueReminders === 1 ? 'reminder' : 'reminders'} due`);
  if (a.unreadBriefing) parts.push('briefing ready');
  return parts.length === 0 ? 'Nook' : `Nook: ${parts.join(', ')}`;
}

export function createTray(deps: TrayDeps): TrayHandle {
  const tray = new deps.Tray(deps.icon);
  tray.setToolTip('Nook');
  tray.setContextMenu(deps.Menu.buildFromTemplate(trayMenuTemplate(deps)));
  // A left click opens the app on Windows and Linux; on macOS a click shows the menu.
  if (deps.platform !== 'darwin') tray.on('click', () => deps.onOpen());
  return {
    setAttention(a) {
      if (tray.isDestroyed()) return;
      tray.setToolTip(trayTooltip(a));
      // macOS shows a title next to the menu-bar icon; elsewhere the tooltip (and the badge) carry it.
      if (deps.platform === 'darwin') {
        const n = attentionCount(a);
        tray.setTitle(n > 0 ? String(n) : '');
      }
    },
    dispose() {
      if (!tray.isDestroyed()) tray.destroy();
    },
  };
}
