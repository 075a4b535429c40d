import { EnvError } from '@syfthub/service';
import { describe, expect, it } from 'vitest';
import { parseMcpEnv } from '../src/env';
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
