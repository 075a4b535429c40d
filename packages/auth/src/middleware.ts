import { ApiError } from '@syfthub/service';
import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { effectiveScope, type Scope, scopeAllows } from './api-tokens';

export interface Principal<U> {
  user: U;
  kind: 'jwt' | 'api_token';
  /** The session (`sid`) of a JWT caller. */
  sessionId?: string;
  /** The `api_tokens.id` of an API-token caller. */
  tokenId?: number;
  /** Scopes of an API-token caller; JWT sessions are not scope-limited. */
  scopes?: Scope[];
}

/** Hono environment of routes behind these middlewares: `c.get('principal')` is the caller, or null if anonymous. */
export type AuthEnv<U> = { Variables: { principal: Principal<U> | null } };

/**
 * Resolves a bearer credential to a principal (database lookups live in the caller). Throws `ApiError(401, detail)`
 * for credentials that identify nobody; any other error propagates unchanged.
 */
export type Authenticator<U> = (credential: string, c: Context) => Promise<Principal<U>>;

export interface AuthMiddleware<U> {
  /** A missing or invalid credential makes the caller anonymous (null), never a 401. */
  optionalUser: MiddlewareHandler<AuthEnv<U>>;
  requireUser: MiddlewareHandler<AuthEnv<U>>;
  requireAdmin: MiddlewareHandler<AuthEnv<U>>;
  /** Requires a user; API tokens must hold `scope` (or a larger one). JWT sessions always pass. */
  requireScope(scope: Scope): MiddlewareHandler<AuthEnv<U>>;
}

const BEARER = /^bearer[ \t]+([^\s]+)[ \t]*$/i;

/** The credential of an `Authorization: Bearer <credential>` header; anything else is no credential. */
export function parseBearer(header: string | null | undefined): string | null {
  if (!header) return null;
  return BEARER.exec(header)?.[1] ?? null;
}

const NOT_AUTHENTICATED = 'Could not validate credentials';

type Outcome<U> =
  | { kind: 'anonymous' }
  | { kind: 'rejected'; error: ApiError }
  | { kind: 'authenticated'; principal: Principal<U> };

function hasHeader(headers: Record<string, string> | undefined, name: string): boolean {
  const lower = name.toLowerCase();
  return Object.keys(headers ?? {}).some((h) => h.toLowerCase() === lower);
}

export function createAuthMiddleware<U extends { id: number; role: string }>(options: {
  authenticate: Authenticator<U>;
}): AuthMiddleware<U> {
  // One lookup per request, however many of these middlewares a route stacks (e.g. app-wide optionalUser plus
  // a route's requireScope).
  const outcomes = new WeakMap<Request, Promise<Outcome<U>>>();

  async function resolve(c: Context): Promise<Outcome<U>> {
    const credential = parseBearer(c.req.header('authorization'));
    if (credential === null) return { kind: 'anonymous' };
    try {
      return { kind: 'authenticated', principal: await options.authenticate(credential, c) };
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return { kind: 'rejected', error: err };
      throw err;
    }
  }

  function outcomeOf(c: Context): Promise<Outcome<U>> {
    let outcome = outcomes.get(c.req.raw);
    if (!outcome) {
      outcome = resolve(c);
      outcomes.set(c.req.raw, outcome);
    }
    return outcome;
  }

  async function principalOrThrow(c: Context<AuthEnv<U>>): Promise<Principal<U>> {
    const outcome = await outcomeOf(c);
    if (outcome.kind === 'authenticated') {
      c.set('principal', outcome.principal);
      return outcome.principal;
    }
    c.set('principal', null);
    if (outcome.kind === 'anonymous') {
      throw new ApiError(401, NOT_AUTHENTICATED, { 'WWW-Authenticate': 'Bearer' });
    }
    const { error } = outcome;
    const headers = hasHeader(error.headers, 'WWW-Authenticate')
      ? error.headers
      : { ...error.headers, 'WWW-Authenticate': 'Bearer error="invalid_token"' };
    throw new ApiError(401, error.detail ?? NOT_AUTHENTICATED, headers);
  }

  const optionalUser = createMiddleware<AuthEnv<U>>(async (c, next) => {
    const outcome = await outcomeOf(c);
    c.set('principal', outcome.kind === 'authenticated' ? outcome.principal : null);
    await next();
  });

  const requireUser = createMiddleware<AuthEnv<U>>(async (c, next) => {
    await principalOrThrow(c);
    await next();
  });

  const requireAdmin = createMiddleware<AuthEnv<U>>(async (c, next) => {
    const principal = await principalOrThrow(c);
    if (principal.user.role !== 'admin') {
      throw new ApiError(403, { code: 'PERMISSION_DENIED', message: 'Operation not permitted' });
    }
    await next();
  });

  function requireScope(scope: Scope): MiddlewareHandler<AuthEnv<U>> {
    return createMiddleware<AuthEnv<U>>(async (c, next) => {
      const principal = await principalOrThrow(c);
      if (principal.kind === 'api_token' && !scopeAllows(effectiveScope(principal.scopes ?? []), scope)) {
        throw new ApiError(
          403,
          {
            code: 'INSUFFICIENT_SCOPE',
            message: `This API token lacks the '${scope}' scope.`,
            required_scope: scope,
          },
          { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
        );
      }
      await next();
    });
  }

  return { optionalUser, requireUser, requireAdmin, requireScope };
}
