import { EmptyState } from '../../components/EmptyState';
import { useSettingsStore } from '../../stores/useSettingsStore';

export function VoiceView() {
  const hotkey = useSettingsStore((s) => s.settings?.hotkeys.pushToTalk);
  return (
    <div className="view">
      <header className="view__header">
        <h1 className="view__title">Voice</h1>
      </header>
      <EmptyState icon="voice" title="Talk to Nook" arrives="Voice input arrives in a coming update.">
        <p>
          Transcripts of what you dictate and the commands Nook recognised will appear here. Speech is turned
          into text on this computer.
        </p>
        {hotkey ? (
          <p>
            Push-to-talk will use <kbd>{hotkey}</kbd>; you can change it in Settings.
          </p>
        ) : null}
      </EmptyState>
    </div>
  );
}
