import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import type { BackendEnv } from './context';

// Bundled builds ship the viewer assets next to main.js (tsup copies them); development reads node_modules.
function assetPath(name: 'swagger-ui.css' | 'swagger-ui-bundle.js' | 'redoc.standalone.js'): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const shipped = join(here, 'docs-assets', name);
  if (existsSync(shipped)) return shipped;
  const require = createRequire(import.meta.url);
  if (name === 'redoc.standalone.js')
    return join(dirname(require.resolve('redoc/package.json')), 'bundles', name);
  return join(dirname(require.resolve('swagger-ui-dist/package.json')), name);
}

const ASSET_TYPES = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8' } as const;

function page(title: string, head: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">${head}</head><body>${body}</body></html>`;
}

// The viewers need inline styles and (Swagger UI) eval-free scripts from our own origin only.
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; font-src 'self' data:";

/**
 * Serves `/openapi.json`, Swagger UI at `/docs` and ReDoc at `/redoc`, with every asset served locally. The document
 * is read on the first request, so routes registered after these (the root `/{owner}` routes, which must come
 * last) are described too.
 */
export function mountDocs(app: Hono<BackendEnv>, document: () => unknown, title: string): void {
  let json: string | undefined;
  const assets = new Map<string, string>();
  const asset = (name: Parameters<typeof assetPath>[0]) => {
    let text = assets.get(name);
    if (text === undefined) {
      text = readFileSync(assetPath(name), 'utf8');
      assets.set(name, text);
    }
    return text;
  };

  app.get('/openapi.json', (c) => {
    json ??= JSON.stringify(document());
    return c.body(json, 200, { 'Content-Type': 'application/json' });
  });
  app.get('/docs/assets/:name{[a-z.-]+}', (c) => {
    const name = c.req.param('name');
    if (name !== 'swagger-ui.css' && name !== 'swagger-ui-bundle.js' && name !== 'redoc.standalone.js') {
      return c.json({ detail: 'Not Found' }, 404);
    }
    const type = ASSET_TYPES[name.endsWith('.css') ? '.css' : '.js'];
    return c.body(asset(name), 200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=86400' });
  });
  app.get('/docs/init.js', (c) =>
    c.body(
      "window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });",
      200,
      { 'Content-Type': ASSET_TYPES['.js'] },
    ),
  );
  app.get('/docs', (c) =>
    c.html(
      page(
        `${title} – API reference`,
        '<link rel="stylesheet" href="/docs/assets/swagger-ui.css">',
        '<div id="swagger-ui"></div><script src="/docs/assets/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script>',
      ),
      200,
      { 'Content-Security-Policy': DOCS_CSP },
    ),
  );
  app.get('/redoc', (c) =>
    c.html(
      page(
        `${title} – ReDoc`,
        '',
        '<redoc spec-url="/openapi.json"></redoc><script src="/docs/assets/redoc.standalone.js"></script>',
      ),
      200,
      { 'Content-Security-Policy': DOCS_CSP },
    ),
  );
}
