import { and, type Db, eq, isNull, type OAuthGrant, oauthGrants, oauthRefreshTokens } from '@syfthub/db';
import { bodyLimit, clientIp, currentLogger, type Env, rateLimitSubject } from '@syfthub/service';
import type { Context, Hono } from 'hono';
import type { McpDeps } from '../../deps';
import { HubSessionEndedError, HubUnavailableError } from '../../grants/grants';
import type { OAuthClientView } from '../../oauth/clients';
import { oauthError, oauthRateLimited, oauthServerErrors } from '../../oauth/errors';
import {
  isValidPkceValue,
  normaliseResource,
  pkceMatches,
  randomToken,
  SUPPORTED_SCOPES,
  scopeSet,
  sha256Hex,
} from '../../oauth/params';
import { hitRateLimit } from '../../oauth/rate-limits';

const MAX_FORM_BYTES = 64 * 1024;
const GRANT_TYPES = new Set(['authorization_code', 'refresh_token']);
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/** The form of a token or revocation request; null when it is not form-encoded or repeats a parameter. */
export async function readOAuthForm(c: Context): Promise<Record<string, string> | null> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return null;
  const params = new URLSearchParams(await c.req.text());
  const form: Record<string, string> = {};
  for (const [key, value] of params) {
    if (key in form) return null;
    form[key] = value;
  }
  return form;
}

/** 401 `invalid_client`, with a Basic challenge when the client tried Basic (RFC 6749 §5.2). */
export function invalidClient(c: Context, basicTried: boolean, description: string): Response {
  return oauthError(
    c,
    401,
    'invalid_client',
    description,
    basicTried ? { 'WWW-Authenticate': 'Basic realm="mcp"' } : {},
  );
}

function resourceMismatch(sent: string | undefined, stored: string): boolean {
  return sent !== undefined && normaliseResource(sent) !== normaliseResource(stored);
}

