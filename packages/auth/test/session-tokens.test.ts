import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createSessionTokens, TokenError, type TokenErrorReason } from '../src';

const SECRET = 'a-test-secret-that-is-at-least-32-characters';
const tokens = createSessionTokens({ secret: SECRET, accessTtlSeconds: 1800, refreshTtlSeconds: 7 * 86400 });
const SID = '3f0b8a56-8f0e-4a57-9a43-0d7f3b3f6b11';
const key = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);

async function reason(promise: Promise<unknown>): Promise<TokenErrorReason | 'resolved'> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    if (err instanceof TokenError) return err.reason;
    throw err;
  }
}

const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('access tokens', () => {
  it('carry exactly the §2.2 claims and header', async () => {
    const signed = await tokens.signAccess({ userId: 17, username: 'bob', role: 'user', sid: SID });
    expect(decodeProtectedHeader(signed.token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const claims = decodeJwt(signed.token);
    expect(Object.keys(claims).sort()).toEqual([
      'exp',
      'iat',
      'jti',
      'role',
      'sid',
      'sub',
      'type',
      'username',
    ]);
    expect(claims).toMatchObject({ sub: '17', username: 'bob', role: 'user', type: 'access', sid: SID });
    expect(claims.jti).toBe(signed.jti);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.exp).toBe((claims.iat ?? 0) + 1800);
    expect(signed.issuedAt.getTime()).toBe((claims.iat ?? 0) * 1000);
    expect(signed.expiresAt.getTime()).toBe((claims.exp ?? 0) * 1000);
  });

  it('verify back to typed claims', async () => {
    const { token, jti } = await tokens.signAccess({ userId: 5, username: 'ann', role: 'admin', sid: SID });
    const claims = await tokens.verifyAccess(token);
    expect(claims).toMatchObject({ sub: '5', username: 'ann', role: 'admin', type: 'access', jti, sid: SID });
  });

  it('are rejected when expired', async () => {
    const t = now() - 3600;
    const token = await new SignJWT({
      sub: '5',
      username: 'ann',
      role: 'user',
      type: 'access',
      jti: 'j',
      sid: SID,
      iat: t,
      exp: t + 60,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(key);
    expect(await reason(tokens.verifyAccess(token))).toBe('expired');
  });

  it('are rejected when tampered with or signed with another secret', async () => {
    const { token } = await tokens.signAccess({ userId: 5, username: 'ann', role: 'user', sid: SID });
    const [h, p, s] = token.split('.');
    const forged = enc({ ...decodeJwt(token), role: 'admin' });
    expect(await reason(tokens.verifyAccess(`${h}.${forged}.${s}`))).toBe('invalid');
    const sig = s ?? '';
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expect(await reason(tokens.verifyAccess(`${h}.${p}.${flipped}`))).toBe('invalid');
    const other = createSessionTokens({
      secret: 'another-secret-another-secret-xx',
      accessTtlSeconds: 60,
      refreshTtlSeconds: 60,
    });
    const foreign = await other.signAccess({ userId: 5, username: 'ann', role: 'user', sid: SID });
    expect(await reason(tokens.verifyAccess(foreign.token))).toBe('invalid');
  });

  it('reject alg none and other algorithms', async () => {
    const claims = enc({
      sub: '5',
      username: 'ann',
      role: 'admin',
      type: 'access',
      jti: 'j',
      sid: SID,
      iat: now(),
      exp: now() + 60,
    });
    expect(await reason(tokens.verifyAccess(`${enc({ alg: 'none', typ: 'JWT' })}.${claims}.`))).toBe(
      'invalid',
    );
    const hs512 = await new SignJWT(JSON.parse(Buffer.from(claims, 'base64url').toString()))
      .setProtectedHeader({ alg: 'HS512', typ: 'JWT' })
      .sign(key);
    expect(await reason(tokens.verifyAccess(hs512))).toBe('invalid');
  });

  it('reject refresh tokens, garbage and malformed claims', async () => {
    const refresh = await tokens.signRefresh({ userId: 5, username: 'ann', sid: SID });
    expect(await reason(tokens.verifyAccess(refresh.token))).toBe('wrong_type');
    expect(await reason(tokens.verifyAccess('garbage'))).toBe('invalid');
    expect(await reason(tokens.verifyAccess(''))).toBe('invalid');
    const noRole = await new SignJWT({
      sub: '5',
      username: 'ann',
      type: 'access',
      jti: 'j',
      sid: SID,
      iat: now(),
      exp: now() + 60,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(key);
    expect(await reason(tokens.verifyAccess(noRole))).toBe('invalid');
    const badSub = await new SignJWT({
      sub: 'bob',
      username: 'ann',
      role: 'user',
      type: 'access',
      jti: 'j',
      sid: SID,
      iat: now(),
      exp: now() + 60,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(key);
    expect(await reason(tokens.verifyAccess(badSub))).toBe('invalid');
    const otherType = await new SignJWT({
      sub: '5',
      username: 'ann',
      role: 'user',
      type: 'satellite',
      jti: 'j',
      sid: SID,
      iat: now(),
      exp: now() + 60,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(key);
    expect(await reason(tokens.verifyAccess(otherType))).toBe('invalid');
  });
});

describe('refresh tokens', () => {
  it('carry the §2.2 claims without role and verify', async () => {
    const signed = await tokens.signRefresh({ userId: 9, username: 'cy', sid: SID });
    const claims = decodeJwt(signed.token);
    expect(Object.keys(claims).sort()).toEqual(['exp', 'iat', 'jti', 'sid', 'sub', 'type', 'username']);
    expect(claims.exp).toBe((claims.iat ?? 0) + 7 * 86400);
    expect(await tokens.verifyRefresh(signed.token)).toMatchObject({
      sub: '9',
      type: 'refresh',
      jti: signed.jti,
    });
    const access = await tokens.signAccess({ userId: 9, username: 'cy', role: 'user', sid: SID });
    expect(await reason(tokens.verifyRefresh(access.token))).toBe('wrong_type');
  });

  it('never outlive the session end', async () => {
    const end = new Date(Date.now() + 3600_000);
    const signed = await tokens.signRefresh({ userId: 9, username: 'cy', sid: SID, expiresAt: end });
    expect(signed.expiresAt.getTime()).toBe(Math.floor(end.getTime() / 1000) * 1000);
    const later = new Date(Date.now() + 30 * 86400_000);
    const sliding = await tokens.signRefresh({ userId: 9, username: 'cy', sid: SID, expiresAt: later });
    expect(sliding.expiresAt.getTime() - sliding.issuedAt.getTime()).toBe(7 * 86400_000);
    await expect(
      tokens.signRefresh({ userId: 9, username: 'cy', sid: SID, expiresAt: new Date() }),
    ).rejects.toThrow(/already ended/);
  });
});

describe('configuration', () => {
  it('rejects an empty secret, bad lifetimes and bad user ids', async () => {
    expect(() => createSessionTokens({ secret: '', accessTtlSeconds: 1, refreshTtlSeconds: 1 })).toThrow(
      RangeError,
    );
    expect(() => createSessionTokens({ secret: SECRET, accessTtlSeconds: 0, refreshTtlSeconds: 1 })).toThrow(
      /accessTtl/,
    );
    await expect(tokens.signAccess({ userId: 0, username: 'x', role: 'user', sid: SID })).rejects.toThrow(
      /userId/,
    );
  });
});
