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
});
