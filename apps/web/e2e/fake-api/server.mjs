// A tiny stand-in for nginx + hub + aggregator, for smoke-testing the built SPA in Chromium without the real stack.
// It serves apps/web/dist with the production CSP and answers a canned, in-memory subset of the API.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';

const port = Number(process.env.SMOKE_PORT ?? 4173);
const dist = new URL('../../dist/', import.meta.url).pathname;
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; font-src 'self'; connect-src 'self' https: http://localhost:* http://127.0.0.1:*; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
const TYPES = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.html': 'text/html',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

const now = () => new Date().toISOString();
const ago = (hours) => new Date(Date.now() - hours * 3600_000).toISOString();

const XSS_README = `# Documents

A data source with **project documents**.

<script>window.__pwned = 'script'</script>
<img src="x" onerror="window.__pwned = 'img'">

[click me](javascript:window.__pwned='link')

| Field | Value |
|---|---|
| Chunks | 42 |

\`\`\`ts
const answer: number = 42;
\`\`\`
`;

function user(id, username, fullName, role = 'user') {
  return {
    id,
    username,
    email: `${username}@example.com`,
    full_name: fullName,
    avatar_url: null,
    role,
    is_active: true,
    is_email_verified: true,
    auth_provider: 'local',
    created_at: ago(24 * 40),
    updated_at: ago(24),
    wallet_address: null,
    domain: 'http://localhost:8003',
    aggregator_url: null,
    last_login_at: ago(1),
    encryption_public_key: null,
    bio: 'Maintainer of **demo** data.\n\n<script>alert(1)</script>',
    is_email_public: true,
  };
}

const state = {
  users: [user(1, 'alice', 'Alice Liddell', 'admin'), user(2, 'bob', 'Bob Builder')],
  passwords: { alice: 'Password123', bob: 'Password123' },
  endpoints: [],
  stars: new Set(),
  tokens: [],
  nextId: 100,
  sessions: new Map(),
};

function addEndpoint(ownerId, fields) {
  const owner = state.users.find((u) => u.id === ownerId);
  state.endpoints.push({
    id: state.nextId++,
    user_id: ownerId,
    owner_username: owner.username,
    description: '',
    visibility: 'public',
    is_active: true,
    archived: false,
    contributors: [ownerId],
    version: '1.0.0',
    readme: '',
    tags: [],
    stars_count: 0,
    policies: [],
    connect: [
      { type: 'http', enabled: true, description: 'SyftHub reference satellite', config: { url: '' } },
    ],
    created_at: ago(24 * 10),
    updated_at: ago(2),
    health_status: 'healthy',
    health_checked_at: ago(0.01),
    health_ttl_seconds: 180,
    ...fields,
  });
}

addEndpoint(1, {
  name: 'Assistant',
  slug: 'assistant',
  type: 'model',
  description: 'Extractive demo model.',
  tags: ['demo', 'model'],
  stars_count: 5,
});
addEndpoint(1, {
  name: 'Documents',
  slug: 'docs',
  type: 'data_source',
  description: 'Project documents indexed with BM25.',
  tags: ['docs', 'bm25'],
  readme: XSS_README,
  stars_count: 3,
});
addEndpoint(2, {
  name: 'Handbook',
  slug: 'handbook',
  type: 'data_source',
  description: 'The employee handbook: leave, notice periods and benefits.',
  tags: ['hr', 'policies'],
  stars_count: 1,
});
addEndpoint(2, {
  name: 'Paid research',
  slug: 'research',
  type: 'data_source',
  description: 'Research notes behind a per-request fee.',
  tags: ['research'],
  policies: [
    {
      type: 'per_request_fee',
      version: '1.0',
      enabled: true,
      description: 'USD 0.01 per query',
      config: { amount: 0.01, currency: 'USD' },
    },
  ],
  health_status: null,
  health_checked_at: null,
});

