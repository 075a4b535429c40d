// .github/workflows: every file is a workflow GitHub's own parser accepts, the jobs are those operations.md §8
// lists, and every script, package, file and reusable workflow a step names exists in this repository.
import { readdirSync } from 'node:fs';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { describe, expect, it } from 'vitest';
import { workspacePackages } from './support/apps';
import { services, variable } from './support/compose';
import {
  isObject,
  type JsonObject,
  readPackageJson,
  readRepoFile,
  readYaml,
  repoFileExists,
  repoPath,
} from './support/repo';

const DIR = repoPath('.github', 'workflows');
const FILES = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
const load = (file: string) => readYaml(repoPath('.github', 'workflows', file));
const jobs = (workflow: JsonObject) => workflow.jobs as Record<string, JsonObject>;
const steps = (job: JsonObject) => (job.steps ?? []) as JsonObject[];
const runScripts = (workflow: JsonObject) =>
  Object.values(jobs(workflow)).flatMap((job) =>
    steps(job).flatMap((s) => (typeof s.run === 'string' ? [s.run] : [])),
  );

/** A GitHub Actions expression, as written in workflow files. */
const expr = (e: string) => `\${{ ${e} }}`;

const TURBO_TASKS = Object.keys((JSON.parse(readRepoFile('turbo.json')) as { tasks: object }).tasks);

/** Checks one `pnpm ...` command line against the workspace; returns what does not exist. */
function missingTarget(command: string): string | null {
  const words = command.trim().split(/\s+/);
  if (words[0] !== 'pnpm') return null;
  let pkgName: string | null = null;
  let i = 1;
  while (words[i]?.startsWith('--')) {
    if (words[i] === '--filter') pkgName = words[++i] ?? null;
    else if (words[i]!.startsWith('--filter=')) pkgName = words[i]!.slice('--filter='.length);
    i++;
  }
  const verb = words[i];
  if (!verb || ['install', 'dlx', 'dedupe'].includes(verb)) return null;
  const packages = workspacePackages();
  if (pkgName && !packages.has(pkgName)) return `package ${pkgName}`;
  const dir = pkgName ? packages.get(pkgName)!.split('/') : [];
  const pkg = readPackageJson(...dir);
  if (verb === 'exec') {
    const binary = words[i + 1];
    if (binary === 'turbo') {
      const task = words[i + 3];
      if (words[i + 2] !== 'run' || !task || !TURBO_TASKS.includes(task)) return `turbo task ${task}`;
      for (const filter of words.filter((w) => w.startsWith('--filter='))) {
        const name = filter.slice('--filter='.length).replace(/^!/, '');
        if (!packages.has(name)) return `package ${name}`;
      }
      return null;
    }
    const deps = { ...pkg.dependencies, ...pkg.devDependencies };
    const provider: Record<string, string> = { playwright: '@playwright/test', biome: '@biomejs/biome' };
    return binary && deps[provider[binary] ?? binary] ? null : `binary ${binary} in ${pkg.name}`;
  }
  const script = verb === 'run' ? words[i + 1] : verb;
  return script && pkg.scripts?.[script] ? null : `script ${script} in ${pkg.name}`;
}

