import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@syfthub/db/testing';
import { createKv, createSilentLogger, type Logger } from '@syfthub/service';
import { createApp } from '../src/app';
import { type BackendDeps, buildDeps } from '../src/deps';
import type { EmailMessage, EmailSender } from '../src/email/sender';
import { parseBackendEnv } from '../src/env';

/** A parsed HTTP answer from the app under test. */
export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** Options of one request through {@link TestBackend.api}. */
export interface ApiInit {
  token?: string;
  json?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** Raw body (sent as is, e.g. malformed JSON). */
  raw?: string;
}

/** Records e-mails instead of sending them, so tests can read OTP codes. */
export function createCapturingEmailSender(): EmailSender & { sent: EmailMessage[] } {
  const sent: EmailMessage[] = [];
  return {
    kind: 'log',
    sent,
    async send(message) {
      sent.push(message);
    },
  };
}

/** Sends one request to a backend app in process and parses a JSON answer. */
export async function request<T = unknown>(
  app: ReturnType<typeof createApp>,
  method: string,
  path: string,
  init: ApiInit = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.json !== undefined) {
    headers['Content-Type'] ??= 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.form) {
    headers['Content-Type'] ??= 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  } else if (init.raw !== undefined) {
    body = init.raw;
  }
  const res = await app.request(path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

/**
 * The real backend app on an isolated database (real PostgreSQL when DATABASE_URL is set, PGlite otherwise) and
 * KV (real Redis when REDIS_URL is set, with a per-instance key prefix; memory otherwise). Cheap argon2 parameters
 * and rate limits off unless `env` says otherwise.
 */
export async function createTestBackend(
  env: Record<string, string> = {},
  options: {
    email?: EmailSender | null;
    database?: Awaited<ReturnType<typeof createTestDatabase>>;
    /** Where the app logs (silent by default); tests pass a capturing logger to read log lines. */
    logger?: Logger;
  } = {},
) {
  const database = options.database ?? (await createTestDatabase());
  const config = parseBackendEnv({
    ENVIRONMENT: 'test',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_ITERATIONS: '1',
    ARGON2_PARALLELISM: '1',
    // One key pair shared by every test file (auto-generation is race-safe across processes).
    RSA_KEYS_DIRECTORY: join(tmpdir(), 'syfthub-backend-test-keys'),
    REDIS_URL: process.env.REDIS_URL ?? 'memory://',
    ENABLE_TEST_ROUTES: 'true',
    HEALTH_CHECK_ENABLED: 'false',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...env,
  });
  const kv = createKv(config.REDIS_URL, { keyPrefix: `test:${randomUUID()}:` });
  const deps: BackendDeps = await buildDeps(config, {
    dbHandle: database.handle,
    kv,
    logger: options.logger ?? createSilentLogger(),
    email: options.email === undefined ? null : options.email,
  });
  const app = createApp(deps);

  const api = <T = unknown>(method: string, path: string, init: ApiInit = {}) =>
    request<T>(app, method, path, init);

  let counter = 0;
  /** Registers a fresh user (unique name) and returns its tokens and User JSON. */
  async function registerUser(overrides: Record<string, unknown> = {}) {
    counter += 1;
    const suffix = `${counter}${randomUUID().slice(0, 6)}`;
    const payload = {
      username: `user${suffix}`,
      email: `user${suffix}@example.com`,
      full_name: `User ${suffix}`,
      password: 'correct-horse-1',
      ...overrides,
    };
    const res = await api<{
      user: { id: number; username: string; email: string };
      access_token: string;
      refresh_token: string;
    }>('POST', '/api/v1/auth/register', { json: payload });
    if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.text}`);
    return { ...res.body, password: payload.password as string };
  }

  /** Registers a user and promotes it through the test-only role route. */
  async function registerAdmin(overrides: Record<string, unknown> = {}) {
    const user = await registerUser(overrides);
    const res = await api('POST', `/api/v1/__test__/users/${user.user.username}/role`, {
      json: { role: 'admin' },
    });
    if (res.status !== 200) throw new Error(`promote failed: ${res.status} ${res.text}`);
    return user;
  }

  return {
    app,
    deps,
    config,
    database,
    api,
    registerUser,
    registerAdmin,
    async close() {
      await kv.deleteByPrefix('').catch(() => {});
      await kv.close();
      if (!options.database) await database.close();
    },
  };
}

export type TestBackend = Awaited<ReturnType<typeof createTestBackend>>;
