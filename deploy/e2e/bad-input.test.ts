// The bad-input test (issue 19, "Make it stay fixed"): walks the backend's own /openapi.json and sends every
// operation a generated corpus of hostile input, and does the same for the aggregator, the reference satellite and
// the MCP server; part of it goes through nginx. It fails on any 5xx the contract does not document for the
// operation (the 501s of routes not built, the invocation proxy's 502/504), on any answer slower than 5 s, and on
// any body that shows a stack trace or SQL. Runs against the production-like stack from `pnpm test:e2e`.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  applyMutation,
  bodyMutations,
  encodeLoose,
  hostileQueryValue,
  hostileSegment,
  type Json,
  RAW_BODIES,
  type Schema,
  validFor,
} from './bad-input/corpus';
import { backendOperations, type Operation, opName, type Service } from './bad-input/operations';
import { pool, type Received, type Sent, send } from './bad-input/send';

const env = process.env;
const HTTPS_PORT = Number(env.STACK_HTTPS_PORT ?? 8443);
const PORTS: Record<Service, number> = {
  backend: Number(env.STACK_BACKEND_PORT ?? 8000),
  aggregator: Number(env.STACK_AGGREGATOR_PORT ?? 8001),
  mcp: Number(env.STACK_MCP_PORT ?? 8002),
  satellite: Number(env.STACK_SATELLITE_PORT ?? 8003),
};
// Where nginx publishes each service (the satellite is anyone's node, not behind the hub's edge).
const EDGE_PREFIX: Record<Service, string | null> = {
  backend: '',
  aggregator: '/aggregator',
  mcp: '',
  satellite: null,
};
const SATELLITE_OWNER = env.BAD_INPUT_SATELLITE_OWNER ?? 'syfthub';
const SATELLITE_URL = `http://localhost:${PORTS.satellite}`;
const RESPONSE_LIMIT_MS = 5000;
const GIVE_UP_MS = 15_000;
const CONCURRENCY = Number(env.BAD_INPUT_CONCURRENCY ?? 6);
const SEED = Number(env.BAD_INPUT_SEED ?? 19);
/** One request in this many also goes through nginx. */
const EDGE_EVERY = Number(env.BAD_INPUT_EDGE_EVERY ?? 5);
const PASSWORD = 'Bad-input-password-1';
// The argon2 queue's answer when it is full (packages/auth): a documented, immediate 503.
const HASHER_BUSY = 'Too many sign-ins are being processed right now';

