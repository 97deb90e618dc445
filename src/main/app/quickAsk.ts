/**
 * The quick-ask window: frameless, always on top, created on first use and then only shown and
 * hidden. It hides when it loses focus (here) and on Esc (the renderer calls `window.close()`,
 * which is turned into a hide below). Toggled by the quickAsk hotkey and the tray.
 */
import type { BrowserWindow } from 'electron';
import type { Disposable } from '../../shared/lifecycle';

export class QuickAskController implements Disposable {
  private win: BrowserWindow | null = null;
  private disposed = false;

  constructor(
    private readonly create: () => BrowserWindow,
    private readonly isQuitting: () => boolean,
  ) {}

  get window(): BrowserWindow | null {
    return this.win && !this.win.isDestroyed() ? this.win : null;
  }

  toggle(): void {
    const win = this.window;
    if (win && win.isVisible() && win.isFocused()) this.hide();
    else this.show();
  }

  show(): void {
    if (this.disposed) return;
    const win = this.ensure();
    win.center();
    win.show();
    win.focus();
  }

  hide(): void {
    const win = this.window;
    if (win && win.isVisible()) win.hide();
  }

  dispose(): void {
    this.disposed = true;
    const win = this.window;
    this.win = null;
    if (win) win.destroy();
  }

  private ensure(): BrowserWindow {
    const existing = this.window;
    if (existing) return existing;
    const win = this.create();
    win.setAlwaysOnTop(true, 'floating');
    win.on('blur', () => this.hide());
    win.on('close', (event) => {
      // Esc in the renderer closes the window; keep it for next time unless the app is quitting.
      if (this.isQuitting() || this.disposed) return;
      event.preventDefault();
      this.hide();
    });
    win.on('closed', () => {
      if (this.win === win) this.win = null;
    });
    this.win = win;
    return win;
  }
}
