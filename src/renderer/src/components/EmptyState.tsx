import type { ReactNode } from 'react';
import { Icon, type IconName } from './Icon';

/** What a view will hold, said plainly, for views whose feature has not arrived yet. */
export function EmptyState({
  icon,
  title,
  children,
  arrives,
}: {
  icon: IconName;
  title: string;
  children: ReactNode;
  /** When the feature arrives, so the screen is honest about it. */
  arrives?: string;
}) {
  return (
    <div className="empty-state">
      <div className="empty-state__icon">
        <Icon name={icon} size={28} />
      </div>
      <h2 className="empty-state__title">{title}</h2>
      <div className="empty-state__body">{children}</div>
      {arrives ? <p className="empty-state__arrives">{arrives}</p> : null}
    </div>
  );
}
