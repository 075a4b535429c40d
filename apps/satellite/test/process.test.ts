import { type ChildProcess, spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeHub, startFakeHub } from './fake-hub';
import {
  createSigningKey,
  eventually,
  ISSUER,
  postJson,
  removeDir,
  type SigningKey,
  signToken,
  tempDir,
  userClaims,
} from './helpers';

const APP_DIR = resolve(import.meta.dirname, '..');

interface Running {
  child: ChildProcess;
  port: number;
  logs: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

let dir: string;
let hub: FakeHub;
let key: SigningKey;

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    SATELLITE_PORT: '0',
    SATELLITE_HOST: '127.0.0.1',
    SATELLITE_PUBLIC_URL: 'http://satellite.test:8003',
    SYFTHUB_URL: hub.url,
    SYFTHUB_ISSUER: ISSUER,
    SATELLITE_ENDPOINTS_FILE: join(APP_DIR, 'endpoints.example.json'),
    SATELLITE_DATA_DIR: join(dir, 'state'),
    SATELLITE_HUB_USERNAME: 'demo-satellite',
    SATELLITE_HUB_PASSWORD: 'a long dev password',
    SATELLITE_HUB_EMAIL: 'demo-satellite@example.com',
    ...extra,
  };
}

function launch(environment: NodeJS.ProcessEnv): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: APP_DIR,
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return new Promise((resolvePort, reject) => {
    let buffer = '';
    child.stdout?.on('data', (data: Buffer) => {
      buffer += data.toString('utf8');
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const line of parts) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.event === 'server.started')
          resolvePort({ child, port: entry.port as number, logs, exited });
      }
    });
    void exited.then((code) => reject(new Error(`satellite exited with ${code} before listening`)));
  });
}

beforeAll(async () => {
  dir = await tempDir();
  key = await createSigningKey('hub-key-1');
  hub = await startFakeHub({ jwks: [key] });
});

afterAll(async () => {
  await hub.close();
  await removeDir(dir);
});

describe('satellite process', () => {
  it('bootstraps, serves the example catalogue, and reports unhealthy on SIGTERM', async () => {
    const running = await launch(env());
    try {
      await eventually(() => expect(hub.callsTo('/api/v1/endpoints/health')).toHaveLength(1), 10_000);
      expect((await stat(join(dir, 'state', 'hub-token'))).mode & 0o777).toBe(0o600);

      const base = `http://127.0.0.1:${running.port}`;
      const health = (await (await fetch(`${base}/health`)).json()) as Record<string, unknown>;
      expect(health).toMatchObject({
        status: 'healthy',
        mode: 'demo',
        endpoints: [
          { slug: 'syfthub-guide', type: 'data_source', status: 'healthy', documents: 24 },
          { slug: 'larchmere-library', type: 'data_source', status: 'healthy', documents: 10 },
          { slug: 'assistant', type: 'model', status: 'healthy' },
        ],
        hub: { owner: 'demo-satellite', published: true },
      });

      const token = await signToken(key, userClaims('demo-satellite'));
      const res = await fetch(
        `${base}/api/v1/endpoints/syfthub-guide/query`,
        postJson(
          { messages: 'What is inside a satellite token?', limit: 3, similarity_threshold: 0 },
          { authorization: `Bearer ${token}`, 'x-correlation-id': 'e2e-1' },
        ),
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('x-correlation-id')).toBe('e2e-1');
      const body = (await res.json()) as { references: { documents: Array<{ document_id: string }> } };
      expect(body.references.documents[0]?.document_id).toBe('satellite-tokens.md#1');
      const completed = await eventually(() => {
        const entry = running.logs.find((l) => l.event === 'satellite.query.completed');
        expect(entry).toBeDefined();
        return entry;
      });
      expect(completed).toMatchObject({
        correlation_id: 'e2e-1',
        slug: 'syfthub-guide',
        caller_role: 'user',
      });

      running.child.kill('SIGTERM');
      expect(await running.exited).toBe(0);
      const reports = hub.bodiesOf('/api/v1/endpoints/health') as Array<{
        endpoints: Array<{ status: string }>;
      }>;
      expect(reports.at(-1)?.endpoints.map((e) => e.status)).toEqual(['unhealthy', 'unhealthy', 'unhealthy']);
    } finally {
      running.child.kill('SIGKILL');
    }
  });

  it('reuses the stored token when restarted', async () => {
    const logins = hub.callsTo('/api/v1/auth/login').length;
    const running = await launch(env());
    try {
      await eventually(() =>
        expect(hub.callsTo('/api/v1/endpoints/health').length).toBeGreaterThanOrEqual(3),
      );
      expect(hub.callsTo('/api/v1/auth/login')).toHaveLength(logins);
      running.child.kill('SIGTERM');
      expect(await running.exited).toBe(0);
    } finally {
      running.child.kill('SIGKILL');
    }
  });

  it('exits with a readable message when the configuration is invalid', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: APP_DIR,
      env: env({ OPENAI_BASE_URL: 'http://127.0.0.1:1/v1', SATELLITE_HEALTH_TTL_SECONDS: 'soon' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (data: Buffer) => {
      stderr += data.toString('utf8');
    });
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    expect(code).toBe(1);
    expect(stderr).toContain('OPENAI_MODEL');
    expect(stderr).toContain('SATELLITE_HEALTH_TTL_SECONDS');
  });
});
