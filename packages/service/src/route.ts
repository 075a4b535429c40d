import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';

/** The route label used when no route matched the request. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The registered pattern of the route that handles (or would have handled) the request, e.g. `/users/:id`, never
 * the raw path. Middleware entries (method ALL) are skipped; with no matching route the answer is "unmatched".
 */
export function matchedRoutePattern(c: Context): string {
  let routes: ReturnType<typeof matchedRoutes>;
  try {
    routes = matchedRoutes(c);
  } catch {
    return UNMATCHED_ROUTE;
  }
  const responding = routes[c.req.routeIndex];
  if (responding && responding.method !== 'ALL') return responding.path;
  // When middleware answered (e.g. 401, 413), report the route that would have handled the request.
  const handler = routes.find((route) => route.method !== 'ALL');
  if (handler) return handler.path;
  // app.all('/x', handler) registers method ALL too; its handler takes no `next`, unlike middleware.
  if (responding && responding.handler.length < 2 && !/^\/?\*$/.test(responding.path)) return responding.path;
  return UNMATCHED_ROUTE;
}