function domainUrl(endpoint) {
  const owner = state.users.find((u) => u.id === endpoint.user_id);
  return endpoint.connect.map((c) => ({
    ...c,
    config: {
      ...c.config,
      url: /^https?:/.test(c.config.url ?? '')
        ? c.config.url
        : `${owner.domain}${c.config.url ? `/${c.config.url.replace(/^\//, '')}` : ''}`,
    },
  }));
}

function view(endpoint, viewer) {
  const base = { ...endpoint, connect: domainUrl(endpoint) };
  if (viewer && viewer.id === endpoint.user_id) return base;
  const { user_id, visibility, is_active, contributors, health_ttl_seconds, ...rest } = base;
  return { ...rest, contributors_count: contributors.length };
}

const listed = (e) => e.is_active && !e.archived && e.visibility === 'public';
const byUpdated = (a, b) => b.updated_at.localeCompare(a.updated_at) || b.id - a.id;

function send(res, status, body, headers = {}) {
  const id = `fake-${Math.random().toString(16).slice(2, 10)}`;
  if (status === 204) {
    res.writeHead(204, { 'X-Correlation-ID': id, ...headers });
    return res.end();
  }
  res.writeHead(status, { 'Content-Type': 'application/json', 'X-Correlation-ID': id, ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

function caller(req) {
  const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  const userId = state.sessions.get(token);
  return userId ? state.users.find((u) => u.id === userId) : undefined;
}

function issue(userObj) {
  const access = `access-${userObj.id}-${Math.random().toString(16).slice(2)}`;
  state.sessions.set(access, userObj.id);
  return {
    user: userObj,
    access_token: access,
    refresh_token: `refresh-${userObj.id}`,
    token_type: 'bearer',
  };
}

const unauthorized = (res) =>
  send(res, 401, { detail: 'Could not validate credentials' }, { 'WWW-Authenticate': 'Bearer' });

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function chatStream(req, res) {
  const body = await readBody(req);
  const sources = body.data_sources ?? [];
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    'X-Correlation-ID': 'fake-stream',
  });
  let open = true;
  req.on('close', () => {
    open = false;
  });
  const emit = (event, data) => open && res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  emit('retrieval_start', { sources: sources.length });
  for (const source of sources) {
    await sleep(250);
    emit('source_complete', {
      path: `${source.owner_username}/${source.slug}`,
      status: 'success',
      documents: 2,
    });
  }
  emit('retrieval_complete', { total_documents: sources.length * 2, time_ms: 250 * sources.length });
  emit('generation_start', { model: `${body.model.owner_username}/${body.model.slug}` });
  await sleep(400);
  emit('generation_heartbeat', { elapsed_ms: 400 });
  const label = '[Demo model: extractive answer, no language model configured]';
  const sentences = sources.length
    ? ['Notice periods are thirty days for both parties.', 'Either party may end the agreement in writing.']
    : [];
  const raw = sources.length
    ? `${label}\n\nBased on the provided sources: ${sentences[0]} [cite:1] ${sentences[1]} [cite:2]`
    : `${label}\n\nNo documents were supplied with the question.`;
  const words = raw.split(/(?<= )/);
  const slow = /slow/i.test(body.prompt ?? '');
  for (const word of words) {
    if (!open) return;
    emit('token', { content: word });
    await sleep(slow ? 250 : 25);
  }
  let annotated = raw;
  if (sources.length) {
    const clean = raw.replace(/\[cite:\d+\]/g, '');
    const s1 = clean.indexOf(sentences[0]);
    const s2 = clean.indexOf(sentences[1]);
    annotated = raw
      .replace('[cite:1]', `[cite:1-${s1}:${s1 + sentences[0].length}]`)
      .replace('[cite:2]', `[cite:2-${s2}:${s2 + sentences[1].length}]`);
  }
  const docs = {};
  sources.forEach((source, index) => {
    docs[`${source.name || source.slug} › Section ${index + 1}`] = {
      slug: `${source.owner_username}/${source.slug}`,
      content: sentences[index] ?? 'Document text.',
    };
  });
  emit('done', {
    sources: docs,
    retrieval_info: sources.map((s) => ({
      path: `${s.owner_username}/${s.slug}`,
      documents_retrieved: 2,
      status: 'success',
      error_message: null,
    })),
    metadata: {
      retrieval_time_ms: 250 * sources.length,
      generation_time_ms: 600,
      total_time_ms: 900 + 250 * sources.length,
    },
    usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 },
    ...(sources.length ? { response: annotated, profit_share: {} } : {}),
  });
  res.end();
}

async function api(req, res, url) {
  const path = url.pathname;
  const method = req.method;
  const me = caller(req);
  const q = url.searchParams;
  const page = (list) =>
    list.slice(Number(q.get('skip') ?? 0), Number(q.get('skip') ?? 0) + Number(q.get('limit') ?? 10));
  let m = [];
  const route = (pattern) => {
    const found = pattern.exec(path);
    if (found) m = found;
    return found !== null;
  };

  if (method === 'POST' && path === '/aggregator/api/v1/chat/stream') return chatStream(req, res);
  if (path === '/api/v1/auth/config')
    return send(res, 200, {
      require_email_verification: false,
      smtp_configured: false,
      password_reset_enabled: false,
    });
  if (method === 'POST' && path === '/api/v1/auth/login') {
    const body = await readBody(req);
    const found = state.users.find((u) => u.username === body.username || u.email === body.username);
    if (!found || state.passwords[found.username] !== body.password)
      return send(res, 401, { detail: 'Invalid credentials' });
    return send(res, 200, issue(found));
  }
  if (method === 'POST' && path === '/api/v1/auth/register') {
    const body = await readBody(req);
    if (state.users.some((u) => u.username === body.username)) {
      return send(res, 409, {
        detail: { code: 'USER_ALREADY_EXISTS', message: 'Username is not available', field: 'username' },
      });
    }
    const created = user(state.users.length + 1, body.username, body.full_name);
    created.email = body.email;
    state.users.push(created);
    state.passwords[created.username] = body.password;
    return send(res, 201, { ...issue(created), requires_email_verification: false });
  }
  if (method === 'POST' && path === '/api/v1/auth/refresh')
    return send(res, 401, { detail: 'Invalid refresh token' });
  if (method === 'POST' && path === '/api/v1/auth/logout') return send(res, 204);
  if (route(/^\/api\/v1\/users\/check-(username|email)\/(.+)$/)) {
    const value = decodeURIComponent(m[2]).toLowerCase();
    const taken = state.users.some((u) => (m[1] === 'username' ? u.username : u.email) === value);
    return send(res, 200, { available: !taken, [m[1]]: value });
  }
  if (route(/^\/api\/v1\/users\/public\/([^/]+)$/)) {
    const found = state.users.find((u) => u.username === m[1].toLowerCase());
    if (!found) return send(res, 404, { detail: 'User not found' });
    const { id, email, ...rest } = found;
    return send(res, 200, { ...rest, email: found.is_email_public ? email : null });
  }
  if (path === '/api/v1/endpoints/public/grouped') {
    const owners = [...new Set(state.endpoints.filter(listed).map((e) => e.owner_username))];
    return send(res, 200, {
      groups: owners.map((owner) => {
        const list = state.endpoints.filter((e) => listed(e) && e.owner_username === owner).sort(byUpdated);
        return {
          owner_username: owner,
          endpoints: list.slice(0, 15).map((e) => view(e)),
          total_count: list.length,
          has_more: list.length > 15,
        };
      }),
    });
  }
  if (
    path === '/api/v1/endpoints/public' ||
    path === '/api/v1/endpoints/trending' ||
    path === '/api/v1/endpoints/guest-accessible'
  ) {
    const type = q.get('endpoint_type');
    const search = (q.get('search') ?? '').toLowerCase();
    let list = state.endpoints.filter((e) => listed(e) && (!type || e.type === type));
    if (path.endsWith('guest-accessible')) list = list.filter((e) => e.policies.length === 0);
    if (search)
      list = list.filter((e) =>
        [e.name, e.description, e.owner_username, ...e.tags].some((t) => t.toLowerCase().includes(search)),
      );
    list.sort(
      path.endsWith('trending') ? (a, b) => b.stars_count - a.stars_count || byUpdated(a, b) : byUpdated,
    );
    return send(
      res,
      200,
      page(list).map((e) => view(e, me)),
    );
  }
  if (route(/^\/api\/v1\/endpoints\/public\/by-owner\/([^/]+)$/)) {
    return send(
      res,
      200,
      page(state.endpoints.filter((e) => listed(e) && e.owner_username === m[1]).sort(byUpdated)).map((e) =>
        view(e),
      ),
    );
  }
  if (method === 'POST' && path === '/api/v1/endpoints/search') {
    const body = await readBody(req);
    const words = String(body.query ?? '')
      .toLowerCase()
      .split(/\W+/)
      .filter((w) => w.length > 2);
    const results = state.endpoints
      .filter((e) => listed(e) && (!body.type || e.type === body.type))
      .map((e) => ({
        ...view(e),
        relevance_score: words.some((w) => `${e.name} ${e.description}`.toLowerCase().includes(w)) ? 0.6 : 0,
      }))
      .filter((r) => r.relevance_score > 0);
    return send(res, 200, { results, total: results.length, query: body.query });
  }
  if (route(/^\/api\/v1\/endpoints\/by-path\/([^/]+)\/([^/]+)$/)) {
    const found = state.endpoints.find(
      (e) => e.owner_username === m[1].toLowerCase() && e.slug === m[2].toLowerCase(),
    );
    if (!found || (!listed(found) && found.user_id !== me?.id && !found.archived))
      return send(res, 404, { detail: 'Owner or endpoint not found' });
    return send(res, 200, view(found, me));
  }
  if (route(/^\/api\/v1\/endpoints\/([^/]+)\/([^/]+)\/uptime$/)) {
    const hours = Number(q.get('window_hours') ?? 24);
    const buckets = [];
    for (let i = Math.min(hours * 2, 200); i > 0; i -= 1) {
      if (i % 7 === 3) continue;
      const start = new Date(Math.floor((Date.now() - i * 1800_000) / 1800_000) * 1800_000).toISOString();
      const healthy = i % 11 === 0 ? 20 : 30;
      buckets.push({
        bucket_start: start,
        samples: 30,
        healthy_samples: healthy,
        uptime_pct: Math.round((healthy / 30) * 10000) / 100,
      });
    }
    return send(res, 200, {
      endpoint_id: 1,
      owner_username: m[1],
      slug: m[2],
      bucket_seconds: 1800,
      window_hours: hours,
      buckets,
    });
  }
  if (path === '/api/v1/token/guest')
    return send(res, 200, { target_token: `guest-token-${q.get('aud')}`, expires_in: 60 });

  // Everything below needs a signed-in caller.
  if (!me) return unauthorized(res);
  if (path === '/api/v1/auth/me' || path === '/api/v1/users/me') {
    if (method === 'PUT') {
      Object.assign(me, await readBody(req), { updated_at: now() });
    }
    return send(res, 200, me);
  }
  if (path === '/api/v1/token')
    return send(res, 200, { target_token: `user-token-${q.get('aud')}`, expires_in: 60 });
  if (path === '/api/v1/users/me/aggregators')
    return send(res, 200, { aggregators: [], default_aggregator_id: null });
  if (path === '/api/v1/auth/tokens' && method === 'GET') {
    const list = state.tokens.filter(
      (t) => t.user_id === me.id && (q.get('include_inactive') === 'true' || t.is_active),
    );
    return send(res, 200, { tokens: list, total: list.length });
  }
  if (path === '/api/v1/auth/tokens' && method === 'POST') {
    const body = await readBody(req);
    const secret = `syft_pat_${Math.random().toString(36).slice(2).padEnd(43, 'x').slice(0, 43)}`;
    const token = {
      id: state.nextId++,
      user_id: me.id,
      name: body.name,
      token_prefix: secret.slice(0, 16),
      scopes: body.scopes ?? ['full'],
      expires_at: body.expires_at ?? null,
      last_used_at: null,
      last_used_ip: null,
      is_active: true,
      created_at: now(),
      updated_at: now(),
    };
    state.tokens.unshift(token);
    return send(res, 201, { ...token, token: secret });
  }
  if (route(/^\/api\/v1\/auth\/tokens\/(\d+)$/)) {
    const token = state.tokens.find((t) => t.id === Number(m[1]) && t.user_id === me.id);
    if (!token) return send(res, 404, { detail: 'API token not found' });
    if (method === 'DELETE') token.is_active = false;
    if (method === 'PATCH') token.name = (await readBody(req)).name;
    return method === 'DELETE' ? send(res, 204) : send(res, 200, token);
  }
  if (path === '/api/v1/endpoints' && method === 'GET') {
    return send(
      res,
      200,
      page(state.endpoints.filter((e) => e.user_id === me.id).sort(byUpdated)).map((e) => view(e, me)),
    );
  }
  if (path === '/api/v1/endpoints' && method === 'POST') {
    const body = await readBody(req);
    if (!body.name)
      return send(res, 422, { detail: [{ type: 'missing', loc: ['body', 'name'], msg: 'Field required' }] });
    if ((body.tags ?? []).some((t) => !/^[a-z0-9-]+$/.test(t))) {
      const index = body.tags.findIndex((t) => !/^[a-z0-9-]+$/.test(t));
      return send(res, 422, {
        detail: [
          {
            type: 'string_pattern_mismatch',
            loc: ['body', 'tags', index],
            msg: 'String should match pattern',
          },
        ],
      });
    }
    if (state.endpoints.some((e) => e.user_id === me.id && e.slug === body.slug))
      return send(res, 400, { detail: 'slug already exists - already taken' });
    addEndpoint(me.id, {
      ...body,
      connect: body.connect ?? [],
      health_status: null,
      health_checked_at: null,
      updated_at: now(),
    });
    return send(res, 201, view(state.endpoints.at(-1), me));
  }
  if (route(/^\/api\/v1\/endpoints\/([^/]+)\/exists$/))
    return send(
      res,
      200,
      state.endpoints.some((e) => e.user_id === me.id && e.slug === m[1]),
    );
  if (route(/^\/api\/v1\/endpoints\/slug\/([^/]+)$/)) {
    const found = state.endpoints.find((e) => e.user_id === me.id && e.slug === m[1]);
    if (!found) return send(res, 404, { detail: 'Endpoint not found' });
    if (method === 'DELETE') {
      state.endpoints.splice(state.endpoints.indexOf(found), 1);
      return send(res, 204);
    }
    Object.assign(found, await readBody(req), { updated_at: now() });
    return send(res, 200, view(found, me));
  }
  if (route(/^\/api\/v1\/endpoints\/(\d+)\/(star|starred)$/)) {
    const key = `${me.id}:${m[1]}`;
    const found = state.endpoints.find((e) => e.id === Number(m[1]));
    if (!found) return send(res, 404, { detail: 'Endpoint not found' });
    if (m[2] === 'starred') return send(res, 200, { starred: state.stars.has(key) });
    if (method === 'POST') {
      const fresh = !state.stars.has(key);
      if (fresh) found.stars_count++;
      state.stars.add(key);
      return send(res, 201, { starred: fresh });
    }
    if (state.stars.delete(key)) found.stars_count--;
    return send(res, 204);
  }
  if (path === '/api/v1/admin/overview') {
    const days = Number(q.get('trend_days') ?? 30);
    return send(res, 200, {
      headline: {
        total_users: 2,
        active_users: 2,
        inactive_users: 0,
        email_verified: 2,
        email_unverified: 0,
        admins: 1,
      },
      by_role: [
        { role: 'admin', count: 1 },
        { role: 'user', count: 1 },
        { role: 'guest', count: 0 },
      ],
      by_auth_provider: [
        { provider: 'local', count: 2 },
        { provider: 'google', count: 0 },
      ],
      signup_trend: {
        days,
        buckets: Array.from({ length: days }, (_, i) => ({
          date: new Date(Date.now() - (days - 1 - i) * 86400_000).toISOString().slice(0, 10),
          signups: (i * 7) % 5,
        })),
      },
      last_login: {
        buckets: [
          { bucket: '24h', label: 'Last 24 hours', count: 1 },
          { bucket: '7d', label: '1–7 days', count: 1 },
          { bucket: '30d', label: '7–30 days', count: 0 },
          { bucket: '90d', label: '30–90 days', count: 0 },
          { bucket: 'never', label: 'Never / 90+ days', count: 0 },
        ],
        active_24h: 1,
        dormant_30d: 0,
      },
    });
  }
  if (path === '/api/v1/admin/users') {
    const items = state.users.map(
      ({
        id,
        username,
        email,
        full_name,
        avatar_url,
        role,
        is_active,
        is_email_verified,
        auth_provider,
        created_at,
        last_login_at,
      }) => ({
        id,
        username,
        email,
        full_name,
        avatar_url,
        role,
        is_active,
        is_email_verified,
        auth_provider,
        created_at,
        last_login_at,
      }),
    );
    return send(res, 200, { items, page: 1, page_size: 20, total: items.length, total_pages: 1 });
  }
  return send(res, 404, { detail: 'Not Found' });
}

function serveStatic(res, pathname) {
  const file = normalize(join(dist, pathname));
  if (pathname !== '/index.html' && file.startsWith(dist) && existsSync(file) && statSync(file).isFile()) {
    const immutable = pathname.startsWith('/assets/');
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    return createReadStream(file).pipe(res);
  }
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-cache',
    'Content-Security-Policy': CSP,
  });
  createReadStream(join(dist, 'index.html')).pipe(res);
}

createServer((req, res) => {
  const url = new URL(req.url ?? '/', `http://localhost:${port}`);
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/aggregator/')) {
    api(req, res, url).catch((error) => {
      console.error(error);
      send(res, 500, {
        detail: 'An internal error occurred. Please try again later.',
        correlation_id: 'fake-500',
      });
    });
    return;
  }
  serveStatic(res, url.pathname === '/' ? '/index.html' : url.pathname);
}).listen(port, () => console.log(`fake SyftHub on http://localhost:${port}`));
