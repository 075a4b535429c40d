import { EndpointView, InvocationResult } from '@syfthub/contracts';
import { ApiError, createSsrfGuard } from '@syfthub/service';
import { z } from 'zod';
import { readableEndpointByPath } from '../endpoints/access';
import { proxyInvocation } from '../endpoints/invocation-proxy';
import { listOwnerPage } from '../endpoints/listings';
import { ownerSlugParams } from '../endpoints/schemas';
import { endpointJsonFor } from '../endpoints/serialize';
import { viewerOf } from '../endpoints/visibility';
import type { BackendContext } from '../http/context';
import { findActiveUserId } from '../users/queries';
import { paginationQuery, RESERVED_USERNAMES } from '../validation/rules';

const TAGS = ['owner pages'];

const ownerParams = z.object({ owner: z.string().transform((v) => v.toLowerCase()) });

/**
 * Root routes `/{owner}`, `/{owner}/{slug}` and the invocation proxy (§4.2–§4.4). Registered last: any literal
 * root path wins, and reserved names (which no user can hold) fall through to the app's 404/405.
 */
export function registerOwnerRoutes(ctx: BackendContext): void {
  const { db, config } = ctx.deps;
  const guard = createSsrfGuard({
    allowPrivateNetworks: config.SSRF_ALLOW_PRIVATE_NETWORKS,
    allowedHosts: config.SSRF_ALLOWED_HOSTS,
  });

  ctx.routes.add(
    {
      method: 'get',
      path: '/:owner',
      summary: "An owner's endpoints",
      tags: TAGS,
      auth: 'opt',
      params: ownerParams,
      query: z.object(paginationQuery(10, 100)),
      responses: {
        200: {
          description: 'EndpointPublic[] (Endpoint[] for the owner and admins)',
          schema: z.array(EndpointView),
        },
      },
    },
    async (c, input) => {
      const { owner } = input.params;
      if (RESERVED_USERNAMES.has(owner)) return c.notFound();
      const ownerId = await findActiveUserId(db, owner);
      if (ownerId === undefined) throw new ApiError(404, `'${owner}' not found`);
      const viewer = viewerOf(input.principal);
      const viewerClass =
        viewer && (viewer.id === ownerId || viewer.role === 'admin')
          ? 'manager'
          : viewer
            ? 'user'
            : 'anonymous';
      const rows = await listOwnerPage(db, ownerId, viewerClass, input.query);
      return c.json(rows.map((row) => endpointJsonFor(row, viewer)));
    },
  );

  ctx.routes.add(
    {
      method: 'get',
      path: '/:owner/:slug',
      summary: 'An endpoint by owner/slug',
      tags: TAGS,
      auth: 'opt',
      params: ownerSlugParams,
      responses: {
        200: {
          description: 'Endpoint for the owner and admins, EndpointPublic otherwise',
          schema: EndpointView,
        },
      },
    },
    async (c, input) => {
      const { owner, slug } = input.params;
      if (RESERVED_USERNAMES.has(owner)) return c.notFound();
      const viewer = viewerOf(input.principal);
      return c.json(endpointJsonFor(await readableEndpointByPath(db, owner, slug, viewer), viewer));
    },
  );

  ctx.routes.add(
    {
      method: 'post',
      path: '/:owner/:slug',
      summary: "Invoke an endpoint through the hub (proxied to its owner's satellite)",
      tags: TAGS,
      auth: 'opt',
      scope: 'read',
      params: ownerSlugParams,
      before: [ctx.limits.proxy],
      responses: {
        200: {
          description: "The satellite's JSON (or {raw_response}), with X-Proxy-Latency-Ms",
          schema: InvocationResult,
        },
        502: { description: 'Could not connect to the satellite' },
        504: { description: 'The satellite timed out' },
      },
    },
    async (c, input) => {
      const { owner, slug } = input.params;
      if (RESERVED_USERNAMES.has(owner)) return c.notFound();
      const viewer = viewerOf(input.principal);
      const endpoint = await readableEndpointByPath(db, owner, slug, viewer);
      const outcome = await proxyInvocation(ctx.deps, guard, {
        endpoint,
        caller: input.principal?.user ?? null,
        bodyText: await c.req.text(),
        tenantName: c.req.header('x-tenant-name'),
      });
      if (outcome.latencyMs !== undefined) c.header('X-Proxy-Latency-Ms', String(outcome.latencyMs));
      return c.json(outcome.body, outcome.status);
    },
  );
}
