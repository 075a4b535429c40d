import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Name of the single-owner lock file kept inside a PGlite data directory. */
export const PGLITE_LOCK_FILE = 'syfthub-owner.lock';

/** Thrown when another live process (or this one) already owns the PGlite data directory. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number | undefined,
  ) {
    super(
      `PGlite data directory ${dataDir} is already in use by process ${ownerPid ?? '(pid not yet written)'}. ` +
        'Only one process may open an embedded database; stop the other process or use another data directory.',
    );
    this.name = 'DataDirLockedError';
  }
}

// Directories this process holds: a lock naming our own pid is stale (a previous process that had our pid, e.g.
// PID 1 in a restarted container) unless it is in this set.
const heldByThisProcess = new Set<string>();

const UNREADABLE_LOCK_GRACE_MS = 5_000;
const TAKEOVER_GUARD_STALE_MS = 10_000;

function errorCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === 'EPERM';
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

type LockState =
  | { kind: 'missing' }
  | { kind: 'live'; pid: number | undefined }
  | { kind: 'stale'; content: string };

function inspect(lockPath: string, dir: string): LockState {
  let content: string;
  try {
    content = readFileSync(lockPath, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return { kind: 'missing' };
    throw err;
  }
  const pid = Number.parseInt(content.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) {
    // An empty file may be a lock whose owner is still writing its pid.
    return ageMs(lockPath) > UNREADABLE_LOCK_GRACE_MS
      ? { kind: 'stale', content }
      : { kind: 'live', pid: undefined };
  }
  if (pid === process.pid) {
    return heldByThisProcess.has(dir) ? { kind: 'live', pid } : { kind: 'stale', content };
  }
  return isProcessAlive(pid) ? { kind: 'live', pid } : { kind: 'stale', content };
}

// Removing a stale lock is guarded by a second exclusive file so that two processes taking over the same stale
// lock cannot delete each other's fresh lock.
function removeIfStillStale(lockPath: string, staleContent: string): void {
  const guard = `${lockPath}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, 'wx');
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') throw err;
    if (ageMs(guard) > TAKEOVER_GUARD_STALE_MS) rmSync(guard, { force: true });
    return;
  }
  try {
    let current: string | undefined;
    try {
      current = readFileSync(lockPath, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === staleContent) rmSync(lockPath, { force: true });
  } finally {
    closeSync(fd);
    rmSync(guard, { force: true });
  }
}

/**
 * Takes the single-owner lock of a PGlite data directory (creating the directory if needed) and returns a function
 * that releases it. Refuses with DataDirLockedError while a live process holds it; takes over a stale lock.
 */
export async function acquireDataDirLock(dataDir: string): Promise<() => void> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const lockPath = join(dir, PGLITE_LOCK_FILE);
  const ownContent = `${process.pid}\n`;
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      writeFileSync(lockPath, ownContent, { flag: 'wx' });
      heldByThisProcess.add(dir);
      return () => {
        heldByThisProcess.delete(dir);
        try {
          if (readFileSync(lockPath, 'utf8') === ownContent) rmSync(lockPath, { force: true });
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
    }
    const state = inspect(lockPath, dir);
    if (state.kind === 'live') throw new DataDirLockedError(dir, state.pid);
    if (state.kind === 'stale') removeIfStillStale(lockPath, state.content);
    await sleep(20);
  }
  throw new Error(`Could not take the lock of PGlite data directory ${dir}`);
}
