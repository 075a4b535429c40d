import { envProblems, runEntryWithEnv } from '@syfthub/service/testing';
import { describe, expect, it } from 'vitest';
import { parseSatelliteEnv, satelliteProductionRules } from '../src/env';

/** For each production rule, a change that breaks it. */
const unsafe: Record<string, Record<string, string>> = { LOG_FORMAT: { LOG_FORMAT: 'console' } };

describe('satellite environment in production', () => {
  it.each(Object.entries(unsafe))('refuses %s in production only', (name, change) => {
    expect(envProblems(parseSatelliteEnv, { ENVIRONMENT: 'production' })).toEqual([]);
    expect(envProblems(parseSatelliteEnv, { ENVIRONMENT: 'production', ...change })).toEqual([name]);
    expect(envProblems(parseSatelliteEnv, { ENVIRONMENT: 'development', ...change })).toEqual([]);
  });

  it('has a case above for every production rule', () => {
    expect(Object.keys(unsafe).sort()).toEqual(satelliteProductionRules.map((rule) => rule.name).sort());
  });

  // Starts a real process through tsx: seconds on a busy machine.
  it('stops at start-up naming every bad variable', { timeout: 90_000 }, () => {
    const run = runEntryWithEnv(new URL('..', import.meta.url).pathname, {
      SATELLITE_PORT: 'eighty',
      SYFTHUB_URL: 'not a url',
      LOG_FORMAT: 'xml',
      OPENAI_BASE_URL: 'http://llm.example/v1',
    });
    expect(run.status).toBe(1);
    for (const name of ['SATELLITE_PORT', 'SYFTHUB_URL', 'LOG_FORMAT', 'OPENAI_MODEL']) {
      expect(run.stderr).toContain(`  - ${name}: `);
    }
    expect(run.stderr).toContain('4 problems');
  });

  it('needs hub credentials for tunnel mode and a ws(s) NATS URL', () => {
    expect(envProblems(parseSatelliteEnv, { SATELLITE_TUNNEL: 'true' })).toEqual(['SATELLITE_TUNNEL']);
    expect(
      envProblems(parseSatelliteEnv, {
        SATELLITE_TUNNEL: 'true',
        SYFTHUB_API_TOKEN: 'syft_pat_x',
        SATELLITE_NATS_URL: 'nats://hub:4222',
      }),
    ).toEqual(['SATELLITE_NATS_URL']);
    const env = parseSatelliteEnv({ SATELLITE_TUNNEL: 'yes', SYFTHUB_API_TOKEN: 'syft_pat_x' });
    expect(env.SATELLITE_TUNNEL).toBe(true);
    expect(env.SATELLITE_NATS_URL).toBeUndefined();
    // A tunnel node expects tokens issued by the hub it dials, unless told otherwise.
    expect(
      parseSatelliteEnv({
        SATELLITE_TUNNEL: 'true',
        SYFTHUB_API_TOKEN: 'x',
        SYFTHUB_URL: 'https://hub.example.com/',
      }).SYFTHUB_ISSUER,
    ).toBe('https://hub.example.com');
    expect(
      parseSatelliteEnv({
        SATELLITE_TUNNEL: 'true',
        SYFTHUB_API_TOKEN: 'x',
        SYFTHUB_URL: 'http://backend:8000',
        SYFTHUB_ISSUER: 'https://hub.example.com',
      }).SYFTHUB_ISSUER,
    ).toBe('https://hub.example.com');
    expect(parseSatelliteEnv({}).SYFTHUB_ISSUER).toBe('http://localhost:8080');
  });
});
