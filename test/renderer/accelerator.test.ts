import { describe, expect, it } from 'vitest';
import {
  acceleratorFromEvent,
  checkAccelerator,
  sameAccelerator,
} from '../../src/renderer/src/features/settings/accelerator';

const key = (over: Partial<Parameters<typeof acceleratorFromEvent>[0]>) => ({
  key: '',
  code: '',
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...over,
});

describe('checkAccelerator', () => {
  it('accepts Electron accelerators and normalises their spelling', () => {
    expect(checkAccelerator('CommandOrControl+Alt+K')).toEqual({
      ok: true,
      normalized: 'CommandOrControl+Alt+K',
    });
    expect(checkAccelerator(' ctrl + shift + j ')).toEqual({ ok: true, normalized: 'Ctrl+Shift+J' });
    expect(checkAccelerator('cmdorctrl+alt+space')).toEqual({ ok: true, normalized: 'CmdOrCtrl+Alt+Space' });
    expect(checkAccelerator('F13')).toEqual({ ok: true, normalized: 'F13' });
    expect(checkAccelerator('Super+pagedown')).toEqual({ ok: true, normalized: 'Super+PageDown' });
  });

  it('says what is wrong with the rest', () => {
    const message = (s: string) => {
      const r = checkAccelerator(s);
      return r.ok ? null : r.message;
    };
    expect(message('')).toMatch(/Enter a shortcut/);
    expect(message('Ctrl++K')).toMatch(/single "\+"/);
    expect(message('Ctrl+Ctrl+K')).toMatch(/Ctrl appears twice/);
    expect(message('Alt+Shift')).toMatch(/Add a key/);
    expect(message('Ctrl+K+L')).toMatch(/one key/);
    expect(message('Ctrl+Banana')).toMatch(/"Banana" is not a key/);
    expect(message('K')).toMatch(/Add a modifier/);
    expect(message('Shift+K')).toMatch(/Shift alone/);
    expect(message('Ctrl+' + 'K'.repeat(70))).toMatch(/too long/);
  });
});

describe('sameAccelerator', () => {
  it('compares after normalising, case-insensitively', () => {
    expect(sameAccelerator('ctrl+alt+k', 'Ctrl+Alt+K')).toBe(true);
    expect(sameAccelerator('Ctrl+Alt+K', 'Ctrl+Alt+J')).toBe(false);
  });
});

describe('acceleratorFromEvent', () => {
  it('builds an accelerator from a key press, by physical key for letters and digits', () => {
    expect(acceleratorFromEvent(key({ key: 'm', code: 'KeyM', ctrlKey: true, altKey: true }))).toBe(
      'CommandOrControl+Alt+M',
    );
    expect(acceleratorFromEvent(key({ key: 'µ', code: 'KeyM', metaKey: true }))).toBe('CommandOrControl+M');
    expect(acceleratorFromEvent(key({ key: '!', code: 'Digit1', ctrlKey: true, shiftKey: true }))).toBe(
      'CommandOrControl+Shift+1',
    );
    expect(acceleratorFromEvent(key({ key: ' ', code: 'Space', altKey: true }))).toBe('Alt+Space');
    expect(acceleratorFromEvent(key({ key: 'F5', code: 'F5' }))).toBe('F5');
  });

  it('waits while only modifiers are held, and ignores keys it cannot name', () => {
    expect(acceleratorFromEvent(key({ key: 'Control', code: 'ControlLeft', ctrlKey: true }))).toBeNull();
    expect(acceleratorFromEvent(key({ key: 'Dead', code: 'Quote', ctrlKey: true }))).toBeNull();
  });
});
