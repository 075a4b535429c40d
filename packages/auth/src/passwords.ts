import { randomBytes } from 'node:crypto';
import { type Algorithm, hash, parseOptions, type Version, verify } from '@node-rs/argon2';
import { ApiError } from '@syfthub/service';

/** Numeric values of @node-rs/argon2's const enums, which do not exist at runtime under isolatedModules. */
const ARGON2ID = 2 as Algorithm;
const VERSION_0X13 = 1 as Version;

export interface PasswordHasherOptions {
  memoryKiB?: number;
  iterations?: number;
  parallelism?: number;
  /** At most this many hash/verify computations run at once; further calls wait their turn. */
  maxConcurrent?: number;
  /**
   * At most this many calls wait for a turn; beyond, a call fails at once with PasswordHasherBusyError (503), so a
   * flood of sign-ins is refused quickly instead of stalling every login, registration and consent behind it.
   */
  maxQueued?: number;
}

/** Every password computation slot is taken and the wait queue is full: 503 with a short Retry-After. */
export class PasswordHasherBusyError extends ApiError {
  constructor() {
    super(503, 'Too many sign-ins are being processed right now. Try again in a moment.', {
      'Retry-After': '2',
    });
    this.name = 'PasswordHasherBusyError';
  }
}

export interface PasswordVerification {
  valid: boolean;
  /** True when the password was right but the stored hash uses other parameters than the current ones. */
  needsRehash: boolean;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(storedHash: string, password: string): Promise<PasswordVerification>;
  /** Spends one verification's worth of time so that unknown usernames cannot be told apart by timing. */
  verifyAgainstDummy(password: string): Promise<false>;
  /** Computations running and waiting now (for metrics and tests). */
  load(): { active: number; queued: number };
}

class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(
    private readonly capacity: number,
    private readonly maxWaiting: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.capacity) {
      if (this.waiters.length >= this.maxWaiting) throw new PasswordHasherBusyError();
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    } else {
      this.active += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiters.shift();
      // The slot passes straight to the next waiter, so a newcomer cannot overtake the queue.
      if (next) next();
      else this.active -= 1;
    }
  }

  load(): { active: number; queued: number } {
    return { active: this.active, queued: this.waiters.length };
  }
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHasher {
  const params = {
    memoryCost: positiveInt('memoryKiB', options.memoryKiB ?? 65536),
    timeCost: positiveInt('iterations', options.iterations ?? 3),
    parallelism: positiveInt('parallelism', options.parallelism ?? 4),
    algorithm: ARGON2ID,
    version: VERSION_0X13,
  };
  const gate = new Semaphore(
    positiveInt('maxConcurrent', options.maxConcurrent ?? 4),
    positiveInt('maxQueued', options.maxQueued ?? 64),
  );
  let dummyHash: Promise<string> | undefined;

  function needsRehash(storedHash: string): boolean {
    const parsed = parseOptions(storedHash);
    return (
      parsed.algorithm !== params.algorithm ||
      parsed.version !== params.version ||
      parsed.memoryCost !== params.memoryCost ||
      parsed.timeCost !== params.timeCost ||
      parsed.parallelism !== params.parallelism
    );
  }

  const hasher: PasswordHasher = {
    hash: (password) => gate.run(() => hash(password, params)),

    async verify(storedHash, password) {
      if (typeof storedHash !== 'string' || !storedHash.startsWith('$argon2')) {
        return { valid: false, needsRehash: false };
      }
      try {
        const valid = await gate.run(() => verify(storedHash, password));
        return { valid, needsRehash: valid && needsRehash(storedHash) };
      } catch (error) {
        if (error instanceof PasswordHasherBusyError) throw error;
        return { valid: false, needsRehash: false };
      }
    },

    async verifyAgainstDummy(password) {
      dummyHash ??= hasher.hash(randomBytes(24).toString('base64url')).catch((err: unknown) => {
        dummyHash = undefined;
        throw err;
      });
      await hasher.verify(await dummyHash, password);
      return false;
    },

    load: () => gate.load(),
  };
  return hasher;
}
