import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmailMessage } from '../src/email/sender';
import { setUserDomain } from './endpoints-fixtures';
import { type ApiInit, createCapturingEmailSender, createTestBackend, type TestBackend } from './harness';

// The contract test (issue 14): the happy path of every operation in /openapi.json, each response validated
// against the schema the document publishes for it. The last test fails when an operation was never called, so a
// new route must add its happy path here.

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
}
type OpenApiDoc = { paths: Record<string, Record<string, Operation>> };

const sender = createCapturingEmailSender();
let backend: TestBackend;
let satellite: Server;
let doc: OpenApiDoc;
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
const validators = new Map<string, ValidateFunction>();
const covered = new Set<string>();

interface Call extends ApiInit {
  /** The OpenAPI path, e.g. `/api/v1/users/{user_id}`. */
  path: string;
  params?: Record<string, string | number>;
  query?: Record<string, string>;
  status: number;
}

function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(key, validate);
  }
  return validate;
}

/** Calls one operation, expects its happy-path status and checks the body against the published schema. */
async function call<T = unknown>(
  method: string,
  { path, params = {}, query, status, ...init }: Call,
): Promise<T> {
  let url = path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(String(params[name])));
  if (query) url += `?${new URLSearchParams(query)}`;
  const res = await backend.api<T>(method.toUpperCase(), url, init);
  expect(res.status, `${method.toUpperCase()} ${url}: ${res.text}`).toBe(status);
  const operation = doc.paths[path]?.[method];
  expect(operation, `${method.toUpperCase()} ${path} is not in /openapi.json`).toBeDefined();
  const documented = operation?.responses[String(status)];
  expect(documented, `${method.toUpperCase()} ${path} does not document ${status}`).toBeDefined();
  const [mediaType, media] = Object.entries(documented?.content ?? {})[0] ?? [];
  if (status !== 204) {
    expect(media, `${method.toUpperCase()} ${path} → ${status} has no documented body`).toBeDefined();
    expect(res.headers.get('content-type')).toContain(mediaType);
    if (mediaType === 'application/json' && media) {
      const validate = validatorFor(media.schema);
      expect(validate(res.body), `${method.toUpperCase()} ${url}: ${ajv.errorsText(validate.errors)}`).toBe(
        true,
      );
    }
  }
  covered.add(`${method} ${path}`);
  return res.body;
}

const get = <T = unknown>(c: Call) => call<T>('get', c);
const post = <T = unknown>(c: Call) => call<T>('post', c);
const put = <T = unknown>(c: Call) => call<T>('put', c);
const patch = <T = unknown>(c: Call) => call<T>('patch', c);
const del = (c: Call) => call('delete', c);

/** The code of the `count`-th mail to `email` (delivery runs in the background). */
async function codeSentTo(email: string, count: number): Promise<string> {
  const mails = () => sender.sent.filter((m: EmailMessage) => m.to === email);
  for (let waited = 0; mails().length < count && waited < 5_000; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(mails()).toHaveLength(count);
  const mail = mails().at(-1);
  const code = /\b(\d{6})\b/.exec(mail?.text ?? '')?.[1];
  if (!code) throw new Error(`no code mailed to ${email}`);
  return code;
}

interface Session {
  user: { id: number; username: string; email: string };
  access_token: string;
  refresh_token: string;
}

let seq = 0;
/** Registers an account, verifies its address with the mailed code and returns the session. */
async function signUp(): Promise<Session & { password: string }> {
  seq += 1;
  const name = `contract${seq}${Date.now().toString(36)}`;
  const account = {
    username: name,
    email: `${name}@example.com`,
    full_name: `Contract ${seq}`,
    password: 'pass-word-1',
  };
  await post({ path: '/api/v1/auth/register', json: account, status: 201 });
  const code = await codeSentTo(account.email, 1);
  const session = await post<Session>({
    path: '/api/v1/auth/register/verify-otp',
    json: { email: account.email, code },
    status: 200,
  });
  return { ...session, password: account.password };
}

beforeAll(async () => {
  satellite = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ summary: null, references: { documents: [] } }));
    });
  });
  satellite.listen(0, '127.0.0.1');
  await once(satellite, 'listening');
  const satellitePort = (satellite.address() as AddressInfo).port;
  backend = await createTestBackend(
    {
      SSRF_ALLOWED_HOSTS: `127.0.0.1:${satellitePort}`,
      INTERNAL_SERVICE_TOKEN: 'service-secret',
      // The NATS routes only hand out the token; no server is dialled.
      NATS_AUTH_TOKEN: 'contract-nats-token',
    },
    { email: sender },
  );
  doc = (await backend.api<OpenApiDoc>('GET', '/openapi.json')).body;
  owner = await signUp();
  other = await signUp();
  await setUserDomain(backend, owner.user.id, `http://127.0.0.1:${satellitePort}`);
});
afterAll(async () => {
  satellite.close();
  await backend.close();
});

