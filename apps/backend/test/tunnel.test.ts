import { endpoints, eq, users } from '@syfthub/db';
import { connectNats } from '@syfthub/tunnel';
import { startNatsServer, type TestNatsServer } from '@syfthub/tunnel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHealthMonitorCycle } from '../src/jobs/health-monitor';
import { createEndpoint } from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';
import { createPat } from './users-fixtures';

type NatsConnection = Awaited<ReturnType<typeof connectNats>>;

// tunnelling.md §3 (hub routes), §3.6 (tunnel names), §10(b) (health of tunnelled endpoints), against a real
// nats-server started from the project's config (nats/nats.conf) on free ports.

const NOT_CONFIGURED = { detail: 'NATS service is not configured.' };
const KEY = 'B6N8vBQgk8i3VdwbEOhstCY3StFqqFPtC9_AsrhtHHw';
const PEER_TOKEN = /^pt_[A-Za-z0-9_-]{43}$/;
const PEER_CHANNEL = /^peer_[0-9a-f]{32}$/;

interface Grant {
  peer_token: string;
  peer_channel: string;
  expires_in: number;
  nats_url: string;
}
interface Ready {
  status: string;
  components: Record<string, { status: string; websocket_url?: string; error?: string }>;
}

describe('tunnelling off (no NATS token)', () => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await createTestBackend();
  });
  afterAll(() => backend.close());

  it('answers 503 on the token and credential routes, the guest route before its limiter', async () => {
    const { access_token: token } = await backend.registerUser();
    const user = await backend.api('POST', '/api/v1/peer-token', {
      token,
      json: { target_usernames: ['bob'] },
    });
    expect([user.status, user.body]).toEqual([503, NOT_CONFIGURED]);
    expect(await backend.api('GET', '/api/v1/nats/credentials', { token })).toMatchObject({
      status: 503,
      body: NOT_CONFIGURED,
    });
    for (let i = 0; i < 12; i += 1) {
      const guest = await backend.api('POST', '/api/v1/nats/guest-peer-token', { json: {} });
      expect([guest.status, guest.body]).toEqual([503, NOT_CONFIGURED]);
    }
  });

  it('still stores keys, and says so in /nats/status and /ready', async () => {
    const { access_token: token, user } = await backend.registerUser();
    const put = await backend.api('PUT', '/api/v1/nats/encryption-key', {
      token,
      json: { encryption_public_key: KEY },
    });
    expect([put.status, put.body]).toEqual([200, { status: 'ok' }]);
    const got = await backend.api('GET', `/api/v1/nats/encryption-key/${user.username}`);
    expect(got.body).toEqual({ encryption_public_key: KEY });
    expect((await backend.api('GET', '/api/v1/nats/status')).body).toEqual({
      enabled: false,
      websocket_url: null,
    });
    const ready = await backend.api<Ready>('GET', '/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.components.tunnelling).toEqual({ status: 'disabled' });
  });
});

