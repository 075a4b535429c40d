import type { EndpointRef } from './types';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** What every call to a satellite needs from the request it serves. */
export interface Outbound {
  /** The SSRF-guarded fetch (pinned address, no redirects). */
  fetch: FetchLike;
  correlationId: string;
  userAgent: string;
  /** Aborted on client disconnect, total timeout or a terminal error: every outbound call listens to it. */
  signal: AbortSignal;
  tokenFor(owner: string | null): string | undefined;
}

/** Request headers of satellite-protocol.md §2.1. */
export function satelliteHeaders(out: Outbound, ref: EndpointRef, accept: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept,
    'x-correlation-id': out.correlationId,
    'user-agent': out.userAgent,
  };
  const token = out.tokenFor(ref.owner_username);
  if (token) headers.authorization = `Bearer ${token}`;
  if (ref.tenant_name) headers['x-tenant-name'] = ref.tenant_name;
  return headers;
}

/** Reason given to an AbortController when a per-attempt or phase timer fires. */
export class TimeoutReason extends Error {
  constructor(what: string) {
    super(`${what} timed out`);
    this.name = 'TimeoutError';
  }
}
