// The web image's two jobs, run for real: copy-spa (the compose frontend-init) on a volume-like directory,
// and its nginx config (the Kubernetes web Deployment) serving the SPA and the root dispatch.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeRequest } from './support/edge-request';
import { echoUpstream, freePort, NGINX, portOf, runsWithNginx, waitForNginx } from './support/nginx-harness';
import { readRepoFile, repoPath } from './support/repo';

const MiB = 1024 * 1024;

const COPY_SPA = repoPath('deploy', 'web', 'copy-spa.sh');

function release(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'syfthub-spa-release-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

function copySpa(source: string, dest: string) {
  // sh, not bash: the image runs it with busybox.
  return spawnSync('sh', [COPY_SPA, dest], { env: { ...process.env, SPA_SOURCE: source }, encoding: 'utf8' });
}

const listFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();

describe('copy-spa (frontend-init)', () => {
  it('installs each release, keeps the previous release’s assets and drops older ones', () => {
    const dest = mkdtempSync(join(tmpdir(), 'syfthub-spa-volume-'));
    const r1 = release({ 'index.html': 'v1', 'assets/app-1.js': '1', 'favicon.svg': '<svg/>' });
    const r2 = release({ 'index.html': 'v2', 'assets/app-2.js': '2', 'favicon.svg': '<svg/>' });
    const r3 = release({
      'index.html': 'v3',
      'assets/app-3.js': '3',
      'assets/app-3.css': 'c',
      'favicon.svg': '<svg/>',
    });

    expect(copySpa(r1, dest).status).toBe(0);
    expect(listFiles(dest)).toEqual(['assets/app-1.js', 'favicon.svg', 'index.html']);
    expect(copySpa(r2, dest).status).toBe(0);
    expect(readFileSync(join(dest, 'index.html'), 'utf8')).toBe('v2');
    expect(listFiles(dest)).toEqual(['assets/app-1.js', 'assets/app-2.js', 'favicon.svg', 'index.html']);
    const third = copySpa(r3, dest);
    expect(third.status).toBe(0);
    expect(third.stdout).toContain('removed 1 assets');
    expect(listFiles(dest)).toEqual([
      'assets/app-2.js',
      'assets/app-3.css',
      'assets/app-3.js',
      'favicon.svg',
      'index.html',
    ]);
    expect(readFileSync(join(dest, 'index.html'), 'utf8')).toBe('v3');
    // No temporary files are left behind.
    expect(readdirSync(dest).filter((f) => f.includes('copy-spa'))).toEqual([]);
  });

  it('fails without a bundle or a writable destination, changing nothing', () => {
    const dest = mkdtempSync(join(tmpdir(), 'syfthub-spa-volume-'));
    const empty = mkdtempSync(join(tmpdir(), 'syfthub-spa-empty-'));
    const noBundle = copySpa(empty, dest);
    expect(noBundle.status).toBe(1);
    expect(noBundle.stderr).toContain('no index.html');
    expect(readdirSync(dest)).toEqual([]);
    const missing = copySpa(release({ 'index.html': 'x' }), join(dest, 'nope'));
    expect(missing.status).toBe(1);
  });
});

const get = (port: number, path: string, headers: Record<string, string> = {}, method = 'GET') =>
  edgeRequest({ port, path, headers, method, tls: false });

describe.runIf(runsWithNginx())('web image nginx (Kubernetes)', () => {
  const prefix = mkdtempSync(join(tmpdir(), 'syfthub-web-nginx-'));
  const html = mkdtempSync(join(tmpdir(), 'syfthub-web-html-'));
  let backend: Server;
  let nginx: ReturnType<typeof spawn> | undefined;
  let port = 0;

  beforeAll(async () => {
    writeFileSync(join(html, 'index.html'), '<!doctype html><title>SPA</title>');
    mkdirSync(join(html, 'assets'));
    writeFileSync(join(html, 'assets', 'app-abc.js'), 'console.log(1)');
    chmodSync(html, 0o755);
    chmodSync(join(html, 'assets'), 0o755);
    // Workers buffer large request bodies in the prefix's temp directories.
    chmodSync(prefix, 0o755);
    backend = await echoUpstream('backend');
    port = await freePort();
    // The image's config, pointed at this machine: the same substitutions the image's paths need.
    let conf = readRepoFile('deploy', 'web', 'nginx.conf');
    const swap = (from: string, to: string) => {
      if (!conf.includes(from)) throw new Error(`deploy/web/nginx.conf no longer contains ${from}`);
      conf = conf.split(from).join(to);
    };
    swap('server backend:8000;', `server 127.0.0.1:${portOf(backend)};`);
    swap('listen 8080;', `listen 127.0.0.1:${port};`);
    swap('root /usr/share/nginx/html;', `root ${html};`);
    swap('pid /tmp/nginx.pid;', `pid ${join(prefix, 'nginx.pid')};`);
    // Here the "ingress controller" is this test, on loopback.
    swap('set_real_ip_from 10.0.0.0/8;', 'set_real_ip_from 10.0.0.0/8;\n  set_real_ip_from 127.0.0.0/8;');
    conf = conf.replace(/(\w+_temp_path) \/tmp\//g, `$1 ${prefix}/`);
    cpSync(repoPath('nginx', 'common'), join(prefix, 'common'), { recursive: true });
    const httpConf = join(prefix, 'common', 'http.conf');
    writeFileSync(
      httpConf,
      readFileSync(httpConf, 'utf8').replace('access_log /dev/stdout syfthub_json;', 'access_log off;'),
    );
    cpSync('/etc/nginx/mime.types', join(prefix, 'mime.types'));
    mkdirSync(join(prefix, 'logs'));
    writeFileSync(join(prefix, 'nginx.conf'), conf);
    const args = [
      '-p',
      prefix,
      '-c',
      join(prefix, 'nginx.conf'),
      '-g',
      `error_log ${join(prefix, 'logs', 'error.log')} warn;`,
    ];
    execFileSync(NGINX, [...args, '-t'], { stdio: 'pipe' });
    nginx = spawn(NGINX, [...args, '-g', 'daemon off;'], { stdio: 'ignore' });
    await waitForNginx(port);
  });

  afterAll(async () => {
    nginx?.kill('SIGQUIT');
    await new Promise((r) => backend?.close(r));
  });

  it('serves the SPA to browsers, with its CSP and no caching of index.html', async () => {
    for (const path of ['/', '/alice', '/alice/legal-docs', '/settings/tokens/new']) {
      const res = await get(port, path, { Accept: 'text/html,application/xhtml+xml,*/*' });
      expect(res.status, path).toBe(200);
      expect(res.body).toContain('<title>SPA</title>');
      expect(String(res.headers['content-security-policy'])).toContain("default-src 'self'");
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
  });

  it('sends API-style requests on /{owner}[/{slug}] to the backend, with the client address', async () => {
    const json = await get(port, '/alice/legal-docs', {
      Accept: 'application/json',
      'X-Real-IP': '203.0.113.9',
    });
    expect(JSON.parse(json.body)).toMatchObject({
      upstream: 'backend',
      url: '/alice/legal-docs',
      realIp: '203.0.113.9',
    });
    const post = await get(port, '/alice/model', { Accept: 'text/html' }, 'POST');
    expect(JSON.parse(post.body)).toMatchObject({ upstream: 'backend', method: 'POST' });
    const curl = await get(port, '/alice', { Accept: '*/*' });
    expect(JSON.parse(curl.body)).toMatchObject({ upstream: 'backend' });
  });

  it('caches hashed assets for a year', async () => {
    const res = await get(port, '/assets/app-abc.js');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await get(port, '/assets/missing.js')).status).toBe(404);
  });

  it('refuses what the edge refuses: readiness, metrics, other well-known paths, dot-files, the service report', async () => {
    for (const path of [
      '/ready',
      '/metrics',
      '/metrics/x',
      '/aggregator/ready',
      '/aggregator/metrics',
      '/AGGREGATOR/Metrics/x',
      '/.well-known/security.txt',
      '/.env',
      '/api/v1/errors/service-report',
    ]) {
      const res = await get(port, path, { Accept: 'application/json' });
      expect(res.status, path).toBe(404);
      expect(JSON.parse(res.body), path).toEqual({ detail: 'Not Found' });
    }
  });

  it("refuses bodies over the backend's 1 MiB in its JSON shape and forwards ones within it", async () => {
    const path = '/alice/model';
    const over = await edgeRequest({
      port,
      path,
      method: 'POST',
      tls: false,
      headers: { 'Content-Length': String(MiB + 1) },
    });
    expect(over.status).toBe(413);
    expect(JSON.parse(over.body)).toEqual({ detail: 'Request body too large' });
    const within = await edgeRequest({ port, path, method: 'POST', tls: false, body: 'x'.repeat(MiB) });
    expect(JSON.parse(within.body)).toMatchObject({ upstream: 'backend', bodyBytes: MiB });
  });
});
