import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import { DnsResolutionError, InvalidTargetUrlError, SsrfBlockedError } from './errors';
import { isBlockedAddress } from './ranges';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has; injectable so tests can simulate DNS rebinding. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface SsrfGuardOptions {
  /** Disables the range check altogether (development only; callers refuse it in production). */
  allowPrivateNetworks?: boolean;
  /** `host` or `host:port` entries exempt from the range check. */
  allowedHosts?: readonly string[];
  resolver?: Resolver;
  /**
   * `guardedRequest` reuses a URL's successful check for this long (0: checks every request). For callers that ask
   * the same few URLs again and again (the aggregator's satellites), where checking (URL parsing, resolution,
   * range checks) is a visible share of a request. The connection still goes to the checked address; refusals are
   * never reused; a DNS change is seen within this time.
   */
  reuseChecksForMs?: number;
  /** The clock of `reuseChecksForMs` (tests). */
  now?: () => number;
}

/** Reused checks kept at most; the cache is emptied when it would grow past this (hosts are few in practice). */
const REUSED_CHECKS_MAX = 1_000;

export interface CheckedTarget {
  url: URL;
  /** Host name without IPv6 brackets or a trailing dot. */
  hostname: string;
  port: number;
  /** The address the connection will be made to. */
  address: string;
  family: 4 | 6;
  addresses: string[];
  /** True when the allow-list or `allowPrivateNetworks` waived the range check. */
  exempt: boolean;
}

/** Options of {@link SsrfGuard.guardedRequest}: a deliberately small subset of `RequestInit`. */
export interface GuardedRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | null;
  signal?: AbortSignal;
}

export interface SsrfGuard {
  check(url: string | URL): Promise<CheckedTarget>;
  /**
   * The guarded request at the node:http level: resolves with the response head and its body as a Node stream, for
   * hot paths that would rather not pay for web streams. Same checks, pinning and redirect rules as `guardedFetch`.
   */
  guardedRequest(input: string | URL, init?: GuardedRequestInit): Promise<http.IncomingMessage>;
  /**
   * `fetch` with the guard in front: the host is checked, the connection goes to the checked address while Host and
   * SNI keep the original name, and redirects are returned as they are, never followed. Bodies may be strings,
   * Uint8Arrays or ArrayBuffers.
   */
  guardedFetch(input: string | URL, init?: RequestInit): Promise<Response>;
  isExempt(hostname: string, port: number): boolean;
  /** Closes pooled keep-alive connections. */
  close(): void;
}

const defaultResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

function normaliseHost(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/** Splits an allow-list entry into host and optional port; `[v6]:port` and bare IPv6 literals are understood. */
function parseAllowedHost(entry: string): { host: string; port: number | null } | null {
  const text = entry.trim().toLowerCase();
  if (text === '') return null;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) return null;
    const port = text.slice(close + 1);
    return {
      host: normaliseHost(text.slice(0, close + 1)),
      port: port.startsWith(':') ? Number(port.slice(1)) : null,
    };
  }
  const colon = text.lastIndexOf(':');
  if (colon !== -1 && text.indexOf(':') === colon) {
    const port = Number(text.slice(colon + 1));
    if (Number.isInteger(port) && port > 0 && port < 65536)
      return { host: normaliseHost(text.slice(0, colon)), port };
    return null;
  }
  return { host: normaliseHost(text), port: null };
}

function toBody(body: RequestInit['body']): string | Uint8Array | null {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError('guardedFetch supports string, Uint8Array and ArrayBuffer bodies only');
}

function toResponseHeaders(raw: http.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const name in raw) {
    const value = raw[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return headers;
}

/**
 * The response of a sent request. Its listeners live as long as the request, so they are made here, away from the
 * request body, which would otherwise stay reachable through their scope.
 */
function responseOf(req: http.ClientRequest, signal: AbortSignal | undefined): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    req.once('error', (err) => {
      reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: err }));
    });
    req.once('response', resolve);
  });
}

/**
 * Destroys `req` when `signal` aborts, until the request is over. What `http.request`'s own `signal` option does,
 * with one listener on the signal and one on the request instead of a stream-end watcher's dozen per request.
 */
function followAbort(req: http.ClientRequest, signal: AbortSignal): void {
  const onAbort = () => {
    req.destroy(
      Object.assign(new Error('The operation was aborted', { cause: signal.reason }), {
        name: 'AbortError',
        code: 'ABORT_ERR',
      }),
    );
  };
  if (signal.aborted) {
    onAbort();
    return;
  }
  signal.addEventListener('abort', onAbort, { once: true });
  req.once('close', () => signal.removeEventListener('abort', onAbort));
}