/** `POST /mcp/oauth/token`: authorization code and refresh token grants (mcp.md §4.5). */
export function registerTokenRoutes(app: Hono<Env>, deps: McpDeps): void {
  const { config, db, grants } = deps;
  const log = () => currentLogger() ?? deps.logger;
  const invalidGrant = (c: Context, description: string) => oauthError(c, 400, 'invalid_grant', description);

  interface IssueInput {
    client: OAuthClientView;
    grant: OAuthGrant;
    grantType: 'authorization_code' | 'refresh_token';
    accessScope: string;
    /** Returned only when the client may refresh. */
    refreshToken?: string;
    idToken?: { authTime: number; nonce?: string | undefined };
  }

  function mintRefreshToken() {
    const token = `mcp_rt_${randomToken(32)}`;
    return { token, hash: sha256Hex(token) };
  }

  async function storeRefreshToken(
    tx: Pick<Db, 'insert'>,
    hash: string,
    grant: OAuthGrant,
    clientId: string,
    scope: string,
  ): Promise<void> {
    const issuedAt = new Date();
    await tx.insert(oauthRefreshTokens).values({
      tokenHash: hash,
      grantId: grant.id,
      clientId,
      scope,
      resource: grant.resource,
      issuedAt,
      expiresAt: new Date(issuedAt.getTime() + config.MCP_REFRESH_TOKEN_TTL_DAYS * 86_400_000),
    });
  }

  async function issue(c: Context, input: IssueInput): Promise<Response> {
    const { client, grant, accessScope } = input;
    const { token: accessToken } = await deps.signer.signAccessToken({
      userId: grant.userId,
      email: grant.userEmail,
      scope: accessScope,
      clientId: client.clientId,
      grantId: grant.id,
    });
    const idToken =
      input.idToken && scopeSet(accessScope).has('openid')
        ? await deps.signer.signIdToken({
            clientId: client.clientId,
            userId: grant.userId,
            email: grant.userEmail,
            emailVerified: grant.emailVerified,
            name: grant.fullName || grant.username,
            preferredUsername: grant.username,
            authTime: input.idToken.authTime,
            nonce: input.idToken.nonce,
          })
        : undefined;
    await deps.clients.touch(client.clientId);
    deps.mcpMetrics.tokensIssued.inc({ grant_type: input.grantType });
    log().info(
      {
        event: 'oauth.token.issued',
        grant_type: input.grantType,
        client_id: client.clientId,
        user_id: grant.userId,
      },
      'Tokens issued',
    );
    return c.json(
      {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: config.MCP_ACCESS_TOKEN_TTL_SECONDS,
        scope: accessScope,
        ...(input.refreshToken === undefined ? {} : { refresh_token: input.refreshToken }),
        ...(idToken === undefined ? {} : { id_token: idToken }),
      },
      200,
      NO_STORE,
    );
  }

  async function authorizationCode(c: Context, client: OAuthClientView, form: Record<string, string>) {
    const { code, redirect_uri: redirectUri, code_verifier: verifier } = form;
    if (!code || !redirectUri || verifier === undefined) {
      return oauthError(c, 400, 'invalid_request', 'code, redirect_uri and code_verifier are required');
    }
    const { hash, issued } = await deps.pending.takeCode(code);
    if (!issued) {
      const replayed = await deps.pending.replayedCodeGrant(hash);
      // A redeemed code presented again may have been stolen: everything it produced is revoked.
      if (replayed !== null) await grants.revoke(replayed, 'code_replay');
      return invalidGrant(c, 'The authorization code is invalid, expired or already used');
    }
    // The code is burnt from here on; a failed redemption also ends the grant it would have started.
    const refuse = async (response: Response) => {
      await grants.revoke(issued.grantId, 'code_not_redeemed');
      return response;
    };
    if (issued.clientId !== client.clientId) {
      return refuse(invalidGrant(c, 'The authorization code was issued to another client'));
    }
    if (issued.redirectUri !== redirectUri) {
      return refuse(invalidGrant(c, 'redirect_uri does not match the authorization request'));
    }
    if (!isValidPkceValue(verifier) || !pkceMatches(verifier, issued.codeChallenge)) {
      return refuse(invalidGrant(c, 'PKCE verification failed'));
    }
    if (resourceMismatch(form.resource, issued.resource)) {
      return refuse(oauthError(c, 400, 'invalid_target', `resource must be ${issued.resource}`));
    }
    await deps.pending.markCodeUsed(hash, issued.grantId);
    const grant = await grants.find(issued.grantId);
    if (!grant || grant.revokedAt) return invalidGrant(c, 'The authorization has been revoked');
    await db.update(oauthGrants).set({ lastUsedAt: new Date() }).where(eq(oauthGrants.id, grant.id));
    let refreshToken: string | undefined;
    if (client.grantTypes.includes('refresh_token')) {
      const minted = mintRefreshToken();
      await storeRefreshToken(db, minted.hash, grant, client.clientId, grant.scope);
      refreshToken = minted.token;
    }
    return issue(c, {
      client,
      grant,
      grantType: 'authorization_code',
      accessScope: grant.scope,
      ...(refreshToken === undefined ? {} : { refreshToken }),
      idToken: { authTime: issued.authTime, nonce: issued.nonce },
    });
  }

  async function refreshTokenGrant(c: Context, client: OAuthClientView, form: Record<string, string>) {
    const presented = form.refresh_token;
    if (!presented) return oauthError(c, 400, 'invalid_request', 'refresh_token is required');
    const hash = sha256Hex(presented);
    const [row] = await db.select().from(oauthRefreshTokens).where(eq(oauthRefreshTokens.tokenHash, hash));
    if (!row || row.clientId !== client.clientId || row.revokedAt || row.expiresAt.getTime() <= Date.now()) {
      return invalidGrant(c, 'The refresh token is invalid or expired');
    }
    const grant = await grants.find(row.grantId);
    if (!grant || grant.revokedAt) return invalidGrant(c, 'The authorization has been revoked');
    if (row.usedAt) {
      if (Date.now() - row.usedAt.getTime() > config.MCP_REFRESH_REUSE_GRACE_SECONDS * 1000) {
        log().warn(
          { event: 'oauth.refresh.reuse_detected', client_id: client.clientId, user_id: grant.userId },
          'Refresh token reuse detected',
        );
        await grants.revoke(grant.id, 'refresh_reuse');
      }
      return invalidGrant(c, 'The refresh token was already used');
    }

    const granted = scopeSet(row.scope);
    let accessScope = row.scope;
    if (form.scope !== undefined) {
      const asked = scopeSet(form.scope);
      if (asked.size === 0 || [...asked].some((scope) => !granted.has(scope))) {
        return oauthError(c, 400, 'invalid_scope', 'The requested scope exceeds the granted scope');
      }
      accessScope = SUPPORTED_SCOPES.filter((scope) => asked.has(scope)).join(' ');
    }
    if (resourceMismatch(form.resource, row.resource)) {
      return oauthError(c, 400, 'invalid_target', `resource must be ${row.resource}`);
    }

    try {
      await grants.hubAccessToken(grant.id);
    } catch (error) {
      if (error instanceof HubSessionEndedError) return invalidGrant(c, 'The SyftHub session has ended');
      if (error instanceof HubUnavailableError) {
        return oauthError(c, 503, 'temporarily_unavailable', error.message, { 'Retry-After': '5' });
      }
      throw error;
    }

    const next = mintRefreshToken();
    const rotated = await db.transaction(async (tx) => {
      const claimed = await tx
        .update(oauthRefreshTokens)
        .set({ usedAt: new Date(), replacedByHash: next.hash })
        .where(
          and(
            eq(oauthRefreshTokens.tokenHash, hash),
            isNull(oauthRefreshTokens.usedAt),
            isNull(oauthRefreshTokens.revokedAt),
          ),
        )
        .returning({ hash: oauthRefreshTokens.tokenHash });
      // A concurrent request rotated it first: this one lost the race and is treated as the second use.
      if (claimed.length === 0) return false;
      await storeRefreshToken(tx, next.hash, grant, client.clientId, row.scope);
      await tx.update(oauthGrants).set({ lastUsedAt: new Date() }).where(eq(oauthGrants.id, grant.id));
      return true;
    });
    if (!rotated) return invalidGrant(c, 'The refresh token was already used');
    return issue(c, { client, grant, grantType: 'refresh_token', accessScope, refreshToken: next.token });
  }

  app.post('/mcp/oauth/token', oauthServerErrors(), bodyLimit(MAX_FORM_BYTES), async (c) => {
    const limited = await hitRateLimit(
      deps.kv,
      'mcp-token',
      rateLimitSubject(clientIp(c, deps.trustedProxies)),
      config.MCP_TOKEN_RATE_LIMIT_PER_MINUTE,
      60,
    );
    if (limited) return oauthRateLimited(c, limited);
    const form = await readOAuthForm(c);
    if (!form) {
      return oauthError(c, 400, 'invalid_request', 'Send a form-encoded body, each parameter at most once');
    }
    const grantType = form.grant_type;
    if (!grantType) return oauthError(c, 400, 'invalid_request', 'grant_type is required');
    if (!GRANT_TYPES.has(grantType)) {
      return oauthError(c, 400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
    }
    const auth = await deps.clients.authenticate(c, form);
    if (!auth.ok) return invalidClient(c, auth.basicTried, auth.description);
    if (!auth.client.grantTypes.includes(grantType)) {
      return oauthError(c, 400, 'unauthorized_client', `The client is not registered for ${grantType}`);
    }
    return grantType === 'authorization_code'
      ? authorizationCode(c, auth.client, form)
      : refreshTokenGrant(c, auth.client, form);
  });
}
