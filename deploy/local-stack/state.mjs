// What the local stack started (pids, nginx prefix), so `stack:down` stops exactly that.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nginxArgs, REPO_ROOT } from './nginx.mjs';

export const STACK_DIR = process.env.STACK_DIR ?? join(REPO_ROOT, '.stack');
const STATE_FILE = join(STACK_DIR, 'state.json');

export function readState() {
  return existsSync(STATE_FILE) ? JSON.parse(readFileSync(STATE_FILE, 'utf8')) : null;
}

export function writeState(state) {
  writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops nginx and every process of the recorded stack (SIGTERM, then SIGKILL after 15 s). */
export async function stopStack(log) {
  const state = readState();
  if (!state) return;
  if (state.nginx) {
    try {
      execFileSync(process.env.NGINX_BIN ?? '/usr/sbin/nginx', nginxArgs(state.nginxPrefix, '-s', 'quit'), {
        stdio: 'ignore',
      });
    } catch {
      log('nginx was not running');
    }
  }
  const pids = Object.entries(state.pids ?? {});
  for (const [, pid] of pids) if (alive(pid)) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (pids.some(([, pid]) => alive(pid)) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  for (const [name, pid] of pids) {
    if (alive(pid)) {
      log(`${name} (pid ${pid}) did not stop in time; killing it`);
      process.kill(pid, 'SIGKILL');
    }
  }
  rmSync(STATE_FILE, { force: true });
  log('down');
}
