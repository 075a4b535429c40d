import { HealthMonitorRun, User as UserJson } from '@syfthub/contracts';
import { truncateAllTables, USER_ROLES } from '@syfthub/db';
import { ApiError } from '@syfthub/service';
import { z } from 'zod';
import type { BackendContext } from '../http/context';
import { runHealthMonitorCycle } from '../jobs/health-monitor';
import { setRoleByUsername } from '../users/accounts';
import { userJson } from '../users/serialize';
import { usernameSchema } from '../validation/rules';

/**
 * Key prefixes the backend writes to Redis (backend-api.md §17.12, plus the OTP limit counters under `ratelimit:`).
 * Only these are flushed, so a reset never touches the aggregator's or the MCP server's keys in a shared Redis.
 */
const BACKEND_KV_PREFIXES = ['ratelimit:', 'auth:'] as const;

/** The test-only routes of backend-api.md §13 (mounted only when ENABLE_TEST_ROUTES=true). */
export function registerTestRoutes({ routes, deps }: BackendContext): void {
  routes.add(
    {
      method: 'post',
      path: '/api/v1/__test__/reset',
      summary: "Empty every table and flush the backend's Redis keys",
      tags: ['test only'],
      auth: 'none',
      responses: { 204: { description: 'Reset' } },
    },
    async (c) => {
      await truncateAllTables(deps.db);
      for (const prefix of BACKEND_KV_PREFIXES) await deps.kv.deleteByPrefix(prefix);
      return c.body(null, 204);
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/v1/__test__/users/:username/role',
      summary: "Set a user's role",
      tags: ['test only'],
      auth: 'none',
      params: z.object({ username: z.string() }),
      body: z.object({ role: z.enum(USER_ROLES) }),
      responses: { 200: { description: 'User', schema: UserJson }, 404: { description: 'User not found' } },
    },
    async (c, { params, body }) => {
      const username = usernameSchema.safeParse(params.username);
      const user = username.success ? await setRoleByUsername(deps.db, username.data, body.role) : undefined;
      if (!user) throw new ApiError(404, 'User not found');
      return c.json(userJson(user));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/v1/__test__/jobs/health-monitor',
      summary: 'Run one health-monitor cycle now',
      tags: ['test only'],
      auth: 'none',
      responses: {
        200: {
          description: '`{"changed": int}`: endpoints whose active state changed',
          schema: HealthMonitorRun,
        },
      },
    },
    async (c) => {
      // A cycle another replica is running at this moment counts as no change here.
      const { changed } = await runHealthMonitorCycle(deps);
      return c.json({ changed });
    },
  );
}
