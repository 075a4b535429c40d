import { isApiError } from '@syfthub/client';
import type { ReactNode } from 'react';

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
