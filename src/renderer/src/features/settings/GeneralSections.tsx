import { useId } from 'react';
import type { Settings } from '../../../../shared/types/settings';
import { Switch } from '../../components/Switch';
import { useSettingsStore } from '../../stores/useSettingsStore';

const THEMES: ReadonlyArray<{ value: Settings['appearance']['theme']; label: string }> = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

const LOG_LEVELS: ReadonlyArray<Settings['logging']['level']> = ['debug', 'info', 'warn', 'error'];

export function AppearanceSection({ settings }: { settings: Settings }) {
  const update = useSettingsStore((s) => s.update);
  const name = useId();
  return (
    <section className="card" aria-labelledby={`${name}-h`}>
      <h2 className="card__title" id={`${name}-h`}>
        Appearance
      </h2>
      <div className="field field--row">
        <div className="field__text">
          <span className="field__label" id={`${name}-l`}>
            Theme
          </span>
          <span className="field__hint">System follows your operating system’s light or dark mode.</span>
        </div>
        <div className="segmented" role="radiogroup" aria-labelledby={`${name}-l`}>
          {THEMES.map((t) => (
            <label key={t.value} className="segmented__option">
              <input
                type="radio"
                name={`${name}-theme`}
                value={t.value}
                checked={settings.appearance.theme === t.value}
                onChange={() => void update({ appearance: { theme: t.value } })}
              />
              <span>{t.label}</span>
            </label>
          ))}
        </div>
      </div>
    </section>
  );
}

export function GeneralSection({ settings, desktop }: { settings: Settings; desktop: boolean }) {
  const update = useSettingsStore((s) => s.update);
  const note = desktop ? '' : ' Applies to the desktop app.';
  return (
    <section className="card" aria-labelledby="settings-general">
      <h2 className="card__title" id="settings-general">
        General
      </h2>
      <Switch
        label="Close to tray"
        description={`Closing the window keeps Nook running in the tray, so hotkeys keep working.${note}`}
        checked={settings.general.closeToTray}
        onChange={(v) => void update({ general: { closeToTray: v } })}
      />
      <Switch
        label="Launch at login"
        description={`Start Nook in the background when you sign in.${note}`}
        checked={settings.general.launchAtLogin}
        onChange={(v) => void update({ general: { launchAtLogin: v } })}
      />
    </section>
  );
}

export function PrivacySection({ settings }: { settings: Settings }) {
  const update = useSettingsStore((s) => s.update);
  return (
    <section className="card" aria-labelledby="settings-privacy">
      <h2 className="card__title" id="settings-privacy">
        Privacy
      </h2>
      <Switch
        label="Allow cloud providers"
        description="Off: nothing leaves this computer. On: Nook may send requests to the providers whose API keys you add below."
        checked={settings.privacy.allowCloudProviders}
        onChange={(v) => void update({ privacy: { allowCloudProviders: v } })}
      />
    </section>
  );
}

export function LoggingSection({ settings }: { settings: Settings }) {
  const update = useSettingsStore((s) => s.update);
  const id = useId();
  return (
    <section className="card" aria-labelledby="settings-logging">
      <h2 className="card__title" id="settings-logging">
        Logging
      </h2>
      <div className="field field--row">
        <div className="field__text">
          <label className="field__label" htmlFor={id}>
            Log level
          </label>
          <span className="field__hint">
            Debug writes the most detail; secrets are never logged at any level.
          </span>
        </div>
        <select
          id={id}
          className="select"
          value={settings.logging.level}
          onChange={(e) =>
            void update({ logging: { level: e.target.value as Settings['logging']['level'] } })
          }
        >
          {LOG_LEVELS.map((l) => (
            <option key={l} value={l}>
              {l[0]!.toUpperCase() + l.slice(1)}
            </option>
          ))}
        </select>
      </div>
    </section>
  );
}
