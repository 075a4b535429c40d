import { CORRELATION_HEADER, currentCorrelationId } from './correlation';

/**
 * `fetch` that forwards the current correlation id (from the request or job being served) as `X-Correlation-ID`,
 * unless the caller set one. It adds no SSRF protection: callers check destinations themselves.
 */
export function fetchWithContext(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const id = currentCorrelationId();
  if (id === undefined) return fetch(input, init);
  const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
  if (!headers.has(CORRELATION_HEADER)) headers.set(CORRELATION_HEADER, id);
  return fetch(input, { ...init, headers });
}