const LEAKS: Array<[string, RegExp]> = [
  ['stack frame', /\bat (?:async )?[\w.$<>[\] ]+ \((?:file:\/\/|node:|\/)[^)\n]*:\d+:\d+\)/],
  ['node internals', /node:internal\//],
  ['source path', /\/(?:node_modules|apps\/\w+\/(?:src|dist)|packages\/\w+\/src)\//],
  ['error class', /\b(?:PostgresError|DrizzleQueryError|ReplyError|TypeError|RangeError|SyntaxError): /],
  ['failed query', /Failed query/i],
  [
    'SQL error',
    /syntax error at or near|violates (?:unique|foreign key|check|not-null) constraint|relation "\w+"/i,
  ],
  ['SQL text', /\b(?:select|insert into|update|delete from)\b[^\n]{0,200}"\w+"\."\w+"/i],
  ['connection detail', /ECONNREFUSED|ECONNRESET|127\.0\.0\.1:\d{4,5}/],
];

interface Case {
  op: string;
  name: string;
  service: Service;
  edge: boolean;
  request: Sent;
  documented5xx: number[];
}

interface Failure {
  op: string;
  name: string;
  edge: boolean;
  status: number;
  ms: number;
  problem: string;
  body: string;
}

// ---- the stack's own answers for setting up -------------------------------------------------------------------

async function api(
  service: Service,
  method: string,
  path: string,
  init: {
    json?: unknown;
    form?: Record<string, string>;
    token?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Received & { json: () => Record<string, unknown> }> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  const res = await send(
    { port: PORTS[service], tls: false, method, path, headers, body },
    GIVE_UP_MS,
    Infinity,
  );
  return { ...res, json: () => JSON.parse(res.body) as Record<string, unknown> };
}

function expectOk(res: Received, what: string): void {
  if (res.status < 200 || res.status >= 300) {
    throw new Error(
      `setting up: ${what} answered ${res.status} ${res.error ?? ''} ${res.body.slice(0, 300)}`,
    );
  }
}

interface Fixtures {
  username: string;
  userId: number;
  email: string;
  token: string;
  refreshToken: string;
  readToken: string;
  readTokenId: number;
  otherToken: string;
  endpointId: number;
  endpointSlug: string;
  collectiveId: number;
  collectiveSlug: string;
  aggregatorId: number;
  satelliteToken: string;
  mcp: { clientId: string; verifier: string; accessToken: string; requestId: string; cookie: string };
}

const run = randomBytes(3).toString('hex');
let generation = 0;

async function registerUser(
  prefix: string,
): Promise<{ username: string; email: string; token: string; refresh: string; id: number }> {
  const username = `${prefix}-${run}-${++generation}`;
  const email = `${username}@example.com`;
  expectOk(
    await api('backend', 'POST', '/api/v1/auth/register', {
      json: { username, email, password: PASSWORD, full_name: 'Bad Input' },
    }),
    'register',
  );
  const login = await api('backend', 'POST', '/api/v1/auth/login', {
    form: { username, password: PASSWORD },
  });
  expectOk(login, 'login');
  const body = login.json();
  const user = body.user as { id: number };
  return {
    username,
    email,
    token: String(body.access_token),
    refresh: String(body.refresh_token),
    id: user.id,
  };
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

const REDIRECT_URI = 'http://127.0.0.1:9/callback';

async function mcpAuthorizePage(
  clientId: string,
  challenge: string,
): Promise<{ requestId: string; cookie: string }> {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    scope: 'openid profile email syfthub:read',
    state: 'bad-input',
  });
  const page = await api('mcp', 'GET', `/mcp/oauth/authorize?${query}`);
  expectOk(page, 'MCP authorize page');
  const requestId = /name="request_id" value="([^"]+)"/.exec(page.body)?.[1];
  const setCookie = [page.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('mcp_authreq='));
  if (!requestId || !setCookie)
    throw new Error('setting up: no request_id or cookie on the MCP authorize page');
  return { requestId, cookie: setCookie.split(';')[0] as string };
}

async function mcpFixtures(username: string): Promise<Fixtures['mcp']> {
  const registered = await api('mcp', 'POST', '/mcp/oauth/register', {
    json: { redirect_uris: [REDIRECT_URI], client_name: 'bad-input', token_endpoint_auth_method: 'none' },
  });
  expectOk(registered, 'MCP client registration');
  const clientId = String(registered.json().client_id);
  const { verifier, challenge } = pkce();
  const first = await mcpAuthorizePage(clientId, challenge);
  const consent = await api('mcp', 'POST', '/mcp/oauth/authorize', {
    form: { request_id: first.requestId, decision: 'allow', login: username, password: PASSWORD },
    headers: { Cookie: first.cookie },
  });
  const location = String(consent.headers.location ?? '');
  const code = new URL(location || 'http://x/').searchParams.get('code');
  if (!code)
    throw new Error(`setting up: MCP consent answered ${consent.status} ${consent.body.slice(0, 300)}`);
  const token = await api('mcp', 'POST', '/mcp/oauth/token', {
    form: {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: clientId,
    },
  });
  expectOk(token, 'MCP token');
  // A second pending request for the consent form's corpus (the first was used up).
  const second = pkce();
  const pending = await mcpAuthorizePage(clientId, second.challenge);
  return { clientId, verifier: second.verifier, accessToken: String(token.json().access_token), ...pending };
}

