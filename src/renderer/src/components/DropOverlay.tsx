import { Icon } from './Icon';

/** The full-area hint shown while files are dragged over a drop target (see useFileDrop). */
export function DropOverlay({ visible, label }: { visible: boolean; label: string }) {
  if (!visible) return null;
  return (
    <div className="drop-overlay" aria-hidden="true">
      <div className="drop-overlay__box">
        <Icon name="upload" size={28} />
        <span>{label}</span>
      </div>
    </div>
  );
}
