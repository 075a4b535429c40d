import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { CheckedTarget, GuardedRequestInit, SsrfGuard } from '@syfthub/service';
import type { SatelliteTransport } from './outbound';

/** How long a checked target is reused: a satellite's DNS change is noticed within this. */
const CHECK_TTL_MS = 10_000;
/** Entries kept at most; the cache is emptied when it would grow past this (hosts are few in practice). */
const CHECK_CACHE_MAX = 1_000;

export interface CachedSatelliteTransport {
  request: SatelliteTransport;
  /** Closes pooled keep-alive connections. */
  close(): void;
}

interface Checked {
  target: CheckedTarget;
  isHttps: boolean;
  path: string;
  servername: string | undefined;
  expires: number;
}

/**
 * The SSRF-guarded request of aggregator.md §5.6 with the guard's check kept for a few seconds per URL: a chat
 * calls the same few satellite URLs again and again, and checking each call (URL parsing, resolution, range
 * checks) was a visible share of a chat's CPU. The guarantees are the guard's: only a checked address is ever
 * connected to (the connection goes to it, Host and SNI keep the name, so no second lookup happens), refusals
 * are never cached (each call checks again), redirects are returned as they are.
 */
export function createCachedTransport(
  guard: SsrfGuard,
  now: () => number = Date.now,
): CachedSatelliteTransport {
  const httpAgent = new http.Agent({ keepAlive: true });
  const httpsAgent = new https.Agent({ keepAlive: true });
  const cache = new Map<string, Checked>();

  const checked = async (url: string): Promise<Checked> => {
    const hit = cache.get(url);
    if (hit && hit.expires > now()) return hit;
    const target = await guard.check(url);
    const isHttps = target.url.protocol === 'https:';
    const entry: Checked = {
      target,
      isHttps,
      path: `${target.url.pathname}${target.url.search}`,
      servername: isHttps && isIP(target.hostname) === 0 ? target.hostname : undefined,
      expires: now() + CHECK_TTL_MS,
    };
    if (cache.size >= CHECK_CACHE_MAX) cache.clear();
    cache.set(url, entry);
    return entry;
  };

  const request = async (url: string, init: GuardedRequestInit): Promise<http.IncomingMessage> => {
    const { signal } = init;
    signal?.throwIfAborted();
    const { target, isHttps, path, servername } = await checked(url);
    signal?.throwIfAborted();
    // One encoding of the body: its length is the buffer's, and the socket writes the bytes as they are.
    const body =
      init.body === undefined || init.body === null
        ? null
        : typeof init.body === 'string'
          ? Buffer.from(init.body)
          : init.body;
    const headers: Record<string, string> = {};
    if (init.headers) for (const name in init.headers) headers[name.toLowerCase()] = init.headers[name]!;
    if (body !== null) headers['content-length'] = String(body.byteLength);
    headers.host ??= target.url.host;
    const req = (isHttps ? https : http).request({
      protocol: target.url.protocol,
      host: target.address,
      port: target.port,
      servername,
      path,
      method: (init.method ?? 'GET').toUpperCase(),
      headers,
      agent: isHttps ? httpsAgent : httpAgent,
      signal,
    });
    const response = responseOf(req, signal);
    req.end(body ?? undefined);
    return response;
  };

  return {
    request,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/** The response head; failures as the guard reports them (the abort reason, or `fetch failed` with a cause). */
function responseOf(req: http.ClientRequest, signal: AbortSignal | undefined): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    req.once('error', (err) => {
      reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: err }));
    });
    req.once('response', resolve);
  });
}
