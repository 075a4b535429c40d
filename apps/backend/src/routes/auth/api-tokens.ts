import { generateApiToken } from '@syfthub/auth';
import { ApiToken as ApiTokenJson, ApiTokenList, CreatedApiToken } from '@syfthub/contracts';
import { type ApiToken, and, apiTokens, count, desc, eq, gt, isNull, or, type SQL, users } from '@syfthub/db';
import { ApiError } from '@syfthub/service';
import { z } from 'zod';
import type { BackendContext } from '../../http/context';
import { callerOf } from '../../http/route-kit';
import { iso } from '../../users/serialize';
import { paginationQuery, queryBool } from '../../validation/rules';
import { timestampSchema } from '../../validation/timestamp';
import { textField } from './fields';

const MAX_ACTIVE_TOKENS = 50;
const INT4_MAX = 2_147_483_647;

/** The `APIToken` wire shape (§3.9). */
function apiTokenJson(token: ApiToken): ApiTokenJson {
  return {
    id: token.id,
    name: token.name,
    token_prefix: token.tokenPrefix,
    scopes: token.scopes,
    expires_at: iso(token.expiresAt),
    last_used_at: iso(token.lastUsedAt),
    last_used_ip: token.lastUsedIp,
    is_active: token.isActive,
    created_at: iso(token.createdAt),
    updated_at: iso(token.updatedAt),
  };
}

function tokenNotFound(): ApiError {
  return new ApiError(404, 'API token not found');
}

/** The `POST /auth/tokens` body (contract: `ApiTokenCreate`). */
export const createBody = z.object({
  name: textField(1, 100),
  scopes: z
    .array(z.enum(['read', 'write', 'full']))
    .min(1)
    .default(['full'])
    .transform((scopes) => [...new Set(scopes)]),
  expires_at: timestampSchema
    .refine((at) => at.getTime() > Date.now(), 'expires_at must be in the future')
    .nullish()
    .transform((at) => at ?? null),
});

const listQuery = z.object({
  include_inactive: queryBool.default(false),
  ...paginationQuery(100, 100),
});

// Ids beyond PostgreSQL's integer range cannot exist; they are "not found" rather than a database error.
const tokenParams = z.object({ token_id: z.string().transform(Number) });

/** API-token management (§5.11); every route needs the `full` scope. */
export function registerApiTokenRoutes({ routes, deps }: BackendContext): void {
  const { db } = deps;
  const ownToken = (userId: number, tokenId: number): SQL | undefined =>
    and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId));

  routes.add(
    {
      method: 'post',
      path: '/api/v1/auth/tokens',
      summary: 'Create an API token (its secret is shown only in this response)',
      tags: ['api tokens'],
      auth: 'user',
      scope: 'full',
      body: createBody,
      responses: {
        201: { description: 'APIToken plus `token`, the plaintext secret', schema: CreatedApiToken },
        400: { description: 'Maximum number of active API tokens (50) reached' },
      },
    },
    async (c, input) => {
      const { user } = callerOf(input);
      const { name, scopes, expires_at } = input.body;
      const generated = generateApiToken();
      const created = await db.transaction(async (tx) => {
        // Locking the owner serialises concurrent creations, so the cap cannot be overshot.
        await tx.select({ id: users.id }).from(users).where(eq(users.id, user.id)).for('update');
        const now = new Date();
        const [active] = await tx
          .select({ n: count() })
          .from(apiTokens)
          .where(
            and(
              eq(apiTokens.userId, user.id),
              eq(apiTokens.isActive, true),
              or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now)),
            ),
          );
        if ((active?.n ?? 0) >= MAX_ACTIVE_TOKENS) {
          throw new ApiError(400, `Maximum number of active API tokens (${MAX_ACTIVE_TOKENS}) reached`);
        }
        const [row] = await tx
          .insert(apiTokens)
          .values({
            userId: user.id,
            name,
            tokenPrefix: generated.prefix,
            tokenHash: generated.hash,
            scopes,
            expiresAt: expires_at,
          })
          .returning();
        if (!row) throw new Error('insert returned no token');
        return row;
      });
      return c.json({ ...apiTokenJson(created), token: generated.token } satisfies CreatedApiToken, 201);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/auth/tokens',
      summary: "List the caller's API tokens, newest first",
      tags: ['api tokens'],
      auth: 'user',
      scope: 'full',
      query: listQuery,
      responses: { 200: { description: 'A page of tokens and the total', schema: ApiTokenList } },
    },
    async (c, input) => {
      const { user } = callerOf(input);
      const { include_inactive, skip, limit } = input.query;
      const where = include_inactive
        ? eq(apiTokens.userId, user.id)
        : and(eq(apiTokens.userId, user.id), eq(apiTokens.isActive, true));
      const [tokens, [total]] = await Promise.all([
        db
          .select()
          .from(apiTokens)
          .where(where)
          .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id))
          .offset(skip)
          .limit(limit),
        db.select({ n: count() }).from(apiTokens).where(where),
      ]);
      return c.json({ tokens: tokens.map(apiTokenJson), total: total?.n ?? 0 } satisfies ApiTokenList);
    },
  );

  const byIdPath = '/api/v1/auth/tokens/:token_id{[0-9]+}';

  routes.add(
    {
      method: 'get',
      path: byIdPath,
      summary: 'One of the caller’s API tokens (revoked ones too)',
      tags: ['api tokens'],
      auth: 'user',
      scope: 'full',
      params: tokenParams,
      responses: {
        200: { description: 'APIToken', schema: ApiTokenJson },
        404: { description: 'API token not found' },
      },
    },
    async (c, input) => {
      const { user } = callerOf(input);
      const { token_id } = input.params;
      if (token_id > INT4_MAX) throw tokenNotFound();
      const [token] = await db.select().from(apiTokens).where(ownToken(user.id, token_id)).limit(1);
      if (!token) throw tokenNotFound();
      return c.json(apiTokenJson(token));
    },
  );

  routes.add(
    {
      method: 'patch',
      path: byIdPath,
      summary: 'Rename an API token',
      tags: ['api tokens'],
      auth: 'user',
      scope: 'full',
      params: tokenParams,
      body: z.object({ name: textField(1, 100) }),
      responses: {
        200: { description: 'APIToken', schema: ApiTokenJson },
        404: { description: 'API token not found' },
      },
    },
    async (c, input) => {
      const { user } = callerOf(input);
      const { token_id } = input.params;
      if (token_id > INT4_MAX) throw tokenNotFound();
      const [token] = await db
        .update(apiTokens)
        .set({ name: input.body.name, updatedAt: new Date() })
        .where(ownToken(user.id, token_id))
        .returning();
      if (!token) throw tokenNotFound();
      return c.json(apiTokenJson(token));
    },
  );

  routes.add(
    {
      method: 'delete',
      path: byIdPath,
      summary: 'Revoke an API token (idempotent)',
      tags: ['api tokens'],
      auth: 'user',
      scope: 'full',
      params: tokenParams,
      responses: { 204: { description: 'Revoked' }, 404: { description: 'API token not found' } },
    },
    async (c, input) => {
      const { user } = callerOf(input);
      const { token_id } = input.params;
      if (token_id > INT4_MAX) throw tokenNotFound();
      const [token] = await db
        .update(apiTokens)
        .set({ isActive: false, updatedAt: new Date() })
        .where(ownToken(user.id, token_id))
        .returning({ id: apiTokens.id });
      if (!token) throw tokenNotFound();
      return c.body(null, 204);
    },
  );
}
