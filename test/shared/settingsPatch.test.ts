import { describe, expect, it } from 'vitest';
import { SettingsPatchSchema } from '../../src/shared/types/settings';

describe('SettingsPatchSchema', () => {
  it('keeps only the fields a patch names (no defaults filled in for their siblings)', () => {
    expect(SettingsPatchSchema.parse({ general: { launchAtLogin: true } })).toEqual({
      general: { launchAtLogin: true },
    });
    expect(SettingsPatchSchema.parse({ hotkeys: { quickAsk: 'Ctrl+Shift+J' } })).toEqual({
      hotkeys: { quickAsk: 'Ctrl+Shift+J' },
    });
    expect(SettingsPatchSchema.parse({ models: {} })).toEqual({ models: {} });
    expect(SettingsPatchSchema.parse({})).toEqual({});
  });

  it('still validates the fields it names and refuses unknown ones', () => {
    expect(SettingsPatchSchema.safeParse({ appearance: { theme: 'sepia' } }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ hotkeys: { quickAsk: 'Ctrl+K; rm -rf' } }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ general: { closeToTray: 'yes' } }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ general: { unknown: true } }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ nope: {} }).success).toBe(false);
  });

  it('takes an espeak-ng voice id (with a variant) and nothing espeak could read as an option', () => {
    for (const ok of ['en-us', 'en-gb-x-rp', 'en-us+f3', 'en_029', 'de'])
      expect(SettingsPatchSchema.safeParse({ voice: { ttsVoice: ok } }).success, ok).toBe(true);
    for (const bad of ['-v', '--stdout', 'en us', 'en-us+', 'en;rm -rf', '+f3', 'a/b'])
      expect(SettingsPatchSchema.safeParse({ voice: { ttsVoice: bad } }).success, bad).toBe(false);
  });
});