async function createFixtures(): Promise<Fixtures> {
  const user = await registerUser('bad');
  const other = await registerUser('other');
  const readToken = await api('backend', 'POST', '/api/v1/auth/tokens', {
    token: user.token,
    json: { name: 'read only', scopes: ['read'] },
  });
  expectOk(readToken, 'read-scope API token');
  const endpoint = await api('backend', 'POST', '/api/v1/endpoints', {
    token: user.token,
    json: {
      name: 'Bad input target',
      type: 'model',
      connect: [{ type: 'http', enabled: true, config: { url: SATELLITE_URL } }],
    },
  });
  expectOk(endpoint, 'endpoint');
  const collective = await api('backend', 'POST', '/api/v1/collectives', {
    token: user.token,
    json: { name: 'Bad input collective', slug: `bad-${run}-${generation}` },
  });
  expectOk(collective, 'collective');
  const aggregator = await api('backend', 'POST', '/api/v1/users/me/aggregators', {
    token: user.token,
    json: { name: 'Bad input aggregator', url: 'https://aggregator.example.com' },
  });
  expectOk(aggregator, 'aggregator');
  const satellite = await api('backend', 'GET', `/api/v1/token?aud=${SATELLITE_OWNER}`, {
    token: user.token,
  });
  expectOk(satellite, 'satellite token');
  return {
    username: user.username,
    userId: user.id,
    email: user.email,
    token: user.token,
    refreshToken: user.refresh,
    readToken: String(readToken.json().token),
    readTokenId: Number(readToken.json().id),
    otherToken: other.token,
    endpointId: Number(endpoint.json().id),
    endpointSlug: String(endpoint.json().slug),
    collectiveId: Number(collective.json().id),
    collectiveSlug: String(collective.json().slug),
    aggregatorId: Number(aggregator.json().id),
    satelliteToken: String(satellite.json().target_token),
    mcp: await mcpFixtures(user.username),
  };
}

let fixtures: Fixtures;

/** After an operation that may end the session (logout, password change, deletion), a working one again. */
async function ensureSession(): Promise<void> {
  if ((await api('backend', 'GET', '/api/v1/auth/me', { token: fixtures.token })).status === 200) return;
  const login = await api('backend', 'POST', '/api/v1/auth/login', {
    form: { username: fixtures.username, password: PASSWORD },
  });
  if (login.status === 200) {
    fixtures.token = String(login.json().access_token);
    fixtures.refreshToken = String(login.json().refresh_token);
    return;
  }
  fixtures = await createFixtures();
}

// ---- credentials ------------------------------------------------------------------------------------------------

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function forgedCredentials(): Promise<Array<[string, string | undefined]>> {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: String(fixtures.userId), username: fixtures.username, type: 'access', scope: 'full' };
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rs256 = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'hub-key-1' })
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(privateKey);
  const hs256 = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode('secret'));
  const expired = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(now - 7200)
    .setExpirationTime(now - 3600)
    .sign(new TextEncoder().encode('change-me'));
  const [header, payload] = fixtures.token.split('.');
  const tamperedPayload = b64url({
    ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()),
    sub: '1',
    role: 'admin',
  });
  return [
    ['no credentials', undefined],
    ['empty bearer', 'Bearer '],
    ['garbage bearer', 'Bearer garbage'],
    ['basic', `Basic ${Buffer.from(`${fixtures.username}:${PASSWORD}`).toString('base64')}`],
    ['alg none', `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`],
    ['forged RS256', `Bearer ${rs256}`],
    ['forged HS256', `Bearer ${hs256}`],
    ['expired', `Bearer ${expired}`],
    ['tampered payload', `Bearer ${header}.${tamperedPayload}.${fixtures.token.split('.')[2]}`],
    ['huge bearer', `Bearer ${'a'.repeat(12_000)}`],
    ['unknown API token', `Bearer syft_pat_${randomBytes(24).toString('base64url')}`],
    ['read-scope API token', `Bearer ${fixtures.readToken}`],
    ['another user', `Bearer ${fixtures.otherToken}`],
    ['satellite token as hub token', `Bearer ${fixtures.satelliteToken}`],
  ];
}

// ---- the operations ------------------------------------------------------------------------------------------

function pathValue(op: Operation, name: string): string {
  const f = fixtures;
  const inCollectives = op.template.includes('/collectives');
  const values: Record<string, string | number> = {
    owner: f.username,
    owner_username: f.username,
    username: f.username,
    email: f.email,
    user_id: f.userId,
    token_id: f.readTokenId,
    aggregator_id: f.aggregatorId,
    endpoint_id: f.endpointId,
    collective_id: f.collectiveId,
    slug: inCollectives ? f.collectiveSlug : f.endpointSlug,
    shared_slug: 'shared',
    wildcard: 'x',
  };
  return encodeURIComponent(String(values[name] ?? 'x'));
}

