import { isApiError } from '@syfthub/client';
import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from 'react';

type ToastKind = 'success' | 'error' | 'info';

interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  correlationId: string | null;
}

interface Toaster {
  success(message: string): void;
  info(message: string): void;
  /** Shows an error; an ApiError contributes its message and correlation id. */
  error(error: unknown, fallback?: string): void;
}

const ToastContext = createContext<Toaster | null>(null);

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback(
    (id: number) => setToasts((list) => list.filter((toast) => toast.id !== id)),
    [],
  );

  const push = useCallback(
    (kind: ToastKind, message: string, correlationId: string | null = null) => {
      const id = nextId.current++;
      setToasts((list) => [...list.slice(-4), { id, kind, message, correlationId }]);
      window.setTimeout(() => dismiss(id), kind === 'error' ? 10_000 : 5_000);
    },
    [dismiss],
  );

  const toaster = useMemo<Toaster>(
    () => ({
      success: (message) => push('success', message),
      info: (message) => push('info', message),
      error: (error, fallback = 'Something went wrong.') => {
        if (isApiError(error)) push('error', error.message, error.correlationId);
        else push('error', error instanceof Error && error.message ? error.message : fallback);
      },
    }),
    [push],
  );

  return (
    <ToastContext.Provider value={toaster}>
      {children}
      <section className="toasts" aria-label="Notifications">
        <div aria-live="polite" aria-atomic="false" className="toasts-list">
          {toasts.map((toast) => (
            <div
              key={toast.id}
              className={`toast toast-${toast.kind}`}
              role={toast.kind === 'error' ? 'alert' : 'status'}
            >
              <span aria-hidden="true" className="toast-icon">
                {toast.kind === 'error' ? '!' : toast.kind === 'success' ? '✓' : 'i'}
              </span>
              <div className="toast-body">
                <p>{toast.message}</p>
                {toast.correlationId && (
                  <p className="muted small">
                    Reference: <code>{toast.correlationId}</code>
                  </p>
                )}
              </div>
              <button
                type="button"
                className="icon-button"
                aria-label="Dismiss"
                onClick={() => dismiss(toast.id)}
              >
                ×
              </button>
            </div>
          ))}
        </div>
      </section>
    </ToastContext.Provider>
  );
}

export function useToast(): Toaster {
  const toaster = useContext(ToastContext);
  if (!toaster) throw new Error('useToast must be used inside <ToastProvider>');
  return toaster;
}
