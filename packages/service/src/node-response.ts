import type { ServerResponse } from 'node:http';
import type { Context } from 'hono';

/**
 * The Node response behind a request served by @hono/node-server, while its head is still unsent; undefined for
 * requests made in process (`app.request`) or once the head went out.
 *
 * A header set on it before the route runs is cheap (no web `Headers` object is built), and the head the adapter
 * writes later merges the route's own headers over it: a header the route sets itself wins.
 */
export function unsentNodeResponse(c: Context): ServerResponse | undefined {
  const env: unknown = c.env;
  if (typeof env !== 'object' || env === null) return undefined;
  const outgoing = (env as { outgoing?: unknown }).outgoing;
  if (typeof outgoing !== 'object' || outgoing === null || !('setHeader' in outgoing)) return undefined;
  const response = outgoing as ServerResponse;
  return response.headersSent ? undefined : response;
}
