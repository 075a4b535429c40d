import {
  auth,
  Client,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  ResourceNotFoundError,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { and, collectiveMembers, collectives, endpoints, eq, inArray, users } from '@syfthub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeInBrowser } from './helpers/browser';
import { PASSWORD, SATELLITE_OWNER, type Stack, startStack } from './helpers/stack';

const REDIRECT_URI = 'http://127.0.0.1/callback';
const STATE = 'state-e2e-1';

/** An in-memory OAuth client, as a desktop MCP client would keep its registration and tokens. */
class TestProvider implements OAuthClientProvider {
  info: StoredOAuthClientInformation | undefined;
  saved: StoredOAuthTokens | undefined;
  verifier = '';
  discovery: OAuthDiscoveryState | undefined;
  authorizationUrl: URL | undefined;

  get redirectUrl() {
    return REDIRECT_URI;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'SDK end-to-end client',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state() {
    return STATE;
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: StoredOAuthClientInformation) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: StoredOAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
}

type Structured = Record<string, unknown> & { success: boolean };

let stack: Stack;
let user: Awaited<ReturnType<Stack['registerUser']>>;
const provider = new TestProvider();
let client: Client;

async function connect(options: ConstructorParameters<typeof Client>[1] = {}): Promise<Client> {
  const next = new Client({ name: 'syfthub-mcp-e2e', version: '1.0.0' }, options);
  await next.connect(new StreamableHTTPClientTransport(new URL(stack.resource), { authProvider: provider }));
  return next;
}

/** The provider's current tokens (read through a call: assignments in a test would narrow the field). */
function savedTokens(): StoredOAuthTokens {
  const tokens = provider.tokens();
  if (!tokens) throw new Error('no tokens saved');
  return tokens;
}

async function call(name: string, args: Record<string, unknown> = {}): Promise<Structured> {
  const result = await client.callTool({ name, arguments: args });
  const structured = result.structuredContent as Structured;
  const text = (result.content as { type: string; text: string }[])[0]?.text ?? '';
  expect(JSON.parse(text)).toEqual(structured);
  expect(result.isError ?? false).toBe(!structured.success);
  return structured;
}

beforeAll(async () => {
  stack = await startStack({ mcpEnv: { MCP_REFRESH_REUSE_GRACE_SECONDS: '0' } });
  user = await stack.registerUser('alice');
}, 120_000);

afterAll(async () => {
  await client?.close().catch(() => undefined);
  await stack?.close();
});

describe('the official MCP SDK client against the real stack', () => {
  it('discovers the server from a bare 401, registers, and is sent to the consent page', async () => {
    const first = new Client({ name: 'syfthub-mcp-e2e', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(stack.resource), { authProvider: provider });
    await expect(first.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.info?.client_id).toMatch(/^client_[A-Za-z0-9_-]{22}$/);
    expect(provider.info).not.toHaveProperty('client_secret');
    const url = provider.authorizationUrl;
    expect(url?.href.startsWith(`${stack.resource}/oauth/authorize?`)).toBe(true);
    expect(url?.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url?.searchParams.get('resource')).toBe(stack.resource);

    const callback = await authorizeInBrowser(url as URL, user.username, user.password);
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('state')).toBe(STATE);
    expect(callback.searchParams.get('iss')).toBe(stack.resource);
    expect(callback.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    await transport.finishAuth(callback.searchParams);
    expect(provider.saved?.token_type).toBe('Bearer');
    expect(provider.saved?.refresh_token).toMatch(/^mcp_rt_/);
    expect(provider.saved?.id_token).toBeTypeOf('string');
    client = await connect();
    expect(client.getServerVersion()).toMatchObject({ name: 'syfthub', title: 'SyftHub' });
    expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
    expect(client.getInstructions()).toContain('search_endpoints');
  });

  it('also serves the stateless 2026-07-28 revision', async () => {
    const modern = await connect({ versionNegotiation: { mode: { pin: '2026-07-28' } } });
    try {
      expect(modern.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      const { tools } = await modern.listTools();
      expect(tools).toHaveLength(5);
      const result = await modern.callTool({ name: 'search_endpoints', arguments: { query: 'library' } });
      expect(result.structuredContent).toMatchObject({ success: true, query: 'library' });
    } finally {
      await modern.close();
    }
  });

  it('lists the five tools, the prompt and the README template', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'chat_with_syfthub',
      'discover_syfthub_endpoints',
      'get_endpoint',
      'retrieve_documents',
      'search_endpoints',
    ]);
    for (const tool of tools) {
      expect(tool.outputSchema?.type).toBe('object');
      expect(tool.annotations?.readOnlyHint).toBe(true);
    }
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['ask']);
    const prompt = await client.getPrompt({
      name: 'ask',
      arguments: { query: 'What is a satellite token?' },
    });
    const message = prompt.messages[0]?.content as { type: string; text: string };
    expect(message.text).toContain('What is a satellite token?');
    expect(message.text).toContain('chat_with_syfthub');
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates[0]?.uriTemplate).toBe('syfthub://endpoints/{owner}/{slug}/readme');
  });

  it('discovers endpoints with upstream names and shapes', async () => {
    const result = await call('discover_syfthub_endpoints');
    expect(result.success).toBe(true);
    const models = result.models as {
      path: string;
      has_url: boolean;
      url: string | null;
      tenant_name: null;
    }[];
    const sources = result.data_sources as { path: string }[];
    expect(models.map((m) => m.path)).toContain(`${SATELLITE_OWNER}/assistant`);
    expect(sources.map((s) => s.path)).toEqual(
      expect.arrayContaining([`${SATELLITE_OWNER}/syfthub-guide`, `${SATELLITE_OWNER}/larchmere-library`]),
    );
    expect(models[0]?.has_url).toBe(true);
    expect(result.formatted_output).toContain('## Available SyftHub Endpoints');
    expect(result.formatted_output).toContain('**Summary:** Found 1 models and 2 data sources.');
    expect(result.total_endpoints).toBe(3);
    expect(result.truncated).toBe(false);
  });

  it('searches and reads endpoints, with the README', async () => {
    const search = await call('search_endpoints', { query: 'library handbook', type: 'data_source' });
    expect(search.success).toBe(true);
    const results = search.results as { path: string; has_url: boolean }[];
    expect(results[0]?.path).toBe(`${SATELLITE_OWNER}/larchmere-library`);
    expect(results[0]?.has_url).toBe(true);

    const found = await call('get_endpoint', { path: `${SATELLITE_OWNER}/syfthub-guide` });
    expect(found.success).toBe(true);
    expect((found.endpoint as { type: string }).type).toBe('data_source');
    expect(found.readme).toBeTypeOf('string');

    const missing = await call('get_endpoint', { path: `${SATELLITE_OWNER}/no-such-endpoint` });
    expect(missing).toMatchObject({
      success: false,
      error: `Endpoint not found: ${SATELLITE_OWNER}/no-such-endpoint`,
    });
  });

  it('chats through the aggregator and the satellite, with citations and sources', async () => {
    const result = await call('chat_with_syfthub', {
      prompt: 'How long can I borrow a book from the library?',
      model: `${SATELLITE_OWNER}/assistant`,
      data_sources: [`${SATELLITE_OWNER}/larchmere-library`],
    });
    expect(result.success).toBe(true);
    expect(result.response).toBeTypeOf('string');
    expect(result.response).not.toMatch(/\[cite:/);
    expect(result.model).toBe(`${SATELLITE_OWNER}/assistant`);
    expect(result.data_sources_used).toEqual([`${SATELLITE_OWNER}/larchmere-library`]);
    expect(result.user).toBe(user.email);
    const sources = result.sources as { path: string; status: string; documents_retrieved: number }[];
    expect(sources).toEqual([
      expect.objectContaining({ path: `${SATELLITE_OWNER}/larchmere-library`, status: 'success' }),
    ]);
    expect(sources[0]?.documents_retrieved).toBeGreaterThan(0);
    expect(result.metadata).toMatchObject({ total_time_ms: expect.any(Number) });

    const wrong = await call('chat_with_syfthub', {
      prompt: 'hi',
      model: `${SATELLITE_OWNER}/larchmere-library`,
    });
    expect(wrong).toMatchObject({
      success: false,
      error: `Could not resolve endpoint: ${SATELLITE_OWNER}/larchmere-library. Please check that the model/data source paths are correct.`,
      model: `${SATELLITE_OWNER}/larchmere-library`,
    });
  });

  it('chooses the data sources itself when none are given (issue 20)', async () => {
    const result = await call('chat_with_syfthub', {
      prompt: 'What are the opening hours of the central library?',
      model: `${SATELLITE_OWNER}/assistant`,
    });
    expect(result.success).toBe(true);
    const selected = result.sources_selected as {
      status: string;
      sources: { path: string; relevance_score: number }[];
    };
    expect(selected.status).toBe('selected');
    expect(selected.sources[0]?.path).toBe(`${SATELLITE_OWNER}/larchmere-library`);
    expect(result.data_sources_used).toEqual(selected.sources.map((source) => source.path));
    const citations = result.citations as { source_path: string }[];
    expect(citations.map((c) => c.source_path)).toContain(`${SATELLITE_OWNER}/larchmere-library`);

    const uncovered = await call('chat_with_syfthub', {
      prompt: 'How do I tune the carburettor of a vintage motorbike?',
      model: `${SATELLITE_OWNER}/assistant`,
    });
    expect(uncovered.success).toBe(true);
    expect(uncovered.sources_selected).toMatchObject({ status: 'none_relevant', sources: [] });
    expect(uncovered.response).toMatch(/^No data source on this hub covers this question/);
  });

  // The in-process stack only: the collectives are written straight into its database.
  it.skipIf(process.env.MCP_E2E_RESOURCE !== undefined)(
    'expands collective data sources, and names the limit when a collective is larger',
    async () => {
      const { db } = stack.database;
      const [owner] = await db.select().from(users).where(eq(users.username, SATELLITE_OWNER));
      const sources = await db
        .select({ id: endpoints.id, slug: endpoints.slug })
        .from(endpoints)
        .where(
          and(
            eq(endpoints.userId, owner!.id),
            inArray(endpoints.slug, ['larchmere-library', 'syfthub-guide']),
          ),
        );
      const [small] = await db
        .insert(collectives)
        .values({ ownerId: owner!.id, name: 'MCP small', slug: 'mcp-small' })
        .returning();
      await db
        .insert(collectiveMembers)
        .values(
          sources.map((e) => ({ collectiveId: small!.id, endpointId: e.id, status: 'approved' as const })),
        );
      const result = await call('chat_with_syfthub', {
        prompt: 'How long can I borrow a book from the library?',
        model: `${SATELLITE_OWNER}/assistant`,
        data_sources: ['collective/mcp-small'],
      });
      expect(result.success).toBe(true);
      expect((result.data_sources_used as string[]).sort()).toEqual(
        sources.map((e) => `${SATELLITE_OWNER}/${e.slug}`).sort(),
      );

      const many = await db
        .insert(endpoints)
        .values(
          Array.from({ length: 51 }, (_, i) => ({
            userId: owner!.id,
            name: `Bulk ${i}`,
            slug: `mcp-bulk-${i}`,
            type: 'data_source' as const,
            visibility: 'public' as const,
          })),
        )
        .returning({ id: endpoints.id });
      const [big] = await db
        .insert(collectives)
        .values({ ownerId: owner!.id, name: 'MCP big', slug: 'mcp-big' })
        .returning();
      await db
        .insert(collectiveMembers)
        .values(many.map((e) => ({ collectiveId: big!.id, endpointId: e.id, status: 'approved' as const })));
      const tooMany = await call('retrieve_documents', {
        data_sources: ['collective/mcp-big'],
        query: 'anything',
      });
      expect(tooMany).toMatchObject({
        success: false,
        error: 'This selection expands to 51 data sources; the limit is 50.',
      });
      const unknown = await call('retrieve_documents', {
        data_sources: ['collective/no-such-one'],
        query: 'x',
      });
      expect(unknown.success).toBe(false);
      expect(unknown.error).toContain('collective/no-such-one');
    },
  );

  it('retrieves documents without generation', async () => {
    const result = await call('retrieve_documents', {
      data_sources: [`${SATELLITE_OWNER}/syfthub-guide`],
      query: 'satellite tokens',
      top_k: 2,
    });
    expect(result.success).toBe(true);
    const documents = result.documents as { title: string; source: string; content: string }[];
    expect(documents.length).toBeGreaterThan(0);
    expect(documents.length).toBeLessThanOrEqual(2);
    expect(documents[0]?.source).toBe(`${SATELLITE_OWNER}/syfthub-guide`);
    expect(result.total_documents).toBeGreaterThanOrEqual(documents.length);
  });

  it('lists and reads endpoint READMEs as resources', async () => {
    // Without a cursor the SDK walks every page: the user's own endpoints, then the public listing.
    const { resources: all } = await client.listResources();
    await expect(client.listResources({ cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: -32602 });
    const guide = all.find((r) => r.name === `${SATELLITE_OWNER}/syfthub-guide`);
    expect(guide).toMatchObject({ mimeType: 'text/markdown', title: 'SyftHub Guide' });
    const read = await client.readResource({ uri: guide?.uri as string });
    expect((read.contents[0] as { text: string }).text.length).toBeGreaterThan(0);
    // The SDK answers a missing resource with -32602 and `data.uri` (the 2026-07-28 rule), never -32002.
    const missing = `syfthub://endpoints/${SATELLITE_OWNER}/nothing-here/readme`;
    await expect(client.readResource({ uri: missing })).rejects.toBeInstanceOf(ResourceNotFoundError);
  });

  it('refreshes transparently after its access token is revoked, then the old refresh token is reuse', async () => {
    const before = savedTokens();
    const revoke = await fetch(`${stack.resource}/oauth/revoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: before.access_token,
        client_id: provider.info?.client_id as string,
      }),
    });
    expect(revoke.status).toBe(200);
    // The next call gets 401, and the SDK refreshes with the rotating refresh token and retries.
    const result = await call('search_endpoints', { query: 'guide' });
    expect(result.success).toBe(true);
    const after = savedTokens();
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.refresh_token).not.toBe(before.refresh_token);

    // Presenting the rotated token again (after the zero-second grace) revokes the whole grant.
    const reuse = await fetch(`${stack.resource}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: before.refresh_token as string,
        client_id: provider.info?.client_id as string,
      }),
    });
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' });
    const mcp = await fetch(stack.resource, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${after.access_token}`,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(mcp.status).toBe(401);
    expect(mcp.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('authorizes again, and revoking the refresh token ends the grant', async () => {
    provider.saved = undefined;
    await expect(auth(provider, { serverUrl: stack.resource })).resolves.toBe('REDIRECT');
    const callback = await authorizeInBrowser(provider.authorizationUrl as URL, user.email, PASSWORD);
    await expect(
      auth(provider, {
        serverUrl: stack.resource,
        authorizationCode: callback.searchParams.get('code') as string,
        iss: callback.searchParams.get('iss') as string,
      }),
    ).resolves.toBe('AUTHORIZED');
    await client.close();
    client = await connect();
    expect((await call('search_endpoints', { query: 'assistant' })).success).toBe(true);

    const tokens = savedTokens();
    const revoke = await fetch(`${stack.resource}/oauth/revoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: tokens.refresh_token as string,
        token_type_hint: 'refresh_token',
        client_id: provider.info?.client_id as string,
      }),
    });
    expect(revoke.status).toBe(200);
    expect(await revoke.text()).toBe('');
    const refresh = await fetch(`${stack.resource}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token as string,
        client_id: provider.info?.client_id as string,
      }),
    });
    expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' });
    const userinfo = await fetch(`${stack.resource}/oauth/userinfo`, {
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    });
    expect(userinfo.status).toBe(401);
  });
});