function baselineBody(schema: Schema | undefined): Record<string, Json> {
  const value = validFor(schema);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

function chatBaseline(): Record<string, Json> {
  return {
    prompt: 'What are the opening hours?',
    model: { url: SATELLITE_URL, slug: 'assistant', owner_username: SATELLITE_OWNER, name: 'Assistant' },
    data_sources: [{ url: SATELLITE_URL, slug: 'larchmere-library', owner_username: SATELLITE_OWNER }],
    endpoint_tokens: { [SATELLITE_OWNER]: fixtures.satelliteToken },
    top_k: 3,
    max_tokens: 64,
  };
}

function otherOperations(): Operation[] {
  const bearer = (get: () => string) => () => `Bearer ${get()}`;
  const mcpToken = bearer(() => fixtures.mcp.accessToken);
  const satelliteToken = bearer(() => fixtures.satelliteToken);
  const json = (fields: string[], baseline: () => Record<string, Json>) =>
    ({ contentType: 'application/json', fields, baseline }) as const;
  const form = (fields: string[], baseline: () => Record<string, Json>) =>
    ({ contentType: 'application/x-www-form-urlencoded', fields, baseline }) as const;
  const chatFields = [
    'prompt',
    'model',
    'data_sources',
    'endpoint_tokens',
    'top_k',
    'max_tokens',
    'temperature',
    'similarity_threshold',
    'custom_system_prompt',
    'messages',
    'retrieval_only',
    'user_token',
  ];
  const base = { pathParams: [], queryParams: [], documented5xx: [] };
  return [
    {
      ...base,
      service: 'aggregator',
      method: 'POST',
      template: '/api/v1/chat',
      body: json(chatFields, chatBaseline),
    },
    {
      ...base,
      service: 'aggregator',
      method: 'POST',
      template: '/api/v1/chat/stream',
      body: json(chatFields, chatBaseline),
    },
    {
      ...base,
      service: 'aggregator',
      method: 'GET',
      template: '/api/v1/q',
      queryParams: ['q', 'aggregate'],
      baselineQuery: () => ({ q: `${SATELLITE_OWNER}/larchmere-library!opening hours`, aggregate: 'false' }),
      credential: () => `Bearer ${fixtures.token}`,
      // aggregator.md §11: a hub or pipeline failure is the page with 502.
      documented5xx: [502],
    },
    { ...base, service: 'satellite', method: 'GET', template: '/api/v1/endpoints' },
    {
      ...base,
      service: 'satellite',
      method: 'POST',
      template: '/api/v1/endpoints/{slug}/query',
      pathParams: ['slug'],
      body: json(['messages', 'limit', 'similarity_threshold', 'include_metadata'], () => ({
        messages: 'opening hours',
        limit: 3,
        similarity_threshold: 0.1,
        include_metadata: true,
      })),
      credential: satelliteToken,
    },
    {
      ...base,
      service: 'satellite',
      method: 'POST',
      template: '/api/v1/endpoints/assistant/query',
      body: json(['messages', 'max_tokens', 'temperature', 'stream'], () => ({
        messages: [{ role: 'user', content: 'hello' }],
        max_tokens: 16,
      })),
      credential: satelliteToken,
    },
    {
      ...base,
      service: 'mcp',
      method: 'POST',
      template: '/mcp/oauth/register',
      body: json(
        [
          'redirect_uris',
          'client_name',
          'token_endpoint_auth_method',
          'grant_types',
          'response_types',
          'scope',
          'contacts',
          'software_id',
          'software_version',
          'client_uri',
          'logo_uri',
        ],
        () => ({
          redirect_uris: [REDIRECT_URI],
          client_name: 'bad-input',
          token_endpoint_auth_method: 'none',
        }),
      ),
    },
    {
      ...base,
      service: 'mcp',
      method: 'GET',
      template: '/mcp/oauth/authorize',
      queryParams: [
        'response_type',
        'client_id',
        'redirect_uri',
        'code_challenge',
        'code_challenge_method',
        'scope',
        'state',
        'resource',
        'nonce',
        'login_hint',
      ],
      baselineQuery: () => ({
        response_type: 'code',
        client_id: fixtures.mcp.clientId,
        redirect_uri: REDIRECT_URI,
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
        state: 's',
      }),
    },
    {
      ...base,
      service: 'mcp',
      method: 'POST',
      template: '/mcp/oauth/authorize',
      body: form(['request_id', 'decision', 'login', 'password'], () => ({
        request_id: fixtures.mcp.requestId,
        decision: 'allow',
        login: fixtures.username,
        password: 'not the password',
      })),
      extraHeaders: () => ({ Cookie: fixtures.mcp.cookie }),
    },
    {
      ...base,
      service: 'mcp',
      method: 'POST',
      template: '/mcp/oauth/token',
      body: form(
        [
          'grant_type',
          'code',
          'redirect_uri',
          'code_verifier',
          'client_id',
          'refresh_token',
          'scope',
          'resource',
        ],
        () => ({
          grant_type: 'authorization_code',
          code: 'not-a-code',
          redirect_uri: REDIRECT_URI,
          code_verifier: fixtures.mcp.verifier,
          client_id: fixtures.mcp.clientId,
        }),
      ),
    },
    {
      ...base,
      service: 'mcp',
      method: 'POST',
      template: '/mcp/oauth/revoke',
      body: form(['token', 'token_type_hint', 'client_id'], () => ({
        token: 'not-a-token',
        token_type_hint: 'refresh_token',
        client_id: fixtures.mcp.clientId,
      })),
    },
    { ...base, service: 'mcp', method: 'GET', template: '/mcp/oauth/userinfo', credential: mcpToken },
    {
      ...base,
      service: 'mcp',
      method: 'POST',
      template: '/mcp',
      body: json(['jsonrpc', 'id', 'method', 'params'], () => ({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'search_endpoints', arguments: { query: 'library' } },
      })),
      credential: mcpToken,
      extraHeaders: () => ({
        Accept: 'application/json, text/event-stream',
        'MCP-Protocol-Version': '2025-06-18',
      }),
    },
    ...['search_endpoints', 'get_endpoint', 'discover_syfthub_endpoints', 'retrieve_documents', 'chat'].map(
      (tool): Operation => ({
        ...base,
        service: 'mcp',
        method: 'POST',
        template: `/mcp#${tool}`,
        body: json(
          ['query', 'endpoint', 'owner', 'slug', 'prompt', 'data_sources', 'model', 'limit', 'top_k'],
          () => ({
            query: 'library',
            endpoint: `${SATELLITE_OWNER}/larchmere-library`,
            prompt: 'hello',
          }),
        ),
        credential: mcpToken,
        extraHeaders: () => ({
          Accept: 'application/json, text/event-stream',
          'MCP-Protocol-Version': '2025-06-18',
        }),
      }),
    ),
    ...[
      '/.well-known/oauth-authorization-server',
      '/.well-known/oauth-protected-resource/mcp',
      '/mcp/.well-known/openid-configuration',
      '/mcp/oauth/jwks',
      '/mcp/static/{name}',
    ].map(
      (template): Operation => ({
        ...base,
        service: 'mcp',
        method: 'GET',
        template,
        pathParams: template.includes('{name}') ? ['name'] : [],
      }),
    ),
  ];
}

