import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

/** Anything that answers fetch-style requests (a Hono app). */
export interface FetchHandler {
  fetch(request: Request, env?: unknown): Response | Promise<Response>;
}

/** The services behind the edge; absent ones answer 503. */
export interface EdgeTargets {
  backend: FetchHandler;
  aggregator: FetchHandler;
  mcp?: FetchHandler;
  /** Built SPA (apps/web/dist); without it `/` explains how to build it. */
  webRoot?: string;
}

const MCP_WELL_KNOWN = new Set([
  '/.well-known/oauth-protected-resource',
  '/.well-known/oauth-protected-resource/mcp',
  '/.well-known/oauth-authorization-server',
  '/.well-known/oauth-authorization-server/mcp',
  '/.well-known/openid-configuration',
  '/.well-known/openid-configuration/mcp',
]);
const BACKEND_EXACT = new Set([
  '/docs',
  '/redoc',
  '/openapi.json',
  '/health',
  '/ready',
  '/metrics',
  '/.well-known/jwks.json',
]);
const OWNER_PATH = /^\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)?$/;
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
};
/** The SPA's CSP, read from the one file nginx (VM and web image) includes, so the two cannot drift. */
const SPA_CSP = (() => {
  const conf = readFileSync(new URL('../../../nginx/common/spa-csp.conf', import.meta.url), 'utf8');
  const csp = /add_header Content-Security-Policy "([^"]+)" always;/.exec(conf)?.[1];
  if (!csp) throw new Error('nginx/common/spa-csp.conf has no Content-Security-Policy header');
  return csp;
})();

function json(status: number, detail: string): Response {
  return new Response(JSON.stringify({ detail }), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

// nginx's `proxy_pass http://aggregator/;` strips the prefix; so does this.
function withoutPrefix(request: Request, prefix: string): Request {
  const url = new URL(request.url);
  url.pathname = url.pathname.slice(prefix.length) || '/';
  return new Request(url, request);
}

/** The same decision as nginx's root dispatch (operations.md §2.3). */
export function wantsOwnerApi(request: Request, pathname: string): boolean {
  if (!OWNER_PATH.test(pathname)) return false;
  if (request.method === 'POST') return true;
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const accept = (request.headers.get('accept') ?? '').toLowerCase();
  return !accept.includes('text/html') && (accept.includes('application/json') || accept.includes('*/*'));
}

async function staticFile(webRoot: string, pathname: string): Promise<Response | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const path = normalize(join(webRoot, decoded));
  if (!path.startsWith(webRoot + sep)) return null;
  try {
    if (!(await stat(path)).isFile()) return null;
  } catch {
    return null;
  }
  const headers: Record<string, string> = {
    'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
  if (path.endsWith('.html')) {
    headers['Content-Security-Policy'] = SPA_CSP;
    headers['X-Frame-Options'] = 'DENY';
  }
  return new Response(await readFile(path), { headers });
}

/** A fetch handler that routes like nginx.prod.conf: services by prefix, the SPA for everything else. */
export function createEdge(targets: EdgeTargets): FetchHandler {
  const mcp = targets.mcp;
  return {
    async fetch(request, env) {
      const { pathname } = new URL(request.url);
      if (pathname === '/api/v1/errors/service-report') return json(404, 'Not Found');
      if (pathname.startsWith('/aggregator/'))
        return targets.aggregator.fetch(withoutPrefix(request, '/aggregator'), env);
      if (pathname === '/q') {
        const url = new URL(request.url);
        url.pathname = '/api/v1/q';
        return targets.aggregator.fetch(new Request(url, request), env);
      }
      if (
        MCP_WELL_KNOWN.has(pathname) ||
        pathname === '/register' ||
        pathname === '/mcp' ||
        pathname.startsWith('/mcp/')
      ) {
        return mcp ? mcp.fetch(request, env) : json(503, 'The MCP service is not running in this hub');
      }
      if (
        pathname.startsWith('/api/') ||
        BACKEND_EXACT.has(pathname) ||
        pathname.startsWith('/docs/') ||
        pathname.startsWith('/redoc/')
      ) {
        return targets.backend.fetch(request, env);
      }
      if (pathname.startsWith('/.well-known/') || /\/\.(?!well-known)/.test(pathname))
        return json(404, 'Not Found');
      if (targets.webRoot && pathname !== '/') {
        const file = await staticFile(targets.webRoot, pathname);
        if (file) return file;
      }
      if (wantsOwnerApi(request, pathname)) return targets.backend.fetch(request, env);
      if (pathname.startsWith('/assets/')) return json(404, 'Not Found');
      if (targets.webRoot) {
        const index = await staticFile(targets.webRoot, '/index.html');
        if (index) return index;
      }
      return new Response(
        'The web app is not built. Run `pnpm --filter @syfthub/web build` (pnpm start does it for you).\n',
        { status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8' } },
      );
    },
  };
}
