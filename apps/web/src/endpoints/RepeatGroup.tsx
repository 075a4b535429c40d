import type { ReactNode } from 'react';
import { Icon } from '../components/Icon';
import { Field } from '../components/ui';

/** A list of repeated items (connections, policies) with its count, hint, list error and an add button. */
export function RepeatGroup({
  title,
  count,
  limit,
  hint,
  error,
  addLabel,
  onAdd,
  children,
}: {
  title: string;
  count: number;
  limit: number;
  hint: ReactNode;
  error: string | undefined;
  addLabel: string;
  onAdd: () => void;
  children: ReactNode;
}) {
  return (
    <fieldset className="group">
      <legend>
        {title}{' '}
        <span className="muted small">
          ({count} / {limit})
        </span>
      </legend>
      <p className="field-hint">{hint}</p>
      {error && <p className="field-error">{error}</p>}
      {children}
      {count < limit && (
        <button type="button" className="button button-small" onClick={onAdd}>
          <Icon name="plus" size={14} /> {addLabel}
        </button>
      )}
    </fieldset>
  );
}

/** One item of a `RepeatGroup`: "Connection 2" with its Remove button. */
export function RepeatItem({
  noun,
  index,
  onRemove,
  children,
}: {
  noun: string;
  index: number;
  onRemove: () => void;
  children: ReactNode;
}) {
  return (
    <div className="repeat-item card">
      <div className="repeat-item-header">
        <strong>
          {noun} {index + 1}
        </strong>
        <button type="button" className="button button-small button-danger-ghost" onClick={onRemove}>
          Remove
          <span className="visually-hidden">
            {' '}
            {noun.toLowerCase()} {index + 1}
          </span>
        </button>
      </div>
      {children}
    </div>
  );
}

export function EnabledCheckbox({
  checked,
  onChange,
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <label className="checkbox-inline">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} /> Enabled
    </label>
  );
}

export function JsonField({
  label,
  error,
  value,
  onValue,
}: {
  label: string;
  error: string | undefined;
  value: string;
  onValue: (value: string) => void;
}) {
  return (
    <Field label={label} error={error} hint="A JSON object of at most 16 KiB.">
      {(props) => (
        <textarea
          {...props}
          className="mono"
          rows={4}
          value={value}
          onChange={(e) => onValue(e.target.value)}
        />
      )}
    </Field>
  );
}

/** Replaces the item at `index` with `patch` applied. */
export function patchAt<T>(items: T[], index: number, patch: Partial<T>): T[] {
  return items.map((item, i) => (i === index ? { ...item, ...patch } : item));
}
