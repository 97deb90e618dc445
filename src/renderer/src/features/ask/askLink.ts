import { create } from 'zustand';
import { on } from '../../api';

/**
 * The conversation the Ask screen should show because something outside it asked: the page's
 * `?conversation=<id>` (a new main window, or the browser link of the quick ask), or the desktop
 * shell's `app.openView` event ("Continue in Nook" in the quick-ask window while the main window is
 * open). `seq` changes on every request, so asking for the same conversation again reopens it.
 */
export interface AskLink {
  conversationId: number;
  seq: number;
}

interface AskLinkState {
  link: AskLink | null;
  open(conversationId: number): void;
  /** The Ask screen took the link: coming back to the screen later starts a new conversation. */
  consume(): void;
}

function fromLocation(): AskLinkState['link'] {
  const id = Number(new URLSearchParams(location.search).get('conversation'));
  return Number.isInteger(id) && id > 0 ? { conversationId: id, seq: 0 } : null;
}

export const useAskLinkStore = create<AskLinkState>((set, get) => ({
  link: fromLocation(),
  open(conversationId) {
    set({ link: { conversationId, seq: (get().link?.seq ?? 0) + 1 } });
  },
  consume() {
    set({ link: null });
  },
}));

/** Follows the shell's requests to show a conversation (the view switch itself is the nav store's). */
export function startAskLinks(): () => void {
  return on('app.openView', ({ view, conversationId }) => {
    if (view === 'ask' && conversationId !== undefined) useAskLinkStore.getState().open(conversationId);
  });
}
