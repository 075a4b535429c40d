import { type Db, oauthClients, sql } from '@syfthub/db';
import { BodyTooLargeError, type Kv, parseJsonBounded, readCappedText } from '@syfthub/service';
import { type ClientMetadata, metadataColumns, validateClientMetadata } from './client-metadata';
import { sha256Hex } from './params';

/** Fetches a metadata document; production passes the SSRF guard's pinned, redirect-free fetch. */
export type CimdFetch = (url: string, init: RequestInit) => Promise<Response>;

const FETCH_TIMEOUT_MS = 5000;
const MAX_DOCUMENT_BYTES = 64 * 1024;
const MIN_CACHE_SECONDS = 300;
const MAX_CACHE_SECONDS = 86_400;
const MAX_CLIENT_ID_LENGTH = 512;

const cacheKey = (url: string) => `mcp:cimd:${sha256Hex(url)}`;

/** Why a metadata document cannot be used; shown on the HTML error page, so it names no internals. */
export class CimdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CimdError';
  }
}

/** A client id that names a metadata document: an https URL with a path (mcp.md §4.2). */
export function isCimdClientId(clientId: string): boolean {
  if (!clientId.startsWith('https://') || clientId.length > MAX_CLIENT_ID_LENGTH) return false;
  try {
    const url = new URL(clientId);
    return url.pathname !== '/' && url.hash === '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

function cacheSeconds(cacheControl: string | null): number {
  const maxAge = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl ?? '')?.[1];
  const seconds = maxAge === undefined ? MIN_CACHE_SECONDS : Number(maxAge);
  return Math.min(MAX_CACHE_SECONDS, Math.max(MIN_CACHE_SECONDS, seconds));
}

async function readCapped(response: Response): Promise<string> {
  try {
    return await readCappedText(response, MAX_DOCUMENT_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new CimdError('The client metadata document is too large.');
    throw err;
  }
}

export interface CimdResolverOptions {
  db: Db;
  kv: Kv;
  fetch: CimdFetch;
}

export interface CimdResolver {
  /** The validated metadata of the document at `url`, from cache or fetched. Throws CimdError. */
  resolve(url: string): Promise<ClientMetadata>;
}

export function createCimdResolver(options: CimdResolverOptions): CimdResolver {
  const { db, kv } = options;

  async function fetchDocument(url: string): Promise<{ document: unknown; ttl: number }> {
    let response: Response;
    try {
      response = await options.fetch(url, {
        method: 'GET',
        headers: { Accept: 'application/json' },
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
    } catch {
      throw new CimdError('The client metadata document could not be fetched.');
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new CimdError(`The client metadata document could not be fetched (HTTP ${response.status}).`);
    }
    const text = await readCapped(response);
    try {
      return { document: parseJsonBounded(text), ttl: cacheSeconds(response.headers.get('cache-control')) };
    } catch {
      throw new CimdError('The client metadata document is not valid JSON.');
    }
  }

  return {
    async resolve(url) {
      const cached = await kv.get(cacheKey(url)).catch(() => null);
      if (cached !== null) return JSON.parse(cached) as ClientMetadata;

      const { document, ttl } = await fetchDocument(url);
      const declared = (document as { client_id?: unknown } | null)?.client_id;
      if (declared !== url) throw new CimdError('The client metadata document names a different client_id.');
      const result = validateClientMetadata(document, 'cimd');
      if (!result.ok) throw new CimdError(`The client metadata document is invalid: ${result.description}.`);
      const metadata = result.metadata;

      const expiresAt = new Date(Date.now() + ttl * 1000);
      // Grants reference oauth_clients, so a CIMD client gets a bookkeeping row like a registered one.
      const row = {
        registrationType: 'cimd' as const,
        clientType: 'public' as const,
        tokenEndpointAuthMethod: 'none' as const,
        ...metadataColumns(metadata),
        metadata: { ...metadata, client_id: url },
        metadataExpiresAt: expiresAt,
      };
      await db
        .insert(oauthClients)
        .values({ clientId: url, ...row })
        .onConflictDoUpdate({ target: oauthClients.clientId, set: { ...row, updatedAt: sql`now()` } });
      await kv.set(cacheKey(url), JSON.stringify(metadata), { ttlSeconds: ttl }).catch(() => false);
      return metadata;
    },
  };
}
