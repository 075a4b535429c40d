import { EnvError } from '@syfthub/service';
import { envProblems, runEntryWithEnv } from '@syfthub/service/testing';
import { describe, expect, it } from 'vitest';
import { mcpProductionRules, parseMcpEnv } from '../src/env';
import { generateEncryptionKeySetting } from '../src/grants/encryption';

describe('settings (mcp.md §10)', () => {
  it('derives the resource and the allowed hosts from the issuer', () => {
    const config = parseMcpEnv({ OAUTH_ISSUER: 'https://hub.example/mcp' });
    expect(config.API_BASE_URL).toBe('https://hub.example/mcp');
    expect(config.MCP_ALLOWED_HOSTS).toEqual(['hub.example', 'localhost', '127.0.0.1', 'mcp', 'mcp:8002']);
    expect(config.MCP_CORS_ORIGINS).toEqual(['*']);
    expect(config.MCP_TOOL_TIMEOUT_SECONDS).toBe(150);
  });

  it('refuses identifiers with a trailing slash, a query or another scheme', () => {
    for (const issuer of [
      'https://hub.example/mcp/',
      'https://hub.example/mcp?x=1',
      'ftp://hub.example/mcp',
    ]) {
      expect(() => parseMcpEnv({ OAUTH_ISSUER: issuer })).toThrow(EnvError);
    }
    expect(() => parseMcpEnv({ API_BASE_URL: 'https://hub.example/' })).toThrow(/API_BASE_URL/);
  });

  it('names every unsafe production setting', () => {
    let error: unknown;
    try {
      parseMcpEnv({ ENVIRONMENT: 'production', REDIS_URL: 'memory://' });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(EnvError);
    const names = (error as EnvError).problems.map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'OAUTH_ISSUER',
        'MCP_RSA_PRIVATE_KEY_PEM',
        'MCP_TOKEN_ENCRYPTION_KEYS',
        'REDIS_URL',
        'DATABASE_URL',
      ]),
    );
    expect(() =>
      parseMcpEnv({
        ENVIRONMENT: 'production',
        OAUTH_ISSUER: 'https://hub.example/mcp',
        MCP_RSA_PRIVATE_KEY_PEM: 'configured',
        MCP_TOKEN_ENCRYPTION_KEYS: generateEncryptionKeySetting('k1'),
        DATABASE_URL: 'postgres://db/syfthub',
        REDIS_URL: 'redis://redis:6379/0',
      }),
    ).not.toThrow();
  });
});

/** A production environment with no development shortcut. */
const production = {
  ENVIRONMENT: 'production',
  OAUTH_ISSUER: 'https://hub.example/mcp',
  API_BASE_URL: 'https://hub.example/mcp',
  MCP_RSA_PRIVATE_KEY_PEM: 'configured',
  MCP_TOKEN_ENCRYPTION_KEYS: generateEncryptionKeySetting('k1'),
  DATABASE_URL: 'postgres://db/syfthub',
  REDIS_URL: 'redis://redis:6379/0',
};

/** For each production rule, a change that breaks it and every variable then refused. */
const unsafe: Record<string, [change: Record<string, string>, refused: string[]]> = {
  LOG_FORMAT: [{ LOG_FORMAT: 'console' }, ['LOG_FORMAT']],
  REDIS_URL: [{ REDIS_URL: 'memory://' }, ['REDIS_URL']],
  DATABASE_URL: [{ DATABASE_URL: '' }, ['DATABASE_URL']],
  OAUTH_ISSUER: [{ OAUTH_ISSUER: 'http://hub.example/mcp' }, ['OAUTH_ISSUER']],
  API_BASE_URL: [{ API_BASE_URL: 'http://hub.example/mcp' }, ['API_BASE_URL']],
  MCP_RSA_PRIVATE_KEY_PEM: [
    { MCP_RSA_PRIVATE_KEY_PEM: '', MCP_AUTO_GENERATE_RSA_KEYS: 'false' },
    ['MCP_RSA_PRIVATE_KEY_PEM'],
  ],
  // Auto-generation only happens without a key, so this rule never fires alone.
  MCP_AUTO_GENERATE_RSA_KEYS: [
    { MCP_RSA_PRIVATE_KEY_PEM: '', MCP_AUTO_GENERATE_RSA_KEYS: 'true' },
    ['MCP_RSA_PRIVATE_KEY_PEM', 'MCP_AUTO_GENERATE_RSA_KEYS'],
  ],
  MCP_TOKEN_ENCRYPTION_KEYS: [{ MCP_TOKEN_ENCRYPTION_KEYS: '' }, ['MCP_TOKEN_ENCRYPTION_KEYS']],
};

describe('production rules (mcp.md §10)', () => {
  it('accepts a production environment without development shortcuts', () => {
    expect(envProblems(parseMcpEnv, production)).toEqual([]);
  });

  it.each(Object.entries(unsafe))('refuses %s in production only', (_name, [change, refused]) => {
    expect(envProblems(parseMcpEnv, { ...production, ...change })).toEqual(refused);
    expect(envProblems(parseMcpEnv, { ...production, ...change, ENVIRONMENT: 'development' })).toEqual([]);
  });

  it('has a case above for every production rule', () => {
    expect(Object.keys(unsafe).sort()).toEqual(mcpProductionRules.map((rule) => rule.name).sort());
  });

  // These start a real process through tsx: seconds on a busy machine.
  it('stops at start-up naming every bad variable', { timeout: 90_000 }, () => {
    const run = runEntryWithEnv(new URL('..', import.meta.url).pathname, {
      ENVIRONMENT: 'prod',
      MCP_PORT: '99999',
      OAUTH_ISSUER: 'ftp://hub.example/mcp',
      LOG_LEVEL: 'loud',
    });
    expect(run.status).toBe(1);
    for (const name of ['ENVIRONMENT', 'MCP_PORT', 'OAUTH_ISSUER', 'LOG_LEVEL']) {
      expect(run.stderr).toContain(`  - ${name}: `);
    }
  });

  it('needs DATABASE_URL on its own', { timeout: 90_000 }, () => {
    const run = runEntryWithEnv(new URL('..', import.meta.url).pathname, {});
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('  - DATABASE_URL: required');
  });
});
