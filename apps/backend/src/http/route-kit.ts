import { type AuthMiddleware, type Principal, requiredScopeFor, type Scope } from '@syfthub/auth';
import { ErrorBody } from '@syfthub/contracts';
import type { User } from '@syfthub/db';
import {
  ApiError,
  assertResponseMatchesContract,
  bodyLimit,
  findUnstorableText,
  ResponseContractError,
  readFormBody,
  readJsonBody,
  readParams,
  readQuery,
  UNSTORABLE_MESSAGES,
  type ValidationLocation,
  validationItem,
} from '@syfthub/service';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { core, ZodType } from 'zod';
import type { BackendEnv } from './context';

/** Who may call a route (backend-api.md §1): `none`, `opt` (anonymous allowed), `user`, or `admin`. */
export type AuthLevel = 'none' | 'opt' | 'user' | 'admin';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * One documented response of a route. Every success response with a body names its schema (a wire shape from
 * `@syfthub/contracts`); error responses default to the error envelope.
 */
export interface ResponseDoc {
  description: string;
  schema?: ZodType;
  /** Default `application/json`; other types (CSV) are documented but not checked. */
  contentType?: string;
}

/** Everything about a route that validation, auth and the OpenAPI document need. */
export interface RouteDef<
  B extends ZodType | undefined,
  Q extends ZodType | undefined,
  P extends ZodType | undefined,
> {
  method: Method;
  /** Hono path; `{[0-9]+}` constraints are kept out of the OpenAPI path. */
  path: string;
  summary: string;
  tags: string[];
  auth: AuthLevel;
  /** API-token scope (§2.5). Default: `read` for GET, `write` otherwise, `full` for admin routes. */
  scope?: Scope;
  body?: B;
  bodyType?: 'json' | 'form';
  query?: Q;
  /** Query parameters that may repeat (`?id=1&id=2`). */
  queryArrays?: string[];
  params?: P;
  /** Request body limit in bytes when it differs from the app's 1 MiB. */
  bodyLimitBytes?: number;
  /** Extra middlewares run before auth and validation (rate limits). */
  before?: MiddlewareHandler<BackendEnv>[];
  responses: Record<number, ResponseDoc>;
}

type Out<T> = T extends ZodType ? core.output<T> : undefined;

/** What a handler receives: the validated inputs and the caller. */
export interface RouteInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  /** The caller; null on `none`/`opt` routes for anonymous callers. */
  principal: Principal<User> | null;
}

export type RouteHandler<B, Q, P> = (
  c: Context<BackendEnv>,
  input: RouteInput<B, Q, P>,
) => Response | Promise<Response>;

type AnyRouteDef = RouteDef<ZodType | undefined, ZodType | undefined, ZodType | undefined>;

/** Registers routes on a Hono app with uniform auth, scope checks and validation, and remembers them for the docs. */
export interface RouteRegistry {
  readonly defs: readonly AnyRouteDef[];
  add<B extends ZodType | undefined, Q extends ZodType | undefined, P extends ZodType | undefined>(
    def: RouteDef<B, Q, P>,
    handler: RouteHandler<Out<B>, Out<Q>, Out<P>>,
  ): void;
}

// PostgreSQL cannot store U+0000 or an unpaired surrogate, so either anywhere in the input would end as a database
// error; every route refuses them up front as a 422 instead.
function refuseUnstorable(value: unknown, location: ValidationLocation): void {
  const found = findUnstorableText(value);
  if (found) {
    const type = found.reason === 'nul' ? 'string_nul' : 'string_unpaired_surrogate';
    throw new ApiError(422, [validationItem(location, found.path, type, UNSTORABLE_MESSAGES[found.reason])]);
  }
}

// The auth middlewares only read and set `principal`, which BackendEnv declares with the same type.
function asBackend(handler: unknown): MiddlewareHandler<BackendEnv> {
  return handler as MiddlewareHandler<BackendEnv>;
}

function defaultScope(def: AnyRouteDef): Scope {
  return requiredScopeFor(def.method, { restricted: def.auth === 'admin' });
}

/** The schema a response with this status must match, or undefined when its body is not checked. */
function documentedSchema(def: AnyRouteDef, status: number): ZodType | undefined {
  const where = `${def.method.toUpperCase()} ${def.path} → ${status}`;
  const doc = def.responses[status];
  if (!doc) {
    if (status >= 400) return ErrorBody;
    throw new ResponseContractError(`${where} is not a documented response of the route`);
  }
  if (status === 204 || (doc.contentType && !doc.contentType.includes('json'))) return undefined;
  if (doc.schema) return doc.schema;
  if (status >= 400) return ErrorBody;
  throw new ResponseContractError(`${where} documents no schema for its body`);
}

/** Options of {@link createRouteRegistry}. */
export interface RouteRegistryOptions {
  /**
   * Check every response a handler returns against the route's documented responses (development and tests;
   * off in production, where the check would only cost time).
   */
  checkResponses: boolean;
}

/** Creates a registry that mounts routes on `app` using `auth` for the credential checks. */
export function createRouteRegistry(
  app: Hono<BackendEnv>,
  auth: AuthMiddleware<User>,
  options: RouteRegistryOptions,
): RouteRegistry {
  const defs: AnyRouteDef[] = [];
  return {
    defs,
    add(def, handler) {
      defs.push(def as AnyRouteDef);
      const chain: MiddlewareHandler<BackendEnv>[] = [];
      if (def.bodyLimitBytes !== undefined) chain.push(bodyLimit(def.bodyLimitBytes));
      chain.push(...(def.before ?? []));
      if (def.auth === 'opt') chain.push(asBackend(auth.optionalUser));
      if (def.auth === 'user' || def.auth === 'admin') {
        // Scope before role: a read-only token on an admin route is told about its scope, as the spec's
        // INSUFFICIENT_SCOPE body promises, whatever the user's role.
        chain.push(asBackend(auth.requireScope(def.scope ?? defaultScope(def as AnyRouteDef))));
      }
      if (def.auth === 'admin') chain.push(asBackend(auth.requireAdmin));

      const route = async (c: Context<BackendEnv>) => {
        const params = (def.params ? readParams(c, def.params) : undefined) as Out<typeof def.params>;
        const query = (def.query ? readQuery(c, def.query, { arrays: def.queryArrays }) : undefined) as Out<
          typeof def.query
        >;
        let body: unknown;
        if (def.body)
          body = def.bodyType === 'form' ? await readFormBody(c, def.body) : await readJsonBody(c, def.body);
        refuseUnstorable(params, 'path');
        refuseUnstorable(query, 'query');
        refuseUnstorable(body, 'body');
        const principal = (c.get('principal') as Principal<User> | null | undefined) ?? null;
        const res = await handler(c, {
          body: body as Out<typeof def.body>,
          query,
          params,
          principal,
        } as never);
        if (options.checkResponses) {
          const schema = documentedSchema(def as AnyRouteDef, res.status);
          if (schema) {
            await assertResponseMatchesContract(
              res,
              schema,
              `${def.method.toUpperCase()} ${def.path} → ${res.status}`,
            );
          }
        }
        return res;
      };
      app.on([def.method.toUpperCase()], [def.path], ...chain, route);
    },
  };
}

/** The signed-in caller of a `user`/`admin` route (the route kit guarantees one). */
export function callerOf(input: { principal: Principal<User> | null }): Principal<User> {
  if (!input.principal) throw new Error('route declared auth=user but no principal was set');
  return input.principal;
}
