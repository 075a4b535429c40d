import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { eq, inArray, oauthClients, oauthGrants } from '@syfthub/db';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteStaleClients, revokeUnredeemedGrants } from '../src/jobs';
import { discover, insecure, obtainCallback, pkce, REDIRECT_URI, register } from './helpers/oauth';
import { type Stack, startStack } from './helpers/stack';

let stack: Stack;
let as: oauth.AuthorizationServer;
let client: oauth.Client;

/** Authorizes `user` and returns its MCP tokens and grant id. */
async function authorizeUser(user: { username: string; password: string }) {
  const { verifier, challenge } = await pkce();
  const callback = await obtainCallback(as, client, user, challenge);
  const params = oauth.validateAuthResponse(as, client, callback, 'state-1');
  const tokens = await oauth.processAuthorizationCodeResponse(
    as,
    client,
    await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      REDIRECT_URI,
      verifier,
      insecure,
    ),
  );
  const grantId = JSON.parse(
    Buffer.from(tokens.access_token.split('.')[1] as string, 'base64url').toString(),
  ).sid;
  return { tokens, grantId: grantId as string };
}

async function mcpClient(accessToken: string): Promise<Client> {
  const mcp = new Client({ name: 'hub-session-test', version: '1.0.0' });
  await mcp.connect(
    new StreamableHTTPClientTransport(new URL(stack.resource), {
      requestInit: { headers: { Authorization: `Bearer ${accessToken}` } },
    }),
  );
  return mcp;
}

async function search(mcp: Client) {
  const result = await mcp.callTool({ name: 'search_endpoints', arguments: { query: 'anything' } });
  return result.structuredContent as { success: boolean; error?: string };
}

/** Forgets the cached hub access token, so the next tool call must refresh the delegated hub session. */
async function dropHubCache(grantId: string) {
  await stack.kv.del(`mcp:hub-access:${grantId}`);
}

beforeAll(async () => {
  stack = await startStack({ satellite: false });
  as = await discover(stack.resource);
  client = await register(as);
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('the delegated hub session (mcp.md §7)', () => {
  it('keeps the hub refresh token encrypted and refreshes it once under concurrent tool calls', async () => {
    const user = await stack.registerUser('carol');
    const { tokens, grantId } = await authorizeUser(user);
    const [before] = await stack.database.db.select().from(oauthGrants).where(eq(oauthGrants.id, grantId));
    expect(before?.hubTokenKeyId).toBe('test1');
    expect(Buffer.from(before?.hubRefreshTokenEnc as Uint8Array).toString('latin1')).not.toContain('eyJ');
    expect(await stack.kv.get(`mcp:hub-access:${grantId}`)).toMatch(/^test1\./);

    const mcp = await mcpClient(tokens.access_token);
    await dropHubCache(grantId);
    // The hub rotates refresh tokens and punishes reuse: only a serialised refresh lets all of these succeed.
    const results = await Promise.all([search(mcp), search(mcp), search(mcp), search(mcp)]);
    expect(results.map((r) => r.success)).toEqual([true, true, true, true]);
    const [after] = await stack.database.db.select().from(oauthGrants).where(eq(oauthGrants.id, grantId));
    expect(after?.revokedAt).toBeNull();
    expect(Buffer.from(after?.hubRefreshTokenEnc as Uint8Array)).not.toEqual(
      Buffer.from(before?.hubRefreshTokenEnc as Uint8Array),
    );
    await mcp.close();
  });

  it('revokes the grant when the hub ends the session, and the tool says so', async () => {
    const user = await stack.registerUser('dave');
    const { tokens, grantId } = await authorizeUser(user);
    const mcp = await mcpClient(tokens.access_token);
    expect((await search(mcp)).success).toBe(true);

    // A password change on the hub ends every other session of the user, the delegated one included.
    const login = await fetch(`${stack.hubUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: user.username, password: user.password }),
    });
    const { access_token: hubToken } = (await login.json()) as { access_token: string };
    const change = await fetch(`${stack.hubUrl}/api/v1/auth/me/password`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${hubToken}` },
      body: JSON.stringify({ current_password: user.password, new_password: 'another-pass-2' }),
    });
    expect(change.status).toBe(204);
    await dropHubCache(grantId);

    const result = await search(mcp);
    expect(result).toMatchObject({
      success: false,
      error: 'Authentication failed. Please re-authenticate with SyftHub.',
    });
    const [grant] = await stack.database.db.select().from(oauthGrants).where(eq(oauthGrants.id, grantId));
    expect(grant).toMatchObject({ revokedReason: 'hub_session_ended', hubRefreshTokenEnc: null });
    await expect(search(mcp)).rejects.toThrow();
    await mcp.close().catch(() => undefined);

    const refresh = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.None(),
      tokens.refresh_token as string,
      insecure,
    );
    await expect(oauth.processRefreshTokenResponse(as, client, refresh)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('revokes grants whose code was never redeemed', async () => {
    const user = await stack.registerUser('erin');
    const { challenge } = await pkce();
    await obtainCallback(as, client, user, challenge);
    const inAnHour = Date.now() + 3_600_000 + 60_000;
    expect(await revokeUnredeemedGrants(stack.mcp, inAnHour)).toBeGreaterThanOrEqual(1);
    const grants = await stack.database.db.select().from(oauthGrants).where(eq(oauthGrants.userId, user.id));
    expect(grants).toHaveLength(1);
    expect(grants[0]?.revokedReason).toBe('code_not_redeemed');
  });

  it('deletes clients that never authorized within a week, and keeps the others', async () => {
    const stale = await register(as);
    const fresh = await register(as);
    const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000);
    await stack.database.db
      .update(oauthClients)
      .set({ createdAt: eightDaysAgo })
      .where(eq(oauthClients.clientId, stale.client_id));
    expect(await deleteStaleClients(stack.mcp)).toBeGreaterThanOrEqual(1);
    const remaining = await stack.database.db
      .select({ clientId: oauthClients.clientId })
      .from(oauthClients)
      .where(inArray(oauthClients.clientId, [stale.client_id, fresh.client_id]));
    expect(remaining.map((r) => r.clientId)).toEqual([fresh.client_id]);
  });
});
