/** One item of a 422 body (README §2.3). */
export interface ValidationItem {
  type: string;
  loc: (string | number)[];
  msg: string;
  input?: unknown;
  ctx?: unknown;
}

export interface StructuredDetail {
  code: string;
  message: string;
  field?: string;
  [key: string]: unknown;
}

export type ErrorDetail = string | StructuredDetail | ValidationItem[];

/** A 422 item reduced to what a form needs: where it goes and what to say. */
export interface FieldError {
  /** `loc` without its leading `body`/`query`/`path`/`header` segment. */
  path: (string | number)[];
  /** The last named segment of `loc` (`["body","tags",3]` gives `tags`), or null for form-level errors. */
  field: string | null;
  message: string;
  type: string;
}

const LOCATION_SEGMENTS = new Set(['body', 'query', 'path', 'header', 'cookie']);

function isValidationItem(value: unknown): value is ValidationItem {
  if (typeof value !== 'object' || value === null) return false;
  const item = value as Record<string, unknown>;
  return Array.isArray(item.loc) && typeof item.msg === 'string';
}

function isStructured(value: unknown): value is StructuredDetail {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return typeof record.message === 'string' || typeof record.code === 'string';
}

export function toFieldErrors(items: ValidationItem[]): FieldError[] {
  return items.map((item) => {
    const path =
      item.loc.length > 0 && LOCATION_SEGMENTS.has(String(item.loc[0])) ? item.loc.slice(1) : item.loc;
    const named = path.filter((segment): segment is string => typeof segment === 'string');
    return {
      path,
      field: named.length > 0 ? (named[named.length - 1] ?? null) : null,
      message: item.msg,
      type: item.type,
    };
  });
}

function describeFieldError(error: FieldError): string {
  const where = error.path.map(String).join('.');
  return where ? `${where}: ${error.message}` : error.message;
}

const STATUS_MESSAGES: Record<number, string> = {
  0: 'Could not reach the server. Check your connection and try again.',
  401: 'Please sign in to continue.',
  403: "You don't have permission to do that.",
  404: 'Not found.',
  413: 'The request is too large.',
  429: 'Too many attempts. Please try again later.',
  502: 'The service is temporarily unavailable.',
  503: 'The service is temporarily unavailable.',
  504: 'The service took too long to answer.',
};

function fallbackMessage(status: number): string {
  return (
    STATUS_MESSAGES[status] ??
    (status >= 500 ? 'Something went wrong on our side.' : `Request failed (${status}).`)
  );
}

export interface ApiErrorInit {
  status: number;
  detail?: ErrorDetail | undefined;
  body?: unknown;
  correlationId?: string | null;
  retryAfter?: number | null;
  cause?: unknown;
}

/**
 * Any failed call to the hub or the aggregator. `status` 0 means the request never got an HTTP answer
 * (network failure); an abort is not an ApiError but the platform's `AbortError`.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly detail: ErrorDetail | undefined;
  readonly body: unknown;
  readonly correlationId: string | null;
  /** Seconds, from `Retry-After` on 429/503. */
  readonly retryAfter: number | null;
  readonly code: string | null;
  /** The field a 409 names (`detail.field`). */
  readonly field: string | null;
  /** The items of a 422 body, ready to be attached to form fields. */
  readonly fieldErrors: FieldError[];

  constructor(init: ApiErrorInit) {
    const { status, detail } = init;
    const fieldErrors = Array.isArray(detail) ? toFieldErrors(detail) : [];
    let message: string;
    if (typeof detail === 'string' && detail.trim() !== '') message = detail;
    else if (Array.isArray(detail) && fieldErrors.length > 0)
      message = fieldErrors.map(describeFieldError).join('; ');
    else if (detail && isStructured(detail))
      message = detail.message || detail.code || fallbackMessage(status);
    else message = fallbackMessage(status);
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail;
    this.body = init.body;
    this.correlationId = init.correlationId ?? null;
    this.retryAfter = init.retryAfter ?? null;
    this.code = detail && isStructured(detail) && typeof detail.code === 'string' ? detail.code : null;
    this.field = detail && isStructured(detail) && typeof detail.field === 'string' ? detail.field : null;
    this.fieldErrors = fieldErrors;
  }

  get isNetworkError(): boolean {
    return this.status === 0;
  }

  /** Whether repeating the same request may help: network failures and server errors, never a 4xx. */
  get isRetryable(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

export function isAbortError(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'AbortError';
}

function parseRetryAfter(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function readDetail(body: unknown): ErrorDetail | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const detail = record.detail;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) return detail.filter(isValidationItem);
  if (isStructured(detail)) return detail;
  // OAuth-style and aggregator bodies sometimes carry `message` or `error` instead of `detail`.
  if (typeof record.message === 'string') return record.message;
  if (typeof record.error === 'string') return record.error;
  return undefined;
}

/** Builds an ApiError from a non-2xx response, whatever its body (JSON envelope, HTML from a proxy, nothing). */
export async function apiErrorFromResponse(
  response: Response,
  sentCorrelationId?: string,
): Promise<ApiError> {
  let body: unknown;
  const contentType = response.headers.get('content-type') ?? '';
  try {
    if (contentType.includes('json')) body = await response.json();
    else body = await response.text();
  } catch {
    body = undefined;
  }
  const bodyCorrelation =
    typeof body === 'object' &&
    body !== null &&
    typeof (body as Record<string, unknown>).correlation_id === 'string'
      ? ((body as Record<string, unknown>).correlation_id as string)
      : null;
  return new ApiError({
    status: response.status,
    detail: readDetail(body),
    body,
    correlationId: response.headers.get('x-correlation-id') ?? bodyCorrelation ?? sentCorrelationId ?? null,
    retryAfter: parseRetryAfter(response.headers.get('retry-after')),
  });
}