/** `/mcp#tool` operations wrap their body as the arguments of a tools/call. */
function wrapToolCall(op: Operation, body: Json): Json {
  const tool = op.template.split('#')[1];
  if (!tool) return body;
  return { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: tool, arguments: body } };
}

// ---- the corpus of one operation -------------------------------------------------------------------------------

function fillPath(op: Operation, override?: [string, string]): string {
  const path = op.template.split('#')[0] as string;
  return path.replace(/\{(\w+)\}/g, (_, name: string) =>
    override && override[0] === name ? override[1] : name === 'name' ? 'consent.css' : pathValue(op, name),
  );
}

function queryString(entries: Array<[string, string]>, raw = false): string {
  if (entries.length === 0) return '';
  return `?${entries.map(([k, v]) => `${encodeURIComponent(k)}=${raw ? v : encodeURIComponent(v)}`).join('&')}`;
}

function encodeBody(op: Operation, body: Json): string {
  const wrapped = wrapToolCall(op, body);
  if (op.body?.contentType === 'application/x-www-form-urlencoded') {
    if (wrapped === null || typeof wrapped !== 'object' || Array.isArray(wrapped))
      return encodeLoose(String(wrapped));
    return Object.entries(wrapped)
      .map(
        ([k, v]) => `${encodeLoose(k)}=${encodeLoose(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))}`,
      )
      .join('&');
  }
  return JSON.stringify(wrapped) ?? 'null';
}

