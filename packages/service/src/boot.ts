import type { Hono } from 'hono';
import type { Logger } from 'pino';
import { EnvError } from './env';
import { type RunningServer, startServer } from './server';

/** Something that runs beside the server (job loops, a hub agent) and stops before the service closes. */
export interface BackgroundWork {
  stop(): Promise<void> | void;
}

/**
 * How one service boots, in the order {@link bootService} runs the steps. `createApp` stays free of side
 * effects (tests call it); everything that opens connections or starts timers is in `buildDeps` and `start`.
 */
export interface ServiceDefinition<Config, Deps> {
  /** Used in the start-up failure message. */
  name: string;
  /** Parses the environment; throws an `EnvError` naming every bad variable. */
  parseEnv(source: Record<string, string | undefined>): Config;
  /** Opens what the service needs (database, KV, keys) and builds its parts. */
  buildDeps(config: Config): Promise<Deps>;
  createApp(deps: Deps): Hono<never> | { fetch: Hono['fetch'] };
  /** What must happen before requests are served, and what runs beside the server. */
  start?(deps: Deps): Promise<BackgroundWork | undefined> | BackgroundWork | undefined;
  listen(config: Config): { port: number; host: string };
  logger(deps: Deps): Logger;
  /** Releases what `buildDeps` opened, after the server and the background work stopped. */
  close(deps: Deps): Promise<void>;
  /** How long in-flight requests may run on shutdown (default 30 s). */
  shutdownTimeoutMs?(config: Config): number;
}

/** Where {@link bootService} reads and reports (a test passes its own). */
export interface BootIo {
  env: Record<string, string | undefined>;
  stderr: (text: string) => void;
  exit: (code: number) => never;
}

const processIo: BootIo = {
  env: process.env,
  stderr: (text) => process.stderr.write(text),
  exit: (code) => process.exit(code),
};

/**
 * The one way a service starts: parse the environment (a bad one prints every problem and exits 1), build the
 * dependencies, run the start-up work, create the app and serve it with graceful shutdown on SIGTERM/SIGINT
 * (drain, close the listener, stop the background work, close the dependencies). Any other start-up failure is
 * printed with its stack and exits 1.
 */
export async function bootService<Config, Deps>(
  service: ServiceDefinition<Config, Deps>,
  io: BootIo = processIo,
): Promise<RunningServer> {
  let config: Config;
  try {
    config = service.parseEnv(io.env);
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    io.stderr(`${error.message}\n`);
    return io.exit(1);
  }
  try {
    const deps = await service.buildDeps(config);
    const background = await service.start?.(deps);
    const app = service.createApp(deps);
    const { port, host } = service.listen(config);
    return await startServer(app, {
      port,
      host,
      logger: service.logger(deps),
      ...(service.shutdownTimeoutMs ? { shutdownTimeoutMs: service.shutdownTimeoutMs(config) } : {}),
      onShutdown: [async () => background?.stop(), () => service.close(deps)],
    });
  } catch (error) {
    io.stderr(
      `${service.name} failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return io.exit(1);
  }
}
