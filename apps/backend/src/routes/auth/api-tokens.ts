import { ApiToken as ApiTokenJson, ApiTokenList, CreatedApiToken } from '@syfthub/contracts';
import { z } from 'zod';
import {
  apiTokenJson,
  createApiToken,
  getApiToken,
  listApiTokens,
  renameApiToken,
  revokeApiToken,
} from '../../auth/api-tokens';
import type { BackendContext } from '../../http/context';
import { callerOf } from '../../http/route-kit';
import { paginationQuery, queryBool } from '../../validation/rules';
import { timestampSchema } from '../../validation/timestamp';
import { textField } from './fields';

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

// Ids beyond PostgreSQL's integer range are "not found" (checked by the domain module).
const tokenParams = z.object({ token_id: z.string().transform(Number) });

/** API-token management (§5.11); every route needs the `full` scope. */
export function registerApiTokenRoutes({ routes, deps }: BackendContext): void {
  const { db } = deps;

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
      const created = await createApiToken(db, user.id, { name, scopes, expiresAt: expires_at });
      return c.json({ ...apiTokenJson(created.row), token: created.secret } satisfies CreatedApiToken, 201);
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
      const { tokens, total } = await listApiTokens(db, user.id, {
        includeInactive: include_inactive,
        skip,
        limit,
      });
      return c.json({ tokens: tokens.map(apiTokenJson), total } satisfies ApiTokenList);
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
      return c.json(apiTokenJson(await getApiToken(db, user.id, token_id)));
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
      return c.json(apiTokenJson(await renameApiToken(db, user.id, token_id, input.body.name)));
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
      await revokeApiToken(db, user.id, token_id);
      return c.body(null, 204);
    },
  );
}
