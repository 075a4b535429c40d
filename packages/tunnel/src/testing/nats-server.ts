import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// A real nats-server for tests and benchmarks, started from the project's own config (nats/nats.conf or
// nats/nats.split.conf) on free loopback ports. The machine's shared NATS on 4222 is never touched.

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** `token`: mode A (token on both listeners); `split`: mode A′ (token on the WebSocket listener only). */
export type NatsMode = 'token' | 'split';

export interface TestNatsServer {
  mode: NatsMode;
  token: string;
  /** Internal TCP listener, e.g. `nats://127.0.0.1:40123`. */
  tcpUrl: string;
  /** The WebSocket listener with the `/nats` path nodes use, e.g. `ws://127.0.0.1:40124/nats`. */
  wsUrl: string;
  /** Monitoring, e.g. `http://127.0.0.1:40125` (`/healthz`, `/connz`). */
  monitorUrl: string;
  /** Stops the server and starts it again on the same ports (clients see a restart). */
  restart(): Promise<void>;
  /** Stops the server; a later `restart()` brings it back. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartNatsOptions {
  mode?: NatsMode;
  token?: string;
}

export function natsServerBinary(): string {
  if (process.env.NATS_SERVER_BIN) return process.env.NATS_SERVER_BIN;
  return existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';
}

/** The committed config of a mode. */
export function natsConfigPath(mode: NatsMode): string {
  return join(REPO_ROOT, 'nats', mode === 'token' ? 'nats.conf' : 'nats.split.conf');
}

interface Ports {
  tcp: number;
  ws: number;
  monitor: number;
}

function portOf(urls: unknown): number {
  const first = Array.isArray(urls) ? urls[0] : undefined;
  if (typeof first !== 'string') throw new Error('nats-server ports file is incomplete');
  return Number(new URL(first).port);
}

async function waitForPortsFile(dir: string, child: ChildProcess, output: () => string): Promise<Ports> {
  const file = `nats-server_${child.pid}.ports`;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited early:\n${output()}`);
    if (readdirSync(dir).includes(file)) {
      try {
        const ports = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
        return { tcp: portOf(ports.nats), ws: portOf(ports.websocket), monitor: portOf(ports.monitoring) };
      } catch {
        // Written but not complete yet: read it again.
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nats-server did not start within 15 s:\n${output()}`);
}

/** Starts a nats-server; ports are picked by the server the first time and kept across restarts. */
export async function startNatsServer(options: StartNatsOptions = {}): Promise<TestNatsServer> {
  const mode = options.mode ?? 'token';
  // nats-server parses a variable's value as config: a token starting with a digit or `-` may not parse (or turn
  // into a number), so generated tokens start with a letter.
  const token = options.token ?? `t${randomBytes(18).toString('base64url')}`;
  const work = mkdtempSync(join(tmpdir(), 'syfthub-nats-'));
  let ports: Ports | null = null;
  let child: ChildProcess | null = null;

  const launch = async (): Promise<Ports> => {
    const env = {
      ...process.env,
      NATS_HOST: '127.0.0.1',
      NATS_PORT: String(ports?.tcp ?? -1),
      NATS_MONITOR_PORT: String(ports?.monitor ?? -1),
      NATS_WS_HOST: '127.0.0.1',
      NATS_WS_PORT: String(ports?.ws ?? -1),
      NATS_AUTH_TOKEN: token,
      NATS_STORE_DIR: join(work, 'jetstream'),
    };
    let log = '';
    const proc = spawn(natsServerBinary(), ['-c', natsConfigPath(mode), '--ports_file_dir', work], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      if (log.length < 20_000) log += chunk.toString();
    });
    child = proc;
    return waitForPortsFile(work, proc, () => log);
  };

  const kill = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  const started = await launch();
  ports = started;
  return {
    mode,
    token,
    tcpUrl: `nats://127.0.0.1:${started.tcp}`,
    wsUrl: `ws://127.0.0.1:${started.ws}/nats`,
    monitorUrl: `http://127.0.0.1:${started.monitor}`,
    async restart() {
      await kill();
      ports = await launch();
    },
    kill,
    async stop() {
      await kill();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
