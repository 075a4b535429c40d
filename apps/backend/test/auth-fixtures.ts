import { createDb } from '@syfthub/db';
import { createLogger, createSilentLogger, type Logger } from '@syfthub/service';
import { createApp } from '../src/app';
import { buildDeps } from '../src/deps';
import type { ApiInit, ApiResponse, TestBackend } from './harness';

/** A logger whose JSON lines are kept in `lines`, so tests can assert log events. */
export function createCapturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    service: 'backend',
    version: 'test',
    environment: 'test',
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

/** Sends one request to a Hono app, like the harness's `api`. */
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
  const parsed =
    (res.headers.get('content-type') ?? '').includes('json') && text !== '' ? JSON.parse(text) : text;
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

/**
 * Another replica of `base`: its own deps, app and (on PostgreSQL) connection pool, sharing only the database and
 * the KV store, as two backend processes behind nginx would.
 */
export async function createReplica(base: TestBackend, options: { logger?: Logger } = {}) {
  const ownHandle = base.database.url ? await createDb({ url: base.database.url, poolSize: 2 }) : null;
  const deps = await buildDeps(base.config, {
    dbHandle: ownHandle ?? base.database.handle,
    kv: base.deps.kv,
    logger: options.logger ?? createSilentLogger(),
    email: base.deps.email,
  });
  const app = createApp(deps);
  return {
    app,
    deps,
    api: <T = unknown>(method: string, path: string, init?: ApiInit) => request<T>(app, method, path, init),
    close: async () => {
      await ownHandle?.close();
    },
  };
}
