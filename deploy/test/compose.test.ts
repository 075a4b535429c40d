// docker-compose.dev.yml and docker-compose.deploy.yml: valid against the Compose specification, internally
// consistent, and consistent with the services they run (variables each one reads, ports, health paths).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Ajv from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_NAMES, APPS, type AppName, defaultPort, loadEnv } from './support/apps';
import {
  environment,
  healthcheckUrl,
  interpolateAll,
  mounts,
  referencedVariables,
  type Service,
  services,
  stringList,
  variable,
} from './support/compose';
import { dockerfileStages } from './support/dockerfile';
import {
  envExampleVariables,
  isObject,
  type JsonObject,
  readRepoFile,
  readYaml,
  repoFileExists,
  repoPath,
} from './support/repo';

const require = createRequire(import.meta.url);
const FILES = ['docker-compose.dev.yml', 'docker-compose.deploy.yml'] as const;

/** The official Compose JSON schema, as shipped by the dclint package (a current copy of compose-spec). */
function composeSchema(): object {
  const dir = dirname(require.resolve('dclint/package.json'));
  return JSON.parse(readFileSync(join(dir, 'schemas', 'compose.schema.json'), 'utf8')) as object;
}

const load = (file: string) => readYaml(repoPath(file));

/** Compose services that run one of our Node apps, and which app. */
const APP_OF_SERVICE: Record<string, AppName> = {
  backend: 'backend',
  migrate: 'backend',
  aggregator: 'aggregator',
  mcp: 'mcp',
  satellite: 'satellite',
};

