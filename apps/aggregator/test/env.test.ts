import { envProblems, runEntryWithEnv } from '@syfthub/service/testing';
import { describe, expect, it } from 'vitest';
import { aggregatorProductionRules, loadConfig } from '../src/env';

const problems = (env: Record<string, string>) => envProblems(loadConfig, env);

/** For each production rule, a change that breaks it. */
const unsafe: Record<string, Record<string, string>> = {
  AGGREGATOR_LOG_FORMAT: { AGGREGATOR_LOG_FORMAT: 'console' },
  REDIS_URL: { REDIS_URL: 'memory://' },
  AGGREGATOR_SSRF_ALLOW_PRIVATE_NETWORKS: { AGGREGATOR_SSRF_ALLOW_PRIVATE_NETWORKS: 'true' },
  AGGREGATOR_DEBUG: { AGGREGATOR_DEBUG: 'true' },
};

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8001,
      host: '0.0.0.0',
      serviceName: 'syfthub-aggregator',
      retrievalTimeoutMs: 30_000,
      retrievalPhaseTimeoutMs: 45_000,
      generationTimeoutMs: 120_000,
      streamIdleTimeoutMs: 60_000,
      totalTimeoutMs: 180_000,
      defaultTopK: 5,
      maxTopK: 20,
      maxDataSources: 50,
      maxPromptChars: 32_000,
      maxResponseBytes: 8 * 1024 * 1024,
      retryMax: 2,
      retryBaseDelayMs: 1000,
      heartbeatIntervalMs: 3000,
      doneSourceMaxChars: 4000,
      modelStreamingEnabled: true,
      reranker: 'bm25',
      rateLimitPerMinute: 30,
      corsOrigins: ['http://localhost:3000', 'http://localhost:8080'],
      ssrf: { allowPrivateNetworks: false, allowedHosts: [] },
    });
  });

  it('parses lists, booleans and fractional seconds', () => {
    const c = loadConfig({
      AGGREGATOR_CORS_ORIGINS: '["https://a.example","https://b.example"]',
      AGGREGATOR_SSRF_ALLOWED_HOSTS: 'satellite:8003, other',
      AGGREGATOR_MODEL_STREAMING_ENABLED: 'false',
      AGGREGATOR_TOTAL_TIMEOUT: '0.5',
    });
    expect(c.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(c.ssrf.allowedHosts).toEqual(['satellite:8003', 'other']);
    expect(c.modelStreamingEnabled).toBe(false);
    expect(c.totalTimeoutMs).toBe(500);
  });

  it('names every invalid variable at once', () => {
    expect(
      problems({
        AGGREGATOR_PORT: 'abc',
        AGGREGATOR_RERANKER: 'onnx',
        AGGREGATOR_TOTAL_TIMEOUT: '-1',
      }).sort(),
    ).toEqual(['AGGREGATOR_PORT', 'AGGREGATOR_RERANKER', 'AGGREGATOR_TOTAL_TIMEOUT']);
  });

  it('refuses development shortcuts in production', () => {
    expect(
      problems({
        ENVIRONMENT: 'production',
        AGGREGATOR_SSRF_ALLOW_PRIVATE_NETWORKS: 'true',
        AGGREGATOR_DEBUG: 'true',
      }).sort(),
    ).toEqual(['AGGREGATOR_DEBUG', 'AGGREGATOR_SSRF_ALLOW_PRIVATE_NETWORKS']);
    expect(
      problems({
        ENVIRONMENT: 'production',
        AGGREGATOR_SSRF_ALLOW_PRIVATE_NETWORKS: 'true',
        AGGREGATOR_SSRF_ALLOW_IN_PRODUCTION: 'true',
      }),
    ).toEqual([]);
    expect(problems({ AGGREGATOR_SSRF_ALLOW_PRIVATE_NETWORKS: 'true' })).toEqual([]);
  });

  it.each(Object.entries(unsafe))('refuses %s in production only', (name, change) => {
    expect(problems({ ENVIRONMENT: 'production', ...change })).toEqual([name]);
    expect(problems({ ENVIRONMENT: 'development', ...change })).toEqual([]);
  });

  it('has a case above for every production rule', () => {
    expect(Object.keys(unsafe).sort()).toEqual(aggregatorProductionRules.map((rule) => rule.name).sort());
  });

  // Starts a real process through tsx: seconds on a busy machine.
  it('stops at start-up naming every bad variable', { timeout: 90_000 }, () => {
    const run = runEntryWithEnv(new URL('..', import.meta.url).pathname, {
      ENVIRONMENT: 'staging',
      AGGREGATOR_PORT: 'eighty',
      AGGREGATOR_LOG_FORMAT: 'xml',
      AGGREGATOR_RERANKER: 'onnx',
    });
    expect(run.status).toBe(1);
    for (const name of ['ENVIRONMENT', 'AGGREGATOR_PORT', 'AGGREGATOR_LOG_FORMAT', 'AGGREGATOR_RERANKER']) {
      expect(run.stderr).toContain(`  - ${name}: `);
    }
    expect(run.stderr).toContain('4 problems');
  });

  it('requires the embeddings settings for the embedding reranker', () => {
    expect(problems({ AGGREGATOR_RERANKER: 'embedding' }).sort()).toEqual([
      'AGGREGATOR_EMBEDDINGS_BASE_URL',
      'AGGREGATOR_EMBEDDINGS_MODEL',
    ]);
  });

  it('switches tunnelling on with the NATS URL or a credential, and checks the NATS variables', () => {
    expect(loadConfig({}).nats).toBeNull();
    expect(loadConfig({ AGGREGATOR_NATS_AUTH_TOKEN: 's3cret' }).nats).toEqual({
      url: 'nats://nats:4222',
      token: 's3cret',
      user: null,
      password: null,
      tunnelTimeoutMs: 30_000,
    });
    // Mode A′: the internal listener has no token, so the URL alone switches tunnelling on.
    expect(
      loadConfig({ AGGREGATOR_NATS_URL: 'nats://10.0.0.5:4222', AGGREGATOR_NATS_TUNNEL_TIMEOUT: '120' }).nats,
    ).toMatchObject({ url: 'nats://10.0.0.5:4222', token: null, tunnelTimeoutMs: 120_000 });
    expect(
      problems({ AGGREGATOR_NATS_URL: 'http://nats:4222', AGGREGATOR_NATS_TUNNEL_TIMEOUT: '0' }).sort(),
    ).toEqual(['AGGREGATOR_NATS_TUNNEL_TIMEOUT', 'AGGREGATOR_NATS_URL']);
    expect(problems({ AGGREGATOR_NATS_USER: 'aggregator' })).toEqual(['AGGREGATOR_NATS_PASSWORD']);
    expect(
      problems({ AGGREGATOR_NATS_AUTH_TOKEN: 't', AGGREGATOR_NATS_USER: 'u', AGGREGATOR_NATS_PASSWORD: 'p' }),
    ).toEqual(['AGGREGATOR_NATS_AUTH_TOKEN']);
  });
});
