// deploy/scripts/deploy.sh against a fake docker and curl (test/fixtures/bin): the order of its steps, the
// health gate, and the rollback to the previous image tag when the new release does not become healthy.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envExampleVariables, repoPath } from './support/repo';

const SERVICES = ['backend', 'aggregator', 'mcp', 'proxy', 'frontend-init', 'db', 'redis', 'nats'];

interface Run {
  status: number | null;
  output: string;
  calls: string[];
  tag: (service: string) => string;
  dir: string;
}

/** A VM directory running `v1`, and deploy.sh run on it with the given fake-docker behaviour. */
function deploy(
  options: { tag?: string; env?: Record<string, string>; running?: string; dotenv?: string } = {},
): Run {
  const root = mkdtempSync(join(tmpdir(), 'syfthub-deploy-'));
  const dir = join(root, 'opt');
  const state = join(root, 'state');
  mkdirSync(dir);
  mkdirSync(state);
  writeFileSync(join(dir, 'docker-compose.deploy.yml'), 'services: {}\n');
  writeFileSync(
    join(dir, '.env'),
    options.dotenv ??
      'GITHUB_REPOSITORY=OpenMined/SyftHub\nDOMAIN=hub.example.test\nIMAGE_TAG=v1\nSECRET_KEY=a$b"c\nLOG_LEVEL=info\n',
  );
  for (const svc of SERVICES) writeFileSync(join(state, `${svc}.tag`), `${options.running ?? 'v1'}\n`);
  const result = spawnSync('bash', [repoPath('deploy', 'scripts', 'deploy.sh')], {
    env: {
      PATH: `${repoPath('deploy', 'test', 'fixtures', 'bin')}:${process.env.PATH}`,
      HOME: root,
      IMAGE_TAG: options.tag ?? 'v2',
      DEPLOY_DIR: dir,
      DEPLOY_LOG_DIR: join(root, 'logs'),
      DEPLOY_POLL_SECONDS: '0',
      DEPLOY_HEALTH_TIMEOUT_SECONDS: '2',
      FAKE_DOCKER_STATE: state,
      ...options.env,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return {
    status: result.status,
    output: result.stdout + result.stderr,
    calls: existsSync(join(state, 'calls.log'))
      ? readFileSync(join(state, 'calls.log'), 'utf8').trim().split('\n')
      : [],
    tag: (svc) => readFileSync(join(state, `${svc}.tag`), 'utf8').trim(),
    dir,
  };
}

/** `up` calls as "service@tag", in order. */
const recreations = (run: Run) =>
  run.calls
    .filter((c) => c.includes(' up -d --no-deps --force-recreate '))
    .map((c) => {
      const match = /--force-recreate (\S+) \| IMAGE_TAG=(\S*)/.exec(c)!;
      return `${match[1]}@${match[2]}`;
    });

const readEnv = (run: Run, file: string) => readFileSync(join(run.dir, file), 'utf8');

describe('deploy.sh', () => {
  it('pulls, dumps, migrates, then restarts each service gated on its health, and records the release', () => {
    const run = deploy({ env: { FAKE_STARTING_POLLS: '2' } });
    expect(run.status, run.output).toBe(0);
    const step = (pattern: string) => run.calls.findIndex((c) => c.includes(pattern));
    const order = [
      'pull backend aggregator mcp frontend-init',
      'up -d db redis nats',
      'run --rm --no-deps -e BACKUP_ONCE=true -e BACKUP_PREFIX=pre-deploy -e BACKUP_LABEL=v2 -e BACKUP_KEEP=3 backup',
      '--profile migrate run --rm migrate',
      '--force-recreate backend',
      '--force-recreate aggregator',
      '--force-recreate mcp',
      '--force-recreate frontend-init',
      '--force-recreate proxy',
      'curl https://hub.example.test/health',
    ].map(step);
    expect(
      order.every((i) => i >= 0),
      run.calls.join('\n'),
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(recreations(run)).toEqual([
      'backend@v2',
      'aggregator@v2',
      'mcp@v2',
      'frontend-init@v2',
      'proxy@v2',
    ]);
    // Each service is polled until healthy before the next one is touched.
    const backendUp = step('--force-recreate backend');
    const aggregatorUp = step('--force-recreate aggregator');
    const polls = run.calls
      .slice(backendUp, aggregatorUp)
      .filter((c) => c.includes('inspect') && c.includes('cid-backend'));
    expect(polls.length).toBe(3);
    // Smoke tests through the edge, every path of operations.md §8.4.
    for (const path of [
      '/health',
      '/api/v1/auth/config',
      '/aggregator/health',
      '/.well-known/oauth-protected-resource/mcp',
      '/',
    ]) {
      expect(run.calls).toContain(`curl https://hub.example.test${path}`);
    }
    // The repository name is lowercased for GHCR; secrets in .env are read, never executed.
    expect(run.output).toContain('deploying openmined/syfthub v2 (running: v1)');
    expect(readEnv(run, '.env')).toContain('IMAGE_TAG=v2\n');
    expect(readEnv(run, '.env')).toContain('SECRET_KEY=a$b"c\n');
    expect(readEnv(run, '.env').split('\n')[2]).toBe('IMAGE_TAG=v2');
    expect(readEnv(run, '.deploy-state')).toMatch(
      /IMAGE_TAG=v2\nPREVIOUS_TAG=v1\nDEPLOYED_AT=\S+\nLAST_RESULT=deployed v2/,
    );
    for (const svc of ['backend', 'aggregator', 'mcp', 'proxy']) expect(run.tag(svc)).toBe('v2');
    const logs = readdirSync(join(run.dir, '..', 'logs'));
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^deploy-\d{8}T\d{6}Z\.log$/);
  });

  it('rolls every service back to the previous tag when a new container turns unhealthy', () => {
    const run = deploy({ env: { FAKE_UNHEALTHY: 'mcp:v2' } });
    expect(run.status).toBe(1);
    expect(run.output).toContain('mcp is unhealthy');
    expect(run.output).toContain('ROLLBACK to v1');
    expect(recreations(run)).toEqual([
      'backend@v2',
      'aggregator@v2',
      'mcp@v2',
      'backend@v1',
      'aggregator@v1',
      'mcp@v1',
      'frontend-init@v1',
      'proxy@v1',
    ]);
    for (const svc of ['backend', 'aggregator', 'mcp', 'proxy', 'frontend-init'])
      expect(run.tag(svc), svc).toBe('v1');
    // The failed release is not recorded as deployed.
    expect(readEnv(run, '.env')).toContain('IMAGE_TAG=v1');
    expect(readEnv(run, '.deploy-state')).toContain('LAST_RESULT=rolled-back v2');
    expect(run.calls.some((c) => c.startsWith('curl'))).toBe(false);
  });

  it('rolls back when a service never becomes healthy within the time limit', () => {
    const run = deploy({ env: { FAKE_STUCK: 'backend:v2' } });
    expect(run.status).toBe(1);
    expect(run.output).toContain('backend not healthy after 2s');
    expect(recreations(run)).toEqual([
      'backend@v2',
      'backend@v1',
      'aggregator@v1',
      'mcp@v1',
      'frontend-init@v1',
      'proxy@v1',
    ]);
    expect(run.tag('backend')).toBe('v1');
  });

  it('rolls back when the smoke tests through the edge fail on the new release', () => {
    const run = deploy({
      env: { FAKE_CURL_FAIL_PATH: '/.well-known/oauth-protected-resource/mcp', FAKE_CURL_FAIL_TAG: 'v2' },
    });
    expect(run.status).toBe(1);
    expect(run.output).toContain('smoke /.well-known/oauth-protected-resource/mcp: HTTP 502');
    expect(run.output).toContain('ROLLBACK to v1');
    for (const svc of ['backend', 'aggregator', 'mcp', 'proxy']) expect(run.tag(svc), svc).toBe('v1');
  });

  it('stops before touching any service when the migrations fail', () => {
    const run = deploy({ env: { FAKE_MIGRATE_FAIL: '1' } });
    expect(run.status).toBe(1);
    expect(run.output).toContain('migrations failed; the running services were not touched');
    expect(recreations(run)).toEqual([]);
    expect(run.output).not.toContain('ROLLBACK');
    expect(readEnv(run, '.env')).toContain('IMAGE_TAG=v1');
  });

  it('stops before migrating when the pull or the safety dump fails', () => {
    const pull = deploy({ env: { FAKE_PULL_FAIL: '1' } });
    expect(pull.status).toBe(1);
    expect(pull.output).toContain('pull failed; nothing has changed');
    expect(pull.calls.some((c) => c.includes('migrate'))).toBe(false);
    const dump = deploy({ env: { FAKE_BACKUP_FAIL: '1' } });
    expect(dump.status).toBe(1);
    expect(dump.output).toContain('safety dump failed');
    expect(dump.calls.some((c) => c.includes('run --rm migrate'))).toBe(false);
  });

  it('includes the satellite when its profile is on', () => {
    const run = deploy({
      dotenv: 'GITHUB_REPOSITORY=o/r\nDOMAIN=hub.example.test\nIMAGE_TAG=v1\nCOMPOSE_PROFILES=satellite\n',
      env: { FAKE_UNHEALTHY: 'satellite:v2' },
    });
    expect(run.calls.find((c) => c.includes(' pull '))).toContain(
      'pull backend aggregator mcp satellite frontend-init',
    );
    expect(run.status).toBe(1);
    expect(recreations(run)).toContain('satellite@v1');
  });

  it('refuses to run without IMAGE_TAG or DOMAIN', () => {
    expect(deploy({ tag: '' }).output).toContain('IMAGE_TAG is not set');
    const noDomain = deploy({ dotenv: 'GITHUB_REPOSITORY=o/r\n' });
    expect(noDomain.status).toBe(1);
    expect(noDomain.output).toContain('DOMAIN is not set');
  });
});

describe('smoke-image.sh', () => {
  function smoke(service: string, env: Record<string, string> = {}) {
    const state = mkdtempSync(join(tmpdir(), 'syfthub-smoke-'));
    const result = spawnSync(
      'bash',
      [repoPath('deploy', 'scripts', 'smoke-image.sh'), `ghcr.io/o/r-${service}:ci`, service],
      {
        env: {
          PATH: `${repoPath('deploy', 'test', 'fixtures', 'bin')}:${process.env.PATH}`,
          FAKE_DOCKER_STATE: state,
          SMOKE_TIMEOUT_SECONDS: '10',
          ...env,
        },
        encoding: 'utf8',
      },
    );
    const calls = readFileSync(join(state, 'calls.log'), 'utf8').trim().split('\n');
    return { status: result.status, output: result.stdout + result.stderr, calls };
  }

  it('runs the image hardened and waits until it answers its health path', () => {
    const run = smoke('backend', { FAKE_EXEC_FAILURES: '1' });
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('backend answers /health on :8000');
    const start = run.calls.find((c) => c.startsWith('docker run'))!;
    for (const flag of [
      '--read-only',
      '--tmpfs /tmp',
      '--cap-drop ALL',
      '--security-opt no-new-privileges:true',
    ]) {
      expect(start).toContain(flag);
    }
    expect(run.calls.filter((c) => c.startsWith('docker exec'))).toHaveLength(2);
    expect(run.calls.at(-1)).toContain('docker rm -f cid-smoke');
    expect(smoke('web').output).toContain('web answers /nginx-health on :8080');
  });

  it('fails with the container’s logs when it exits or never answers', () => {
    const exited = smoke('mcp', { FAKE_EXITED: '1' });
    expect(exited.status).toBe(1);
    expect(exited.output).toContain('mcp exited');
    const silent = smoke('aggregator', { FAKE_EXEC_FAILURES: '1000', SMOKE_TIMEOUT_SECONDS: '1' });
    expect(silent.status).toBe(1);
    expect(silent.output).toContain('did not answer /health within 1s');
  });
});

describe('deploy.sh settings', () => {
  it('are all documented in .env.example', () => {
    const script = readFileSync(repoPath('deploy', 'scripts', 'deploy.sh'), 'utf8');
    const read = [...script.matchAll(/\$\(setting ([A-Z_]+)/g)].map((m) => m[1]!);
    expect(read.length).toBeGreaterThan(5);
    const documented = envExampleVariables();
    expect(read.filter((name) => !documented.has(name))).toEqual([]);
  });
});
