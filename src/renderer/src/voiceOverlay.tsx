import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { invoke, on } from './api';
import { applyTheme, type ThemeSetting } from './theme';
import { VoiceOverlay } from './features/voice/VoiceOverlay';
import './styles.css';
import './features/voice/voiceOverlay.css';

/** The push-to-talk overlay window (src/main/app/voiceOverlay.ts shows and hides it). */
function OverlayPage() {
  const [theme, setTheme] = useState<ThemeSetting>('system');
  useEffect(() => {
    void invoke('settings.get', {}).then((r) => {
      if (r.ok) setTheme(r.value.appearance.theme);
    });
    return on('settings.changed', (s) => setTheme(s.appearance.theme));
  }, []);
  useEffect(() => applyTheme(theme), [theme]);
  return <VoiceOverlay />;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <OverlayPage />
  </StrictMode>,
);
