import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  effectiveScope,
  generateApiToken,
  hashApiToken,
  isApiTokenCredential,
  isWellFormedApiToken,
  requiredScopeFor,
  scopeAllows,
  timingSafeEqualHex,
} from '../src';

describe('generateApiToken', () => {
  it('makes syft_pat_ tokens of 43 base64url characters, with prefix and SHA-256 hash', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const { token, prefix, hash } = generateApiToken();
      expect(token).toMatch(/^syft_pat_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token.slice(9), 'base64url')).toHaveLength(32);
      expect(prefix).toBe(token.slice(0, 16));
      expect(prefix).toHaveLength(16);
      expect(hash).toBe(createHash('sha256').update(token).digest('hex'));
      expect(isWellFormedApiToken(token)).toBe(true);
      seen.add(token);
    }
    expect(seen.size).toBe(50);
  });

  it('hashes deterministically', () => {
    expect(hashApiToken('syft_pat_abc')).toBe(hashApiToken('syft_pat_abc'));
    expect(hashApiToken('syft_pat_abc')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiToken('syft_pat_abc')).not.toBe(hashApiToken('syft_pat_abd'));
  });
});

describe('credential classification', () => {
  it('treats anything starting with syft_ as an API token', () => {
    expect(isApiTokenCredential('syft_pat_x')).toBe(true);
    expect(isApiTokenCredential('syft_other')).toBe(true);
    expect(isApiTokenCredential('eyJhbGciOiJIUzI1NiJ9.e30.x')).toBe(false);
    expect(isApiTokenCredential('SYFT_pat_x')).toBe(false);
  });

  it('checks the exact PAT shape', () => {
    const ok = `syft_pat_${'A'.repeat(43)}`;
    expect(isWellFormedApiToken(ok)).toBe(true);
    expect(isWellFormedApiToken(`${ok}A`)).toBe(false);
    expect(isWellFormedApiToken(ok.slice(0, -1))).toBe(false);
    expect(isWellFormedApiToken(`syft_pat_${'A'.repeat(42)}=`)).toBe(false);
    expect(isWellFormedApiToken(`syft_pat_${'A'.repeat(42)}+`)).toBe(false);
    expect(isWellFormedApiToken(`syft_xyz_${'A'.repeat(43)}`)).toBe(false);
  });
});

describe('timingSafeEqualHex', () => {
  it('compares hex digests', () => {
    const h = hashApiToken('t');
    expect(timingSafeEqualHex(h, h)).toBe(true);
    expect(timingSafeEqualHex(h, h.toUpperCase())).toBe(true);
    expect(timingSafeEqualHex(h, hashApiToken('u'))).toBe(false);
    expect(timingSafeEqualHex(h, h.slice(0, -2))).toBe(false);
    expect(timingSafeEqualHex(`${h.slice(0, -1)}g`, `${h.slice(0, -1)}g`)).toBe(false);
    expect(timingSafeEqualHex('', '')).toBe(true);
  });
});

describe('scopes', () => {
  it('takes the largest scope held', () => {
    expect(effectiveScope(['read'])).toBe('read');
    expect(effectiveScope(['read', 'write'])).toBe('write');
    expect(effectiveScope(['full', 'read'])).toBe('full');
    expect(effectiveScope(['bogus', 'write'])).toBe('write');
    expect(effectiveScope([])).toBeNull();
    expect(effectiveScope(['admin', 42])).toBeNull();
  });

  it('orders scopes read < write < full', () => {
    expect(scopeAllows('full', 'full')).toBe(true);
    expect(scopeAllows('full', 'read')).toBe(true);
    expect(scopeAllows('write', 'write')).toBe(true);
    expect(scopeAllows('write', 'full')).toBe(false);
    expect(scopeAllows('read', 'write')).toBe(false);
    expect(scopeAllows(null, 'read')).toBe(false);
  });

  it('implements the §2.5 route table', () => {
    for (const m of ['GET', 'head', 'OPTIONS']) expect(requiredScopeFor(m)).toBe('read');
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(requiredScopeFor(m)).toBe('write');
    expect(requiredScopeFor('POST', { readOnlyPost: true })).toBe('read');
    expect(requiredScopeFor('PUT', { readOnlyPost: true })).toBe('write');
    expect(requiredScopeFor('GET', { restricted: true })).toBe('full');
    expect(requiredScopeFor('DELETE', { restricted: true })).toBe('full');
  });
});
