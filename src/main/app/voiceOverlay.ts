/**
 * The push-to-talk overlay: a small frameless window that floats above every app and never takes
 * the focus (the user keeps typing where they were). It follows the voice loop's `voice.state`:
 * shown when listening starts (the push-to-talk hotkey), kept up through transcribing / thinking /
 * speaking, and hidden once the turn is over (after a short pause when there is an answer to read).
 *
 * Esc cancels: the overlay never has the keyboard focus, so while it is visible it holds a global
 * Escape shortcut, released as soon as it hides (other apps get their Esc back).
 */
import type { BrowserWindow, GlobalShortcut } from 'electron';
import type { Disposable } from '../../shared/lifecycle';
import type { VoiceState } from '../../shared/types/voice';

export interface VoiceOverlayDeps {
  create: () => BrowserWindow;
  globalShortcut: Pick<GlobalShortcut, 'register' | 'unregister'>;
  /** What Esc does: drop the turn and any speech (VoiceService.cancel). */
  cancel: () => void;
  /** How long an answer or error stays up after the turn ends (ms, default 2500). */
  lingerMs?: number;
}

const ACTIVE: ReadonlySet<VoiceState['state']> = new Set([
  'listening',
  'transcribing',
  'thinking',
  'speaking',
]);

export class VoiceOverlayController implements Disposable {
  private win: BrowserWindow | null = null;
  private escHeld = false;
  private hideTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(private readonly deps: VoiceOverlayDeps) {}

  get window(): BrowserWindow | null {
    return this.win && !this.win.isDestroyed() ? this.win : null;
  }

  get visible(): boolean {
    return !!this.window?.isVisible();
  }

  /** Follows the voice loop (subscribe it to `voice.state`). */
  onState(s: VoiceState): void {
    if (this.disposed) return;
    if (ACTIVE.has(s.state)) {
      this.show();
      return;
    }
    // idle: the turn is over. Leave an answer or an error up for a moment; nothing to read: hide now.
    if (!this.visible) return;
    if (s.error || s.transcript) this.hideLater(this.deps.lingerMs ?? 2500);
    else this.hide();
  }

  /** Shows the overlay without taking the focus (the hotkey calls this before listening starts). */
  show(): void {
    if (this.disposed) return;
    clearTimeout(this.hideTimer);
    this.hideTimer = undefined;
    const win = this.ensure();
    if (!win.isVisible()) win.showInactive();
    this.holdEscape();
  }

  hide(): void {
    clearTimeout(this.hideTimer);
    this.hideTimer = undefined;
    this.releaseEscape();
    const win = this.window;
    if (win && win.isVisible()) win.hide();
  }

  dispose(): void {
    this.disposed = true;
    this.hide();
    const win = this.window;
    this.win = null;
    if (win) win.destroy();
  }

  private hideLater(ms: number): void {
    clearTimeout(this.hideTimer);
    // Esc is given back right away: nothing is left to cancel.
    this.releaseEscape();
    this.hideTimer = setTimeout(() => this.hide(), ms);
  }

  private holdEscape(): void {
    if (this.escHeld) return;
    try {
      this.escHeld = this.deps.globalShortcut.register('Escape', () => {
        this.deps.cancel();
        this.hide();
      });
    } catch {
      this.escHeld = false;
    }
  }

  private releaseEscape(): void {
    if (!this.escHeld) return;
    this.escHeld = false;
    this.deps.globalShortcut.unregister('Escape');
  }

  private ensure(): BrowserWindow {
    const existing = this.window;
    if (existing) return existing;
    const win = this.deps.create();
    // Above full-screen apps too ('screen-saver' level on macOS; plain always-on-top elsewhere).
    win.setAlwaysOnTop(true, 'screen-saver');
    win.on('closed', () => {
      if (this.win === win) this.win = null;
      this.releaseEscape();
    });
    this.win = win;
    return win;
  }
}
