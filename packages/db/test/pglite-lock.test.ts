import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, DataDirLockedError, executeRows, PGLITE_LOCK_FILE } from '../src/index';
import { acquireDataDirLock } from '../src/pglite-lock';

const root = mkdtempSync(join(tmpdir(), 'syfthub-db-lock-'));
const children: ReturnType<typeof spawn>[] = [];

afterAll(() => {
  for (const child of children) child.kill();
  rmSync(root, { recursive: true, force: true });
});

function startSleeper(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('spawn', () => (child.pid ? resolve(child.pid) : reject(new Error('no pid'))));
    child.once('error', reject);
  });
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('exit', () => (child.pid ? resolve(child.pid) : reject(new Error('no pid'))));
    child.once('error', reject);
  });
}

describe('PGlite data-directory lock', () => {
  it('refuses a second owner while the first is open, and releases on close', async () => {
    const dataDir = join(root, 'db');
    const first = await createDb({ dataDir });
    const lockFile = join(dataDir, PGLITE_LOCK_FILE);
    expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(process.pid));
    await executeRows(first.db, 'create table kept (name text)');
    await executeRows(first.db, `insert into kept values ('survives a reopen')`);

    await expect(createDb({ dataDir })).rejects.toBeInstanceOf(DataDirLockedError);

    await first.close();
    expect(existsSync(lockFile)).toBe(false);

    const second = await createDb({ dataDir });
    try {
      const rows = await executeRows<{ name: string }>(second.db, 'select name from kept');
      expect(rows).toEqual([{ name: 'survives a reopen' }]);
    } finally {
      await second.close();
    }
  });

  it('refuses a lock held by another live process', async () => {
    const dir = join(root, 'held');
    const pid = await startSleeper();
    await acquireDataDirLock(dir).then((release) => release());
    writeFileSync(join(dir, PGLITE_LOCK_FILE), `${pid}\n`);
    const err = await acquireDataDirLock(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataDirLockedError);
    expect((err as DataDirLockedError).ownerPid).toBe(pid);
    expect((err as Error).message).toContain(String(pid));
  });

  it('takes over a stale lock left by a process that has exited', async () => {
    const dir = join(root, 'stale');
    const pid = await deadPid();
    await acquireDataDirLock(dir).then((release) => release());
    writeFileSync(join(dir, PGLITE_LOCK_FILE), `${pid}\n`);
    const release = await acquireDataDirLock(dir);
    expect(readFileSync(join(dir, PGLITE_LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    release();
    expect(existsSync(join(dir, PGLITE_LOCK_FILE))).toBe(false);
  });

  it('treats a lock naming this process as stale unless this process really holds it', async () => {
    const dir = join(root, 'own-pid');
    await acquireDataDirLock(dir).then((release) => release());
    writeFileSync(join(dir, PGLITE_LOCK_FILE), `${process.pid}\n`);
    const release = await acquireDataDirLock(dir);
    await expect(acquireDataDirLock(dir)).rejects.toBeInstanceOf(DataDirLockedError);
    release();
  });

  it('lets only one of many simultaneous callers win', async () => {
    const dir = join(root, 'race');
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => acquireDataDirLock(dir)));
    const winners = results.filter((r) => r.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DataDirLockedError);
      else r.value();
    }
  });
});
