import { create } from 'zustand';
import type { Settings, SettingsPatch } from '../../../shared/types/settings';
import type { Result } from '../../../shared/ipc/result';
import { invoke, on, onConnectionState } from '../api';
import { unwrap } from './useToastStore';

interface SettingsState {
  settings: Settings | null;
  loadError: string | null;
  load(): Promise<void>;
  /** Apply a patch; an `{ok:false}` answer is toasted and returned so forms can show it inline too. */
  update(patch: SettingsPatch): Promise<Result<Settings>>;
  reset(): Promise<void>;
}

export const useSettingsStore = create<SettingsState>((set, get) => ({
  settings: null,
  loadError: null,
  async load() {
    const r = await invoke('settings.get', {});
    if (r.ok) set({ settings: r.value, loadError: null });
    else set({ loadError: r.message });
  },
  async update(patch) {
    // Optimistic: controls reflect the change at once; the answer (or a revert on error) follows.
    const before = get().settings;
    if (before) set({ settings: applyPatch(before, patch) });
    const r = await invoke('settings.update', patch);
    const value = unwrap(r);
    if (value) set({ settings: value });
    else if (get().settings !== before) void get().load();
    return r;
  },
  async reset() {
    const value = unwrap(await invoke('settings.reset', {}));
    if (value) set({ settings: value });
  },
}));

/** The settings with each section of the patch merged in (sections are one level deep). */
export function applyPatch(settings: Settings, patch: SettingsPatch): Settings {
  const next = { ...settings };
  for (const key of Object.keys(patch) as Array<keyof SettingsPatch>) {
    const section = patch[key];
    if (section) (next as Record<string, unknown>)[key] = { ...settings[key], ...section };
  }
  return next;
}

export function startSettingsSync(): () => void {
  const offEvent = on('settings.changed', (settings) => useSettingsStore.setState({ settings }));
  const offState = onConnectionState((state) => {
    if (state === 'open') void useSettingsStore.getState().load();
  });
  return () => {
    offEvent();
    offState();
  };
}
