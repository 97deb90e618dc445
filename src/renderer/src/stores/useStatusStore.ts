import { create } from 'zustand';
import type { SystemStatus } from '../../../shared/types/system';
import { invoke, on, onConnectionState, type ConnectionState } from '../api';

interface StatusState {
  status: SystemStatus | null;
  connection: ConnectionState;
  /** Why the last status request failed, when it did. */
  error: string | null;
  refresh(): Promise<void>;
}

export const useStatusStore = create<StatusState>((set) => ({
  status: null,
  connection: 'connecting',
  error: null,
  async refresh() {
    const r = await invoke('system.status', {});
    if (r.ok) set({ status: r.value, error: null });
    else set({ error: r.message });
  },
}));

/** Wire the store to the live `system.statusChanged` event and to the connection state. */
export function startStatusSync(): () => void {
  const offEvent = on('system.statusChanged', (status) => useStatusStore.setState({ status, error: null }));
  const offState = onConnectionState((connection) => {
    useStatusStore.setState({ connection });
    // Fetch on the first connection and again after every reconnect: events may have been missed.
    if (connection === 'open') void useStatusStore.getState().refresh();
  });
  return () => {
    offEvent();
    offState();
  };
}
