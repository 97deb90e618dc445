import { useId } from 'react';

/** An on/off setting: a real button with role=switch, its label and a one-line explanation. */
export function Switch({
  label,
  description,
  checked,
  disabled,
  onChange,
}: {
  label: string;
  description?: string;
  checked: boolean;
  disabled?: boolean;
  onChange(next: boolean): void;
}) {
  const labelId = useId();
  const descId = useId();
  return (
    <div className="field field--row">
      <div className="field__text">
        <span className="field__label" id={labelId}>
          {label}
        </span>
        {description ? (
          <span className="field__hint" id={descId}>
            {description}
          </span>
        ) : null}
      </div>
      <button
        type="button"
        role="switch"
        className="switch"
        aria-checked={checked}
        aria-labelledby={labelId}
        aria-describedby={description ? descId : undefined}
        disabled={disabled}
        onClick={() => onChange(!checked)}
      >
        <span className="switch__thumb" aria-hidden="true" />
      </button>
    </div>
  );
}
