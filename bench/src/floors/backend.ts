/**
 * The backend's floor: a bare Hono app on @hono/node-server doing the same work as each measured backend route with
 * the same drivers (the captured SQL through postgres-js, the same jose calls, the same argon2 verify, ioredis for
 * the revocation check) and nothing else: no validation, middleware, logging, metrics or serialisation.
 * Runs as its own process; configured by the orchestrator through the environment.
 */
import { createPrivateKey, createSecretKey, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { verify as verifyPassword } from '@node-rs/argon2';
import { type Context, Hono } from 'hono';
import { Redis } from 'ioredis';
import { type JWTPayload, jwtVerify, SignJWT } from 'jose';
import postgres from 'postgres';
import type { CapturedQuery, CapturedSql, Statement } from '../capture';

const env = process.env as Record<string, string>;
const captured = JSON.parse(readFileSync(env.FLOOR_SQL_FILE as string, 'utf8')) as CapturedSql;
const sql = postgres(env.DATABASE_URL as string, {
  max: Number(env.DB_POOL_SIZE),
  onnotice: () => {},
  // The same connection settings as the backend's pool (packages/db client.ts).
  connection: { jit: 'off', statement_timeout: Number(env.DB_STATEMENT_TIMEOUT_MS) },
});
// As drizzle configures its postgres-js client for JSON: parameters arrive already serialised (the captured
// parameters are what drizzle handed the driver), so they are sent as they are. (Dates keep postgres-js's own
// handling: the floor's login writes Date objects.)
for (const type of ['114', '3802']) {
  (sql.options.serializers as unknown as Record<string, (x: unknown) => unknown>)[type] = (x) => x;
}
const redis = new Redis(env.REDIS_URL as string);
const sessionKey = createSecretKey(Buffer.from(env.SECRET_KEY as string, 'utf8'));
const signingKey = createPrivateKey(
  Buffer.from(env.RSA_PRIVATE_KEY_PEM as string, 'base64').toString('utf8'),
);
const kid = env.RSA_KEY_ID as string;
const issuer = env.ISSUER_URL as string;
const ttl = Number(env.SATELLITE_TOKEN_EXPIRE_SECONDS);

type Row = Record<string, unknown>;

/** Runs a captured lookup with its first parameter replaced (the id or name of this request). */
function lookup({ text, params }: Statement, key: unknown): Promise<Row[]> {
  return sql.unsafe(text, [key, ...params.slice(1)] as never[]);
}

/**
 * Runs a captured read: its statements one after the other as the backend sends them, in one transaction when
 * the backend sets a transaction-local setting (`set_config`) first.
 */
async function replay({ setup, query }: CapturedQuery): Promise<Row[]> {
  if (!setup.some((statement) => /^\s*select\s+set_config/i.test(statement.text))) {
    for (const statement of setup) await sql.unsafe(statement.text, statement.params as never[]);
    return sql.unsafe(query.text, query.params as never[]);
  }
  return sql.begin(async (tx) => {
    for (const statement of setup) await tx.unsafe(statement.text, statement.params as never[]);
    return tx.unsafe(query.text, query.params as never[]);
  }) as Promise<Row[]>;
}

/** The authenticator's work for a hub JWT: HS256 verify, then the revocation key and the user row at once. */
async function caller(c: Context): Promise<Row | null> {
  const token = /^bearer[ \t]+(\S+)/i.exec(c.req.header('authorization') ?? '')?.[1];
  if (!token) return null;
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, sessionKey, { algorithms: ['HS256'], requiredClaims: ['exp'] }));
  } catch {
    return null;
  }
  const [revoked, [user]] = await Promise.all([
    redis.exists(`auth:revoked-sid:${String(payload.sid)}`),
    lookup(captured.userById, Number(payload.sub)),
  ]);
  return revoked || !user?.is_active ? null : user;
}

function signSatellite(sub: string, aud: string, role: string, username: string): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub, iss: issuer, aud, iat, exp: iat + ttl, role, username, jti: randomUUID() })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
    .sign(signingKey);
}

function signSession(claims: Record<string, unknown>, sid: string, lifetime: number): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...claims, jti: randomUUID(), sid, iat, exp: iat + lifetime })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(sessionKey);
}

const app = new Hono();

/**
 * What the contract asks of every response (operations.md §6.4, backend-api.md §2.4): the caller's valid
 * correlation id echoed or a fresh one, and the API security headers. `/health` does exactly that work.
 */
const VALID_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  Vary: 'Origin',
};

app.get('/health', (c) => {
  const incoming = c.req.header('X-Correlation-ID');
  const id = incoming && VALID_CORRELATION_ID.test(incoming) ? incoming : randomUUID();
  return c.json({ status: 'healthy', version: '1.0.0' }, 200, {
    ...SECURITY_HEADERS,
    'X-Correlation-ID': id,
  });
});

