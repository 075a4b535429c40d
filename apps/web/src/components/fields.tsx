import { type InputHTMLAttributes, type ReactNode, useEffect, useId, useRef } from 'react';

export function Field({
  label,
  error,
  hint,
  children,
  htmlFor,
  counter,
}: {
  label: ReactNode;
  error?: string | null | undefined;
  hint?: ReactNode;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
  htmlFor?: string;
  counter?: { value: number; max: number };
}) {
  const generated = useId();
  const id = htmlFor ?? generated;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <div className="field-label-row">
        <label htmlFor={id}>{label}</label>
        {counter && (
          <span className={`counter${counter.value > counter.max ? ' counter-over' : ''}`} aria-live="polite">
            {counter.value.toLocaleString()} / {counter.max.toLocaleString()}
          </span>
        )}
      </div>
      {children({
        id,
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
        ...(error ? { 'aria-invalid': true } : {}),
      })}
      {hint && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** A `Field` around a single text input; `onValue` receives the typed text. */
export function InputField({
  label,
  error,
  hint,
  onValue,
  ...input
}: Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange'> & {
  label: ReactNode;
  error?: string | null | undefined;
  hint?: ReactNode;
  value: string;
  onValue: (value: string) => void;
  'data-autofocus'?: boolean;
}) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(props) => <input {...props} {...input} onChange={(e) => onValue(e.target.value)} />}
    </Field>
  );
}

/** A compact labelled select for toolbars and filters; `onValue` receives the chosen option's value as text. */
export function InlineSelect({
  label,
  value,
  options,
  onValue,
}: {
  label: string;
  value: string | number;
  options: readonly (readonly [value: string | number, label: string])[];
  onValue: (value: string) => void;
}) {
  return (
    <label className="inline-field">
      <span>{label}</span>
      <select value={value} onChange={(e) => onValue(e.target.value)}>
        {options.map(([optionValue, optionLabel]) => (
          <option key={optionValue} value={optionValue}>
            {optionLabel}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A dialog form's submit button, labelled with `busyLabel` while it runs, and its Cancel button. */
export function DialogActions({
  busy,
  label,
  busyLabel,
  onCancel,
}: {
  busy: boolean;
  label: string;
  busyLabel: string;
  onCancel: () => void;
}) {
  return (
    <div className="form-actions">
      <button type="submit" className="button button-primary" disabled={busy}>
        {busy ? busyLabel : label}
      </button>
      <button type="button" className="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

/** A focused list of problems shown above a form on submit (web.md §8, forms). */
export function ErrorSummary({
  errors,
  summary,
  correlationId,
}: {
  errors: Record<string, string>;
  summary?: string | null;
  correlationId?: string | null;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const entries = Object.entries(errors);
  const visible = entries.length > 0 || !!summary;
  useEffect(() => {
    if (visible) ref.current?.focus();
  }, [visible]);
  if (!visible) return null;
  return (
    <div className="alert alert-error" role="alert" tabIndex={-1} ref={ref}>
      <strong>Please fix the following:</strong>
      <ul>
        {summary && <li>{summary}</li>}
        {entries.map(([field, message]) => (
          <li key={field}>{message}</li>
        ))}
      </ul>
      {correlationId && (
        <p className="muted small">
          Reference: <code>{correlationId}</code>
        </p>
      )}
    </div>
  );
}
