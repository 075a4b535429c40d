// Renders nginx/nginx.{prod,dev}.conf for processes on this machine instead of compose services: upstreams on
// 127.0.0.1 ports, local listen ports, certificate and web-root paths. Used by the local stack and the tests.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NGINX_DIR = join(REPO_ROOT, 'nginx');

function replaceAll(text, from, to) {
  if (!text.includes(from)) throw new Error(`nginx template no longer contains ${JSON.stringify(from)}`);
  return text.split(from).join(to);
}

/**
 * Writes `<prefix>/nginx.conf` (+ common/ and mime.types) and returns its path.
 * @param {{ variant: 'prod' | 'dev', prefix: string, httpPort: number, httpsPort?: number,
 *   upstreams: { backend: string, aggregator: string, mcp: string, nats?: string, web?: string },
 *   webRoot?: string, certDir?: string }} options
 */
export function renderNginx(options) {
  const { variant, prefix, httpPort, httpsPort, upstreams } = options;
  let conf = readFileSync(join(NGINX_DIR, `nginx.${variant}.conf`), 'utf8');
  conf = replaceAll(conf, 'server backend:8000;', `server ${upstreams.backend};`);
  conf = replaceAll(conf, 'server aggregator:8001;', `server ${upstreams.aggregator};`);
  conf = replaceAll(conf, 'server mcp:8002;', `server ${upstreams.mcp};`);
  // Without a NATS of its own the edge still starts; /nats then answers 502.
  conf = replaceAll(conf, 'server nats:9222;', `server ${upstreams.nats ?? '127.0.0.1:9'};`);
  conf = replaceAll(conf, 'listen 80;', `listen ${httpPort};`);
  conf = replaceAll(conf, 'listen [::]:80;', `listen [::]:${httpPort};`);
  if (variant === 'dev') {
    conf = replaceAll(conf, 'server web:3000;', `server ${upstreams.web ?? '127.0.0.1:3000'};`);
  } else {
    if (!httpsPort || !options.certDir || !options.webRoot)
      throw new Error('prod needs httpsPort, certDir and webRoot');
    conf = replaceAll(conf, 'listen 443 ssl http2;', `listen ${httpsPort} ssl http2;`);
    conf = replaceAll(conf, 'listen [::]:443 ssl http2;', `listen [::]:${httpsPort} ssl http2;`);
    conf = replaceAll(
      conf,
      'return 301 https://$host$request_uri;',
      `return 301 https://$host:${httpsPort}$request_uri;`,
    );
    conf = replaceAll(conf, '/etc/nginx/ssl/', `${options.certDir.replace(/\/?$/, '/')}`);
    conf = replaceAll(conf, 'root /usr/share/nginx/html;', `root ${options.webRoot};`);
    conf = replaceAll(conf, 'root /var/www/certbot;', `root ${join(prefix, 'certbot')};`);
    // Self-signed certificates have no OCSP responder; stapling would only log warnings.
    conf = replaceAll(conf, 'ssl_stapling on;', 'ssl_stapling off;');
    conf = replaceAll(conf, 'ssl_stapling_verify on;', 'ssl_stapling_verify off;');
  }
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  mkdirSync(join(prefix, 'certbot'), { recursive: true });
  cpSync(join(NGINX_DIR, 'common'), join(prefix, 'common'), { recursive: true });
  // Log to a file: the stack runs nginx detached, where /dev/stdout is not always openable.
  const httpConf = join(prefix, 'common', 'http.conf');
  writeFileSync(
    httpConf,
    replaceAll(
      readFileSync(httpConf, 'utf8'),
      'access_log /dev/stdout syfthub_json;',
      'access_log logs/access.log syfthub_json;',
    ),
  );
  const mime = ['/etc/nginx/mime.types', '/usr/local/nginx/conf/mime.types'].find((p) => existsSync(p));
  if (!mime) throw new Error('mime.types not found: is nginx installed?');
  cpSync(mime, join(prefix, 'mime.types'));
  const path = join(prefix, 'nginx.conf');
  writeFileSync(path, conf);
  return path;
}

/** Arguments that run nginx on a rendered prefix without touching /etc/nginx or /var/run. */
export function nginxArgs(prefix, ...extra) {
  return [
    '-p',
    prefix,
    '-c',
    join(prefix, 'nginx.conf'),
    '-g',
    `pid ${join(prefix, 'nginx.pid')}; error_log ${join(prefix, 'logs', 'error.log')} warn;`,
    ...extra,
  ];
}
