import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  assertProduction,
  EnvError,
  envBool,
  envCsv,
  envEnum,
  envInt,
  envUrl,
  parseEnv,
  refuseInProduction,
} from '../src/env';

const schema = z.object({
  ENVIRONMENT: envEnum(['development', 'production']).default('development'),
  PORT: envInt(1, 65535).default(8000),
  DEBUG: envBool().default(false),
  CORS_ORIGINS: envCsv().default(['http://localhost:3000']),
  ISSUER_URL: envUrl(['http:', 'https:']),
  SECRET_KEY: z.string().min(32),
  REDIS_URL: envUrl().default('memory://'),
});

function problemsOf(run: () => unknown): EnvError {
  try {
    run();
  } catch (error) {
    if (error instanceof EnvError) return error;
    throw error;
  }
  throw new Error('expected an EnvError');
}

describe('parseEnv', () => {
  it('parses and converts valid values, applying defaults', () => {
    const config = parseEnv(schema, {
      PORT: '9000',
      DEBUG: 'YES',
      CORS_ORIGINS: 'https://a.example, https://b.example,',
      ISSUER_URL: 'https://hub.example/',
      SECRET_KEY: 'x'.repeat(32),
      ENVIRONMENT: 'Production',
    });
    expect(config).toEqual({
      ENVIRONMENT: 'production',
      PORT: 9000,
      DEBUG: true,
      CORS_ORIGINS: ['https://a.example', 'https://b.example'],
      ISSUER_URL: 'https://hub.example',
      SECRET_KEY: 'x'.repeat(32),
      REDIS_URL: 'memory://',
    });
  });

  it('treats empty values as unset so defaults apply', () => {
    const config = parseEnv(schema, { PORT: '', ISSUER_URL: 'http://x', SECRET_KEY: 's'.repeat(40) });
    expect(config.PORT).toBe(8000);
  });

  it('accepts a JSON array for lists', () => {
    const config = parseEnv(schema, {
      CORS_ORIGINS: '["https://a.example","https://b.example"]',
      ISSUER_URL: 'http://x',
      SECRET_KEY: 's'.repeat(40),
    });
    expect(config.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
  });

  it('names every invalid or missing variable at once, one line each', () => {
    const error = problemsOf(() =>
      parseEnv(schema, { PORT: '70000', DEBUG: 'maybe', ENVIRONMENT: 'staging', ISSUER_URL: 'ftp://x' }),
    );
    const names = error.problems.map((p) => p.name).sort();
    expect(names).toEqual(['DEBUG', 'ENVIRONMENT', 'ISSUER_URL', 'PORT', 'SECRET_KEY']);
    const lines = error.message.split('\n');
    expect(lines[0]).toContain('5 problems');
    expect(lines.find((l) => l.includes('PORT'))).toMatch(/PORT: must be <= 65535 \(received "70000"\)/);
    expect(lines.find((l) => l.includes('DEBUG'))).toMatch(/true\/false.*received "maybe"/);
    expect(lines.find((l) => l.includes('ENVIRONMENT'))).toMatch(/development, production/);
    expect(lines.find((l) => l.includes('ISSUER_URL'))).toMatch(/must use http: or https:/);
    expect(lines.find((l) => l.includes('SECRET_KEY'))).toMatch(/SECRET_KEY: required but not set/);
  });

  it('never echoes the value of a secret-looking variable, and masks URL passwords', () => {
    const error = problemsOf(() =>
      parseEnv(schema.extend({ DB_URL: z.string().startsWith('postgres://') }), {
        SECRET_KEY: 'short-but-secret',
        ISSUER_URL: 'http://x',
        DB_URL: 'mysql://u:hunter2@db/x',
      }),
    );
    expect(error.message).not.toContain('short-but-secret');
    expect(error.message).toContain('SECRET_KEY: must have at least 32 characters (value hidden)');
    expect(error.message).not.toContain('hunter2');
    expect(error.message).toContain('mysql://u:***@db/x');
  });

  it('adds production refusals to the same error', () => {
    const checks = [
      refuseInProduction<z.output<typeof schema>>(
        (c) => c.ENVIRONMENT === 'production',
        [
          {
            name: 'REDIS_URL',
            refused: (c) => c.REDIS_URL.startsWith('memory:'),
            reason: 'in-memory Redis is refused in production',
          },
          { name: 'DEBUG', refused: (c) => c.DEBUG, reason: 'debug mode is refused in production' },
          { name: 'PORT', refused: (c) => c.PORT === 1, reason: 'never' },
        ],
      ),
    ];
    const base = { ISSUER_URL: 'https://hub.example', SECRET_KEY: 'k'.repeat(32), DEBUG: 'true' };
    const error = problemsOf(() => parseEnv(schema, { ...base, ENVIRONMENT: 'production' }, { checks }));
    expect(error.problems).toEqual([
      { name: 'REDIS_URL', problem: 'in-memory Redis is refused in production' },
      { name: 'DEBUG', problem: 'debug mode is refused in production' },
    ]);
    expect(parseEnv(schema, base, { checks }).DEBUG).toBe(true);
    expect(() =>
      assertProduction({ a: 1 }, [{ name: 'A', refused: (c) => c.a === 1, reason: 'no' }]),
    ).toThrow(/A: no/);
  });
});
