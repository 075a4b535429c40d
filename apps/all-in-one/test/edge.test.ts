import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEdge, type FetchHandler } from '../src/edge';

// Each stub answers with its own name and the path it was given, so a test sees where the edge sent a request.
function stub(name: string): FetchHandler {
  return {
    fetch: (request) =>
      new Response(JSON.stringify({ service: name, path: new URL(request.url).pathname }), {
        headers: { 'Content-Type': 'application/json' },
      }),
  };
}

const webRoot = mkdtempSync(join(tmpdir(), 'syfthub-edge-web-'));
mkdirSync(join(webRoot, 'assets'));
writeFileSync(join(webRoot, 'index.html'), '<!doctype html><div id="root"></div>');
writeFileSync(join(webRoot, 'assets', 'app-1234.js'), 'console.log(1)');
writeFileSync(join(webRoot, 'robots.txt'), 'User-agent: *');
chmodSync(webRoot, 0o755);

const edge = createEdge({
  backend: stub('backend'),
  aggregator: stub('aggregator'),
  mcp: stub('mcp'),
  webRoot,
});

async function hit(path: string, init: RequestInit = {}) {
  const res = await edge.fetch(new Request(`http://localhost:8080${path}`, init));
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : undefined;
  return { status: res.status, headers: res.headers, text, json };
}

describe('the all-in-one edge routes like nginx.prod.conf', () => {
  it('sends API, docs and the JWKS to the backend', async () => {
    for (const path of [
      '/api/v1/endpoints/public',
      '/docs',
      '/docs/assets/x.js',
      '/redoc',
      '/openapi.json',
      '/health',
      '/.well-known/jwks.json',
    ]) {
      expect((await hit(path)).json, path).toEqual({ service: 'backend', path });
    }
  });

  it('strips the /aggregator prefix and maps /q', async () => {
    expect((await hit('/aggregator/api/v1/chat/stream', { method: 'POST' })).json).toEqual({
      service: 'aggregator',
      path: '/api/v1/chat/stream',
    });
    expect((await hit('/q?query=x')).json).toEqual({ service: 'aggregator', path: '/api/v1/q' });
  });

  it('sends /mcp, /register and the six OAuth well-known documents to mcp unchanged', async () => {
    for (const path of [
      '/mcp',
      '/mcp/oauth/token',
      '/register',
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-authorization-server',
      '/.well-known/oauth-authorization-server/mcp',
      '/.well-known/openid-configuration',
      '/.well-known/openid-configuration/mcp',
    ]) {
      expect((await hit(path, { headers: { Accept: 'text/html' } })).json, path).toEqual({
        service: 'mcp',
        path,
      });
    }
  });

  it('answers other well-known paths, dot-files and the internal error route with 404 JSON', async () => {
    for (const path of ['/.well-known/security.txt', '/.env', '/api/v1/errors/service-report']) {
      const res = await hit(path);
      expect(res.status, path).toBe(404);
      expect(res.json).toEqual({ detail: 'Not Found' });
    }
  });

  it('dispatches owner paths: API clients to the backend, browsers to the SPA', async () => {
    expect((await hit('/alice/docs', { headers: { Accept: 'application/json' } })).json).toEqual({
      service: 'backend',
      path: '/alice/docs',
    });
    expect((await hit('/alice/docs', { method: 'POST' })).json?.service).toBe('backend');
    const page = await hit('/alice/docs', { headers: { Accept: 'text/html' } });
    expect(page.text).toContain('<div id="root">');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await hit('/a/b/c', { headers: { Accept: 'application/json' } })).text).toContain(
      '<div id="root">',
    );
  });

  it('serves static files with the right cache policy and never escapes the web root', async () => {
    const asset = await hit('/assets/app-1234.js');
    expect(asset.text).toBe('console.log(1)');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await hit('/robots.txt')).headers.get('cache-control')).toBe('no-cache');
    expect((await hit('/assets/missing.js')).status).toBe(404);
    const traversal = await hit('/%2e%2e/%2e%2e/etc/passwd');
    expect(traversal.text).not.toContain('root:');
  });
});

describe("the SPA's Content-Security-Policy", () => {
  // nginx (VM and the web image of Kubernetes) includes nginx/common/spa-csp.conf; the all-in-one reads it too.
  const nginxConf = readFileSync(new URL('../../../nginx/common/spa-csp.conf', import.meta.url), 'utf8');
  const nginxCsp = /add_header Content-Security-Policy "([^"]+)" always;/.exec(nginxConf)?.[1];

  it('loads images only from the hub itself and data: URLs, never from another site (issue 19 defect 9)', async () => {
    const page = await hit('/', { headers: { Accept: 'text/html' } });
    const csp = page.headers.get('content-security-policy') ?? '';
    const directives = new Map(
      csp.split(';').map((part) => {
        const [name = '', ...values] = part.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('img-src')).toEqual(["'self'", 'data:']);
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
  });

  it('is the same at the all-in-one edge as behind nginx', async () => {
    const page = await hit('/', { headers: { Accept: 'text/html' } });
    expect(nginxCsp).toBeDefined();
    expect(page.headers.get('content-security-policy')).toBe(nginxCsp);
  });
});
