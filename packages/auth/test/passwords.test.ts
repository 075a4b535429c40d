import { type Algorithm, hash as rawHash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { createPasswordHasher, PasswordHasherBusyError } from '../src';

// Small parameters keep the suite fast; the production defaults are checked separately.
const small = { memoryKiB: 1024, iterations: 1, parallelism: 1 };

describe('createPasswordHasher', () => {
  it('produces argon2id PHC strings with the configured parameters', async () => {
    const hasher = createPasswordHasher({ memoryKiB: 2048, iterations: 2, parallelism: 2 });
    const stored = await hasher.hash('correct horse 1');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=2048,t=2,p=2\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(await hasher.hash('correct horse 1')).not.toBe(stored);
  });

  it('uses the §2.4 defaults', async () => {
    const stored = await createPasswordHasher().hash('pw123456');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=65536,t=3,p=4\$/);
  });

  it('round-trips and rejects a wrong password', async () => {
    const hasher = createPasswordHasher(small);
    const stored = await hasher.hash('s3cret-passw0rd');
    expect(await hasher.verify(stored, 's3cret-passw0rd')).toEqual({ valid: true, needsRehash: false });
    expect(await hasher.verify(stored, 's3cret-passw0rd ')).toEqual({ valid: false, needsRehash: false });
    expect(await hasher.verify(stored, '')).toEqual({ valid: false, needsRehash: false });
  });

  it('verifies hashes made with other parameters and asks for a rehash', async () => {
    const old = createPasswordHasher({ memoryKiB: 2048, iterations: 2, parallelism: 1 });
    const current = createPasswordHasher(small);
    const stored = await old.hash('legacy1pass');
    expect(await current.verify(stored, 'legacy1pass')).toEqual({ valid: true, needsRehash: true });
    expect(await current.verify(stored, 'wrong1pass')).toEqual({ valid: false, needsRehash: false });
    const argon2i = await rawHash('legacy1pass', {
      memoryCost: 1024,
      timeCost: 1,
      parallelism: 1,
      algorithm: 1 as Algorithm,
    });
    expect(argon2i.startsWith('$argon2i$')).toBe(true);
    expect(await current.verify(argon2i, 'legacy1pass')).toEqual({ valid: true, needsRehash: true });
  });

  it('treats malformed stored hashes as a failed verification', async () => {
    const hasher = createPasswordHasher(small);
    for (const bad of [
      '',
      'plaintext',
      '$argon2id$',
      '$argon2id$v=19$m=1024,t=1,p=1$bm9wZQ$',
      '$2b$12$abcdefghijklmnopqrstuv',
    ]) {
      expect(await hasher.verify(bad, 'whatever1')).toEqual({ valid: false, needsRehash: false });
    }
  });

  it('verifyAgainstDummy always answers false', async () => {
    const hasher = createPasswordHasher(small);
    expect(await hasher.verifyAgainstDummy('anything1')).toBe(false);
    expect(await hasher.verifyAgainstDummy('')).toBe(false);
  });

  it('caps concurrent computations and queues the rest', async () => {
    const hasher = createPasswordHasher({ ...small, maxConcurrent: 2 });
    const seen: Array<{ active: number; queued: number }> = [];
    const work = Array.from({ length: 6 }, (_, i) =>
      hasher.hash(`password${i}`).then((h) => {
        seen.push(hasher.load());
        return h;
      }),
    );
    expect(hasher.load()).toEqual({ active: 2, queued: 4 });
    const hashes = await Promise.all(work);
    expect(new Set(hashes).size).toBe(6);
    expect(seen.every((s) => s.active <= 2)).toBe(true);
    // Queued calls drain one by one as slots free up.
    expect(seen.map((s) => s.queued)).toEqual([...seen.map((s) => s.queued)].sort((a, b) => b - a));
    expect(hasher.load()).toEqual({ active: 0, queued: 0 });
    const verifications = await Promise.all(hashes.map((h, i) => hasher.verify(h, `password${i}`)));
    expect(verifications.every((v) => v.valid)).toBe(true);
  });

  it('refuses at once with 503 PasswordHasherBusyError when the wait queue is full (issue 19 defect 8)', async () => {
    const hasher = createPasswordHasher({ ...small, maxConcurrent: 1, maxQueued: 2 });
    const running = [hasher.hash('password1'), hasher.hash('password2'), hasher.hash('password3')];
    expect(hasher.load()).toEqual({ active: 1, queued: 2 });
    const refused = await hasher.hash('password4').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PasswordHasherBusyError);
    expect(refused).toMatchObject({ status: 503, headers: { 'Retry-After': '2' } });
    const stored = await Promise.all(running);
    await expect(hasher.verify(stored[0] as string, 'password1')).resolves.toMatchObject({ valid: true });
    const busyVerify = [hasher.verify(stored[0] as string, 'x'), hasher.verify(stored[0] as string, 'y')];
    const third = hasher.verify(stored[0] as string, 'z');
    await expect(hasher.verifyAgainstDummy('w')).rejects.toBeInstanceOf(PasswordHasherBusyError);
    await Promise.all([...busyVerify, third]);
    expect(hasher.load()).toEqual({ active: 0, queued: 0 });
  });

  it('rejects invalid options', () => {
    expect(() => createPasswordHasher({ maxConcurrent: 0 })).toThrow(RangeError);
    expect(() => createPasswordHasher({ memoryKiB: 1.5 })).toThrow(/memoryKiB/);
  });
});