/** The same JSON with none of the headers: the bare route, for scale. */
app.get('/floor/health-bare', (c) => c.json({ status: 'healthy', version: '1.0.0' }));

/** The ids each search route answered for each query of the mix, in its order (the physical floor's rows). */
interface AnswerIds {
  publicSearch: Record<string, number[]>;
  search: Record<string, number[]>;
}
const answers = (
  env.FLOOR_IDS_FILE ? JSON.parse(readFileSync(env.FLOOR_IDS_FILE, 'utf8')) : { publicSearch: {}, search: {} }
) as AnswerIds;

function captureOf(byText: Record<string, CapturedQuery>, text: string): CapturedQuery {
  const found = byText[text];
  if (!found) throw new Error(`no captured SQL for ${JSON.stringify(text)}`);
  return found;
}

/** The physical floor: PostgreSQL reading the route's final rows by primary key, serialised as JSON. */
function answerOf(byText: Record<string, number[]>, text: string): Promise<Row[]> {
  const ids = byText[text];
  if (!ids) throw new Error(`no answer ids for ${JSON.stringify(text)}`);
  return sql.unsafe(captured.byIds.text, [ids.join(',')]);
}

app.get('/api/v1/endpoints/public', async (c) => {
  const search = c.req.query('search');
  return c.json(await replay(search ? captureOf(captured.publicSearch, search) : captured.publicList));
});

app.get('/floor/physical/endpoints/public', async (c) =>
  c.json(await answerOf(answers.publicSearch, c.req.query('search') ?? '')),
);

app.post('/floor/physical/endpoints/search', async (c) => {
  const { query } = (await c.req.json()) as { query: string };
  const results = await answerOf(answers.search, query);
  return c.json({ results, total: results.length, query });
});

app.get('/api/v1/endpoints/trending', async (c) => c.json(await replay(captured.trending)));

app.post('/api/v1/endpoints/search', async (c) => {
  const { query } = (await c.req.json()) as { query: string };
  const results = await replay(captureOf(captured.search, query));
  return c.json({ results, total: results.length, query });
});

app.get('/api/v1/auth/me', async (c) => {
  const user = await caller(c);
  if (!user) return c.json({ detail: 'Could not validate credentials' }, 401);
  const { password_hash: _, ...visible } = user;
  return c.json(visible);
});

app.get('/api/v1/token', async (c) => {
  const user = await caller(c);
  if (!user) return c.json({ detail: 'Could not validate credentials' }, 401);
  const aud = (c.req.query('aud') ?? '').trim().toLowerCase();
  const [target] = await lookup(captured.audience, aud);
  if (!target?.is_active) return c.json({ detail: 'bad audience' }, 404);
  const token = await signSatellite(String(user.id), aud, String(user.role), String(user.username));
  return c.json({ target_token: token, expires_in: ttl });
});

/** The raw signing rate: one RS256 satellite-token signature per request and nothing else. */
app.get('/floor/sign', async (c) => {
  const token = await signSatellite('1', 'bench', 'user', 'bench');
  return c.json({ target_token: token, expires_in: ttl });
});

app.post('/api/v1/auth/login', async (c) => {
  const form = await c.req.parseBody();
  const [user] = await lookup(captured.userByUsername, String(form.username).toLowerCase());
  if (!user || !(await verifyPassword(String(user.password_hash), String(form.password)))) {
    return c.json({ detail: 'Invalid credentials' }, 401);
  }
  // The same session start as the backend: two HS256 tokens, a refresh-token row, the last-login stamp.
  const sid = randomUUID();
  const jti = randomUUID();
  const now = new Date();
  const refresh = await signSession(
    { sub: String(user.id), username: user.username, type: 'refresh' },
    sid,
    604_800,
  );
  const access = await signSession(
    { sub: String(user.id), username: user.username, role: user.role, type: 'access' },
    sid,
    1800,
  );
  await sql`insert into refresh_tokens (jti, family_id, user_id, issued_at, expires_at, family_expires_at, created_ip)
            values (${jti}, ${sid}, ${user.id as number}, ${now}, ${new Date(now.getTime() + 604_800_000)},
                    ${new Date(now.getTime() + 2_592_000_000)}, '127.0.0.1')`;
  const [stamped] = await sql`update users set last_login_at = ${now}, updated_at = ${now}
                              where id = ${user.id as number} returning *`;
  const { password_hash: _, ...visible } = stamped ?? user;
  return c.json({ user: visible, access_token: access, refresh_token: refresh, token_type: 'bearer' });
});

serve({ fetch: app.fetch, port: Number(env.PORT), hostname: '127.0.0.1' });