function casesFor(op: Operation, index: number, credentials: Array<[string, string | undefined]>): Case[] {
  const cases: Array<Omit<Case, 'edge' | 'op' | 'service' | 'documented5xx'>> = [];
  const seed = SEED * 1000 + index;
  const baselineQuery = Object.entries(op.baselineQuery?.() ?? {});
  const baselineBody = op.body?.baseline();
  const headersWith = (
    authorization: string | undefined,
    contentType?: string | null,
  ): Record<string, string> => {
    const headers: Record<string, string> = { ...op.extraHeaders?.() };
    if (authorization) headers.Authorization = authorization;
    if (contentType) headers['Content-Type'] = contentType;
    return headers;
  };
  const valid = op.credential?.();
  const add = (
    name: string,
    path: string,
    body?: string,
    contentType?: string | null,
    authorization = valid,
  ) => {
    const ct = contentType === undefined ? op.body?.contentType : contentType;
    const sent: Sent = {
      port: PORTS[op.service],
      tls: false,
      method: op.method,
      path,
      headers: headersWith(authorization, body === undefined ? null : ct),
    };
    if (body !== undefined) sent.body = body;
    cases.push({ name, request: sent });
  };
  const basePath = fillPath(op) + queryString(baselineQuery);
  const baseBody = baselineBody === undefined ? undefined : encodeBody(op, baselineBody);

  add('baseline', basePath, baseBody);
  for (const [name, authorization] of credentials)
    add(`credentials: ${name}`, basePath, baseBody, undefined, authorization);

  op.pathParams.forEach((param, i) => {
    for (const value of fc.sample(hostileSegment, { numRuns: 10, seed: seed + i })) {
      add(
        `path ${param}=${value.slice(0, 60)}`,
        fillPath(op, [param, value]) + queryString(baselineQuery),
        baseBody,
      );
    }
  });

  op.queryParams.forEach((param, i) => {
    for (const value of fc.sample(hostileQueryValue, { numRuns: 6, seed: seed + 100 + i })) {
      const entries = baselineQuery
        .filter(([k]) => k !== param)
        .map(([k, v]) => [k, encodeURIComponent(v)] as [string, string]);
      add(
        `query ${param}=${value.slice(0, 60)}`,
        fillPath(op) + queryString([...entries, [param, value]], true),
        baseBody,
      );
    }
    add(
      `query ${param} repeated`,
      `${fillPath(op)}${queryString([...baselineQuery, [param, '1'], [param, '2']])}`,
      baseBody,
    );
    add(
      `query ${param}[]`,
      `${fillPath(op)}${queryString([...baselineQuery, [`${param}[]`, '1']])}`,
      baseBody,
    );
  });
  add(
    'unknown query parameters',
    `${basePath}${basePath.includes('?') ? '&' : '?'}__proto__[x]=1&a=%00&&=&%zz`,
    baseBody,
  );

  if (op.body && baselineBody) {
    for (const [i, mutation] of bodyMutations(op.body.fields, 30, seed + 200).entries()) {
      const label = `body ${mutation.kind}${'field' in mutation ? ` ${mutation.field.slice(0, 30)}` : ''} #${i}`;
      add(label, basePath, encodeBody(op, applyMutation(baselineBody, mutation)));
    }
    for (const raw of RAW_BODIES) add(`raw body: ${raw.name}`, basePath, raw.body, raw.contentType);
    add('body over the limit', basePath, `{"a":"${'x'.repeat(2 * 1024 * 1024)}"}`, 'application/json');
  } else if (op.method !== 'GET') {
    add('unexpected JSON body', basePath, '{"x":"\\u0000\\ud800"}', 'application/json');
    add('unexpected deep body', basePath, `${'['.repeat(5000)}${']'.repeat(5000)}`, 'application/json');
  }
  add('method override header', basePath, baseBody, undefined, valid);
  (cases.at(-1) as { request: Sent }).request.headers['X-HTTP-Method-Override'] = 'DELETE';

  return cases.map((c, i) => ({
    ...c,
    op: opName(op),
    service: op.service,
    documented5xx: op.documented5xx,
    edge:
      EDGE_PREFIX[op.service] !== null && (index + i) % EDGE_EVERY === 0 && !c.name.startsWith('body over'),
  }));
}