describe('tunnelling on (mode A, real nats-server)', () => {
  let nats: TestNatsServer;
  let backend: TestBackend;
  const nodes: NatsConnection[] = [];

  beforeAll(async () => {
    nats = await startNatsServer({ mode: 'token' });
    backend = await createTestBackend({
      NATS_AUTH_TOKEN: nats.token,
      NATS_MONITOR_URL: nats.monitorUrl,
      ISSUER_URL: 'https://hub.example.com',
      HEALTH_CHECK_FAILURE_THRESHOLD: '2',
      GUEST_PEER_TOKEN_RATE_LIMIT_MAX: '3',
    });
  });
  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.close().catch(() => {})));
    await backend.close();
    await nats.stop();
  });

  it('mints user peer tokens (§3.1): shape, TTL, KV record; 422 without targets; 401 signed out', async () => {
    const { access_token: token, user } = await backend.registerUser();
    const res = await backend.api<Grant>('POST', '/api/v1/peer-token', {
      token,
      json: { target_usernames: ['Bob', 'carol'] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      peer_token: expect.stringMatching(PEER_TOKEN),
      peer_channel: expect.stringMatching(PEER_CHANNEL),
      expires_in: 120,
      nats_url: 'wss://hub.example.com/nats',
    });
    const stored = JSON.parse((await backend.deps.kv.get(`nats:peer:${res.body.peer_token}`)) ?? 'null');
    expect(stored).toEqual({
      user_id: user.id,
      peer_channel: res.body.peer_channel,
      target_usernames: ['Bob', 'carol'],
      nats_url: 'nats://nats:4222',
    });
    const again = await backend.api<Grant>('POST', '/api/v1/peer-token', {
      token,
      json: { target_usernames: ['b'] },
    });
    expect(again.body.peer_token).not.toBe(res.body.peer_token);
    expect(again.body.peer_channel).not.toBe(res.body.peer_channel);

    for (const json of [
      { target_usernames: [] },
      {},
      { target_usernames: 'bob' },
      { target_usernames: [''] },
    ]) {
      const bad = await backend.api('POST', '/api/v1/peer-token', { token, json });
      expect(bad.status, JSON.stringify(json)).toBe(422);
    }
    const bad = await backend.api<{ detail: Array<{ loc: unknown[] }> }>('POST', '/api/v1/peer-token', {
      token,
      json: { target_usernames: [] },
    });
    expect(bad.body.detail[0]?.loc).toEqual(['body', 'target_usernames']);
    expect(
      (await backend.api('POST', '/api/v1/peer-token', { json: { target_usernames: ['b'] } })).status,
    ).toBe(401);
  });

  it('hands the NATS token to users (§3.3), which opens the WebSocket listener', async () => {
    const { access_token: token } = await backend.registerUser();
    const res = await backend.api<{ nats_auth_token: string }>('GET', '/api/v1/nats/credentials', { token });
    expect(res).toMatchObject({ status: 200, body: { nats_auth_token: nats.token } });
    const node = await connectNats({
      url: nats.wsUrl,
      token: res.body.nats_auth_token,
      name: 'credentials-test',
    });
    nodes.push(node);
    expect(node.info?.headers).toBe(true);
    expect((await backend.api('GET', '/api/v1/nats/credentials')).status).toBe(401);
  });

  it('applies API-token scopes: read for peer tokens and credentials, write for the key (§14)', async () => {
    const { access_token: token, user } = await backend.registerUser();
    expect(token).toBeTruthy();
    const read = await createPat(backend, user.id, ['read']);
    const write = await createPat(backend, user.id, ['write']);
    expect(
      (await backend.api('POST', '/api/v1/peer-token', { token: read, json: { target_usernames: ['x'] } }))
        .status,
    ).toBe(200);
    expect((await backend.api('GET', '/api/v1/nats/credentials', { token: read })).status).toBe(200);
    const refused = await backend.api('PUT', '/api/v1/nats/encryption-key', {
      token: read,
      json: { encryption_public_key: KEY },
    });
    expect(refused.status).toBe(403);
    const allowed = await backend.api('PUT', '/api/v1/nats/encryption-key', {
      token: write,
      json: { encryption_public_key: KEY },
    });
    expect(allowed.status).toBe(200);
  });

  it('mints guest peer tokens (§3.2) with a limit that holds even with rate limiting switched off', async () => {
    // The harness turns RATE_LIMIT_ENABLED off; this limiter ignores it.
    expect(backend.config.RATE_LIMIT_ENABLED).toBe(false);
    const ip = { 'X-Forwarded-For': '198.51.100.7' };
    const first = await backend.api<Grant>('POST', '/api/v1/nats/guest-peer-token', {
      json: {},
      headers: ip,
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ expires_in: 90, nats_url: 'wss://hub.example.com/nats' });
    expect(first.body.peer_token).toMatch(PEER_TOKEN);
    const stored = JSON.parse(
      (await backend.deps.kv.get(`nats:guest-peer:${first.body.peer_token}`)) ?? 'null',
    );
    expect(stored).toMatchObject({ user_id: 0, target_usernames: [] });
    const noBody = await backend.api('POST', '/api/v1/nats/guest-peer-token', {
      json: { target_usernames: ['alice'] },
      headers: ip,
    });
    expect(noBody.status).toBe(200);
    await backend.api('POST', '/api/v1/nats/guest-peer-token', {
      json: { target_usernames: null },
      headers: ip,
    });
    const limited = await backend.api('POST', '/api/v1/nats/guest-peer-token', { json: {}, headers: ip });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ detail: 'Too many requests. Please slow down and try again later.' });
    expect(limited.headers.get('x-ratelimit-limit')).toBe('3');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('x-ratelimit-reset')).toBeTruthy();
  });

  it('registers and serves encryption keys (§3.4, §3.5): padded accepted, stored unpadded', async () => {
    const { access_token: token, user } = await backend.registerUser();
    const before = await backend.api('GET', `/api/v1/nats/encryption-key/${user.username}`);
    expect(before).toMatchObject({ status: 200, body: { encryption_public_key: null } });
    const put = await backend.api('PUT', '/api/v1/nats/encryption-key', {
      token,
      json: { encryption_public_key: `${KEY}=` },
    });
    expect([put.status, put.body]).toEqual([200, { status: 'ok' }]);
    const got = await backend.api('GET', `/api/v1/nats/encryption-key/${user.username.toUpperCase()}`);
    expect(got.body).toEqual({ encryption_public_key: KEY });
    const me = await backend.api<{ encryption_public_key: string | null }>('GET', '/api/v1/users/me', {
      token,
    });
    expect(me.body.encryption_public_key).toBe(KEY);
    const replaced = 'ZLEBsdC-WocEvQePmJUAH8A-jp-VIvGI3RKNmEbUhGY';
    await backend.api('PUT', '/api/v1/nats/encryption-key', {
      token,
      json: { encryption_public_key: replaced },
    });
    expect((await backend.api('GET', `/api/v1/nats/encryption-key/${user.username}`)).body).toEqual({
      encryption_public_key: replaced,
    });

    const missing = await backend.api('GET', '/api/v1/nats/encryption-key/No-Such-User');
    expect([missing.status, missing.body]).toEqual([404, { detail: "User 'No-Such-User' not found." }]);
    expect(
      (await backend.api('PUT', '/api/v1/nats/encryption-key', { json: { encryption_public_key: KEY } }))
        .status,
    ).toBe(401);
  });

  it('refuses invalid keys with 422 on the field: empty, not base64url, wrong length, wrong type', async () => {
    const { access_token: token } = await backend.registerUser();
    const cases: Array<[unknown, string]> = [
      ['', 'The key must not be empty'],
      [`${KEY.slice(0, 42)}+`, 'The key must be URL-safe base64'],
      [`${KEY.slice(0, 40)}!!!`, 'The key must be URL-safe base64'],
      ['AAAAAAAAAAAAAAAAAAAAAA', 'The key must decode to exactly 32 bytes'],
      [`${KEY}AAAA`, 'The key must decode to exactly 32 bytes'],
      [`${KEY}==`, 'The key must decode to exactly 32 bytes'],
    ];
    for (const [value, msg] of cases) {
      const res = await backend.api<{ detail: Array<{ loc: unknown[]; msg: string }> }>(
        'PUT',
        '/api/v1/nats/encryption-key',
        { token, json: { encryption_public_key: value } },
      );
      expect(res.status, String(value)).toBe(422);
      expect(res.body.detail).toHaveLength(1);
      expect(res.body.detail[0]).toMatchObject({ loc: ['body', 'encryption_public_key'] });
      expect(res.body.detail[0]?.msg).toContain(msg);
    }
    for (const json of [{}, { encryption_public_key: 42 }, { encryption_public_key: null }]) {
      const res = await backend.api('PUT', '/api/v1/nats/encryption-key', { token, json });
      expect(res.status, JSON.stringify(json)).toBe(422);
    }
    const raw = await backend.api('PUT', '/api/v1/nats/encryption-key', {
      token,
      headers: { 'Content-Type': 'application/json' },
      raw: '{"encryption_public_key": ',
    });
    expect(raw.status).toBe(422);
  });

  it('reports tunnelling in /nats/status and /ready, not blocking readiness when NATS is down', async () => {
    expect((await backend.api('GET', '/api/v1/nats/status')).body).toEqual({
      enabled: true,
      websocket_url: 'wss://hub.example.com/nats',
    });
    const ready = await backend.api<Ready>('GET', '/ready');
    expect(ready.body.components.tunnelling).toMatchObject({
      status: 'ok',
      websocket_url: 'wss://hub.example.com/nats',
    });
  });

  it('keeps a tunnelled endpoint up while its node is subscribed, and lets it go when the node leaves (§10(b))', async () => {
    const owner = await backend.registerUser();
    const name = owner.user.username;
    const domain = await backend.api('PUT', '/api/v1/users/me', {
      token: owner.access_token,
      json: { domain: `tunneling:${name}` },
    });
    expect(domain.status).toBe(200);
    const made = await createEndpoint(backend, owner.access_token, {
      name: 'Behind NAT',
      connect: [{ type: 'http', config: { url: `tunneling:${name}` } }],
    });
    const plain = await backend.registerUser();
    await backend.api('PUT', '/api/v1/users/me', {
      token: plain.access_token,
      json: { domain: 'https://x.example' },
    });
    const http = await createEndpoint(backend, plain.access_token, {
      name: 'Plain HTTP',
      connect: [{ type: 'http', config: { url: '' } }],
    });
    const row = async (id: number) =>
      (await backend.deps.db.select().from(endpoints).where(eq(endpoints.id, id)))[0]!;
    const cycle = () => runHealthMonitorCycle(backend.deps);

    const node = await connectNats({ url: nats.wsUrl, token: nats.token, name: `syfthub-space-${name}` });
    nodes.push(node);
    node.subscribe(`syfthub.spaces.${name}`);
    await node.flush();
    for (let i = 0; i < 3; i += 1) await cycle();
    expect(await row(made.id)).toMatchObject({ isActive: true, consecutiveFailureCount: 0 });
    // An HTTP endpoint without reports is judged as before.
    expect(await row(http.id)).toMatchObject({ isActive: false });

    // A fresh explicit report still wins over the subscription.
    const report = await backend.api('POST', '/api/v1/endpoints/health', {
      token: owner.access_token,
      json: { endpoints: [{ slug: made.slug, status: 'unhealthy', checked_at: new Date().toISOString() }] },
    });
    expect(report.status).toBe(200);
    await cycle();
    await cycle();
    expect(await row(made.id)).toMatchObject({ isActive: false });
    await backend.deps.db.update(endpoints).set({ healthStatus: null }).where(eq(endpoints.id, made.id));
    await cycle();
    expect(await row(made.id)).toMatchObject({ isActive: true, consecutiveFailureCount: 0 });

    await node.close();
    await cycle();
    await cycle();
    expect(await row(made.id)).toMatchObject({ isActive: false, consecutiveFailureCount: 2 });
  });

  it('takes tunnel names only for the owner (§3.6): domains, health reports, connections, sync', async () => {
    const owner = await backend.registerUser();
    const name = owner.user.username;
    const token = owner.access_token;
    const locOf = (res: { body: unknown }) =>
      (res.body as { detail: Array<{ loc: unknown[] }> }).detail[0]?.loc;
    const foreignDomain = await backend.api('PUT', '/api/v1/users/me', {
      token,
      json: { domain: 'tunneling:bob' },
    });
    expect([foreignDomain.status, locOf(foreignDomain)]).toEqual([422, ['body', 'domain']]);
    const own = await backend.api<{ domain: string }>('PUT', '/api/v1/users/me', {
      token,
      json: { domain: `tunneling:${name.toUpperCase()}` },
    });
    expect(own.body.domain).toBe(`tunneling:${name}`);
    const create = await backend.api('POST', '/api/v1/endpoints', {
      token,
      json: { name: 'Foreign', type: 'model', connect: [{ type: 'http', config: { url: 'tunneling:bob' } }] },
    });
    expect([create.status, locOf(create)]).toEqual([422, ['body', 'connect', 0, 'config', 'url']]);
    const sync = await backend.api('POST', '/api/v1/endpoints/sync', {
      token,
      json: {
        endpoints: [
          { name: 'Mine', type: 'model', connect: [{ type: 'http', config: { url: `tunneling:${name}` } }] },
          { name: 'Theirs', type: 'model', connect: [{ type: 'http', config: { path: 'tunneling:bob' } }] },
        ],
      },
    });
    expect([sync.status, locOf(sync)]).toEqual([
      422,
      ['body', 'endpoints', 1, 'connect', 0, 'config', 'path'],
    ]);
    const mine = await createEndpoint(backend, token, {
      name: 'Mine',
      connect: [{ type: 'http', config: { url: `tunneling:${name}` } }],
    });
    const patch = await backend.api('PATCH', `/api/v1/endpoints/slug/${mine.slug}`, {
      token,
      json: { connect: [{ type: 'http', config: { url: 'tunneling:bob' } }] },
    });
    expect([patch.status, locOf(patch)]).toEqual([422, ['body', 'connect', 0, 'config', 'url']]);
  });
});

