import type { HubClient } from '@syfthub/client';

const COUNT_KEY = 'syft_error_reports';
const MAX_REPORTS = 10;

let hubRef: HubClient | null = null;

export function installErrorReporter(hub: HubClient): void {
  hubRef = hub;
  window.addEventListener('error', (event) => {
    reportError(event.error ?? event.message);
  });
  window.addEventListener('unhandledrejection', (event) => {
    reportError(event.reason);
  });
}

function takeSlot(): boolean {
  try {
    const used = Number(window.sessionStorage.getItem(COUNT_KEY) ?? '0');
    if (used >= MAX_REPORTS) return false;
    window.sessionStorage.setItem(COUNT_KEY, String(used + 1));
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends an unhandled error to `POST /api/v1/errors/report` (web.md §3.4): at most 10 per session, with the URL,
 * user agent and component stack, never tokens or form values. Reporting failures are swallowed.
 */
export function reportError(error: unknown, componentStack?: string): void {
  if (!hubRef || !takeSlot()) return;
  const err = error instanceof Error ? error : new Error(typeof error === 'string' ? error : 'Unknown error');
  const url = `${window.location.origin}${window.location.pathname}`;
  void hubRef.errors
    .report({
      event: 'frontend.error.unhandled',
      message: err.message.slice(0, 2000) || 'Unknown error',
      timestamp: new Date().toISOString(),
      error: {
        type: err.name || 'Error',
        message: err.message.slice(0, 2000),
        ...(err.stack ? { stack_trace: err.stack.slice(0, 20_000) } : {}),
        ...(componentStack ? { component_stack: componentStack.slice(0, 20_000) } : {}),
      },
      context: { url, user_agent: navigator.userAgent },
    })
    .catch(() => undefined);
}
