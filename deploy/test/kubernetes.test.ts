// deploy/kubernetes: the base and the overlays render (test/support/kustomize.ts), every object is a valid
// Kubernetes object (the API's schemas, and no unknown fields), and each Deployment matches the service it runs:
// the variables it reads, its port, the paths it answers for liveness and readiness.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { APPS, type AppName, defaultPort, loadEnv, tsupEntries } from './support/apps';
import { BODY_LIMITS } from './support/body-limits';
import { build, containers, getPath, type Resource } from './support/kustomize';
import { isObject, type Json, type JsonObject, readYamlDocuments, repoPath } from './support/repo';

const KUSTOMIZATIONS = ['base', 'overlays/production', 'overlays/staging'] as const;
const rendered = Object.fromEntries(
  KUSTOMIZATIONS.map((k) => [k, build(repoPath('deploy', 'kubernetes', k))]),
) as Record<(typeof KUSTOMIZATIONS)[number], Resource[]>;

const find = (resources: Resource[], kind: string, name: string): Resource => {
  const found = resources.find((r) => r.kind === kind && r.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found;
};
const ofKind = (resources: Resource[], kind: string) => resources.filter((r) => r.kind === kind);

/** The kinds the manifests use, with the model that validates each against the API's schema. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/CronJob': CronJob,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Secret': Secret,
  'v1/Service': Service,
};
const modelPath = (r: Resource) => `${r.apiVersion}/${r.kind}`;

function validateObject(r: Resource): void {
  const Model = MODELS[modelPath(r)];
  if (!Model) throw new Error(`${modelPath(r)} is not a kind these manifests are expected to use`);
  new Model(r as never).validate();
}

const secretExampleResource = () =>
  readYamlDocuments(repoPath('deploy', 'kubernetes', 'base', 'secret.example.yaml'))[0] as Resource;

const secretExample = (secretExampleResource().stringData ?? {}) as Record<string, string>;

const APP_DEPLOYMENTS: Record<string, AppName> = {
  backend: 'backend',
  aggregator: 'aggregator',
  mcp: 'mcp',
  satellite: 'satellite',
};

interface Probe {
  httpGet?: { path?: string; port?: string | number };
}
interface Container extends JsonObject {
  name: string;
  image: string;
}
const podSpec = (r: Resource): JsonObject =>
  (getPath(r, 'spec.template.spec') ?? getPath(r, 'spec.jobTemplate.spec.template.spec')) as JsonObject;
const mainContainer = (r: Resource) => containers(r)[0] as Container;

/** What a container's environment holds: ConfigMap data (envFrom), literal values and Secret references. */
function containerEnv(
  resources: Resource[],
  c: Container,
): { values: Record<string, string>; secrets: JsonObject[] } {
  const values: Record<string, string> = {};
  const secrets: JsonObject[] = [];
  for (const from of (c.envFrom ?? []) as JsonObject[]) {
    const ref = from.configMapRef as JsonObject;
    const cm = find(resources, 'ConfigMap', String(ref.name));
    Object.assign(values, cm.data as Record<string, string>);
  }
  for (const entry of (c.env ?? []) as JsonObject[]) {
    if (typeof entry.value === 'string') values[String(entry.name)] = entry.value;
    const secret = getPath(entry, 'valueFrom.secretKeyRef');
    if (isObject(secret)) {
      secrets.push(secret);
      values[String(entry.name)] = secretExample[String(secret.key)] ?? '';
    }
  }
  return { values, secrets };
}

describe.each(KUSTOMIZATIONS)('deploy/kubernetes/%s', (name) => {
  const resources = rendered[name];

  it('renders objects the Kubernetes API schemas accept', () => {
    expect(resources.length).toBeGreaterThan(10);
    for (const r of resources) {
      expect(() => validateObject(r), `${r.kind}/${r.metadata.name}`).not.toThrow();
    }
  });

  it('puts every namespaced object in the syfthub namespace', () => {
    for (const r of resources) {
      expect(r.metadata.namespace, `${r.kind}/${r.metadata.name}`).toBe(
        r.kind === 'Namespace' ? undefined : 'syfthub',
      );
    }
    const ns = find(resources, 'Namespace', 'syfthub');
    expect((ns.metadata.labels as JsonObject)['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('runs every pod non-root, read-only, without capabilities, with resource requests and limits', () => {
    for (const r of resources.filter((x) =>
      ['Deployment', 'StatefulSet', 'Job', 'CronJob'].includes(x.kind),
    )) {
      const pod = podSpec(r);
      const id = `${r.kind}/${r.metadata.name}`;
      expect(getPath(pod, 'securityContext.runAsNonRoot'), id).toBe(true);
      expect(getPath(pod, 'securityContext.seccompProfile.type'), id).toBe('RuntimeDefault');
      expect(pod.automountServiceAccountToken, id).toBe(false);
      for (const c of containers(r)) {
        expect(getPath(c, 'securityContext.readOnlyRootFilesystem'), id).toBe(true);
        expect(getPath(c, 'securityContext.allowPrivilegeEscalation'), id).toBe(false);
        expect(getPath(c, 'securityContext.capabilities.drop'), id).toEqual(['ALL']);
        for (const kind of ['requests', 'limits']) {
          expect(getPath(c, `resources.${kind}.cpu`), `${id} ${kind}`).toBeDefined();
          expect(getPath(c, `resources.${kind}.memory`), `${id} ${kind}`).toBeDefined();
        }
        // A read-only root needs a writable /tmp.
        const mounts = (c.volumeMounts ?? []) as JsonObject[];
        const tmp = mounts.find((m) => m.mountPath === '/tmp');
        expect(tmp, `${id} mounts /tmp`).toBeDefined();
        const volume = (pod.volumes as JsonObject[]).find((v) => v.name === tmp?.name);
        expect(volume?.emptyDir, `${id} /tmp is an emptyDir`).toBeDefined();
      }
    }
  });

  it('runs each app on its real port with liveness /health and readiness /ready', async () => {
    for (const d of ofKind(resources, 'Deployment')) {
      const c = mainContainer(d);
      const ports = c.ports as JsonObject[];
      expect(ports.map((p) => p.name)).toEqual(['http']);
      const probe = (kind: string) => (c[`${kind}Probe`] as Probe | undefined)?.httpGet;
      for (const kind of ['startup', 'liveness', 'readiness']) expect(probe(kind)?.port, kind).toBe('http');
      const app = APP_DEPLOYMENTS[d.metadata.name];
      if (app) {
        expect(ports[0]!.containerPort, d.metadata.name).toBe(await defaultPort(app));
        expect(probe('startup')?.path).toBe('/health');
        expect(probe('liveness')?.path).toBe('/health');
        expect(probe('readiness')?.path, d.metadata.name).toBe(APPS[app].readyPath);
      } else {
        expect(d.metadata.name).toBe('web');
        expect(ports[0]!.containerPort).toBe(8080);
        for (const kind of ['startup', 'liveness', 'readiness'])
          expect(probe(kind)?.path).toBe('/nginx-health');
      }
      const grace = getPath(d, 'spec.template.spec.terminationGracePeriodSeconds');
      expect(grace, d.metadata.name).toBe(d.metadata.name === 'aggregator' ? 200 : 40);
    }
  });

  it('gives each app only variables its env schema reads, and a production configuration it accepts', async () => {
    for (const d of ofKind(resources, 'Deployment')) {
      const app = APP_DEPLOYMENTS[d.metadata.name];
      if (!app) continue;
      const { values, secrets } = containerEnv(resources, mainContainer(d));
      const env = await loadEnv(app);
      expect(
        Object.keys(values).filter((k) => !env.keys.has(k)),
        `${d.metadata.name} gets variables apps/${app}/src/env.ts does not read`,
      ).toEqual([]);
      expect(values.ENVIRONMENT).toBe('production');
      expect(() => env.parse(values), d.metadata.name).not.toThrow();
      for (const s of secrets) {
        expect(s.name).toBe('syfthub-secrets');
        expect(secretExample, `secret.example.yaml documents ${String(s.key)}`).toHaveProperty(String(s.key));
        if (s.optional !== true) expect(secretExample[String(s.key)], String(s.key)).not.toBe('');
      }
    }
  });

  it('rolls out without losing capacity, spread across nodes', () => {
    for (const d of ofKind(resources, 'Deployment').filter((x) => x.metadata.name !== 'satellite')) {
      expect(getPath(d, 'spec.strategy.rollingUpdate'), d.metadata.name).toEqual({
        maxUnavailable: 0,
        maxSurge: 1,
      });
      expect(getPath(d, 'spec.template.spec.topologySpreadConstraints.0.topologyKey')).toBe(
        'kubernetes.io/hostname',
      );
      expect(getPath(mainContainer(d), 'lifecycle.preStop.exec.command')).toEqual(['sleep', '5']);
    }
  });

  it('selects each Deployment from a Service on its named port, a PDB and (for the APIs) an HPA', () => {
    for (const d of ofKind(resources, 'Deployment')) {
      const labels = getPath(d, 'spec.template.metadata.labels') as JsonObject;
      const matches = (selector: Json | undefined) =>
        isObject(selector) && Object.entries(selector).every(([k, v]) => labels[k] === v);
      const svc = find(resources, 'Service', d.metadata.name);
      expect(matches(getPath(svc, 'spec.selector')), `Service ${d.metadata.name}`).toBe(true);
      const port = getPath(svc, 'spec.ports.0') as JsonObject;
      expect(port.targetPort).toBe('http');
      const containerPort = getPath(mainContainer(d), 'ports.0.containerPort');
      expect(port.port, d.metadata.name).toBe(d.metadata.name === 'web' ? 80 : containerPort);
      if (d.metadata.name !== 'satellite') {
        const pdb = find(resources, 'PodDisruptionBudget', d.metadata.name);
        expect(getPath(pdb, 'spec.minAvailable')).toBe(1);
        expect(matches(getPath(pdb, 'spec.selector.matchLabels'))).toBe(true);
      }
    }
    const hpas = Object.fromEntries(
      ofKind(resources, 'HorizontalPodAutoscaler').map((h) => [h.metadata.name, h]),
    );
    expect(Object.keys(hpas).sort()).toEqual(['aggregator', 'backend', 'mcp']);
    const cpu: Record<string, number> = { backend: 70, aggregator: 60, mcp: 70 };
    for (const [hpaName, hpa] of Object.entries(hpas)) {
      expect(getPath(hpa, 'spec.scaleTargetRef')).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: hpaName,
      });
      expect(getPath(hpa, 'spec.metrics.0.resource.target.averageUtilization')).toBe(cpu[hpaName]);
      find(resources, 'Deployment', hpaName);
    }
  });

  it('routes the public paths to the right Services, streams unbuffered, with TLS', () => {
    const ingresses = ofKind(resources, 'Ingress');
    const route = new Map<string, { service: string; ingress: Resource }>();
    for (const ing of ingresses) {
      expect(getPath(ing, 'spec.ingressClassName')).toBe('nginx');
      expect(getPath(ing, 'spec.tls.0.secretName')).toBe('syfthub-tls');
      expect(getPath(ing, 'spec.tls.0.hosts.0')).toBe(getPath(ing, 'spec.rules.0.host'));
      for (const p of getPath(ing, 'spec.rules.0.http.paths') as JsonObject[]) {
        const service = String(getPath(p, 'backend.service.name'));
        const svc = find(resources, 'Service', service);
        const portName = getPath(p, 'backend.service.port.name');
        expect((getPath(svc, 'spec.ports') as JsonObject[]).some((x) => x.name === portName)).toBe(true);
        route.set(String(p.path), { service, ingress: ing });
      }
    }
    const expected: Record<string, string> = {
      '/api': 'backend',
      '/docs': 'backend',
      '/redoc': 'backend',
      '/openapi.json': 'backend',
      '/health': 'backend',
      '/.well-known/jwks.json': 'backend',
      '/api/v1/endpoints/sync': 'backend',
      '/api/v1/errors/report': 'backend',
      '/aggregator(/|$)(.*)': 'aggregator',
      '/aggregator/api/v1/agent/(.*)': 'aggregator',
      '/q': 'aggregator',
      '/register': 'mcp',
      '/mcp/oauth/token': 'mcp',
      '/mcp/oauth/register': 'mcp',
      '/mcp/oauth/authorize': 'mcp',
      '/mcp/oauth/revoke': 'mcp',
      '/mcp': 'mcp',
      '/mcp/': 'mcp',
      '/\\.well-known/(oauth-protected-resource|oauth-authorization-server|openid-configuration)(/mcp)?$':
        'mcp',
      '/api/v1/errors/service-report': 'web',
      '/aggregator/(ready|metrics)(/|$)': 'web',
      '/nats(/.*)?$': 'nats',
      '/': 'web',
    };
    expect(Object.fromEntries([...route].map(([p, r]) => [p, r.service]))).toEqual(expected);
    const annotations = (path: string) =>
      getPath(route.get(path)!.ingress, 'metadata.annotations') as JsonObject;
    for (const path of ['/aggregator(/|$)(.*)', '/mcp']) {
      expect(annotations(path)['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
      expect(annotations(path)['nginx.ingress.kubernetes.io/proxy-read-timeout']).toBe('300');
      expect(annotations(path)['nginx.ingress.kubernetes.io/proxy-send-timeout']).toBe('300');
    }
    expect(annotations('/aggregator(/|$)(.*)')['nginx.ingress.kubernetes.io/rewrite-target']).toBe('/$2');
    const agent = annotations('/aggregator/api/v1/agent/(.*)');
    expect(agent['nginx.ingress.kubernetes.io/rewrite-target']).toBe('/api/v1/agent/$1');
    expect(agent['nginx.ingress.kubernetes.io/proxy-read-timeout']).toBe('1800');
    expect(agent['nginx.ingress.kubernetes.io/proxy-send-timeout']).toBe('1800');
    expect(agent['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
    expect(annotations('/q')['nginx.ingress.kubernetes.io/rewrite-target']).toBe('/api/v1/q');
    const issuers = ingresses.filter(
      (i) => (i.metadata.annotations as JsonObject)['cert-manager.io/cluster-issuer'],
    );
    expect(
      issuers.map((i) => i.metadata.name),
      'one certificate for the host',
    ).toEqual(['web']);
  });

  it("routes as ingress-nginx does: each service's body limit, the aggregator's /ready and /metrics kept from it", () => {
    // With use-regex on any Ingress of a host, every path of the host is a case-insensitive regular expression
    // anchored at the start, and the longest path is tried first.
    const routes = ofKind(resources, 'Ingress')
      .flatMap((ing) =>
        (getPath(ing, 'spec.rules.0.http.paths') as JsonObject[]).map((p) => ({
          pattern: new RegExp(`^${String(p.path)}`, 'i'),
          length: String(p.path).length,
          service: String(getPath(p, 'backend.service.name')),
          bodySize: String(
            (ing.metadata.annotations as JsonObject)['nginx.ingress.kubernetes.io/proxy-body-size'],
          ),
        })),
      )
      .sort((a, b) => b.length - a.length);
    const routeOf = (path: string) => {
      const route = routes.find((r) => r.pattern.test(path));
      if (!route) throw new Error(`no Ingress path matches ${path}`);
      return route;
    };
    const bytes = (size: string) => {
      const [, count, unit] = /^(\d+)([km])$/.exec(size) ?? [];
      return Number(count) * (unit === 'k' ? 1024 : 1024 * 1024);
    };
    for (const { path, bytes: limit } of BODY_LIMITS) expect(bytes(routeOf(path).bodySize), path).toBe(limit);
    for (const path of [
      '/aggregator/ready',
      '/aggregator/metrics',
      '/AGGREGATOR/Metrics',
      '/aggregator/metrics/x',
    ])
      expect(routeOf(path).service, path).toBe('web');
    for (const path of ['/aggregator/api/v1/chat', '/aggregator/health', '/aggregator/readme'])
      expect(routeOf(path).service, path).toBe('aggregator');
    for (const path of ['/nats', '/nats/', '/NATS']) expect(routeOf(path).service, path).toBe('nats');
    // A user called `natsy` keeps their page.
    expect(routeOf('/natsy').service).toBe('web');
  });

  it('runs NATS for tunnelling: the project config, a volume, reachable only by the ingress, aggregator and backend', () => {
    const nats = find(resources, 'StatefulSet', 'nats');
    const c = mainContainer(nats);
    expect(c.image).toBe('nats:2.10-alpine');
    expect(c.command).toEqual(['nats-server', '--config', '/etc/nats/syfthub/nats.conf']);
    const config = find(resources, 'ConfigMap', 'syfthub-nats-config');
    expect((config.data as JsonObject)['nats.conf']).toBe(
      readFileSync(repoPath('nats', 'nats.conf'), 'utf8'),
    );
    const env = containerEnv(resources, c);
    for (const [, variable] of readFileSync(repoPath('nats', 'nats.conf'), 'utf8').matchAll(/\$([A-Z_]+)/g)) {
      expect(env.values, `nats.conf reads ${variable}`).toHaveProperty(variable!);
    }
    expect(env.secrets).toEqual([{ name: 'syfthub-secrets', key: 'NATS_AUTH_TOKEN' }]);
    for (const kind of ['startup', 'liveness', 'readiness']) {
      expect(getPath(c, `${kind}Probe.httpGet`), kind).toEqual({ path: '/healthz', port: 'monitor' });
    }
    expect(getPath(nats, 'spec.volumeClaimTemplates.0.metadata.name')).toBe('data');
    const svc = find(resources, 'Service', 'nats');
    expect((getPath(svc, 'spec.ports') as JsonObject[]).map((p) => [p.name, p.port])).toEqual([
      ['client', 4222],
      ['websocket', 9222],
      ['monitor', 8222],
    ]);
    const policy = find(resources, 'NetworkPolicy', 'nats');
    expect(getPath(policy, 'spec.policyTypes')).toEqual(['Ingress', 'Egress']);
    expect(getPath(policy, 'spec.egress')).toBeUndefined();
    const allowed = (getPath(policy, 'spec.ingress') as JsonObject[]).map((rule) => ({
      from: (rule.from as JsonObject[]).map(
        (f) =>
          (getPath(f, 'podSelector.matchLabels') as JsonObject | undefined)?.['app.kubernetes.io/name'] ??
          (getPath(f, 'namespaceSelector.matchLabels') as JsonObject)['kubernetes.io/metadata.name'],
      ),
      ports: (rule.ports as JsonObject[]).map((p) => p.port),
    }));
    expect(allowed).toEqual([
      { from: ['ingress-nginx'], ports: [9222] },
      { from: ['aggregator'], ports: [4222] },
      { from: ['backend', 'monitoring'], ports: [8222] },
    ]);
    const ingress = find(resources, 'Ingress', 'nats');
    const annotations = ingress.metadata.annotations as JsonObject;
    expect(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']).toBe('86400');
    expect(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout']).toBe('86400');
    expect(annotations['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
    expect(getPath(ingress, 'spec.rules.0.http.paths.0.backend.service.port.name')).toBe('websocket');
    const backend = containerEnv(resources, mainContainer(find(resources, 'Deployment', 'backend'))).values;
    expect(backend.NATS_URL).toBe('nats://nats:4222');
    expect(backend.NATS_MONITOR_URL).toBe('http://nats:8222');
    expect(backend.NATS_AUTH_TOKEN).toBe(secretExample.NATS_AUTH_TOKEN);
    const aggregator = containerEnv(
      resources,
      mainContainer(find(resources, 'Deployment', 'aggregator')),
    ).values;
    expect(aggregator.AGGREGATOR_NATS_URL).toBe('nats://nats:4222');
    expect(aggregator.AGGREGATOR_NATS_AUTH_TOKEN).toBe(secretExample.NATS_AUTH_TOKEN);
  });

  it('denies all traffic by default and allows each app exactly its callers on its port', async () => {
    const policies = Object.fromEntries(ofKind(resources, 'NetworkPolicy').map((p) => [p.metadata.name, p]));
    expect(getPath(policies['default-deny']!, 'spec.podSelector')).toEqual({});
    expect(getPath(policies['default-deny']!, 'spec.policyTypes')).toEqual(['Ingress', 'Egress']);
    expect(getPath(policies['allow-dns']!, 'spec.egress.0.ports.0.port')).toBe(53);
    for (const d of ofKind(resources, 'Deployment')) {
      const policy = policies[d.metadata.name];
      expect(policy, `NetworkPolicy for ${d.metadata.name}`).toBeDefined();
      expect(getPath(policy!, 'spec.podSelector.matchLabels')).toEqual({
        'app.kubernetes.io/name': d.metadata.name,
      });
      const port = getPath(mainContainer(d), 'ports.0.containerPort');
      expect(getPath(policy!, 'spec.ingress.0.ports')).toEqual([{ port, protocol: 'TCP' }]);
    }
    // Pods that reach other pods do so on the ports those pods listen on.
    const portOf = new Map(
      ofKind(resources, 'Deployment').map((d) => [
        d.metadata.name,
        getPath(mainContainer(d), 'ports.0.containerPort'),
      ]),
    );
    for (const policy of Object.values(policies)) {
      for (const rule of (getPath(policy, 'spec.egress') ?? []) as JsonObject[]) {
        for (const to of (rule.to ?? []) as JsonObject[]) {
          const target = (getPath(to, 'podSelector.matchLabels') as JsonObject | undefined)?.[
            'app.kubernetes.io/name'
          ];
          if (typeof target === 'string' && portOf.has(target)) {
            expect(getPath(rule, 'ports.0.port'), `${policy.metadata.name} -> ${target}`).toBe(
              portOf.get(target),
            );
          }
        }
        // Internet egress never includes private, link-local or loopback ranges.
        for (const to of (rule.to ?? []) as JsonObject[]) {
          const block = to.ipBlock as JsonObject | undefined;
          if (block?.cidr === '0.0.0.0/0') {
            for (const range of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16']) {
              expect(block.except, policy.metadata.name).toContain(range);
            }
          }
        }
      }
    }
    // The data layer (when in this namespace) only accepts the services that use it.
    expect(getPath(policies['data-layer']!, 'spec.ingress.0.ports')).toEqual([
      { port: 5432, protocol: 'TCP' },
      { port: 6379, protocol: 'TCP' },
    ]);
  });

  it('migrates with the backend image’s migration runner and backs up daily with pg_dump -Fc', () => {
    const job = find(resources, 'Job', 'migrate');
    const c = mainContainer(job);
    const backend = mainContainer(find(resources, 'Deployment', 'backend'));
    expect(c.image).toBe(backend.image);
    expect(c.command).toEqual(['node', 'dist/migrate.js']);
    if (tsupEntries('backend')) expect(tsupEntries('backend')).toContain('migrate');
    expect((c.env as JsonObject[]).map((e) => e.name)).toEqual(['DATABASE_URL']);
    const cron = find(resources, 'CronJob', 'backup');
    expect(getPath(cron, 'spec.schedule')).toBe('0 3 * * *');
    expect(getPath(cron, 'spec.concurrencyPolicy')).toBe('Forbid');
    const backup = mainContainer(cron);
    expect(backup.image).toBe('postgres:16-alpine');
    expect(String((backup.command as string[]).at(-1))).toContain('pg_dump --format=custom');
    expect((backup.env as JsonObject[]).find((e) => e.name === 'BACKUP_KEEP')?.value).toBe('7');
    find(
      resources,
      'PersistentVolumeClaim',
      String(getPath(podSpec(cron), 'volumes.0.persistentVolumeClaim.claimName')),
    );
  });
});

describe('deploy/kubernetes overlays', () => {
  it('production: its domain everywhere, pinned images, more replicas', () => {
    const resources = rendered['overlays/production'];
    for (const ing of ofKind(resources, 'Ingress'))
      expect(getPath(ing, 'spec.rules.0.host')).toBe('hub.example.org');
    const backend = find(resources, 'ConfigMap', 'syfthub-backend-config').data as JsonObject;
    expect(backend.ISSUER_URL).toBe('https://hub.example.org');
    expect(backend.CORS_ORIGINS).toBe('https://hub.example.org');
    const mcp = find(resources, 'ConfigMap', 'syfthub-mcp-config').data as JsonObject;
    expect(mcp.OAUTH_ISSUER).toBe('https://hub.example.org/mcp');
    expect(mcp.SYFTHUB_PUBLIC_URL).toBe('https://hub.example.org');
    expect(
      resources.some((r) => r.metadata.name === 'syfthub-domain'),
      'build-only ConfigMap dropped',
    ).toBe(false);
    expect(getPath(find(resources, 'Deployment', 'backend'), 'spec.replicas')).toBe(3);
    expect(getPath(find(resources, 'HorizontalPodAutoscaler', 'backend'), 'spec.minReplicas')).toBe(3);
    expect(
      getPath(mainContainer(find(resources, 'Deployment', 'backend')), 'resources.requests.memory'),
    ).toBe('512Mi');
    expect(resources.some((r) => r.metadata.name === 'satellite')).toBe(false);
    for (const c of resources.flatMap((r) => containers(r) as Container[])) {
      expect(c.image).toMatch(
        /^(ghcr\.io\/openmined\/syfthub-(backend|aggregator|mcp|web):latest|postgres:16-alpine|nats:2\.10-alpine)$/,
      );
    }
  });

  it('staging: the satellite, allow-listed, trusting the same issuer as the hub', () => {
    const resources = rendered['overlays/staging'];
    find(resources, 'Deployment', 'satellite');
    const backend = find(resources, 'ConfigMap', 'syfthub-backend-config').data as JsonObject;
    const satellite = find(resources, 'ConfigMap', 'syfthub-satellite-config').data as JsonObject;
    expect(backend.SSRF_ALLOWED_HOSTS).toBe('satellite:8003');
    expect(
      (find(resources, 'ConfigMap', 'syfthub-aggregator-config').data as JsonObject)
        .AGGREGATOR_SSRF_ALLOWED_HOSTS,
    ).toBe('satellite:8003');
    expect(satellite.SYFTHUB_ISSUER).toBe(backend.ISSUER_URL);
    expect(backend.ISSUER_URL).toBe('https://staging.hub.example.org');
    expect(mainContainer(find(resources, 'Deployment', 'satellite')).image).toBe(
      'ghcr.io/openmined/syfthub-satellite:staging',
    );
  });
});

describe('deploy/kubernetes field names', () => {
  // The API schemas above accept unknown fields (kubectl's strict field validation would not): type-check every
  // rendered object against the models' TypeScript types, whose excess-property checks catch misspelt fields.
  it('are all known to the Kubernetes API', () => {
    const dir = mkdtempSync(join(repoPath('deploy', 'node_modules'), '.k8s-typecheck-'));
    try {
      const seen = new Set<string>();
      const imports: string[] = [];
      const objects: string[] = [];
      const unique = new Map<string, Resource>();
      for (const r of [...Object.values(rendered).flat(), secretExampleResource()])
        unique.set(JSON.stringify(r), r);
      [...unique.values()].forEach((r, i) => {
        const type = `I${r.kind}`;
        const path = modelPath(r);
        const alias = `${type}_${path.replace(/[^A-Za-z0-9]/g, '_')}`;
        if (!seen.has(alias)) {
          seen.add(alias);
          imports.push(`import type { ${type} as ${alias} } from 'kubernetes-models/${path}';`);
        }
        objects.push(`export const r${i}: ${alias} = ${JSON.stringify(r)};`);
      });
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'manifests.ts');
      writeFileSync(file, `${imports.join('\n')}\n${objects.join('\n')}\n`);
      const program = ts.createProgram([file], {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        types: [],
      });
      const problems = ts
        .getPreEmitDiagnostics(program)
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
      expect(problems).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('deploy/kubernetes/base/secret.example.yaml', () => {
  it('is a valid Secret with every key the manifests reference', () => {
    expect(() => validateObject(secretExampleResource())).not.toThrow();
    for (const value of Object.values(secretExample)) expect(typeof value).toBe('string');
    const referenced = new Set(
      Object.values(rendered)
        .flat()
        .flatMap((r) => containers(r) as JsonObject[])
        .flatMap((c) => (c.env ?? []) as JsonObject[])
        .map((e) => getPath(e, 'valueFrom.secretKeyRef.key'))
        .filter((k): k is string => typeof k === 'string'),
    );
    expect([...referenced].filter((k) => !(k in secretExample))).toEqual([]);
    expect(Object.keys(secretExample).filter((k) => !referenced.has(k))).toEqual([]);
  });
});
