import type { Env } from '@syfthub/service';
import type { ResponseSpec } from '@syfthub/tunnel';
import type { Hono } from 'hono';
import type { TunnelRequest } from './node';

const MAX_MESSAGE_CHARS = 1000;

/** The HTTP status of the query route as a tunnel error code (the Go node's table, tunnelling.md §5.5). */
function codeOf(status: number): string {
  if (status === 401) return 'AUTH_FAILED';
  if (status === 403) return 'POLICY_DENIED';
  if (status === 404) return 'ENDPOINT_NOT_FOUND';
  if (status === 429) return 'RATE_LIMIT_EXCEEDED';
  if (status === 400 || status === 413 || status === 422) return 'INVALID_REQUEST';
  return 'EXECUTION_FAILED';
}

function messageOf(body: unknown, status: number): string {
  const detail =
    typeof body === 'object' && body !== null ? (body as { detail?: unknown }).detail : undefined;
  const text =
    typeof detail === 'string' ? detail : detail === undefined ? `HTTP ${status}` : JSON.stringify(detail);
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}

/**
 * Runs a tunnelled request through the satellite's own query route in-process (no socket), so tokens, guest
 * rules, policies, metrics and logs are exactly those of HTTP. A refusal keeps its body as the sealed payload, so
 * `policy_metadata` reaches the aggregator's billing as it would over HTTP.
 */
export async function serveOverTunnel(app: Hono<Env>, request: TunnelRequest): Promise<ResponseSpec> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'x-correlation-id': request.correlationId,
  };
  if (request.satelliteToken) headers.authorization = `Bearer ${request.satelliteToken}`;
  // Over the tunnel a model always answers in one piece (§5.4).
  const payload =
    typeof request.payload === 'object' && request.payload !== null && !Array.isArray(request.payload)
      ? { ...request.payload, ...('stream' in request.payload ? { stream: false } : {}) }
      : request.payload;
  const res = await app.request(`/api/v1/endpoints/${encodeURIComponent(request.slug)}/query`, {
    method: 'POST',
    headers,
    body: JSON.stringify(payload),
    signal: request.signal,
  });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  if (res.status === 200) return { status: 'success', payload: body };
  return {
    status: 'error',
    error: { code: codeOf(res.status), message: messageOf(body, res.status) },
    payload: body,
  };
}
