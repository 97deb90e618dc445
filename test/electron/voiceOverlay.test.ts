/** The push-to-talk overlay controller: follows voice.state, never takes the focus, holds Esc only while shown. */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BrowserWindow } from 'electron';
import { VoiceOverlayController } from '../../src/main/app/voiceOverlay';
import type { VoiceState } from '../../src/shared/types/voice';

class Win extends EventEmitter {
  visible = false;
  focused = false;
  destroyed = false;
  onTop: unknown[] = [];
  showInactive() {
    this.visible = true;
  }
  show() {
    this.visible = true;
    this.focused = true;
  }
  hide() {
    this.visible = false;
  }
  isVisible() {
    return this.visible;
  }
  isDestroyed() {
    return this.destroyed;
  }
  setAlwaysOnTop(...a: unknown[]) {
    this.onTop = a;
  }
  destroy() {
    this.destroyed = true;
    this.emit('closed');
  }
}

function setup() {
  const wins: Win[] = [];
  const keys = new Map<string, () => void>();
  const cancel = vi.fn();
  const c = new VoiceOverlayController({
    create: () => {
      const w = new Win();
      wins.push(w);
      return w as unknown as BrowserWindow;
    },
    globalShortcut: {
      register: (a: string, cb: () => void) => {
        if (keys.has(a)) return false;
        keys.set(a, cb);
        return true;
      },
      unregister: (a: string) => void keys.delete(a),
    },
    cancel,
    lingerMs: 1000,
  });
  return { c, wins, keys, cancel };
}

const st = (state: VoiceState['state'], patch: Partial<VoiceState> = {}): VoiceState => ({
  state,
  transcript: '',
  intent: null,
  error: null,
  ...patch,
});

afterEach(() => vi.useRealTimers());

describe('VoiceOverlayController', () => {
  it('shows (inactive, on top) through listening, transcribing, thinking, speaking; one window reused', () => {
    const { c, wins, keys } = setup();
    expect(wins).toHaveLength(0);
    c.onState(st('listening'));
    expect(wins).toHaveLength(1);
    expect(wins[0]!.visible).toBe(true);
    expect(wins[0]!.focused).toBe(false);
    expect(wins[0]!.onTop[0]).toBe(true);
    expect(keys.has('Escape')).toBe(true);
    for (const s of ['transcribing', 'thinking', 'speaking'] as const) {
      c.onState(st(s, { transcript: 'open settings' }));
      expect(wins[0]!.visible).toBe(true);
    }
    expect(wins).toHaveLength(1);
  });

  it('hides at once when the turn ends with nothing to read, and gives Esc back', () => {
    const { c, wins, keys } = setup();
    c.show();
    c.onState(st('idle'));
    expect(wins[0]!.visible).toBe(false);
    expect(keys.has('Escape')).toBe(false);
  });

  it('leaves an answer or an error up for a moment, then hides; a new turn keeps it up', () => {
    vi.useFakeTimers();
    const { c, wins, keys } = setup();
    c.onState(st('thinking', { transcript: 'what is on my briefing' }));
    c.onState(st('idle', { transcript: 'what is on my briefing' }));
    expect(wins[0]!.visible).toBe(true);
    expect(keys.has('Escape')).toBe(false);
    vi.advanceTimersByTime(999);
    expect(wins[0]!.visible).toBe(true);
    vi.advanceTimersByTime(1);
    expect(wins[0]!.visible).toBe(false);

    c.onState(st('listening'));
    c.onState(st('idle', { error: { code: 'UNAVAILABLE', message: 'No microphone' } }));
    c.onState(st('listening'));
    vi.advanceTimersByTime(5000);
    expect(wins[0]!.visible).toBe(true);
    expect(keys.has('Escape')).toBe(true);
  });

  it('Esc cancels the turn and hides; idle states do not bring it back', () => {
    const { c, wins, keys, cancel } = setup();
    c.onState(st('listening'));
    keys.get('Escape')!();
    expect(cancel).toHaveBeenCalledTimes(1);
    expect(wins[0]!.visible).toBe(false);
    expect(keys.has('Escape')).toBe(false);
    c.onState(st('idle'));
    expect(wins[0]!.visible).toBe(false);
  });

  it('an Esc another app holds is not fatal; dispose destroys the window and releases Esc', () => {
    const { c, wins, keys } = setup();
    keys.set('Escape', () => undefined);
    c.onState(st('listening'));
    expect(wins[0]!.visible).toBe(true);
    keys.delete('Escape');
    c.onState(st('speaking'));
    expect(keys.has('Escape')).toBe(true);
    c.dispose();
    expect(wins[0]!.destroyed).toBe(true);
    expect(keys.has('Escape')).toBe(false);
    c.onState(st('listening'));
    expect(wins).toHaveLength(1);
  });
});
