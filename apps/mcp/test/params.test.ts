import { describe, expect, it } from 'vitest';
import { hostAllowed, parseHostRules } from '../src/mcp/transport';
import {
  appendQuery,
  matchRedirectUri,
  narrowScope,
  normaliseResource,
  pkceMatches,
  redirectUriProblem,
} from '../src/oauth/params';

describe('redirect URIs', () => {
  it.each([
    'https://app.example/callback',
    'http://localhost:3000/cb',
    'http://127.0.0.1/cb',
    'http://[::1]:8080/cb',
    'cursor://anysphere.cursor-retrieval/oauth/callback',
    'com.example.app:/oauth2redirect',
  ])('accepts %s', (uri) => {
    expect(redirectUriProblem(uri)).toBeNull();
  });

  it.each([
    ['http://app.example/cb', 'loopback'],
    ['https://app.example/cb#x', 'fragment'],
    ['javascript:alert(1)', 'javascript'],
    ['data:text/html,hi', 'data'],
    ['file:///etc/passwd', 'file'],
    ['/relative', 'absolute'],
    ['https://user:pass@app.example/cb', 'credentials'],
    ['https://app.example/<script>', 'unsafe'],
  ])('refuses %s (%s)', (uri, reason) => {
    expect(redirectUriProblem(uri)).toContain(reason);
  });

  it('matches exactly, with any port only for registered portless loopback http URIs', () => {
    const registered = ['http://127.0.0.1/callback', 'https://app.example/cb', 'http://localhost:3000/cb'];
    expect(matchRedirectUri(registered, 'https://app.example/cb')).toBe(true);
    expect(matchRedirectUri(registered, 'http://127.0.0.1:51234/callback')).toBe(true);
    expect(matchRedirectUri(registered, 'http://127.0.0.1:51234/other')).toBe(false);
    expect(matchRedirectUri(registered, 'https://app.example/cb/')).toBe(false);
    expect(matchRedirectUri(registered, 'https://APP.example/cb')).toBe(false);
    expect(matchRedirectUri(registered, 'http://localhost:4000/cb')).toBe(false);
    expect(matchRedirectUri(registered, 'https://app.example:8443/cb')).toBe(false);
  });

  it('appends parameters after ? or &', () => {
    expect(appendQuery('https://a.example/cb', { code: 'x', state: undefined })).toBe(
      'https://a.example/cb?code=x',
    );
    expect(appendQuery('https://a.example/cb?tenant=1', { code: 'x y' })).toBe(
      'https://a.example/cb?tenant=1&code=x+y',
    );
  });
});

describe('resources, scopes and PKCE', () => {
  it('normalises resource indicators', () => {
    expect(normaliseResource('HTTPS://Hub.Example:443/mcp/')).toBe('https://hub.example/mcp');
    expect(normaliseResource('http://localhost:80/mcp')).toBe('http://localhost/mcp');
    expect(normaliseResource('https://hub.example/mcp#frag')).toBeNull();
    expect(normaliseResource('urn:example')).toBeNull();
  });

  it('keeps known scopes only, defaulting to all three', () => {
    expect(narrowScope('email openid admin')).toBe('openid email');
    expect(narrowScope('admin')).toBe('openid profile email');
    expect(narrowScope(undefined)).toBe('openid profile email');
  });

  it('verifies S256 (RFC 7636 appendix B)', () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    expect(pkceMatches(verifier, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(true);
    expect(pkceMatches(verifier, verifier)).toBe(false);
  });
});

describe('allowed hosts', () => {
  it('matches host entries on any port and host:port entries exactly', () => {
    const rules = parseHostRules(['hub.example', 'mcp:8002', '[::1]']);
    expect(hostAllowed(rules, 'hub.example')).toBe(true);
    expect(hostAllowed(rules, 'HUB.example:443')).toBe(true);
    expect(hostAllowed(rules, 'mcp:8002')).toBe(true);
    expect(hostAllowed(rules, 'mcp:8003')).toBe(false);
    expect(hostAllowed(rules, 'mcp')).toBe(false);
    expect(hostAllowed(rules, '[::1]:8002')).toBe(true);
    expect(hostAllowed(rules, 'hub.example.evil.test')).toBe(false);
    expect(hostAllowed(rules, '')).toBe(false);
  });
});
