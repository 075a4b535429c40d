import { spawnSync } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { EnvError } from '../env';

/** The names of the variables an env parser refuses (empty when it accepts the environment). */
export function envProblems(
  parse: (source: Record<string, string | undefined>) => unknown,
  env: Record<string, string>,
): string[] {
  try {
    parse(env);
    return [];
  } catch (error) {
    if (error instanceof EnvError) return error.problems.map((p) => p.name);
    throw error;
  }
}

/**
 * Starts a service's entry point (TypeScript, through tsx) in its own process with exactly `env` (plus PATH) and
 * waits for it to exit, as an operator's misconfigured deployment would.
 */
export function runEntryWithEnv(
  appDir: string,
  env: Record<string, string>,
  entry = 'src/main.ts',
): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', entry], {
    cwd: appDir,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stderr: run.stderr };
}

type FetchApp = { fetch: (request: Request, env: unknown) => Response | Promise<Response> };

/** A server bound to a free loopback port before its app exists, so apps can be configured with their own URL. */
export interface LateListener {
  url: string;
  port: number;
  /** Serves `app` from now on; until then every request answers 503 `starting`. */
  use(app: FetchApp): void;
  close(): Promise<void>;
}

export async function listenBeforeApp(): Promise<LateListener> {
  let app: FetchApp | undefined;
  const server = serve({
    fetch: (request, env) => (app ? app.fetch(request, env) : new Response('starting', { status: 503 })),
    port: 0,
    hostname: '127.0.0.1',
  }) as Server;
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    use(next) {
      app = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
