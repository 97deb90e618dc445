import { useToastStore, type Toast } from '../stores/useToastStore';
import { Icon } from './Icon';

/** Errors are announced assertively (role=alert); everything else politely. */
export function Toasts() {
  const toasts = useToastStore((s) => s.toasts);
  const dismiss = useToastStore((s) => s.dismiss);
  const errors = toasts.filter((t) => t.level === 'error');
  const others = toasts.filter((t) => t.level !== 'error');
  return (
    <div className="toasts">
      <div role="alert" aria-live="assertive" className="toasts__group">
        {errors.map((t) => (
          <ToastItem key={t.id} toast={t} onDismiss={dismiss} />
        ))}
      </div>
      <div role="status" aria-live="polite" className="toasts__group">
        {others.map((t) => (
          <ToastItem key={t.id} toast={t} onDismiss={dismiss} />
        ))}
      </div>
    </div>
  );
}

function ToastItem({ toast, onDismiss }: { toast: Toast; onDismiss: (id: number) => void }) {
  return (
    <div className={`toast toast--${toast.level}`} data-testid="toast">
      <span className="toast__bar" aria-hidden="true" />
      <p className="toast__message">
        {toast.message}
        {toast.code ? <span className="toast__code">{toast.code}</span> : null}
      </p>
      {toast.action ? (
        <button
          type="button"
          className="button button--ghost toast__action"
          onClick={() => {
            toast.action?.run();
            onDismiss(toast.id);
          }}
        >
          {toast.action.label}
        </button>
      ) : null}
      <button
        type="button"
        className="icon-button"
        aria-label="Dismiss notification"
        onClick={() => onDismiss(toast.id)}
      >
        <Icon name="close" size={14} />
      </button>
    </div>
  );
}
