import { useEffect, useState } from 'react';
import { transportKind } from '../../api';
import { useSettingsStore } from '../../stores/useSettingsStore';
import { ApiKeysSection } from './ApiKeysSection';
import { ApiTokensSection } from './ApiTokensSection';
import { BriefingSettings } from './BriefingSettings';
import { DiagnosticsPanel } from './DiagnosticsPanel';
import { AppearanceSection, GeneralSection, LoggingSection, PrivacySection } from './GeneralSections';
import { HotkeysSection } from './HotkeysSection';
import { ModelsScreen } from '../models/ModelsScreen';
import { MemorySection } from './MemorySection';
import { ProvidersSection } from './ProvidersSection';
import { VoiceSettings } from './VoiceSettings';
import '../ask/ask.css';

export function SettingsView() {
  const settings = useSettingsStore((s) => s.settings);
  const loadError = useSettingsStore((s) => s.loadError);
  const reset = useSettingsStore((s) => s.reset);
  const desktop = transportKind() === 'ipc';
  // Restoring defaults throws away every choice: the first click arms, a second within 4 s resets.
  const [confirming, setConfirming] = useState(false);
  useEffect(() => {
    if (!confirming) return;
    const t = setTimeout(() => setConfirming(false), 4000);
    return () => clearTimeout(t);
  }, [confirming]);

  return (
    <div className="view view--settings">
      <header className="view__header">
        <h1 className="view__title">Settings</h1>
        <button
          type="button"
          className={`button ${confirming ? 'button--danger' : 'button--ghost'}`}
          disabled={!settings}
          onClick={() => {
            if (!confirming) return setConfirming(true);
            setConfirming(false);
            void reset();
          }}
        >
          {confirming ? 'Click again to restore defaults' : 'Restore defaults'}
        </button>
      </header>
      {!settings ? (
        <p className="muted">{loadError ? `Could not load settings: ${loadError}` : 'Loading settings…'}</p>
      ) : (
        <div className="settings-grid">
          <AppearanceSection settings={settings} />
          <GeneralSection settings={settings} desktop={desktop} />
          <BriefingSettings settings={settings} />
          <HotkeysSection settings={settings} desktop={desktop} />
          <VoiceSettings settings={settings} />
          <PrivacySection settings={settings} />
          <ApiKeysSection cloudAllowed={settings.privacy.allowCloudProviders} />
          <ProvidersSection cloudAllowed={settings.privacy.allowCloudProviders} />
          <ApiTokensSection settings={settings} desktop={desktop} />
          <MemorySection />
          <ModelsScreen />
          <LoggingSection settings={settings} />
          <DiagnosticsPanel />
        </div>
      )}
    </div>
  );
}