function throughEdge(c: Case): Case {
  if (!c.edge) return c;
  const prefix = EDGE_PREFIX[c.service] ?? '';
  return { ...c, request: { ...c.request, port: HTTPS_PORT, tls: true, path: `${prefix}${c.request.path}` } };
}

// ---- checking ----------------------------------------------------------------------------------------------

function check(c: Case, res: Received): string | null {
  if (res.error) return `no complete answer: ${res.error}`;
  const busy = res.status === 503 && res.body.includes(HASHER_BUSY);
  if (res.status >= 500 && !busy && !(c.documented5xx.includes(res.status) && res.status !== 500)) {
    return `status ${res.status}`;
  }
  if (res.ms > RESPONSE_LIMIT_MS && !busy) return `took ${res.ms} ms`;
  for (const [name, pattern] of LEAKS) if (pattern.test(res.body)) return `body shows a ${name}`;
  return null;
}

function isSessionRisk(op: Operation): boolean {
  return op.method !== 'GET' && op.service === 'backend';
}

// Operations that end sessions or remove the fixtures run last.
function order(op: Operation): number {
  if (/logout|password|deactivate|sessions/.test(op.template)) return 3;
  if (op.method === 'DELETE') return 2;
  if (op.method === 'GET') return 0;
  return 1;
}

describe.skipIf(!env.STACK_E2E)('hostile input against the whole stack', () => {
  it('never answers an undocumented 5xx, never takes over 5 s, never leaks a stack or SQL', async () => {
    const started = performance.now();
    fixtures = await createFixtures();
    const openapi = await api('backend', 'GET', '/openapi.json');
    expectOk(openapi, '/openapi.json');
    const backendOps = backendOperations(
      JSON.parse(openapi.body),
      baselineBody,
      () => `Bearer ${fixtures.token}`,
    );
    const operations = [...backendOps, ...otherOperations()].sort((a, b) => order(a) - order(b));

    const failures: Failure[] = [];
    const statuses = new Map<number, number>();
    const latencies: number[] = [];
    let sent = 0;
    let edge = 0;
    let documented5xx = 0;
    for (const [index, op] of operations.entries()) {
      const cases = casesFor(op, index, await forgedCredentials()).map(throughEdge);
      const answers = await pool(
        cases.map((c) => async () => ({ c, res: await send(c.request, GIVE_UP_MS) })),
        CONCURRENCY,
      );
      for (const { c, res } of answers) {
        sent++;
        if (c.edge) edge++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        latencies.push(res.ms);
        if (res.status >= 500 && check(c, res) === null) documented5xx++;
        const problem = check(c, res);
        if (problem) {
          failures.push({
            op: c.op,
            name: c.name,
            edge: c.edge,
            status: res.status,
            ms: res.ms,
            problem,
            body: res.body.slice(0, 300),
          });
        }
      }
      if (isSessionRisk(op)) await ensureSession();
    }

    latencies.sort((a, b) => a - b);
    const summary = {
      operations: operations.length,
      backend_operations: backendOps.length,
      requests: sent,
      through_nginx: edge,
      documented_5xx: documented5xx,
      failures: failures.length,
      p50_ms: latencies[Math.floor(latencies.length / 2)],
      p99_ms: latencies[Math.floor(latencies.length * 0.99)],
      max_ms: latencies.at(-1),
      seconds: Math.round((performance.now() - started) / 1000),
      statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
    };
    console.info(`bad input: ${JSON.stringify(summary)}`);
    for (const f of failures.slice(0, 60)) console.error(`bad input failure: ${JSON.stringify(f)}`);
    expect(failures.map((f) => `${f.op} | ${f.name}${f.edge ? ' (nginx)' : ''}: ${f.problem}`)).toEqual([]);
  }, 900_000);
});
