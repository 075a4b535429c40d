import { createSecretKey, randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';

export type TokenErrorReason = 'expired' | 'invalid' | 'wrong_type';

export class TokenError extends Error {
  constructor(
    public readonly reason: TokenErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

const baseClaims = {
  sub: z.string().regex(/^[1-9]\d*$/),
  username: z.string().min(1),
  jti: z.string().min(1),
  sid: z.string().min(1),
  iat: z.number().int(),
  exp: z.number().int(),
};
const accessSchema = z.object({ ...baseClaims, type: z.literal('access'), role: z.string().min(1) });
const refreshSchema = z.object({ ...baseClaims, type: z.literal('refresh') });

/** Hub access-token claims (backend-api.md §2.2). `sub` is the user id as a decimal string. */
export type AccessClaims = z.infer<typeof accessSchema>;
/** Hub refresh-token claims: like access claims, without `role`. */
export type RefreshClaims = z.infer<typeof refreshSchema>;

export interface SignedSessionToken {
  token: string;
  jti: string;
  issuedAt: Date;
  expiresAt: Date;
}

export interface SessionTokensConfig {
  /** `SECRET_KEY`, the HS256 key. */
  secret: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
}

export interface SessionTokens {
  signAccess(input: {
    userId: number;
    username: string;
    role: string;
    sid: string;
  }): Promise<SignedSessionToken>;
  /** `expiresAt` is the session's absolute end (`family_expires_at`): the token never outlives it. */
  signRefresh(input: {
    userId: number;
    username: string;
    sid: string;
    expiresAt?: Date;
  }): Promise<SignedSessionToken>;
  verifyAccess(token: string): Promise<AccessClaims>;
  verifyRefresh(token: string): Promise<RefreshClaims>;
}

function positiveSeconds(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

function subjectOf(userId: number): string {
  if (!Number.isSafeInteger(userId) || userId <= 0) throw new RangeError('userId must be a positive integer');
  return String(userId);
}

export function createSessionTokens(config: SessionTokensConfig): SessionTokens {
  if (config.secret.length === 0) throw new RangeError('The session token secret must not be empty');
  // A KeyObject, imported once: jose would otherwise import raw key bytes again on every sign and verify.
  const key = createSecretKey(Buffer.from(config.secret, 'utf8'));
  const accessTtl = positiveSeconds('accessTtlSeconds', config.accessTtlSeconds);
  const refreshTtl = positiveSeconds('refreshTtlSeconds', config.refreshTtlSeconds);

  async function sign(
    claims: Record<string, unknown>,
    sid: string,
    iat: number,
    exp: number,
  ): Promise<SignedSessionToken> {
    if (sid.length === 0) throw new RangeError('sid must not be empty');
    const jti = randomUUID();
    const token = await new SignJWT({ ...claims, jti, sid, iat, exp })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(key);
    return { token, jti, issuedAt: new Date(iat * 1000), expiresAt: new Date(exp * 1000) };
  }

  async function verify<S extends typeof accessSchema | typeof refreshSchema>(
    token: string,
    expected: 'access' | 'refresh',
    schema: S,
  ): Promise<z.infer<S>> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['exp'] }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new TokenError('expired', 'Token has expired');
      throw new TokenError('invalid', 'Token is invalid');
    }
    if (payload.type !== expected) {
      const other = payload.type === 'access' || payload.type === 'refresh';
      throw new TokenError(other ? 'wrong_type' : 'invalid', `Token is not a ${expected} token`);
    }
    const parsed = schema.safeParse(payload);
    if (!parsed.success) throw new TokenError('invalid', 'Token claims are invalid');
    return parsed.data as z.infer<S>;
  }

  return {
    async signAccess({ userId, username, role, sid }) {
      const iat = Math.floor(Date.now() / 1000);
      return sign({ sub: subjectOf(userId), username, role, type: 'access' }, sid, iat, iat + accessTtl);
    },

    async signRefresh({ userId, username, sid, expiresAt }) {
      const iat = Math.floor(Date.now() / 1000);
      let exp = iat + refreshTtl;
      if (expiresAt !== undefined) exp = Math.min(exp, Math.floor(expiresAt.getTime() / 1000));
      if (exp <= iat) throw new RangeError('The session has already ended');
      return sign({ sub: subjectOf(userId), username, type: 'refresh' }, sid, iat, exp);
    },

    verifyAccess: (token) => verify(token, 'access', accessSchema),
    verifyRefresh: (token) => verify(token, 'refresh', refreshSchema),
  };
}
