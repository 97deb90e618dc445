import { create } from 'zustand';

export const VIEWS = [
  { id: 'ask', label: 'Ask' },
  { id: 'library', label: 'Library' },
  { id: 'briefing', label: 'Briefing' },
  { id: 'voice', label: 'Voice' },
  { id: 'plugins', label: 'Plugins' },
  { id: 'settings', label: 'Settings' },
  { id: 'diagnostics', label: 'Diagnostics' },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];

export function isViewId(value: string): value is ViewId {
  return VIEWS.some((v) => v.id === value);
}

/** The view named in the URL hash (`#/settings`), so a reload keeps the user where they were. */
function viewFromHash(): ViewId {
  const id = location.hash.replace(/^#\/?/, '');
  return isViewId(id) ? id : 'ask';
}

interface NavState {
  view: ViewId;
  setView(view: ViewId): void;
}

export const useNavStore = create<NavState>((set) => ({
  view: viewFromHash(),
  setView(view) {
    if (location.hash !== `#/${view}`) history.replaceState(null, '', `#/${view}`);
    set({ view });
  },
}));

window.addEventListener('hashchange', () => {
  const view = viewFromHash();
  if (useNavStore.getState().view !== view) useNavStore.setState({ view });
});
