import { randomUUID } from 'node:crypto';
import type { KeyRing } from '@syfthub/auth';
import { type JWTHeaderParameters, errors as joseErrors, jwtVerify, SignJWT } from 'jose';

/** Clock skew tolerated when verifying our own access tokens (mcp.md §4.6). */
const LEEWAY_SECONDS = 30;

/** The claims of an MCP access token (RFC 9068 profile, mcp.md §4.6). */
export interface AccessTokenClaims {
  sub: string;
  email: string;
  scope: string;
  client_id: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
}

export interface AccessTokenInput {
  userId: number;
  email: string;
  scope: string;
  clientId: string;
  grantId: string;
}

export interface IdTokenInput {
  clientId: string;
  userId: number;
  email: string;
  emailVerified: boolean;
  name: string;
  preferredUsername: string;
  authTime: number;
  nonce?: string | undefined;
}

/** Why a presented access token was refused; the text goes into `error_description`. */
export class InvalidAccessTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAccessTokenError';
  }
}

export interface TokenSigner {
  signAccessToken(input: AccessTokenInput): Promise<{ token: string; claims: AccessTokenClaims }>;
  signIdToken(input: IdTokenInput): Promise<string>;
  /** Signature, `typ`, `iss`, `aud` and expiry; revocation is checked separately. */
  verifyAccessToken(token: string): Promise<AccessTokenClaims>;
}

export interface TokenSignerOptions {
  keyRing: KeyRing;
  issuer: string;
  resource: string;
  accessTokenTtlSeconds: number;
  idTokenTtlSeconds: number;
}

const now = () => Math.floor(Date.now() / 1000);

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The access token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'The access token was not issued for this resource';
    if (error.claim === 'iss') return 'The access token was not issued by this server';
    if (error.claim === 'typ') return 'The token is not an access token';
    return `The access token is invalid (${error.claim})`;
  }
  return 'The access token is invalid';
}

function readAccessClaims(payload: Record<string, unknown>): AccessTokenClaims {
  const strings = ['sub', 'email', 'scope', 'client_id', 'sid', 'jti'] as const;
  for (const name of strings) {
    if (typeof payload[name] !== 'string' || payload[name] === '') {
      throw new InvalidAccessTokenError('The access token is invalid');
    }
  }
  if (typeof payload.iat !== 'number' || typeof payload.exp !== 'number') {
    throw new InvalidAccessTokenError('The access token is invalid');
  }
  return payload as unknown as AccessTokenClaims;
}

export function createTokenSigner(options: TokenSignerOptions): TokenSigner {
  const { keyRing, issuer, resource } = options;

  async function keyFor(header: JWTHeaderParameters) {
    const key = header.kid === undefined ? undefined : keyRing.publicKeys.get(header.kid);
    if (!key) throw new InvalidAccessTokenError('The access token is signed with an unknown key');
    return key;
  }

  return {
    async signAccessToken(input) {
      const iat = now();
      const claims: AccessTokenClaims = {
        sub: String(input.userId),
        email: input.email,
        scope: input.scope,
        client_id: input.clientId,
        sid: input.grantId,
        jti: randomUUID(),
        iat,
        exp: iat + options.accessTokenTtlSeconds,
      };
      const token = await new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: keyRing.currentKid })
        .setIssuer(issuer)
        .setAudience(resource)
        .sign(keyRing.signingKey);
      return { token, claims };
    },

    async signIdToken(input) {
      const iat = now();
      return new SignJWT({
        sub: String(input.userId),
        email: input.email,
        email_verified: input.emailVerified,
        name: input.name,
        preferred_username: input.preferredUsername,
        auth_time: input.authTime,
        ...(input.nonce === undefined ? {} : { nonce: input.nonce }),
      })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: keyRing.currentKid })
        .setIssuer(issuer)
        .setAudience(input.clientId)
        .setIssuedAt(iat)
        .setExpirationTime(iat + options.idTokenTtlSeconds)
        .sign(keyRing.signingKey);
    },

    async verifyAccessToken(token) {
      try {
        const { payload } = await jwtVerify(token, keyFor, {
          issuer,
          audience: resource,
          algorithms: ['RS256'],
          typ: 'at+jwt',
          clockTolerance: LEEWAY_SECONDS,
          requiredClaims: ['exp', 'iat', 'jti', 'sub', 'sid'],
        });
        return readAccessClaims(payload);
      } catch (error) {
        if (error instanceof InvalidAccessTokenError) throw error;
        throw new InvalidAccessTokenError(describeJoseError(error));
      }
    },
  };
}
