import { useEffect } from 'react';
import { onConnectionState, on } from './api';
import { Sidebar } from './components/Sidebar';
import { StatusBar } from './components/StatusBar';
import { Toasts } from './components/Toasts';
import { DropOverlay } from './components/DropOverlay';
import { useFileDrop } from './hooks/useFileDrop';
import { ImportPanel } from './features/library/ImportPanel';
import { useLibraryStore } from './features/library/useLibraryStore';
import { startIngestSync, useIngestStore } from './stores/useIngestStore';
import { AskView } from './features/ask/AskView';
import { startAskLinks } from './features/ask/askLink';
import { BriefingView } from './features/briefing/BriefingView';
import { startBriefingNotifications } from './features/briefing/notifications';
import { startBriefingSync } from './features/briefing/useBriefingStore';
import { startRemindersSync } from './features/briefing/useReminders';
import { LibraryView } from './features/library/LibraryView';
import { PluginsView } from './features/plugins/PluginsView';
import { CommandPalette } from './features/plugins/CommandPalette';
import { SettingsView } from './features/settings/SettingsView';
import { DiagnosticsView } from './features/diagnostics/DiagnosticsView';
import { startVoiceActions, VoiceView } from './features/voice/VoiceView';
import { VIEWS, useNavStore, type ViewId } from './stores/useNavStore';
import { startSettingsSync, useSettingsStore } from './stores/useSettingsStore';
import { startStatusSync } from './stores/useStatusStore';
import { useToastStore } from './stores/useToastStore';
import { applyTheme } from './theme';

const VIEW_COMPONENTS: Record<ViewId, () => React.JSX.Element> = {
  ask: AskView,
  library: LibraryView,
  briefing: BriefingView,
  voice: VoiceView,
  plugins: PluginsView,
  settings: SettingsView,
  diagnostics: DiagnosticsView,
};

/** Ctrl+1..6 (Cmd on macOS) switch views from anywhere, including text fields. */
function useViewShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
      // Ctrl/Cmd+K: search the Library from anywhere.
      if (e.key.toLowerCase() === 'k') {
        e.preventDefault();
        useNavStore.getState().setView('library');
        useLibraryStore.getState().focusSearch();
        return;
      }
      const n = Number(e.key);
      const target = Number.isInteger(n) && n >= 1 ? VIEWS[n - 1] : undefined;
      if (!target) return;
      e.preventDefault();
      useNavStore.getState().setView(target.id);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

/** Settings and status stay in sync with the backend; notices and lost connections become toasts. */
function useBackendSync(): void {
  useEffect(() => {
    const push = useToastStore.getState().push;
    const stopSettings = startSettingsSync();
    const stopStatus = startStatusSync();
    const stopIngest = startIngestSync();
    const offNotice = on('system.notice', (n) => push({ level: n.level, message: n.message }));
    const stopVoice = startVoiceActions();
    const stopAskLinks = startAskLinks();
    const stopBriefing = startBriefingSync();
    const stopReminders = startRemindersSync();
    const stopBriefingNotices = startBriefingNotifications();
    let wasOpen = false;
    const offConn = onConnectionState((state) => {
      if (state === 'reconnecting' && wasOpen)
        push({ level: 'warning', message: 'Lost the connection to Nook; reconnecting…' });
      if (state === 'closed')
        push({ level: 'error', message: 'Disconnected from Nook. Reload the page to try again.' });
      if (state === 'open' && wasOpen) push({ level: 'success', message: 'Reconnected to Nook' });
      if (state === 'open') wasOpen = true;
    });
    return () => {
      stopSettings();
      stopStatus();
      stopIngest();
      offNotice();
      stopVoice();
      stopAskLinks();
      stopBriefing();
      stopReminders();
      stopBriefingNotices();
      offConn();
    };
  }, []);
}

function useThemeFromSettings(): void {
  const theme = useSettingsStore((s) => s.settings?.appearance.theme ?? 'system');
  useEffect(() => applyTheme(theme), [theme]);
}

export function App() {
  useBackendSync();
  useViewShortcuts();
  useThemeFromSettings();
  const view = useNavStore((s) => s.view);
  const View = VIEW_COMPONENTS[view];
  const label = VIEWS.find((v) => v.id === view)?.label ?? '';
  // Files dropped anywhere on the window are imported (paths on the desktop, an upload in a browser).
  const { isOver, bind } = useFileDrop((dropped) => void useIngestStore.getState().importFiles(dropped));

  useEffect(() => {
    document.title = `${label} — Nook`;
  }, [label]);

  return (
    <div className="app" {...bind} data-testid="app-drop-target">
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <Sidebar />
      <main className="main" id="main" tabIndex={-1} aria-label={label} data-view={view}>
        <View />
      </main>
      <StatusBar />
      <CommandPalette />
      <ImportPanel />
      <Toasts />
      <DropOverlay visible={isOver} label="Drop files or folders to add them to your Library" />
    </div>
  );
}
