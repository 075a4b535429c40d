/** Child processes of a run: the services, their floors and the load generator, with /proc readings of each. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const children = new Set<ChildProcess>();
// Whatever ends this process (error, Ctrl-C), nothing it started may outlive it.
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Service {
  name: string;
  pid: number;
  port: number;
  url: string;
  logFile: string;
  /** Resident set size now, in KiB. */
  rssKb(): number;
  /** Forgets the peak RSS so far; {@link peakRssKb} then reports the peak since this call. */
  resetPeak(): void;
  peakRssKb(): number;
  /** User + system CPU time consumed so far, in ms (immune to what other processes do). */
  cpuMs(): number;
  stop(): Promise<void>;
}

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
}

export function cpuMsOf(pid: number): number {
  // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100 Hz on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export interface StartOptions {
  name: string;
  /** Script run by this Node binary (a built dist/main.js, or a TypeScript floor through tsx). */
  entry: string;
  cwd: string;
  env: Record<string, string>;
  port: number;
  /** Answers 200 once the process can take traffic. */
  readyPath: string;
  logDir: string;
  nodeArgs?: string[];
}

/** Starts a service as its own process and waits until `readyPath` answers 200 (60 s at most). */
export async function startService(options: StartOptions): Promise<Service> {
  const logFile = join(options.logDir, `${options.name}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.entry], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
  });
  children.add(child);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`${options.name} exited with ${child.exitCode} while starting; see ${logFile}`);
    }
    try {
      const res = await fetch(`${url}${options.readyPath}`);
      if (res.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${options.name} was not ready within 60 s; see ${logFile}`);
    await sleep(100);
  }
  const pid = child.pid as number;
  return {
    name: options.name,
    pid,
    port: options.port,
    url,
    logFile,
    rssKb: () => status(pid, 'VmRSS'),
    resetPeak: () => writeFileSync(`/proc/${pid}/clear_refs`, '5'),
    peakRssKb: () => status(pid, 'VmHWM'),
    cpuMs: () => cpuMsOf(pid),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      children.delete(child);
    },
  };
}

/** Runs a command to completion, inheriting the terminal; rejects on a non-zero exit. */
export async function run(command: string, args: string[], cwd: string): Promise<void> {
  const child = spawn(command, args, { cwd, stdio: 'inherit' });
  children.add(child);
  const [code] = (await once(child, 'exit')) as [number | null];
  children.delete(child);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}`);
}

/** Runs a command to completion and returns its stdout. */
export async function capture(command: string, args: string[], cwd: string): Promise<string> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  children.delete(child);
  if (code !== 0) throw new Error(`${command} exited with ${code}`);
  return out;
}
