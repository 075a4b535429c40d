import type { ServerResponse } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { setResponseHeader } from './correlation';
import { unsentNodeResponse } from './node-response';

/** The CSP of API responses; routes that serve HTML (docs, consent pages) set their own. */
export const API_CONTENT_SECURITY_POLICY =
  "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Content-Security-Policy', API_CONTENT_SECURITY_POLICY],
];

/** Puts the headers of {@link securityHeaders} on a Node response whose head is unsent. */
export function setSecurityHeaders(node: ServerResponse): void {
  for (const [name, value] of HEADERS) node.setHeader(name, value);
}

/** Adds nosniff, frame denial, no-referrer and a strict CSP to every response, unless the route set its own. */
export function securityHeaders(): MiddlewareHandler {
  return (c, next) => {
    // Served by Node, they go on the response head before the route runs; a header the route sets wins.
    const node = unsentNodeResponse(c);
    if (node !== undefined) {
      setSecurityHeaders(node);
      return next();
    }
    return next().then(() => {
      for (const [name, value] of HEADERS) {
        if (!c.res.headers.has(name)) setResponseHeader(c, name, value);
      }
    });
  };
}