let owner: Session & { password: string };
let other: Session & { password: string };

describe('every operation answers its happy path with its documented shape', () => {
  it('root, auth and sessions', async () => {
    await get({ path: '/', status: 200 });
    await get({ path: '/api/v1/auth/config', status: 200 });
    const signedIn = await post<Session>({
      path: '/api/v1/auth/login',
      form: { username: owner.user.username, password: owner.password },
      status: 200,
    });
    const pair = await post<Session>({
      path: '/api/v1/auth/refresh',
      json: { refresh_token: signedIn.refresh_token },
      status: 200,
    });
    await get({ path: '/api/v1/auth/me', token: pair.access_token, status: 200 });
    await get({ path: '/api/v1/wallet', token: pair.access_token, status: 200 });
    await get({ path: '/api/v1/wallet/', token: pair.access_token, status: 200 });
    await post({ path: '/api/v1/auth/logout', token: pair.access_token, status: 204 });
    await put({
      path: '/api/v1/auth/me/password',
      token: other.access_token,
      json: { current_password: other.password, new_password: 'new-pass-word-2' },
      status: 204,
    });
  });

  it('e-mail verification and password reset', async () => {
    const name = `unverified${Date.now().toString(36)}`;
    const email = `${name}@example.com`;
    await post({
      path: '/api/v1/auth/register',
      json: { username: name, email, full_name: 'Not Yet', password: 'pass-word-1' },
      status: 201,
    });
    await codeSentTo(email, 1);
    await post({ path: '/api/v1/auth/register/resend-otp', json: { email }, status: 200 });
    await codeSentTo(email, 2);
    await post({
      path: '/api/v1/auth/password-reset/request',
      json: { email: other.user.email },
      status: 200,
    });
    const code = await codeSentTo(other.user.email, 2);
    await post({
      path: '/api/v1/auth/password-reset/confirm',
      json: { email: other.user.email, code, new_password: 'reset-pass-3' },
      status: 200,
    });
    const session = await post<Session>({
      path: '/api/v1/auth/login',
      form: { username: other.user.email, password: 'reset-pass-3' },
      status: 200,
    });
    other = { ...session, password: 'reset-pass-3' };
  });

  it('API tokens', async () => {
    const token = owner.access_token;
    const created = await post<{ id: number }>({
      path: '/api/v1/auth/tokens',
      token,
      json: { name: 'ci', scopes: ['read'] },
      status: 201,
    });
    await get({ path: '/api/v1/auth/tokens', token, status: 200 });
    const byId = { path: '/api/v1/auth/tokens/{token_id}', params: { token_id: created.id }, token };
    await get({ ...byId, status: 200 });
    await patch({ ...byId, json: { name: 'renamed' }, status: 200 });
    await del({ ...byId, status: 204 });
  });

  it('users and profiles', async () => {
    const token = owner.access_token;
    await get({ path: '/api/v1/users/me', token, status: 200 });
    await put({ path: '/api/v1/users/me', token, json: { bio: 'Publishes legal documents.' }, status: 200 });
    await get({
      path: '/api/v1/users/check-username/{username}',
      params: { username: 'free-name' },
      status: 200,
    });
    await get({
      path: '/api/v1/users/check-email/{email}',
      params: { email: 'free@example.com' },
      status: 200,
    });
    await get({
      path: '/api/v1/users/public/{username}',
      params: { username: owner.user.username },
      status: 200,
    });
    const self = { path: '/api/v1/users/{user_id}', params: { user_id: owner.user.id }, token };
    await get({ ...self, status: 200 });
    await put({ ...self, json: { full_name: 'Owner Renamed' }, status: 200 });
  });

  it('aggregators', async () => {
    const token = owner.access_token;
    const base = '/api/v1/users/me/aggregators';
    const first = await post<{ id: number }>({
      path: base,
      token,
      json: { name: 'Main', url: 'https://agg.example.com/api/v1' },
      status: 201,
    });
    const second = await post<{ id: number }>({
      path: base,
      token,
      json: { name: 'Spare', url: 'https://spare.example.com/api/v1' },
      status: 201,
    });
    await get({ path: base, token, status: 200 });
    const one = { path: `${base}/{aggregator_id}`, params: { aggregator_id: second.id }, token };
    await get({ ...one, status: 200 });
    await put({ ...one, json: { name: 'Backup' }, status: 200 });
    await patch({ ...one, path: `${base}/{aggregator_id}/default`, status: 200 });
    await del({ ...one, params: { aggregator_id: first.id }, status: 204 });
  });

  it('endpoints: manage, discover, search, stars, health and uptime', async () => {
    const token = owner.access_token;
    const connect = [{ type: 'http', config: { url: '' } }];
    const created = await post<{ id: number; slug: string }>({
      path: '/api/v1/endpoints',
      token,
      json: { name: 'Legal docs', type: 'data_source', description: 'Contracts', tags: ['legal'], connect },
      status: 201,
    });
    await get({ path: '/api/v1/endpoints', token, status: 200 });
    await get({
      path: '/api/v1/endpoints/{slug}/exists',
      params: { slug: created.slug },
      token,
      status: 200,
    });
    await patch({
      path: '/api/v1/endpoints/slug/{slug}',
      params: { slug: created.slug },
      token,
      json: { description: 'Contracts and policies' },
      status: 200,
    });
    const byId = { path: '/api/v1/endpoints/{endpoint_id}', params: { endpoint_id: created.id }, token };
    await get({ ...byId, status: 200 });
    await patch({ ...byId, json: { readme: '# Legal docs' }, status: 200 });

    const path = { owner: owner.user.username, slug: created.slug };
    await get({ path: '/api/v1/endpoints/public', status: 200 });
    await get({ path: '/api/v1/endpoints/public/grouped', status: 200 });
    await get({ path: '/api/v1/endpoints/public/owners', status: 200 });
    await get({ path: '/api/v1/endpoints/public/by-owner/{owner}', params: path, status: 200 });
    await get({ path: '/api/v1/endpoints/public/{owner}/{slug}', params: path, status: 200 });
    await get({ path: '/api/v1/endpoints/by-path/{owner}/{slug}', params: path, token, status: 200 });
    await get({ path: '/api/v1/endpoints/trending', status: 200 });
    await get({ path: '/api/v1/endpoints/guest-accessible', status: 200 });
    await post({ path: '/api/v1/endpoints/search', json: { query: 'legal contracts' }, status: 200 });

    const star = {
      path: '/api/v1/endpoints/{endpoint_id}/star',
      params: byId.params,
      token: other.access_token,
    };
    await post({ ...star, status: 201 });
    await get({ ...star, path: '/api/v1/endpoints/{endpoint_id}/starred', status: 200 });
    await del({ ...star, status: 204 });

    await post({
      path: '/api/v1/endpoints/health',
      token,
      json: { endpoints: [{ slug: created.slug, status: 'healthy', checked_at: new Date().toISOString() }] },
      status: 200,
    });
    await get({ path: '/api/v1/endpoints/{owner}/{slug}/uptime', params: path, status: 200 });

    await get({ path: '/{owner}', params: path, status: 200 });
    await get({ path: '/{owner}/{slug}', params: path, status: 200 });
    await post({ path: '/{owner}/{slug}', params: path, json: { messages: 'termination' }, status: 200 });

    await post({
      path: '/api/v1/endpoints/sync',
      token: other.access_token,
      json: {
        endpoints: [
          { name: 'Synced model', type: 'model' },
          { name: 'Scratch', type: 'model' },
        ],
      },
      status: 200,
    });
    await del({
      path: '/api/v1/endpoints/slug/{slug}',
      params: { slug: 'scratch' },
      token: other.access_token,
      status: 204,
    });
    await del({ ...byId, status: 204 });
  });

  it('collectives', async () => {
    const token = owner.access_token;
    const member = other.access_token;
    const source = await post<{ id: number; slug: string }>({
      path: '/api/v1/endpoints',
      token: member,
      json: { name: 'Member docs', type: 'data_source', visibility: 'public' },
      status: 201,
    });
    const invited = await post<{ id: number; slug: string }>({
      path: '/api/v1/endpoints',
      token: member,
      json: { name: 'Invited docs', type: 'data_source', visibility: 'public' },
      status: 201,
    });
    const byPath = await post<{ id: number; slug: string }>({
      path: '/api/v1/endpoints',
      token: member,
      json: { name: 'Path docs', type: 'data_source', visibility: 'public' },
      status: 201,
    });
    const created = await post<{ id: number; slug: string }>({
      path: '/api/v1/collectives',
      token,
      json: { name: 'Contract collective', tags: ['law'] },
      status: 201,
    });
    const id = { collective_id: created.id };
    const slug = { slug: created.slug };
    await get({ path: '/api/v1/collectives', status: 200 });
    await get({ path: '/api/v1/collectives/by-slug/{slug}', params: slug, status: 200 });
    await get({ path: '/api/v1/collectives/{collective_id}', params: id, status: 200 });
    await patch({
      path: '/api/v1/collectives/{collective_id}',
      params: id,
      token,
      json: { description: 'Contracts' },
      status: 200,
    });
    await post({
      path: '/api/v1/collectives/{collective_id}/members',
      params: id,
      token: member,
      json: { endpoint_id: source.id },
      status: 201,
    });
    await post({
      path: '/api/v1/collectives/{collective_id}/members/{endpoint_id}/review',
      params: { ...id, endpoint_id: source.id },
      token,
      json: { decision: 'approve' },
      status: 200,
    });
    await get({ path: '/api/v1/collectives/{collective_id}/members', params: id, status: 200 });
    await post({
      path: '/api/v1/collectives/{collective_id}/invitations',
      params: id,
      token,
      json: { endpoint_id: invited.id },
      status: 201,
    });
    await get({
      path: '/api/v1/collectives/{collective_id}/invitations/{endpoint_id}',
      params: { ...id, endpoint_id: invited.id },
      token: member,
      status: 200,
    });
    await post({
      path: '/api/v1/collectives/{collective_id}/invitations/{endpoint_id}/respond',
      params: { ...id, endpoint_id: invited.id },
      token: member,
      json: { decision: 'accept' },
      status: 200,
    });
    await post({
      path: '/api/v1/collectives/{collective_id}/invitations/by-path',
      params: id,
      token,
      json: { owner_username: other.user.username, slug: byPath.slug },
      status: 201,
    });
    await del({
      path: '/api/v1/collectives/{collective_id}/members/{endpoint_id}',
      params: { ...id, endpoint_id: byPath.id },
      token,
      status: 204,
    });
    await post({
      path: '/api/v1/collectives/{collective_id}/shared-endpoints',
      params: id,
      token,
      json: { name: 'Subset', slug: 'subset', endpoint_ids: [invited.id, source.id] },
      status: 201,
    });
    const shared = { ...id, shared_slug: 'subset' };
    const sharedBySlug = { ...slug, shared_slug: 'subset' };
    await get({ path: '/api/v1/collectives/{collective_id}/shared-endpoints', params: id, status: 200 });
    await get({
      path: '/api/v1/collectives/{collective_id}/shared-endpoints/{shared_slug}',
      params: shared,
      status: 200,
    });
    await patch({
      path: '/api/v1/collectives/{collective_id}/shared-endpoints/{shared_slug}',
      params: shared,
      token,
      json: { endpoint_ids: [source.id] },
      status: 200,
    });
    await get({
      path: '/api/v1/collectives/shared-endpoints/bulk',
      query: { collective_id: String(created.id) },
      status: 200,
    });
    await get({ path: '/api/v1/collectives/by-slug/{slug}/shared-endpoints', params: slug, status: 200 });
    await get({
      path: '/api/v1/collectives/by-slug/{slug}/shared-endpoints/{shared_slug}',
      params: sharedBySlug,
      status: 200,
    });
    await get({ path: '/api/v1/collectives/by-slug/{slug}/endpoint-paths', params: slug, status: 200 });
    await get({
      path: '/api/v1/collectives/by-slug/{slug}/shared-endpoints/{shared_slug}/endpoint-paths',
      params: sharedBySlug,
      status: 200,
    });
    await get({
      path: '/api/v1/collectives/by-slug/{slug}/billing-summary',
      params: slug,
      token,
      status: 200,
    });
    await get({
      path: '/api/v1/collectives/by-slug/{slug}/shared-endpoints/{shared_slug}/billing-summary',
      params: sharedBySlug,
      token,
      status: 200,
    });
    await get({
      path: '/api/v1/collectives/by-endpoint/{owner_username}/{slug}',
      params: { owner_username: other.user.username, slug: source.slug },
      status: 200,
    });
    await del({
      path: '/api/v1/collectives/{collective_id}/shared-endpoints/{shared_slug}',
      params: shared,
      token,
      status: 204,
    });
    await del({ path: '/api/v1/collectives/{collective_id}', params: id, token, status: 204 });
  });

  it('identity provider', async () => {
    const aud = owner.user.username;
    const { target_token } = await get<{ target_token: string }>({
      path: '/api/v1/token',
      query: { aud },
      token: other.access_token,
      status: 200,
    });
    await get({ path: '/api/v1/token/guest', query: { aud }, status: 200 });
    await get({ path: '/api/v1/token/audiences', token: owner.access_token, status: 200 });
    await post({
      path: '/api/v1/verify',
      token: owner.access_token,
      json: { token: target_token },
      status: 200,
    });
    await get({ path: '/.well-known/jwks.json', status: 200 });
  });

  it('NATS tunnelling', async () => {
    const token = owner.access_token;
    await post({ path: '/api/v1/peer-token', token, json: { target_usernames: ['bob'] }, status: 200 });
    await post({ path: '/api/v1/nats/guest-peer-token', json: {}, status: 200 });
    await get({ path: '/api/v1/nats/credentials', token, status: 200 });
    await put({
      path: '/api/v1/nats/encryption-key',
      token,
      json: { encryption_public_key: 'B6N8vBQgk8i3VdwbEOhstCY3StFqqFPtC9_AsrhtHHw' },
      status: 200,
    });
    await get({
      path: '/api/v1/nats/encryption-key/{username}',
      params: { username: owner.user.username },
      status: 200,
    });
    await get({ path: '/api/v1/nats/status', status: 200 });
  });

  it('error reports', async () => {
    await post({
      path: '/api/v1/errors/report',
      json: { message: 'render failed', error: { type: 'TypeError' } },
      status: 202,
    });
    await post({
      path: '/api/v1/errors/service-report',
      headers: { Authorization: 'Bearer service-secret' },
      json: { service: 'aggregator', event: 'chat.failed', message: 'model unreachable' },
      status: 202,
    });
  });

  it('admin and test-only routes', async () => {
    const admin = await signUp();
    await post({
      path: '/api/v1/__test__/users/{username}/role',
      params: { username: admin.user.username },
      json: { role: 'admin' },
      status: 200,
    });
    const token = admin.access_token;
    await get({ path: '/api/v1/admin/overview', token, status: 200 });
    await get({ path: '/api/v1/admin/users', token, status: 200 });
    await get({ path: '/api/v1/admin/users/export', token, status: 200 });
    await get({ path: '/api/v1/users/', token, status: 200 });
    await get({ path: '/api/v1/users', token, status: 200 });
    const victim = await post<{ id: number }>({
      path: '/api/v1/endpoints',
      token: other.access_token,
      json: { name: 'Moderated', type: 'model' },
      status: 201,
    });
    const target = { params: { user_id: other.user.id }, token };
    await patch({ ...target, path: '/api/v1/users/{user_id}/deactivate', status: 200 });
    await patch({ ...target, path: '/api/v1/users/{user_id}/activate', status: 200 });
    await patch({
      path: '/api/v1/endpoints/{endpoint_id}/admin',
      params: { endpoint_id: victim.id },
      token,
      json: { is_active: false },
      status: 200,
    });
    const collective = await post<{ id: number }>({
      path: '/api/v1/collectives',
      token,
      json: { name: 'To verify' },
      status: 201,
    });
    await patch({
      path: '/api/v1/admin/collectives/{collective_id}',
      params: { collective_id: collective.id },
      token,
      json: { verified: true },
      status: 200,
    });
    await post({ path: '/api/v1/__test__/jobs/health-monitor', status: 200 });
    await del({ ...target, path: '/api/v1/users/{user_id}', status: 204 });
    await post({ path: '/api/v1/__test__/reset', status: 204 });
  });

  it('left no documented operation uncalled (add a happy path above for a new route)', () => {
    const expected: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        // Routes that only answer 501 (backend-api.md §14) have no happy path.
        if (Object.keys(operation.responses).some((status) => status.startsWith('2'))) {
          expected.push(`${method} ${path}`);
        }
      }
    }
    expect(expected.length).toBeGreaterThan(70);
    expect(expected.filter((op) => !covered.has(op))).toEqual([]);
  });
});