describe.each(FILES)('.github/workflows/%s', (file) => {
  const workflow = load(file);

  it('is a valid workflow for GitHub’s workflow parser', async () => {
    const result = parseWorkflow(
      { name: file, content: readRepoFile('.github', 'workflows', file) },
      new NoOperationTraceWriter(),
    );
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const template = await convertWorkflowTemplate(result.context, result.value!);
    expect(template.errors ?? []).toEqual([]);
    expect(template.jobs.length).toBeGreaterThan(0);
    // The parser is not lenient: a misspelt key is an error.
    const broken = parseWorkflow(
      { name: file, content: 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    stepz: []\n' },
      new NoOperationTraceWriter(),
    );
    expect(broken.context.errors.getErrors().length).toBeGreaterThan(0);
  });

  it('runs only pnpm scripts, packages and binaries that exist', () => {
    const missing = runScripts(workflow)
      .flatMap((script) => script.split('\n'))
      .flatMap((line) => line.split(/&&|\|/))
      .map((command) => missingTarget(command))
      .filter((m) => m !== null);
    expect(missing).toEqual([]);
  });

  it('needs only jobs that exist and pins every action to a major version', () => {
    const ids = new Set(Object.keys(jobs(workflow)));
    for (const [id, job] of Object.entries(jobs(workflow))) {
      const needs = job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
      for (const need of needs) expect(ids.has(String(need)), `${id} needs ${String(need)}`).toBe(true);
      if (typeof job.uses === 'string') {
        expect(job.uses.startsWith('./.github/workflows/'), job.uses).toBe(true);
        expect(repoFileExists(job.uses), job.uses).toBe(true);
      }
      for (const step of steps(job)) {
        if (typeof step.uses === 'string') expect(step.uses, `${id}`).toMatch(/^[\w.-]+\/[\w./-]+@v\d+$/);
      }
    }
  });
});

describe('ci.yml', () => {
  const workflow = load('ci.yml');

  it('has the jobs of operations.md §8.1', () => {
    expect(Object.keys(jobs(workflow))).toEqual(
      expect.arrayContaining(['lint', 'typecheck', 'unit', 'integration', 'e2e', 'build-images', 'deploy']),
    );
    const on = workflow.on as JsonObject;
    expect(on.pull_request).toBeDefined();
    expect((on.push as JsonObject).branches).toContain('main');
    expect((workflow.concurrency as JsonObject)['cancel-in-progress']).toBe(true);
  });

  it('tests against PostgreSQL 16 and Redis 7 service containers, and the SPA in Chromium', () => {
    const integration = jobs(workflow).integration!;
    const svcs = integration.services as JsonObject;
    expect((svcs.postgres as JsonObject).image).toBe('postgres:16-alpine');
    expect((svcs.redis as JsonObject).image).toBe('redis:7-alpine');
    const env = integration.env as JsonObject;
    expect(String(env.DATABASE_URL)).toMatch(/^postgres:\/\/.*@127\.0\.0\.1:5432\//);
    expect(String(env.REDIS_URL)).toMatch(/^redis:\/\/127\.0\.0\.1:6379/);
    const e2e = jobs(workflow).e2e!;
    const e2eRuns = steps(e2e).map((s) => String(s.run ?? ''));
    // The whole stack behind nginx: edge checks, MCP SDK e2e and Playwright (deploy/local-stack/e2e.mjs).
    expect(e2eRuns).toContain('pnpm test:e2e');
    expect(readRepoFile('package.json')).toContain('"test:e2e": "node deploy/local-stack/e2e.mjs"');
    expect(e2eRuns).toContain('pnpm --filter @syfthub/web test:smoke');
    // The suites launch the browser named here (apps/web/e2e/chromium.ts).
    expect((e2e.env as JsonObject).CHROMIUM_PATH).toBeDefined();
    expect(readRepoFile('apps', 'web', 'e2e', 'chromium.ts')).toContain('process.env.CHROMIUM_PATH');
  });

  it('.ci/run runs the same browser suites as the e2e job (smoke pages and the stack journeys)', () => {
    const ciRun = readRepoFile('.ci', 'run')
      .split('\n')
      .filter((line) => !line.trim().startsWith('#'));
    expect(ciRun).toContain('pnpm --filter @syfthub/web test:smoke');
    expect(ciRun).toContain('pnpm test:e2e');
  });

  it('runs the fault tests (pnpm test:faults) in a job of their own and in .ci/run', () => {
    const faults = jobs(workflow).faults!;
    expect(steps(faults).map((s) => String(s.run ?? ''))).toContain('pnpm test:faults');
    // They start their own servers: initdb and pg_ctl from the postgresql package, and redis-server.
    expect(
      steps(faults).some((s) => /apt-get install .*postgresql .*redis-server/.test(String(s.run ?? ''))),
    ).toBe(true);
    expect(readRepoFile('package.json')).toContain('"test:faults": ');
    const ciRun = readRepoFile('.ci', 'run')
      .split('\n')
      .filter((line) => !line.trim().startsWith('#'));
    expect(ciRun).toContain('pnpm test:faults');
  });

  it('builds one image per service from the Dockerfiles compose runs, and pushes only from pushes', () => {
    const build = jobs(workflow)['build-images']!;
    expect(build.needs).toEqual(['lint', 'typecheck', 'unit', 'integration', 'e2e', 'faults']);
    const matrix = (build.strategy as JsonObject).matrix as JsonObject;
    const images = matrix.service as string[];
    expect(images.sort()).toEqual(['aggregator', 'backend', 'mcp', 'satellite', 'web']);
    for (const svc of images) expect(repoFileExists('apps', svc, 'Dockerfile'), svc).toBe(true);
    // The names compose pulls: ghcr.io/<owner/repo>-<service>.
    const deployed = Object.values(services(readYaml(repoPath('docker-compose.deploy.yml'))))
      .map((s) => /-([a-z]+):\$\{IMAGE_TAG/.exec(String(s.image))?.[1])
      .filter((s): s is string => Boolean(s));
    expect([...new Set(deployed)].sort()).toEqual(images.sort());
    const builds = steps(build).filter((s) => String(s.uses).startsWith('docker/build-push-action'));
    for (const b of builds) {
      const w = b.with as JsonObject;
      expect(w.file).toBe(`apps/${expr('matrix.service')}/Dockerfile`);
      expect(w.target).toBe('runtime');
      expect(String(w['cache-from'])).toContain('type=gha');
    }
    // Built and started on every run; pushed, with SBOM and provenance, only from pushes.
    const [local, push] = builds;
    expect((local!.with as JsonObject).load).toBe(true);
    const smoke = steps(build).find((s) => String(s.run).includes('deploy/scripts/smoke-image.sh'));
    expect(steps(build).indexOf(smoke!)).toBeGreaterThan(steps(build).indexOf(local!));
    expect(repoFileExists('deploy', 'scripts', 'smoke-image.sh')).toBe(true);
    expect(push!.if).toBe("github.event_name == 'push'");
    expect((push!.with as JsonObject).push).toBe(true);
    expect((push!.with as JsonObject).sbom).toBe(true);
    const vars = steps(build).find((s) => s.id === 'vars')!;
    expect(String(vars.run)).toContain(variable('GITHUB_REPOSITORY,,'));
    const meta = steps(build).find((s) => s.id === 'meta')!;
    const tags = String((meta.with as JsonObject).tags);
    expect(tags).toContain(`value=${expr('steps.vars.outputs.sha7')}`);
    expect(tags).toContain('value=latest');
    expect((build.permissions as JsonObject).packages).toBe('write');
  });

  it('deploys main to production and develop to staging through deploy.yml, after the images', () => {
    const all = jobs(workflow);
    expect(all.deploy!.uses).toBe('./.github/workflows/deploy.yml');
    expect((all.deploy!.with as JsonObject).environment).toBe('production');
    expect(all.deploy!.if).toBe("github.ref == 'refs/heads/main'");
    expect((all['deploy-staging']!.with as JsonObject).environment).toBe('staging');
    expect(all.tag!.needs).toBe('build-images');
  });
});

describe('deploy.yml', () => {
  const workflow = load('deploy.yml');
  const job = jobs(workflow).deploy!;
  const script = steps(job)
    .map((s) => String(s.run ?? ''))
    .join('\n');

  it('is reusable and manual, one deploy per environment at a time', () => {
    const on = workflow.on as JsonObject;
    expect(isObject(on.workflow_call)).toBe(true);
    expect(isObject(on.workflow_dispatch)).toBe(true);
    expect((workflow.concurrency as JsonObject)['cancel-in-progress']).toBe(false);
  });

  it('copies the deployment files (never certificates) and runs deploy.sh with the tag', () => {
    const copy =
      /tar -czf - ([^|]+)\|/
        .exec(script.replace(/\\\n\s*/g, ''))?.[1]
        ?.trim()
        .split(/\s+/) ?? [];
    expect(copy).toEqual([
      'docker-compose.deploy.yml',
      'nginx/nginx.prod.conf',
      'nginx/common',
      'deploy/scripts',
    ]);
    for (const path of copy) expect(repoFileExists(path), path).toBe(true);
    expect(copy.some((p) => p.includes('ssl'))).toBe(false);
    expect(script).toContain(
      `IMAGE_TAG='$IMAGE_TAG' GITHUB_REPOSITORY='${variable('GITHUB_REPOSITORY,,')}' ./deploy/scripts/deploy.sh`,
    );
    expect(repoFileExists('deploy', 'scripts', 'deploy.sh')).toBe(true);
    // The registry token goes over stdin.
    expect(script).toContain('docker login ghcr.io');
    expect(script).toContain('--password-stdin');
    expect(script).not.toMatch(/docker login[^\n]*-p /);
  });
});
