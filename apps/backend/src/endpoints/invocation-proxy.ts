import type { User } from '@syfthub/db';
import {
  ApiError,
  BodyTooLargeError,
  CORRELATION_HEADER,
  currentCorrelationId,
  parseJsonBounded,
  readCappedText,
  type SsrfGuard,
} from '@syfthub/service';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { BackendDeps } from '../deps';
import { resolveConnectionUrl } from './connections';
import type { EndpointView } from './views';

/** Upstream bodies beyond this are cut off and treated as an error (§4.4 step 5). */
const MAX_UPSTREAM_BODY_BYTES = 10 * 1024 * 1024;
const MAX_DENIAL_DETAIL = 500;

/** What the proxy hands back to the route: a status and JSON body, plus the upstream latency on success. */
export interface ProxyOutcome {
  status: ContentfulStatusCode;
  body: unknown;
  latencyMs?: number;
}

/**
 * The satellite URL of an endpoint's query route (§4.4 step 2): the first enabled connection (or the first one if
 * all are disabled), its `config.url` or `config.path` resolved against the owner's domain.
 */
function proxyTargetOf(endpoint: EndpointView): string {
  const path = `${endpoint.ownerUsername}/${endpoint.slug}`;
  const connection = endpoint.connect.find((c) => c.enabled !== false) ?? endpoint.connect[0];
  if (!connection) throw new ApiError(400, `Endpoint '${path}' has no connections configured`);
  const { url, path: configPath } = connection.config ?? {};
  const stored = typeof url === 'string' ? url : typeof configPath === 'string' ? configPath : '';
  // The hub speaks HTTP to the satellite whatever the connection type, so no ws:// rewriting here.
  const base = resolveConnectionUrl(stored, 'http', endpoint.ownerDomain);
  if (base.startsWith('tunneling:')) {
    throw new ApiError(
      400,
      `Endpoint '${path}' is reachable only through a tunnel, which this hub does not proxy`,
    );
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(base)) {
    throw new ApiError(400, `Owner of endpoint '${path}' has no domain configured`);
  }
  return `${base.replace(/\/+$/, '')}/api/v1/endpoints/${encodeURIComponent(endpoint.slug)}/query`;
}

/** The request body must be a JSON object (§4.4 step 4). */
function parseProxyBody(text: string): Record<string, unknown> {
  try {
    const value = parseJsonBounded(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // reported below like any other non-object (too deep included: it could not be forwarded)
  }
  throw new ApiError(400, 'Invalid JSON request body');
}

/** A satellite token for the caller, aimed at the endpoint's owner; none when the identity provider is off. */
async function satelliteAuthorization(
  deps: Pick<BackendDeps, 'satelliteTokens' | 'config' | 'backendMetrics'>,
  caller: User | null,
  owner: string,
): Promise<string | null> {
  if (!deps.satelliteTokens) return null;
  const { token } = await deps.satelliteTokens.issue({
    sub: caller ? String(caller.id) : 'guest',
    aud: owner,
    role: caller ? caller.role : 'guest',
    username: caller ? caller.username : 'guest',
    issuer: deps.config.ISSUER_URL,
    ttlSeconds: deps.config.SATELLITE_TOKEN_EXPIRE_SECONDS,
  });
  deps.backendMetrics.satelliteTokens.inc({ kind: caller ? 'user' : 'guest' });
  return `Bearer ${token}`;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    // A satellite's answer is as untrusted as a client's: too deep to re-serialise is "not JSON".
    return { ok: true, value: parseJsonBounded(text) };
  } catch {
    return { ok: false };
  }
}

function denialDetail(text: string): string {
  const parsed = parseJson(text);
  let detail = text;
  if (parsed.ok && typeof parsed.value === 'object' && parsed.value !== null && 'detail' in parsed.value) {
    const inner = parsed.value.detail;
    detail = typeof inner === 'string' ? inner : JSON.stringify(inner);
  }
  return detail.slice(0, MAX_DENIAL_DETAIL);
}

const TARGET_ERROR = 'Target endpoint returned an error';

/** §4.4 step 6: what the caller sees for each upstream outcome. */
function mapUpstream(status: number, text: string, latencyMs: number): ProxyOutcome {
  if (status >= 200 && status < 300) {
    const parsed = parseJson(text);
    return { status: 200, body: parsed.ok ? parsed.value : { raw_response: text }, latencyMs };
  }
  // A satellite's 401 concerns the token we minted, not the caller's own credential: passing it on would make
  // clients refresh and retry forever (README §2.4), so it is reported as a denial.
  if (status === 403 || status === 401) {
    return { status: 403, body: { detail: `Target endpoint denied access: ${denialDetail(text)}` } };
  }
  // Redirects are never followed, and a 3xx without its Location would mean nothing to the caller.
  const passedOn = status >= 400 && status <= 599 ? (status as ContentfulStatusCode) : 502;
  return { status: passedOn, body: { detail: TARGET_ERROR } };
}

export interface ProxyRequest {
  endpoint: EndpointView;
  caller: User | null;
  /** The caller's raw request body; it must be a JSON object. */
  bodyText: string;
  tenantName: string | undefined;
}

/**
 * Forwards one query to the endpoint's satellite (§4.4) through the SSRF guard, which pins the checked address
 * and never follows redirects. Guard refusals propagate as their own 403/400.
 */
export async function proxyInvocation(
  deps: Pick<BackendDeps, 'satelliteTokens' | 'config' | 'backendMetrics'>,
  guard: SsrfGuard,
  request: ProxyRequest,
): Promise<ProxyOutcome> {
  const { endpoint } = request;
  const target = proxyTargetOf(endpoint);
  const body = parseProxyBody(request.bodyText);
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  const correlationId = currentCorrelationId();
  if (correlationId) headers[CORRELATION_HEADER] = correlationId;
  if (request.tenantName) headers['X-Tenant-Name'] = request.tenantName;
  const authorization = await satelliteAuthorization(deps, request.caller, endpoint.ownerUsername);
  if (authorization) headers.Authorization = authorization;

  const timeoutSeconds =
    endpoint.type === 'data_source'
      ? deps.config.PROXY_TIMEOUT_DATA_SOURCE_SECONDS
      : deps.config.PROXY_TIMEOUT_DEFAULT_SECONDS;
  const signal = AbortSignal.timeout(timeoutSeconds * 1000);
  const started = performance.now();
  try {
    const response = await guard.guardedFetch(target, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal,
    });
    let text: string;
    try {
      text = await readCappedText(response, MAX_UPSTREAM_BODY_BYTES);
    } catch (err) {
      // A body that breaks off mid-way is a connection failure like a refused connection.
      throw err instanceof BodyTooLargeError || signal.aborted
        ? err
        : new TypeError('body failed', { cause: err });
    }
    return mapUpstream(response.status, text, Math.round(performance.now() - started));
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (signal.aborted) {
      return {
        status: 504,
        body: { detail: `Request to target endpoint timed out after ${timeoutSeconds}s` },
      };
    }
    if (err instanceof BodyTooLargeError) return { status: 502, body: { detail: TARGET_ERROR } };
    if (err instanceof TypeError)
      return { status: 502, body: { detail: 'Failed to connect to target endpoint' } };
    throw err;
  }
}
