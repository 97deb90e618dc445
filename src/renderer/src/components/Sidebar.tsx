import { useRef, type KeyboardEvent } from 'react';
import { VIEWS, useNavStore, type ViewId } from '../stores/useNavStore';
import { Icon } from './Icon';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
export const MOD_LABEL = isMac ? '⌘' : 'Ctrl+';

/**
 * The main navigation. Arrow keys move between items (roving focus), Home/End jump to the ends,
 * Enter/Space open; Ctrl/Cmd+1..6 switch views from anywhere (see useViewShortcuts).
 */
export function Sidebar() {
  const view = useNavStore((s) => s.view);
  const setView = useNavStore((s) => s.setView);
  const refs = useRef<Map<ViewId, HTMLButtonElement>>(new Map());

  const focusAt = (index: number) => {
    const n = VIEWS.length;
    const target = VIEWS[((index % n) + n) % n];
    if (target) refs.current.get(target.id)?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>, index: number) => {
    if (e.key === 'ArrowDown') focusAt(index + 1);
    else if (e.key === 'ArrowUp') focusAt(index - 1);
    else if (e.key === 'Home') focusAt(0);
    else if (e.key === 'End') focusAt(VIEWS.length - 1);
    else return;
    e.preventDefault();
  };

  return (
    <nav className="sidebar" aria-label="Main">
      <div className="sidebar__brand" aria-hidden="true">
        <span className="sidebar__logo">N</span>
        <span>Nook</span>
      </div>
      <ul className="sidebar__list">
        {VIEWS.map((v, i) => {
          const active = v.id === view;
          return (
            <li key={v.id}>
              <button
                type="button"
                ref={(el) => {
                  if (el) refs.current.set(v.id, el);
                  else refs.current.delete(v.id);
                }}
                className="sidebar__item"
                aria-current={active ? 'page' : undefined}
                aria-keyshortcuts={`${isMac ? 'Meta' : 'Control'}+${i + 1}`}
                tabIndex={active ? 0 : -1}
                data-view={v.id}
                onClick={() => setView(v.id)}
                onKeyDown={(e) => onKeyDown(e, i)}
              >
                <Icon name={v.id} />
                <span className="sidebar__label">{v.label}</span>
                <kbd className="sidebar__kbd" aria-hidden="true">
                  {MOD_LABEL}
                  {i + 1}
                </kbd>
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
