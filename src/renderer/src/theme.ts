/**
 * Theme: `appearance.theme` is system, light or dark. <html data-theme> always holds the resolved
 * theme (light or dark) so CSS has one switch; `data-theme-setting` keeps what the user chose.
 * Before settings arrive, CSS falls back to `prefers-color-scheme`.
 */
import type { Settings } from '../../shared/types/settings';

export type ThemeSetting = Settings['appearance']['theme'];

const media = (): MediaQueryList => window.matchMedia('(prefers-color-scheme: dark)');

export function resolveTheme(setting: ThemeSetting, prefersDark: boolean): 'light' | 'dark' {
  if (setting === 'system') return prefersDark ? 'dark' : 'light';
  return setting;
}

/** Apply a theme setting and keep following the OS while it is `system`; returns a disposer. */
export function applyTheme(setting: ThemeSetting): () => void {
  const root = document.documentElement;
  const mq = media();
  const apply = () => {
    root.dataset.theme = resolveTheme(setting, mq.matches);
    root.dataset.themeSetting = setting;
  };
  apply();
  if (setting !== 'system') return () => undefined;
  mq.addEventListener('change', apply);
  return () => mq.removeEventListener('change', apply);
}
