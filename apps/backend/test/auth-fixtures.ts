import { createDb } from '@syfthub/db';
import { createLogger, createSilentLogger, type Logger } from '@syfthub/service';
import { createApp } from '../src/app';
import { buildDeps } from '../src/deps';
import { type ApiInit, request, type TestBackend } from './harness';

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
