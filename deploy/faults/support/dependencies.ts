// A private PostgreSQL (initdb in a temporary directory) and a private redis-server, each on its own port, that a
// fault test may stop and start at will. The shared servers on 5432/6379 are never touched.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function postgresBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', name)))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const version = versions[0];
  if (version === undefined)
    throw new Error(`${name} not found under ${root}: install the postgresql package`);
  return join(root, version, 'bin', name);
}

// PostgreSQL refuses to run as root; CI runs as root, so its tools run as the postgres user there.
function asPostgresUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ['runuser', ['-u', 'postgres', '--', command, ...args]];
}

function run(command: string, args: string[]): void {
  const [cmd, argv] = asPostgresUser(command, args);
  execFileSync(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Resolves once something accepts TCP connections on the port, or rejects after the timeout. */
export async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** A PostgreSQL cluster of its own, stopped and started at will. */
export interface PrivatePostgres {
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  url(database?: string): string;
  createDatabase(name: string): void;
  start(): Promise<void>;
  /** `fast` (default): clients get 57P01; `immediate`: no shutdown at all, as after a crash. */
  stop(mode?: 'fast' | 'immediate'): void;
  destroy(): void;
}

export async function startPrivatePostgres(port: number): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'syfthub-faults-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), 0);
  run(postgresBin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const pgCtl = postgresBin('pg_ctl');
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const server: PrivatePostgres = {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    createDatabase(name) {
      run(postgresBin('psql'), [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        '-qc',
        `CREATE DATABASE "${name}"`,
      ]);
    },
    async start() {
      run(pgCtl, ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', 'start']);
      await waitForPort(port);
    },
    stop(mode = 'fast') {
      run(pgCtl, ['-D', data, '-m', mode, '-w', 'stop']);
    },
    destroy() {
      try {
        run(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** A redis-server of its own (append-only file in a temporary directory, so a restart keeps its data). */
export interface PrivateRedis {
  port: number;
  url(db?: number): string;
  start(): Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startPrivateRedis(port: number): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'syfthub-faults-redis-'));
  let child: ChildProcess | undefined;
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    running.kill('SIGTERM');
    await exited;
  };
  const server: PrivateRedis = {
    port,
    url: (db = 0) => `redis://127.0.0.1:${port}/${db}`,
    async start() {
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes'],
        { stdio: 'ignore' },
      );
      await waitForPort(port);
    },
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