export function createSsrfGuard(options: SsrfGuardOptions = {}): SsrfGuard {
  const allowPrivate = options.allowPrivateNetworks === true;
  const resolver = options.resolver ?? defaultResolver;
  const anyPort = new Set<string>();
  const withPort = new Set<string>();
  for (const entry of options.allowedHosts ?? []) {
    const parsed = parseAllowedHost(entry);
    if (!parsed) continue;
    if (parsed.port === null) anyPort.add(parsed.host);
    else withPort.add(`${parsed.host}:${parsed.port}`);
  }
  const httpAgent = new http.Agent({ keepAlive: true });
  const httpsAgent = new https.Agent({ keepAlive: true });

  const isExempt = (hostname: string, port: number): boolean => {
    const host = normaliseHost(hostname);
    return anyPort.has(host) || withPort.has(`${host}:${port}`);
  };

  const check = async (input: string | URL): Promise<CheckedTarget> => {
    let url: URL;
    try {
      url = typeof input === 'string' ? new URL(input) : input;
    } catch {
      throw new InvalidTargetUrlError(String(input));
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidTargetUrlError(url.href);
    const hostname = normaliseHost(url.hostname);
    const port = url.port === '' ? defaultPort(url.protocol) : Number(url.port);
    let resolved: ResolvedAddress[];
    const literal = isIP(hostname);
    if (literal !== 0) {
      resolved = [{ address: hostname, family: literal }];
    } else {
      try {
        resolved = await resolver(hostname);
      } catch (cause) {
        throw new DnsResolutionError(hostname, { cause });
      }
      if (resolved.length === 0) throw new DnsResolutionError(hostname);
    }
    const exempt = allowPrivate || isExempt(hostname, port);
    if (!exempt) {
      for (const r of resolved) {
        if (isBlockedAddress(r.address)) throw new SsrfBlockedError(hostname, r.address);
      }
    }
    const first = resolved[0]!;
    return {
      url,
      hostname,
      port,
      address: first.address,
      family: first.family === 6 ? 6 : 4,
      addresses: resolved.map((r) => r.address),
      exempt,
    };
  };

  const reuseMs = options.reuseChecksForMs ?? 0;
  const now = options.now ?? Date.now;
  const reused = new Map<string, { target: CheckedTarget; expires: number }>();
  /** {@link check}, or its answer for the same URL text within `reuseChecksForMs`. */
  const checkForRequest = async (input: string | URL): Promise<CheckedTarget> => {
    if (reuseMs <= 0 || typeof input !== 'string') return check(input);
    const hit = reused.get(input);
    if (hit && hit.expires > now()) return hit.target;
    const target = await check(input);
    if (reused.size >= REUSED_CHECKS_MAX) reused.clear();
    reused.set(input, { target, expires: now() + reuseMs });
    return target;
  };

  const guardedRequest = async (
    input: string | URL,
    init: GuardedRequestInit = {},
  ): Promise<http.IncomingMessage> => {
    const { signal } = init;
    signal?.throwIfAborted();
    const target = await checkForRequest(input);
    signal?.throwIfAborted();
    // A text body goes out as it is: Node writes the head and a string body as one string (a Buffer would be
    // one allocation and one more chunk per request).
    const body = init.body ?? null;
    const headers: Record<string, string> = {};
    if (init.headers) for (const name in init.headers) headers[name.toLowerCase()] = init.headers[name]!;
    if (body !== null) headers['content-length'] = String(Buffer.byteLength(body));
    headers.host ??= target.url.host;
    const isHttps = target.url.protocol === 'https:';
    const req = (isHttps ? https : http).request({
      // Connecting to the checked address itself pins it: no second lookup can happen, and the keep-alive pool
      // is keyed by that address. Host and SNI still carry the original name.
      protocol: target.url.protocol,
      host: target.address,
      port: target.port,
      servername: isHttps && isIP(target.hostname) === 0 ? target.hostname : undefined,
      path: `${target.url.pathname}${target.url.search}`,
      method: (init.method ?? 'GET').toUpperCase(),
      headers,
      agent: isHttps ? httpsAgent : httpAgent,
    });
    if (signal) followAbort(req, signal);
    const response = responseOf(req, signal);
    req.end(body ?? undefined);
    return response;
  };

  const guardedFetch = async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
    const method = (init.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const res = await guardedRequest(input, {
      method,
      headers,
      body: toBody(init.body),
      signal: init.signal ?? undefined,
    });
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 599) {
      res.destroy();
      throw new TypeError('fetch failed', { cause: new Error(`Invalid HTTP status ${status}`) });
    }
    const nullBody = NULL_BODY_STATUSES.has(status) || method === 'HEAD';
    if (nullBody) res.resume();
    const stream = nullBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
    return new Response(stream, {
      status,
      statusText: res.statusMessage ?? '',
      headers: toResponseHeaders(res.headers),
    });
  };

  return {
    check,
    guardedRequest,
    guardedFetch,
    isExempt,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
