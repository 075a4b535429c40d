import { spawnSync } from 'node:child_process';
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
