import { transportKind } from '../../api';
import { useSettingsStore } from '../../stores/useSettingsStore';
import { ApiKeysSection } from './ApiKeysSection';
import { DiagnosticsPanel } from './DiagnosticsPanel';
import { AppearanceSection, GeneralSection, LoggingSection, PrivacySection } from './GeneralSections';
import { HotkeysSection } from './HotkeysSection';

export function SettingsView() {
  const settings = useSettingsStore((s) => s.settings);
  const loadError = useSettingsStore((s) => s.loadError);
  const reset = useSettingsStore((s) => s.reset);
  const desktop = transportKind() === 'ipc';

  return (
    <div className="view view--settings">
      <header className="view__header">
        <h1 className="view__title">Settings</h1>
        <button
          type="button"
          className="button button--ghost"
          disabled={!settings}
          onClick={() => void reset()}
        >
          Restore defaults
        </button>
      </header>
      {!settings ? (
        <p className="muted">{loadError ? `Could not load settings: ${loadError}` : 'Loading settings…'}</p>
      ) : (
        <div className="settings-grid">
          <AppearanceSection settings={settings} />
          <GeneralSection settings={settings} desktop={desktop} />
          <HotkeysSection settings={settings} desktop={desktop} />
          <PrivacySection settings={settings} />
          <ApiKeysSection cloudAllowed={settings.privacy.allowCloudProviders} />
          <LoggingSection settings={settings} />
          <DiagnosticsPanel />
        </div>
      )}
    </div>
  );
}