describe('guest peer tokens fail closed (§3.2)', () => {
  let nats: TestNatsServer;
  let backend: TestBackend;
  beforeAll(async () => {
    nats = await startNatsServer({ mode: 'split' });
    // A KV whose Redis is down: nothing listens on this port.
    backend = await createTestBackend({
      NATS_AUTH_TOKEN: nats.token,
      REDIS_URL: 'redis://127.0.0.1:15399/0',
    });
  });
  afterAll(async () => {
    await backend.close();
    await nats.stop();
  });

  it('answers 429 when the limiter cannot count; user peer tokens are still issued', async () => {
    const res = await backend.api('POST', '/api/v1/nats/guest-peer-token', { json: {} });
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ detail: 'Rate limiting temporarily unavailable. Try again shortly.' });
    expect(res.headers.get('retry-after')).toBeTruthy();
    // Peer tokens are never read back (§2.2) and chats abort without one (§3.8): a store outage costs the record.
    const [user] = await backend.deps.db
      .insert(users)
      .values({ username: 'kvdown', email: 'kvdown@example.com', fullName: 'KV Down' })
      .returning();
    const pat = await createPat(backend, user!.id, ['read']);
    const grant = await backend.api<Grant>('POST', '/api/v1/peer-token', {
      token: pat,
      json: { target_usernames: ['bob'] },
    });
    expect(grant.status).toBe(200);
    expect(grant.body.peer_token).toMatch(PEER_TOKEN);
  });
});
