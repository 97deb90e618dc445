import { useEffect } from 'react';
import { useNotifyStore } from './notifications';

/**
 * Lets a browser user turn on system notifications for briefings and reminders (the permission
 * prompt needs a click). The desktop app notifies through the OS itself and shows nothing here.
 */
export function NotificationControl({ compact = false }: { compact?: boolean }) {
  const permission = useNotifyStore((s) => s.permission);
  const request = useNotifyStore((s) => s.request);
  const refresh = useNotifyStore((s) => s.refresh);
  useEffect(() => refresh(), [refresh]);

  if (permission === 'desktop') return null;
  if (permission === 'default')
    return (
      <button type="button" className="button" onClick={() => void request()}>
        Turn on notifications
      </button>
    );
  if (compact) return null;
  return (
    <p className="field__hint" data-testid="notification-permission">
      {permission === 'granted'
        ? 'This browser shows a notification when a briefing is ready or a reminder is due.'
        : permission === 'denied'
          ? 'Notifications are blocked for this page in the browser’s site settings; Nook shows them inside the page.'
          : 'This browser cannot show notifications; Nook shows them inside the page.'}
    </p>
  );
}