describe.each(FILES)('%s', (file) => {
  const compose = load(file);
  const svcs = services(compose);

  it('validates against the Compose specification schema', () => {
    // The schema declares draft-07 under its https URL, which Ajv does not register; it is draft-07 all the same.
    const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
    const validate = ajv.compile(composeSchema());
    const valid = validate(compose);
    expect(valid ? [] : validate.errors?.map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
    // The validator is not vacuous: a misspelt key is refused.
    const broken = structuredClone(compose);
    (services(broken).proxy as JsonObject).helthcheck = {};
    expect(validate(broken)).toBe(false);
  });

  it('uses only variables that .env.example defines', () => {
    const defined = envExampleVariables();
    const missing = [...referencedVariables(compose)].filter((name) => !defined.has(name));
    expect(missing).toEqual([]);
  });

  it('depends only on services that exist, with conditions they can meet', () => {
    for (const [name, svc] of Object.entries(svcs)) {
      const deps = svc.depends_on;
      if (deps === undefined) continue;
      const entries = Array.isArray(deps)
        ? deps.map((d) => [String(d), 'service_started'] as const)
        : Object.entries(deps as JsonObject).map(
            ([d, spec]) => [d, String((spec as JsonObject).condition ?? 'service_started')] as const,
          );
      for (const [dep, condition] of entries) {
        expect(svcs[dep], `${name} depends on unknown ${dep}`).toBeDefined();
        expect(dep).not.toBe(name);
        if (condition === 'service_healthy') {
          expect(
            svcs[dep]?.healthcheck,
            `${name} waits for ${dep} to be healthy, which has no healthcheck`,
          ).toBeDefined();
        }
        if (condition === 'service_completed_successfully') {
          expect(svcs[dep]?.restart, `${dep} must be a one-shot job`).toBe('no');
        }
      }
    }
  });

  it('declares every named volume and network it uses, and uses every one it declares', () => {
    const declaredVolumes = new Set(Object.keys((compose.volumes as JsonObject | undefined) ?? {}));
    const declaredNetworks = new Set(Object.keys((compose.networks as JsonObject | undefined) ?? {}));
    const usedVolumes = new Set<string>();
    const usedNetworks = new Set<string>();
    for (const [name, svc] of Object.entries(svcs)) {
      for (const m of mounts(svc)) {
        if (m.kind === 'volume') {
          expect(declaredVolumes.has(m.source), `${name} mounts undeclared volume ${m.source}`).toBe(true);
          usedVolumes.add(m.source);
        }
      }
      for (const net of stringList(svc.networks)) {
        expect(declaredNetworks.has(net), `${name} joins undeclared network ${net}`).toBe(true);
        usedNetworks.add(net);
      }
    }
    expect([...declaredVolumes].filter((v) => !usedVolumes.has(v))).toEqual([]);
    expect([...declaredNetworks].filter((n) => !usedNetworks.has(n))).toEqual([]);
  });

  it('bind-mounts files and folders that exist in the repository (or are made on the VM)', () => {
    // Made on the VM by the operator (docs/deployment.md): certificates, the ACME webroot, a satellite catalogue.
    const vmOnly = new Set(['./nginx/ssl', './certbot/www', './satellite']);
    for (const [name, svc] of Object.entries(svcs)) {
      for (const m of mounts(svc).filter((x) => x.kind === 'bind')) {
        if (vmOnly.has(m.source)) continue;
        expect(repoFileExists(m.source), `${name} mounts ${m.source}`).toBe(true);
      }
    }
  });

  it('builds from Dockerfiles and targets that exist', () => {
    for (const [name, svc] of Object.entries(svcs)) {
      if (!isObject(svc.build)) continue;
      const dockerfile = String(svc.build.dockerfile);
      expect(String(svc.build.context)).toBe('.');
      expect(repoFileExists(dockerfile), `${name}: ${dockerfile}`).toBe(true);
      if (svc.build.target !== undefined) {
        expect(dockerfileStages(dockerfile).map((s) => s.name)).toContain(String(svc.build.target));
      }
    }
  });

  it("passes each Node service only variables that service's env schema reads", async () => {
    for (const [name, app] of Object.entries(APP_OF_SERVICE)) {
      const svc = svcs[name];
      if (!svc) continue;
      const { keys } = await loadEnv(app);
      const unknown = Object.keys(environment(svc)).filter((key) => !keys.has(key));
      expect(unknown, `${name} is given variables apps/${app}/src/env.ts does not read`).toEqual([]);
    }
  });

  it("probes each Node service's health on its real port and path", async () => {
    for (const [name, app] of Object.entries(APP_OF_SERVICE)) {
      const svc = svcs[name];
      if (!svc || name === 'migrate') continue;
      const url = healthcheckUrl(svc);
      expect(url, `${name} has an HTTP healthcheck`).not.toBeNull();
      expect(Number(url?.port), `${name} port`).toBe(await defaultPort(app));
      // compose gates dependants on readiness (operations.md §7), except the satellite, which has only /health.
      const expected = name === 'aggregator' ? '/health' : APPS[app].readyPath;
      expect(url?.pathname, `${name} health path`).toBe(expected);
    }
  });

  it('runs the proxy on the nginx config, with the mounts that config expects', () => {
    const proxy = svcs.proxy!;
    const variant = file.includes('dev') ? 'dev' : 'prod';
    const targets = new Map(mounts(proxy).map((m) => [m.target, m]));
    expect(targets.get('/etc/nginx/nginx.conf')?.source).toBe(`./nginx/nginx.${variant}.conf`);
    expect(targets.get('/etc/nginx/common')?.source).toBe('./nginx/common');
    for (const m of mounts(proxy)) expect(m.readOnly, `${m.target} read-only`).toBe(true);
    const conf = readRepoFile('nginx', `nginx.${variant}.conf`);
    // Every upstream nginx names is a compose service (ports: 'nginx upstream ports' below).
    for (const [, host] of conf.matchAll(/server ([a-z-]+):\d+;/g)) {
      expect(svcs[host!], `nginx upstream ${host}`).toBeDefined();
    }
    if (variant === 'prod') {
      expect(conf).toContain('ssl_certificate /etc/nginx/ssl/cert.pem;');
      expect(targets.get('/etc/nginx/ssl')?.source).toBe('./nginx/ssl');
      expect(conf).toContain('root /var/www/certbot;');
      expect(targets.get('/var/www/certbot')?.source).toBe('./certbot/www');
      expect(conf).toContain('root /usr/share/nginx/html;');
      expect(targets.get('/usr/share/nginx/html')?.source).toBe('frontend_dist');
    }
  });
});

describe('nginx upstream ports', () => {
  it('match the services’ default ports', async () => {
    for (const variant of ['dev', 'prod']) {
      const conf = readRepoFile('nginx', `nginx.${variant}.conf`);
      for (const app of ['backend', 'aggregator', 'mcp'] as const) {
        expect(conf).toContain(`server ${app}:${await defaultPort(app)};`);
      }
    }
  });
});

describe('docker-compose.dev.yml', () => {
  const svcs = services(load('docker-compose.dev.yml'));

  it('has the development topology of operations.md §3.2', () => {
    expect(Object.keys(svcs).sort()).toEqual(
      ['aggregator', 'backend', 'db', 'mcp', 'nats', 'proxy', 'redis', 'satellite', 'web'].sort(),
    );
    expect(stringList(svcs.proxy!.ports)).toEqual(['8080:80']);
    expect(stringList(svcs.db!.ports)).toEqual(['5432:5432']);
    expect(stringList(svcs.web!.ports)).toEqual(['3000:3000']);
    expect(svcs.db!.image).toBe('postgres:16-alpine');
    expect(svcs.redis!.image).toBe('redis:7-alpine');
    expect(stringList(svcs.redis!.command)).toContain('--appendonly');
    expect(svcs.proxy!.image).toBe('nginx:1.27-alpine');
  });

  it('runs the apps from their dev targets with the sources mounted read-only for hot reload', () => {
    for (const name of ['backend', 'aggregator', 'mcp', 'web', 'satellite']) {
      const svc = svcs[name]!;
      expect((svc.build as JsonObject).target, name).toBe('dev');
      const app = name;
      const own = mounts(svc).find((m) => m.source === `./apps/${app}/src`);
      expect(own?.target, `${name} mounts its src`).toBe(`/repo/apps/${app}/src`);
      for (const m of mounts(svc).filter((x) => x.kind === 'bind')) {
        expect(m.readOnly, `${name}: ${m.source}`).toBe(true);
        expect(m.target).toBe(`/repo/${m.source.slice(2)}`);
      }
    }
  });

  it('mounts the sources of every workspace package each app bundles', () => {
    for (const app of ['backend', 'aggregator', 'mcp', 'satellite', 'web']) {
      const pkg = JSON.parse(readRepoFile('apps', app, 'package.json')) as {
        dependencies?: Record<string, string>;
      };
      const sources = new Set(mounts(svcs[app]!).map((m) => m.source));
      for (const dep of Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith('@syfthub/'))) {
        const dir = dep.replace('@syfthub/', '');
        expect(sources.has(`./packages/${dir}/src`), `${app} mounts packages/${dir}/src`).toBe(true);
      }
    }
  });

  it('gates start-up on health as operations.md §3.2 lists', () => {
    const healthy = (svc: Service) =>
      Object.entries((svc.depends_on as JsonObject | undefined) ?? {})
        .filter(([, spec]) => (spec as JsonObject).condition === 'service_healthy')
        .map(([dep]) => dep)
        .sort();
    expect(healthy(svcs.backend!)).toEqual(['db', 'redis']);
    expect(healthy(svcs.aggregator!)).toEqual(['backend']);
    expect(healthy(svcs.mcp!)).toEqual(['aggregator', 'backend']);
    expect(healthy(svcs.satellite!)).toEqual(['backend']);
    expect(healthy(svcs.proxy!)).toEqual(['aggregator', 'backend', 'mcp', 'nats']);
  });

  it('gives every service a configuration its env schema accepts', async () => {
    const compose = interpolateAll(load('docker-compose.dev.yml'), () => undefined);
    const resolved = services(compose);
    for (const app of APP_NAMES) {
      const { parse } = await loadEnv(app);
      expect(() => parse(environment(resolved[app]!)), app).not.toThrow();
    }
  });

  it('serves the web dev server with the variables Vite reads', () => {
    const viteConfig = readRepoFile('apps', 'web', 'vite.config.ts');
    const sources = readRepoFile('apps', 'web', 'src', 'config.ts');
    for (const key of Object.keys(environment(svcs.web!))) {
      const read = key.startsWith('VITE_')
        ? sources.includes(`VITE_${key.slice(5)}`)
        : viteConfig.includes(key);
      expect(read, `apps/web reads ${key}`).toBe(true);
    }
  });
});

