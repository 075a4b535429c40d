import type { IncomingMessage } from 'node:http';
import type { GuardedRequestInit } from '@syfthub/service';
import type { ChatTunnel } from './tunnel/client';
import type { EndpointRef } from './types';

/** The SSRF-guarded request (pinned address, no redirects), at the node:http level to keep the hot path lean. */
export type SatelliteTransport = (url: string, init: GuardedRequestInit) => Promise<IncomingMessage>;

/** What every call to a satellite needs from the request it serves. */
export interface Outbound {
  request: SatelliteTransport;
  correlationId: string;
  userAgent: string;
  /** Aborted on client disconnect, total timeout or a terminal error: every outbound call listens to it. */
  signal: AbortSignal;
  tokenFor(owner: string | null): string | undefined;
  /** The NATS tunnel and this request's reply channel; null when tunnelling is off. */
  tunnel: ChatTunnel | null;
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

export interface ChildAbort {
  readonly signal: AbortSignal;
  /** Detaches from the parent and clears the timer; call when the child's work is over. */
  dispose(): void;
  /** Restarts the timer with its current duration (streams re-arm it on every chunk). */
  refresh(): void;
  /** Replaces the timer with a new duration and reason. */
  retime(timeoutMs: number, what: string): void;
}

/**
 * An abort signal that follows `parent` and, with `timeoutMs`, also fires on its own timer. Cheaper than
 * `AbortSignal.any([parent, AbortSignal.timeout(ms)])`, which matters with several per request.
 */
export function childAbort(parent: AbortSignal, timeoutMs?: number, what = 'request'): ChildAbort {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent.reason);
  if (parent.aborted) onParentAbort();
  else parent.addEventListener('abort', onParentAbort, { once: true });
  const arm = (ms: number, label: string) => setTimeout(() => controller.abort(new TimeoutReason(label)), ms);
  let timer = timeoutMs === undefined ? undefined : arm(timeoutMs, what);
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParentAbort);
    },
    refresh() {
      timer?.refresh();
    },
    retime(ms, label) {
      clearTimeout(timer);
      timer = arm(ms, label);
    },
  };
}
