import { envProblems, runEntryWithEnv } from '@syfthub/service/testing';
import { describe, expect, it } from 'vitest';
import { backendProductionRules, parseBackendEnv } from '../src/env';

// backend-api.md §18: every development shortcut is refused when ENVIRONMENT=production, one rule per variable,
// and a bad environment stops the process with a message naming every bad variable.

const production = {
  ENVIRONMENT: 'production',
  SECRET_KEY: 'a-production-secret-of-at-least-32-chars',
  DATABASE_URL: 'postgres://syfthub@db:5432/syfthub',
  REDIS_URL: 'redis://redis:6379/0',
  INTERNAL_SERVICE_TOKEN: 'internal-token',
};

/** For each production rule, a change that breaks it (an empty value unsets the variable). */
const unsafe: Record<string, Record<string, string>> = {
  LOG_FORMAT: { LOG_FORMAT: 'console' },
  REDIS_URL: { REDIS_URL: 'memory://' },
  DATABASE_URL: { DATABASE_URL: '' },
  SSRF_ALLOW_PRIVATE_NETWORKS: { SSRF_ALLOW_PRIVATE_NETWORKS: 'true' },
  SECRET_KEY: { SECRET_KEY: 'too-short' },
  ENABLE_TEST_ROUTES: { ENABLE_TEST_ROUTES: 'true' },
  EMAIL_SENDER: { EMAIL_SENDER: 'log' },
  INTERNAL_SERVICE_TOKEN: { INTERNAL_SERVICE_TOKEN: '' },
};

describe('backend environment', () => {
  it('accepts a production environment without development shortcuts', () => {
    expect(envProblems(parseBackendEnv, production)).toEqual([]);
  });

  it.each(Object.entries(unsafe))('refuses %s in production only', (name, change) => {
    expect(envProblems(parseBackendEnv, { ...production, ...change })).toEqual([name]);
    expect(envProblems(parseBackendEnv, { ...production, ...change, ENVIRONMENT: 'development' })).toEqual(
      [],
    );
  });

  it('refuses the default secret, and allows private networks only when the operator insists', () => {
    expect(envProblems(parseBackendEnv, { ...production, SECRET_KEY: '' })).toEqual(['SECRET_KEY']);
    expect(
      envProblems(parseBackendEnv, {
        ...production,
        SSRF_ALLOW_PRIVATE_NETWORKS: 'true',
        SSRF_ALLOW_IN_PRODUCTION: 'true',
      }),
    ).toEqual([]);
  });

  it('takes a NATS token nats-server can read from its environment (tunnelling.md §3.8)', () => {
    for (const token of ['abc', 'nt_0f9a-Bc', 'Z']) {
      expect(envProblems(parseBackendEnv, { ...production, NATS_AUTH_TOKEN: token }), token).toEqual([]);
    }
    for (const token of ['9abc', '-abc', 'a b', 'tok=en']) {
      expect(envProblems(parseBackendEnv, { ...production, NATS_AUTH_TOKEN: token }), token).toEqual([
        'NATS_AUTH_TOKEN',
      ]);
    }
  });

  it('has a case above for every production rule', () => {
    expect(Object.keys(unsafe).sort()).toEqual(backendProductionRules.map((rule) => rule.name).sort());
  });

  // Starts a real process through tsx: seconds on a busy machine.
  it('stops at start-up naming every bad variable', { timeout: 90_000 }, () => {
    const run = runEntryWithEnv(new URL('..', import.meta.url).pathname, {
      ENVIRONMENT: 'staging',
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      DB_POOL_SIZE: '0',
      EMAIL_SENDER: 'pigeon',
      SECRET_KEY: 'do-not-print-me',
    });
    expect(run.status).toBe(1);
    for (const name of ['ENVIRONMENT', 'PORT', 'LOG_LEVEL', 'DB_POOL_SIZE', 'EMAIL_SENDER']) {
      expect(run.stderr).toContain(`  - ${name}: `);
    }
    expect(run.stderr).toContain('5 problems');
  });
});
