import { EnvError, startServer } from '@syfthub/service';
import { createApp } from './app';
import { ensureBootstrapAdmin } from './cli/bootstrap-admin';
import { buildDeps } from './deps';
import { parseBackendEnv } from './env';
import { startJobs } from './jobs';

async function main(): Promise<void> {
  let config: ReturnType<typeof parseBackendEnv>;
  try {
    config = parseBackendEnv();
  } catch (err) {
    if (err instanceof EnvError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const deps = await buildDeps(config);
  await ensureBootstrapAdmin(deps);
  const app = createApp(deps);
  const jobs = startJobs(deps);
  await startServer(app, {
    port: config.PORT,
    host: config.HOST,
    logger: deps.logger,
    onShutdown: [() => jobs.stop(), () => deps.kv.close(), () => deps.dbHandle.close()],
  });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `backend failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
