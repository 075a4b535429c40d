import { type Db, eq, type OAuthTokenEndpointAuthMethod, oauthClients } from '@syfthub/db';
import { isStorableText } from '@syfthub/service';
import type { Context } from 'hono';
import { CimdError, type CimdResolver, isCimdClientId } from './cimd';
import type { ClientMetadata } from './client-metadata';
import { safeEqual, sha256Hex } from './params';

/** A client as the authorization and token endpoints need it. */
export interface OAuthClientView {
  clientId: string;
  registrationType: 'dcr' | 'cimd';
  tokenEndpointAuthMethod: OAuthTokenEndpointAuthMethod;
  clientSecretHash: string | null;
  clientName: string | null;
  redirectUris: string[];
  grantTypes: string[];
}

export type ClientLookup = { ok: true; client: OAuthClientView } | { ok: false; reason: string };

export type ClientAuthResult =
  | { ok: true; client: OAuthClientView }
  | { ok: false; basicTried: boolean; description: string };

export interface ClientRegistryOptions {
  db: Db;
  cimd: CimdResolver;
  cimdEnabled: boolean;
}

export interface ClientRegistry {
  /** A registered client, or the client a metadata-document URL describes. */
  find(clientId: string): Promise<ClientLookup>;
  /** Client authentication at the token and revocation endpoints (mcp.md §4.5). */
  authenticate(c: Context, form: Record<string, string>): Promise<ClientAuthResult>;
  touch(clientId: string): Promise<void>;
}

function fromMetadata(clientId: string, metadata: ClientMetadata): OAuthClientView {
  return {
    clientId,
    registrationType: 'cimd',
    tokenEndpointAuthMethod: 'none',
    clientSecretHash: null,
    clientName: metadata.client_name,
    redirectUris: metadata.redirect_uris,
    grantTypes: metadata.grant_types,
  };
}

/** `Authorization: Basic` credentials, each part URL-decoded (RFC 6749 §2.3.1); null when absent or malformed. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | null | 'malformed' {
  if (header === undefined) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return /^Basic\b/i.test(header) ? 'malformed' : null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return 'malformed';
  }
}

export function createClientRegistry(options: ClientRegistryOptions): ClientRegistry {
  const { db } = options;

  async function find(clientId: string): Promise<ClientLookup> {
    // Grants and clients are stored by client id, and PostgreSQL cannot store NUL or unpaired surrogates: no client
    // can have such an id, so it is unknown without a query.
    if (clientId === '' || clientId.length > 512 || !isStorableText(clientId)) {
      return { ok: false, reason: 'Unknown client.' };
    }
    if (isCimdClientId(clientId)) {
      if (!options.cimdEnabled)
        return { ok: false, reason: 'Client ID metadata documents are not accepted here.' };
      try {
        return { ok: true, client: fromMetadata(clientId, await options.cimd.resolve(clientId)) };
      } catch (error) {
        if (error instanceof CimdError) return { ok: false, reason: error.message };
        throw error;
      }
    }
    const [row] = await db.select().from(oauthClients).where(eq(oauthClients.clientId, clientId));
    if (row?.registrationType !== 'dcr') return { ok: false, reason: 'Unknown client.' };
    return {
      ok: true,
      client: {
        clientId: row.clientId,
        registrationType: 'dcr',
        tokenEndpointAuthMethod: row.tokenEndpointAuthMethod,
        clientSecretHash: row.clientSecretHash,
        clientName: row.clientName,
        redirectUris: row.redirectUris,
        grantTypes: row.grantTypes,
      },
    };
  }

  return {
    find,

    async authenticate(c, form) {
      const basic = basicCredentials(c.req.header('authorization'));
      const basicTried = basic !== null;
      if (basic === 'malformed') return { ok: false, basicTried, description: 'Malformed Basic credentials' };
      if (basic && form.client_id !== undefined && form.client_id !== basic.id) {
        return { ok: false, basicTried, description: 'client_id does not match the Basic credentials' };
      }
      const clientId = basic?.id ?? form.client_id;
      const secret = basic ? basic.secret : form.client_secret;
      if (clientId === undefined || clientId === '') {
        return { ok: false, basicTried, description: 'Client authentication failed' };
      }
      const lookup = await find(clientId);
      if (!lookup.ok) return { ok: false, basicTried, description: 'Client authentication failed' };
      const { client } = lookup;
      if (client.tokenEndpointAuthMethod === 'none') {
        // A public client has no secret; one presenting a secret is confused or impersonating.
        if (secret !== undefined && secret !== '') {
          return { ok: false, basicTried, description: 'Client authentication failed' };
        }
        return { ok: true, client };
      }
      if (secret === undefined || client.clientSecretHash === null) {
        return { ok: false, basicTried, description: 'Client authentication failed' };
      }
      if (!safeEqual(sha256Hex(secret), client.clientSecretHash)) {
        return { ok: false, basicTried, description: 'Client authentication failed' };
      }
      return { ok: true, client };
    },

    async touch(clientId) {
      await db
        .update(oauthClients)
        .set({ lastUsedAt: new Date() })
        .where(eq(oauthClients.clientId, clientId));
    },
  };
}