describe('docker-compose.deploy.yml', () => {
  const raw = load('docker-compose.deploy.yml');
  const svcs = services(raw);
  const APP_SERVICES = ['backend', 'aggregator', 'mcp', 'satellite'];

  /** A production .env of the shape docs/deployment.md has operators write. */
  const productionEnv: Record<string, string> = {
    GITHUB_REPOSITORY: 'openmined/syfthub',
    IMAGE_TAG: 'abc1234',
    DOMAIN: 'hub.example.org',
    SECRET_KEY: 'a'.repeat(64),
    DB_PASSWORD: 'db-secret',
    REDIS_PASSWORD: 'redis-secret',
    RSA_PRIVATE_KEY_PEM: 'cHJpdmF0ZQ==',
    RSA_PUBLIC_KEY_PEM: 'cHVibGlj',
    MCP_RSA_PRIVATE_KEY_PEM: 'bWNwLXByaXZhdGU=',
    MCP_TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    INTERNAL_SERVICE_TOKEN: 'b'.repeat(64),
    NATS_AUTH_TOKEN: 'n'.repeat(43),
    LOG_LEVEL: 'info',
  };
  let resolved: Record<string, Service>;
  beforeAll(() => {
    resolved = services(interpolateAll(raw, (name) => productionEnv[name]));
  });

  it('refuses to start without the secrets instead of running with empty ones', () => {
    for (const required of [
      'SECRET_KEY',
      'DB_PASSWORD',
      'REDIS_PASSWORD',
      'DOMAIN',
      'MCP_TOKEN_ENCRYPTION_KEYS',
      'NATS_AUTH_TOKEN',
    ]) {
      const env = { ...productionEnv };
      delete env[required];
      expect(() => interpolateAll(raw, (name) => env[name]), required).toThrow(/required variable/);
    }
  });

  it('gives every Node service a production configuration its env schema accepts', async () => {
    for (const name of APP_SERVICES) {
      const app = APP_OF_SERVICE[name]!;
      const env = environment(resolved[name]!);
      expect(env.ENVIRONMENT, name).toBe('production');
      const { parse } = await loadEnv(app);
      expect(() => parse(env), name).not.toThrow();
    }
    expect(environment(resolved.migrate!).DATABASE_URL).toBe('postgres://syfthub:db-secret@db:5432/syfthub');
  });

  it('wires the services to each other and to the public domain as operations.md §5 lists', () => {
    const backend = environment(resolved.backend!);
    expect(backend.ISSUER_URL).toBe('https://hub.example.org');
    expect(backend.CORS_ORIGINS).toBe('https://hub.example.org');
    expect(backend.REDIS_URL).toBe('redis://:redis-secret@redis:6379/0');
    expect(backend.AUTO_GENERATE_RSA_KEYS).toBe('false');
    expect(backend.MIGRATE_ON_START).toBe('false');
    const mcp = environment(resolved.mcp!);
    expect(mcp.OAUTH_ISSUER).toBe('https://hub.example.org/mcp');
    expect(mcp.SYFTHUB_URL).toBe('http://backend:8000');
    expect(mcp.AGGREGATOR_URL).toBe('http://aggregator:8001');
    expect(mcp.MCP_AUTO_GENERATE_RSA_KEYS).toBe('false');
    expect(environment(resolved.aggregator!).AGGREGATOR_SYFTHUB_URL).toBe('http://backend:8000');
    expect(environment(resolved.satellite!).SYFTHUB_ISSUER).toBe(backend.ISSUER_URL);
  });

  it('runs the GHCR image of each service at IMAGE_TAG', () => {
    const images: Record<string, string> = {
      backend: 'backend',
      aggregator: 'aggregator',
      mcp: 'mcp',
      satellite: 'satellite',
      migrate: 'backend',
      'frontend-init': 'web',
    };
    for (const [name, image] of Object.entries(images)) {
      expect(svcs[name]?.image, name).toBe(`ghcr.io/\${GITHUB_REPOSITORY}-${image}:\${IMAGE_TAG:-latest}`);
    }
    expect(svcs.migrate!.command).toEqual(['node', 'dist/migrate.js']);
    expect(svcs['frontend-init']!.command).toEqual(['copy-spa', '/spa']);
  });

  it('publishes ports only on the proxy, and keeps the data layer on an internal network', () => {
    for (const [name, svc] of Object.entries(svcs)) {
      if (name !== 'proxy') expect(svc.ports, name).toBeUndefined();
    }
    expect(stringList(svcs.proxy!.ports)).toEqual(['80:80', '443:443']);
    const networks = raw.networks as JsonObject;
    expect((networks.data as JsonObject).internal).toBe(true);
    expect(stringList(svcs.db!.networks)).toEqual(['data']);
    expect(stringList(svcs.redis!.networks)).toEqual(['data']);
    expect(stringList(svcs.proxy!.networks)).not.toContain('data');
    // Whatever talks to the database or Redis is on the data network.
    for (const name of ['backend', 'aggregator', 'mcp', 'migrate', 'backup']) {
      expect(stringList(svcs[name]!.networks), name).toContain('data');
    }
  });

  it('applies restart, log rotation and no-new-privileges to every service', () => {
    for (const [name, svc] of Object.entries(svcs)) {
      const oneShot = ['frontend-init', 'migrate'].includes(name);
      expect(svc.restart, name).toBe(oneShot ? 'no' : 'unless-stopped');
      expect(svc.logging, name).toEqual({
        driver: 'json-file',
        options: { 'max-size': '50m', 'max-file': '3' },
      });
      expect(stringList(svc.security_opt), name).toContain('no-new-privileges:true');
    }
  });

  it('runs the app containers read-only, without capabilities', () => {
    for (const name of [...APP_SERVICES, 'migrate', 'frontend-init', 'proxy']) {
      expect(svcs[name]!.read_only, name).toBe(true);
    }
    for (const name of [...APP_SERVICES, 'migrate', 'frontend-init']) {
      expect(stringList(svcs[name]!.cap_drop), name).toEqual(['ALL']);
    }
  });

  it('sets resource limits (operations.md §3.3) and reservations (the deployment guide)', () => {
    const expected: Record<string, [string, string, string?, string?]> = {
      proxy: ['1', '256M', '0.1', '64M'],
      'frontend-init': ['0.25', '64M'],
      backend: ['2', '1G', '0.5', '256M'],
      aggregator: ['2', '1G', '0.25', '128M'],
      mcp: ['1', '512M', '0.25', '128M'],
      satellite: ['1', '512M', '0.25', '128M'],
      db: ['2', '2G', '0.25', '128M'],
      redis: ['0.5', '256M', '0.1', '64M'],
      nats: ['1', '512M', '0.1', '64M'],
      migrate: ['0.5', '256M'],
      backup: ['0.5', '256M'],
    };
    expect(Object.keys(expected).sort()).toEqual(Object.keys(svcs).sort());
    for (const [name, [cpus, memory, rCpus, rMemory]] of Object.entries(expected)) {
      const resources = (svcs[name]!.deploy as JsonObject).resources as JsonObject;
      expect(resources.limits, name).toEqual({ cpus, memory });
      if (rCpus) expect(resources.reservations, name).toEqual({ cpus: rCpus, memory: rMemory });
    }
  });

  it('has the migrate, backup and satellite profiles and nothing else behind profiles', () => {
    const profiled = Object.entries(svcs)
      .filter(([, svc]) => svc.profiles !== undefined)
      .map(([name, svc]) => [name, stringList(svc.profiles)]);
    expect(Object.fromEntries(profiled)).toEqual({
      migrate: ['migrate'],
      backup: ['backup'],
      satellite: ['satellite'],
    });
  });

  it('runs Redis with a password, AOF and no eviction, and PostgreSQL on a volume with the backup folder', () => {
    const command = stringList(svcs.redis!.command).join(' ');
    expect(command).toContain(`--requirepass ${variable('REDIS_PASSWORD')}`);
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
    expect(environment(svcs.redis!).REDISCLI_AUTH).toBe(variable('REDIS_PASSWORD'));
    const db = mounts(svcs.db!);
    expect(db).toContainEqual(
      expect.objectContaining({ source: 'pgdata', target: '/var/lib/postgresql/data' }),
    );
    expect(db).toContainEqual(expect.objectContaining({ source: './backup', target: '/backup' }));
  });

  it('backs up with backup-loop.sh into ./backup with the settings it reads', () => {
    const backup = svcs.backup!;
    expect(backup.image).toBe('postgres:16-alpine');
    expect(backup.entrypoint).toEqual(['bash', '/scripts/backup-loop.sh']);
    expect(mounts(backup)).toContainEqual(
      expect.objectContaining({
        source: './deploy/scripts/backup-loop.sh',
        target: '/scripts/backup-loop.sh',
      }),
    );
    expect(mounts(backup)).toContainEqual(expect.objectContaining({ source: './backup', target: '/backup' }));
    const script = readRepoFile('deploy', 'scripts', 'backup-loop.sh');
    for (const key of Object.keys(environment(backup))) {
      const libpq = ['PGHOST', 'PGUSER', 'PGDATABASE', 'PGPASSWORD'].includes(key);
      expect(libpq || script.includes(`${key}=`), `backup-loop.sh reads ${key}`).toBe(true);
    }
  });

  it('starts the proxy after the SPA copy and healthy services, and the services in dependency order', () => {
    const deps = (name: string) => (svcs[name]!.depends_on as JsonObject) ?? {};
    expect(deps('proxy')['frontend-init']).toEqual({ condition: 'service_completed_successfully' });
    for (const dep of ['backend', 'aggregator', 'mcp', 'nats']) {
      expect(deps('proxy')[dep]).toEqual({ condition: 'service_healthy' });
    }
    expect(Object.keys(deps('backend')).sort()).toEqual(['db', 'redis']);
    expect(Object.keys(deps('aggregator'))).toEqual(['backend']);
    expect(Object.keys(deps('mcp')).sort()).toEqual(['aggregator', 'backend']);
    const spa = mounts(svcs['frontend-init']!);
    expect(spa).toEqual([
      expect.objectContaining({ source: 'frontend_dist', target: '/spa', readOnly: false }),
    ]);
  });

  it('runs NATS from the project config (mode A or A′) with monitoring health, a JetStream volume, no public port', () => {
    const nats = svcs.nats!;
    expect(nats.image).toBe('nats:2.10-alpine');
    expect(resolved.nats!.command).toEqual(['nats-server', '--config', '/etc/nats/syfthub/nats.conf']);
    expect(nats.ports).toBeUndefined();
    expect(healthcheckUrl(nats)?.toString()).toBe('http://127.0.0.1:8222/healthz');
    expect(mounts(nats)).toContainEqual(expect.objectContaining({ source: 'natsdata', target: '/data' }));
    const env = environment(resolved.nats!);
    expect(env).toMatchObject({ NATS_PORT: '4222', NATS_MONITOR_PORT: '8222', NATS_WS_PORT: '9222' });
    expect(env.NATS_AUTH_TOKEN).toBe(productionEnv.NATS_AUTH_TOKEN);
    expect(env.NATS_STORE_DIR).toBe('/data/jetstream');
    // Every variable the config reads is set (nats-server has no defaults for them).
    for (const config of ['nats.conf', 'nats.split.conf']) {
      for (const [, name] of readRepoFile('nats', config).matchAll(/\$([A-Z_]+)/g)) {
        expect(env[name!], `${config} reads ${name}`).toBeDefined();
      }
    }
    expect(mounts(nats)).toContainEqual(
      expect.objectContaining({ source: './nats', target: '/etc/nats/syfthub', readOnly: true }),
    );
    const backend = environment(resolved.backend!);
    expect(backend.NATS_AUTH_TOKEN).toBe(productionEnv.NATS_AUTH_TOKEN);
    expect(backend.NATS_URL).toBe('nats://nats:4222');
    expect(backend.NATS_MONITOR_URL).toBe('http://nats:8222');
    const aggregator = environment(resolved.aggregator!);
    expect(aggregator.AGGREGATOR_NATS_URL).toBe('nats://nats:4222');
    expect(aggregator.AGGREGATOR_NATS_AUTH_TOKEN).toBe(productionEnv.NATS_AUTH_TOKEN);
    expect(stringList(nats.networks)).toEqual(['edge']);
  });
});
