import { ApiError, apiErrorFromResponse } from './errors';
import { newCorrelationId } from './ids';

export type QueryValue = string | number | boolean | null | undefined;
/** Query parameters; each method types its own, and undefined, null and empty values are left out. */
export type Query = object;

/**
 * `none`: never send credentials (login, refresh). `optional`: send them when present; the hub treats a bad one
 * as anonymous. `required`: send them, and recover from a 401 by refreshing once.
 */
export type AuthMode = 'none' | 'optional' | 'required';

export interface RequestOptions {
  method?: string;
  query?: Query;
  json?: unknown;
  form?: URLSearchParams;
  auth?: AuthMode;
  /** Sends exactly this bearer credential and never refreshes it (sign-out). */
  bearer?: string;
  signal?: AbortSignal;
  accept?: string;
}

export interface HttpOptions {
  /** Origin (and optional path prefix) of the hub; empty means same origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  getAccessToken?: () => string | null | Promise<string | null>;
  /** Given the token that just got 401, resolves to a token to retry with, or null when the session is gone. */
  refresh?: (failedToken: string) => Promise<string | null>;
  /** Called once when a request's 401 could not be recovered by a refresh. */
  onSessionExpired?: () => void;
  newCorrelationId?: () => string;
}

export function buildUrl(baseUrl: string, path: string, query?: Query): string {
  const base = baseUrl.replace(/\/+$/, '');
  let url = `${base}${path}`;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query) as [string, QueryValue][]) {
      if (value === undefined || value === null || value === '') continue;
      params.append(key, String(value));
    }
    const text = params.toString();
    if (text) url += `${url.includes('?') ? '&' : '?'}${text}`;
  }
  return url;
}

/** Encodes one path segment (usernames, slugs, e-mails). */
export const seg = (value: string | number): string => encodeURIComponent(String(value));

export interface Http {
  /** Sends the request and returns the successful response untouched (for blobs and headers). */
  raw(path: string, options?: RequestOptions): Promise<Response>;
  /** Sends the request and returns the parsed JSON body (undefined for 204). */
  json<T>(path: string, options?: RequestOptions): Promise<T>;
}

/** The id that went out with a request, so errors without an `X-Correlation-ID` header can still quote it. */
interface Sent {
  response: Response;
  correlationId: string;
}

export function createHttp(options: HttpOptions): Http {
  const baseUrl = options.baseUrl ?? '';
  const correlationId = options.newCorrelationId ?? newCorrelationId;
  const doFetch: typeof fetch = (input, init) => (options.fetch ?? globalThis.fetch)(input, init);

  async function send(path: string, request: RequestOptions, token: string | null): Promise<Sent> {
    const id = correlationId();
    const headers = new Headers({ Accept: request.accept ?? 'application/json', 'X-Correlation-ID': id });
    let body: RequestInit['body'];
    if (request.form) {
      headers.set('Content-Type', 'application/x-www-form-urlencoded');
      body = request.form.toString();
    } else if (request.json !== undefined) {
      headers.set('Content-Type', 'application/json');
      body = JSON.stringify(request.json);
    }
    if (token) headers.set('Authorization', `Bearer ${token}`);
    const init: RequestInit = { method: request.method ?? 'GET', headers };
    if (body !== undefined) init.body = body;
    if (request.signal) init.signal = request.signal;
    try {
      return { response: await doFetch(buildUrl(baseUrl, path, request.query), init), correlationId: id };
    } catch (error) {
      if ((error as { name?: unknown })?.name === 'AbortError') throw error;
      throw new ApiError({ status: 0, correlationId: id, cause: error });
    }
  }

  async function raw(path: string, request: RequestOptions = {}): Promise<Response> {
    const auth = request.auth ?? 'required';
    if (request.bearer !== undefined) {
      const sent = await send(path, request, request.bearer);
      if (!sent.response.ok) throw await apiErrorFromResponse(sent.response, sent.correlationId);
      return sent.response;
    }
    const token = auth === 'none' ? null : ((await options.getAccessToken?.()) ?? null);
    let sent = await send(path, request, token);
    if (sent.response.status === 401 && token && auth !== 'none' && options.refresh) {
      const retryToken = await options.refresh(token);
      if (retryToken) {
        sent = await send(path, request, retryToken);
        if (sent.response.status === 401) options.onSessionExpired?.();
      } else {
        options.onSessionExpired?.();
      }
    }
    if (!sent.response.ok) throw await apiErrorFromResponse(sent.response, sent.correlationId);
    return sent.response;
  }

  async function json<T>(path: string, request: RequestOptions = {}): Promise<T> {
    const response = await raw(path, request);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new ApiError({
        status: response.status,
        detail: 'The server sent a response that is not valid JSON.',
        correlationId: response.headers.get('x-correlation-id'),
        cause: error,
      });
    }
  }

  return { raw, json };
}
