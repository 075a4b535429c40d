import { isApiError } from '@syfthub/client';
import { type InputHTMLAttributes, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import { absoluteTime, relativeTime } from '../lib/format';

export function Spinner({ label = 'Loading…', inline = false }: { label?: string; inline?: boolean }) {
  return (
    <span className={inline ? 'spinner-inline' : 'spinner-block'} role="status">
      <span className="spinner" aria-hidden="true" />
      <span className={inline ? 'visually-hidden' : 'muted'}>{label}</span>
    </span>
  );
}

export function PageSpinner() {
  return (
    <div className="page-spinner">
      <Spinner />
    </div>
  );
}

export function RelativeTime({ iso, prefix = '' }: { iso: string | null | undefined; prefix?: string }) {
  if (!iso) return <span>{prefix}never</span>;
  return (
    <time dateTime={iso} title={absoluteTime(iso)}>
      {prefix}
      {relativeTime(iso)}
    </time>
  );
}

export function Badge({ children, tone = 'neutral' }: { children: ReactNode; tone?: string }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

const TYPE_LABELS: Record<string, string> = {
  model: 'Model',
  data_source: 'Data source',
  model_data_source: 'Model + data',
  agent: 'Agent',
};

export function typeLabel(type: string): string {
  return TYPE_LABELS[type] ?? type;
}

export function TypeBadge({ type }: { type: string }) {
  return <Badge tone={type === 'model' || type === 'agent' ? 'violet' : 'teal'}>{typeLabel(type)}</Badge>;
}

/** Health is never shown by colour alone (web.md §8): a dot plus its label. */
export function HealthDot({
  status,
  checkedAt,
  ttlSeconds,
}: {
  status: 'healthy' | 'unhealthy' | null;
  checkedAt: string | null;
  ttlSeconds?: number | null;
}) {
  const fresh =
    status === 'healthy' &&
    checkedAt !== null &&
    Date.now() - Date.parse(checkedAt) < (ttlSeconds ?? 1800) * 1000;
  const state = status === 'unhealthy' ? 'unhealthy' : fresh ? 'healthy' : 'unknown';
  const label = state === 'healthy' ? 'Healthy' : state === 'unhealthy' ? 'Unhealthy' : 'Status unknown';
  return (
    <span
      className={`health health-${state}`}
      title={checkedAt ? `Last report ${absoluteTime(checkedAt)}` : undefined}
    >
      <span className="health-dot" aria-hidden="true">
        {state === 'healthy' ? '●' : state === 'unhealthy' ? '▲' : '○'}
      </span>
      {label}
    </span>
  );
}

export function EmptyState({
  title,
  children,
  icon = '∅',
}: {
  title: string;
  children?: ReactNode;
  icon?: string;
}) {
  return (
    <div className="empty-state">
      <div className="empty-icon" aria-hidden="true">
        {icon}
      </div>
      <h2 className="empty-title">{title}</h2>
      {children && <div className="muted">{children}</div>}
    </div>
  );
}

/** An error with the hub's message and, for unexpected failures, the correlation id to quote. */
export function ErrorState({
  error,
  retry,
  title = 'Something went wrong',
}: {
  error: unknown;
  retry?: () => void;
  title?: string;
}) {
  const message = isApiError(error) ? error.message : error instanceof Error ? error.message : String(error);
  const correlationId = isApiError(error) ? error.correlationId : null;
  return (
    <div className="error-state" role="alert">
      <div className="empty-icon" aria-hidden="true">
        !
      </div>
      <h2 className="empty-title">{title}</h2>
      <p>{message}</p>
      {correlationId && (
        <p className="muted small">
          Reference: <code>{correlationId}</code>
        </p>
      )}
      {retry && (
        <button type="button" className="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function InlineError({ error }: { error: unknown }) {
  if (!error) return null;
  const message = isApiError(error) ? error.message : error instanceof Error ? error.message : String(error);
  const correlationId = isApiError(error) && error.status >= 500 ? error.correlationId : null;
  return (
    <div className="alert alert-error" role="alert">
      <span aria-hidden="true">⚠ </span>
      {message}
      {correlationId && (
        <span className="muted small">
          {' '}
          (reference <code>{correlationId}</code>)
        </span>
      )}
    </div>
  );
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return (
    <button
      type="button"
      className="button button-small"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setCopied(true);
          window.clearTimeout(timer.current);
          timer.current = window.setTimeout(() => setCopied(false), 2000);
        } catch {
          setCopied(false);
        }
      }}
    >
      <span aria-live="polite">{copied ? 'Copied' : label}</span>
    </button>
  );
}

export function CodeBlock({ code, label }: { code: string; label: string }) {
  return (
    <figure className="code-block">
      <figcaption>
        <span>{label}</span>
        <CopyButton text={code} label={`Copy ${label}`} />
      </figcaption>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable code block must be reachable by keyboard */}
      <pre tabIndex={0}>
        <code>{code}</code>
      </pre>
    </figure>
  );
}

export function Avatar({
  url,
  name,
  size = 32,
}: {
  url: string | null | undefined;
  name: string;
  size?: number;
}) {
  const [failed, setFailed] = useState(false);
  const initials = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase())
    .join('');
  if (url && !failed && /^https?:\/\//i.test(url)) {
    return (
      <img
        className="avatar"
        src={url}
        alt=""
        width={size}
        height={size}
        referrerPolicy="no-referrer"
        onError={() => setFailed(true)}
      />
    );
  }
  return (
    <span
      className="avatar avatar-initials"
      style={{ width: size, height: size, fontSize: size * 0.4 }}
      aria-hidden="true"
    >
      {initials || '?'}
    </span>
  );
}

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

/** A table that turns into cards on narrow screens: a hidden caption, plain column headers and an Actions column. */
export function ResponsiveTable({
  caption,
  columns,
  children,
}: {
  caption: string;
  columns: readonly string[];
  children: ReactNode;
}) {
  return (
    <div className="table-scroll">
      <table className="table responsive-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
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

export function OwnerSlugLink({ owner, slug }: { owner: string; slug: string }) {
  return (
    <Link to={`/${owner}/${slug}`} className="path-link">
      {owner}/{slug}
    </Link>
  );
}
