import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, installProcessGuards } from '@syfthub/service';
import { startLocalHub } from './local-hub';

// `pnpm start` (root): the whole hub on http://localhost:8080 with no setup. Flags: --reset wipes local data,
// --no-web skips the built SPA (dev mode serves it from Vite), --port N.
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const optionValue = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const port = Number(optionValue('--port') ?? process.env.PORT ?? 8080);
const webRoot = join(repoRoot, 'apps', 'web', 'dist');
const started = Date.now();
// The hub serves with handleSignals off (this file handles Ctrl-C), so the process guards are installed here.
installProcessGuards(
  createLogger({ service: 'local-hub', version: '1.0.0', environment: 'development', format: 'console' }),
);

const hub = await startLocalHub({
  repoRoot,
  dataDir: process.env.SYFTHUB_DATA_DIR ?? join(repoRoot, '.data'),
  port,
  satellitePort: Number(process.env.SATELLITE_PORT ?? 8003),
  reset: flag('--reset'),
  webRoot: flag('--no-web') || !existsSync(webRoot) ? undefined : webRoot,
  env: process.env,
});

process.stdout.write(
  [
    '',
    `  SyftHub is running at ${hub.url}  (started in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    `  Sign in as ${hub.demoUser.username} / ${hub.demoUser.password}`,
    `  API docs: ${hub.url}/docs   Chat: ${hub.url}/chat   MCP: ${hub.url}/mcp`,
    `  Data: ${process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'embedded PGlite in .data/'} — \`pnpm start --reset\` starts over`,
    '  Ctrl-C stops everything.',
    '',
  ].join('\n'),
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stdout.write('\n  stopping…\n');
    hub.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`${String(err)}\n`);
        process.exit(1);
      },
    );
  });
}
