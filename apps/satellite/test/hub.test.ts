import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSatelliteEnv } from '../src/env';
import { createSatellite, type Satellite } from '../src/satellite';
import { type FakeHub, startFakeHub } from './fake-hub';
import { captureLogger, eventually, removeDir, tempDir, writeFiles } from './helpers';

let dir: string;
let hub: FakeHub;
const running: Satellite[] = [];

const CATALOGUE = {
  endpoints: [
    {
      slug: 'handbook',
      name: 'Handbook',
      type: 'data_source',
      docs_dir: 'docs',
      description: 'Staff handbook.',
      tags: ['hr'],
      tenant_name: 'staff',
    },
    { slug: 'members-only', name: 'Members', type: 'data_source', docs_dir: 'docs', allow_guests: false },
    {
      slug: 'custom-readme',
      name: 'Custom',
      type: 'data_source',
      docs_dir: 'docs',
      readme_file: 'README.custom.md',
    },
    { slug: 'assistant', name: 'Assistant', type: 'model', visibility: 'internal', version: '2.1.0' },
  ],
};

async function launch(env: Record<string, string> = {}): Promise<Satellite> {
  const parsed = parseSatelliteEnv({
    SYFTHUB_URL: hub.url,
    SATELLITE_PUBLIC_URL: 'http://satellite.test:8003',
    SATELLITE_ENDPOINTS_FILE: join(dir, 'endpoints.json'),
    SATELLITE_DATA_DIR: join(dir, 'state'),
    SATELLITE_HUB_USERNAME: 'Demo-Satellite',
    SATELLITE_HUB_PASSWORD: 'correct horse battery',
    SATELLITE_HUB_EMAIL: 'demo-satellite@example.com',
    SATELLITE_HEALTH_TTL_SECONDS: '180',
    ...env,
  });
  const satellite = await createSatellite(parsed, captureLogger().logger, {
    hubTimings: { initialBackoffMs: 10, maxBackoffMs: 40, syncMinIntervalMs: 50 },
  });
  running.push(satellite);
  await satellite.start();
  return satellite;
}

async function healthOf(satellite: Satellite) {
  return (await (await satellite.app.request('/health')).json()) as {
    hub: { owner: string | null; published: boolean; last_report_at: string | null };
  };
}

beforeEach(async () => {
  dir = await tempDir();
  await writeFiles(dir, {
    'docs/leave.md': '# Leave\n\nStaff have 25 days of annual leave.',
    'README.custom.md': '# Custom README\n\nWritten by hand.',
    'endpoints.json': JSON.stringify(CATALOGUE),
  });
  hub = await startFakeHub();
});

afterEach(async () => {
  for (const satellite of running.splice(0)) await satellite.stop();
  await hub.close();
  await removeDir(dir);
});

describe('development bootstrap', () => {
  it('logs in, registers when the login fails, creates a write PAT and stores it with mode 0600', async () => {
    const satellite = await launch();
    await satellite.agent.connected;
    expect(hub.state.calls.slice(0, 4).map((c) => c.path)).toEqual([
      '/api/v1/auth/login',
      '/api/v1/auth/register',
      '/api/v1/auth/tokens',
      '/api/v1/auth/me',
    ]);
    const [login] = hub.callsTo('/api/v1/auth/login');
    expect(login?.contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(login?.body))).toEqual({
      username: 'Demo-Satellite',
      password: 'correct horse battery',
    });
    expect(hub.bodiesOf('/api/v1/auth/register')[0]).toMatchObject({
      username: 'Demo-Satellite',
      email: 'demo-satellite@example.com',
      password: 'correct horse battery',
    });
    expect(hub.bodiesOf('/api/v1/auth/tokens')[0]).toEqual({ name: 'satellite', scopes: ['write'] });

    const file = join(dir, 'state', 'hub-token');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const [pat] = [...hub.state.pats.keys()];
    expect(hub.callsTo('/api/v1/auth/me')[0]?.authorization).toBe(`Bearer ${pat}`);
    await eventually(() =>
      expect(hub.callsTo('/api/v1/endpoints/sync')[0]?.authorization).toBe(`Bearer ${pat}`),
    );

    await eventually(async () => expect((await healthOf(satellite)).hub.published).toBe(true));
    expect((await healthOf(satellite)).hub.owner).toBe('demo-satellite');
  });

  it('reuses the stored token after a restart', async () => {
    const first = await launch();
    await first.agent.connected;
    await first.stop();
    hub.state.calls = [];

    const second = await launch();
    await second.agent.connected;
    expect(hub.callsTo('/api/v1/auth/login')).toHaveLength(0);
    expect(hub.callsTo('/api/v1/auth/tokens')).toHaveLength(0);
    expect(hub.state.pats.size).toBe(1);
    expect(second.agent.status().owner).toBe('demo-satellite');
  });

  it('bootstraps again when the hub no longer accepts the stored token', async () => {
    const first = await launch();
    await first.agent.connected;
    await first.stop();
    hub.state.pats.clear();

    const second = await launch();
    await second.agent.connected;
    expect(hub.callsTo('/api/v1/auth/tokens')).toHaveLength(2);
    expect(hub.callsTo('/api/v1/auth/register')).toHaveLength(1);
  });

  it('uses SYFTHUB_API_TOKEN without logging in', async () => {
    hub.state.users.set('carol', { id: 9, password: 'x', email: 'c@example.com' });
    hub.state.pats.set('syft_pat_given', 'carol');
    const satellite = await launch({ SYFTHUB_API_TOKEN: 'syft_pat_given' });
    await satellite.agent.connected;
    expect(hub.callsTo('/api/v1/auth/login')).toHaveLength(0);
    expect(satellite.agent.status().owner).toBe('carol');
  });
});

describe('publishing', () => {
  it('syncs the catalogue with policies, connections and READMEs', async () => {
    const satellite = await launch();
    await satellite.agent.connected;
    await eventually(() => expect(hub.callsTo('/api/v1/endpoints/sync')).toHaveLength(1));
    const { endpoints } = hub.bodiesOf('/api/v1/endpoints/sync')[0] as {
      endpoints: Array<Record<string, unknown>>;
    };
    expect(endpoints.map((e) => e.slug)).toEqual(['handbook', 'members-only', 'custom-readme', 'assistant']);
    expect(endpoints[0]).toEqual({
      name: 'Handbook',
      slug: 'handbook',
      type: 'data_source',
      visibility: 'public',
      description: 'Staff handbook.',
      version: '1.0.0',
      readme: expect.stringContaining('BM25'),
      tags: ['hr'],
      policies: [],
      connect: [
        {
          type: 'http',
          enabled: true,
          description: 'SyftHub reference satellite',
          config: { url: '', tenant_name: 'staff' },
        },
      ],
    });
    expect(endpoints[0]?.readme).toContain('- Documents: 1');
    expect(endpoints[0]?.readme).toContain('- Leave');
    expect(endpoints[1]?.policies).toEqual([
      {
        type: 'signed_in_only',
        version: '1.0',
        enabled: true,
        description: 'Requires a signed-in SyftHub user',
        config: {},
      },
    ]);
    expect(endpoints[2]?.readme).toBe('# Custom README\n\nWritten by hand.');
    expect(endpoints[3]).toMatchObject({ type: 'model', visibility: 'internal', version: '2.1.0' });
    expect(endpoints[3]?.readme).toContain('demo model');
  });

  it('publishes the path of a public URL that has one as the connection URL', async () => {
    await launch({ SATELLITE_PUBLIC_URL: 'http://edge.test/satellite/' });
    await eventually(() => expect(hub.callsTo('/api/v1/endpoints/sync')).toHaveLength(1));
    const { endpoints } = hub.bodiesOf('/api/v1/endpoints/sync')[0] as {
      endpoints: Array<{ connect: Array<{ config: { url: string } }> }>;
    };
    expect(endpoints.map((e) => e.connect[0]?.config.url)).toEqual(Array(4).fill('/satellite'));
    await eventually(() =>
      expect(hub.bodiesOf('/api/v1/endpoints/health')[0]?.url).toBe('http://edge.test/satellite'),
    );
  });

  it('retries the sync with back-off while the hub is failing', async () => {
    hub.state.failSyncs = 2;
    const satellite = await launch();
    await eventually(async () => expect((await healthOf(satellite)).hub.published).toBe(true));
    expect(hub.callsTo('/api/v1/endpoints/sync')).toHaveLength(3);
  });

  it('publishes again, debounced, when a rescan changes the README', async () => {
    const satellite = await launch();
    await eventually(() => expect(hub.callsTo('/api/v1/endpoints/sync')).toHaveLength(1));
    await writeFiles(dir, { 'docs/pay.md': '# Pay\n\nSalaries are paid monthly.' });
    await satellite.endpoints.dataSources.get('handbook')!.rescan();
    await satellite.endpoints.dataSources.get('members-only')!.rescan();
    await eventually(() => expect(hub.callsTo('/api/v1/endpoints/sync')).toHaveLength(2));
    const latest = hub.bodiesOf('/api/v1/endpoints/sync')[1] as { endpoints: Array<{ readme: string }> };
    expect(latest.endpoints[0]?.readme).toContain('- Pay');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(hub.callsTo('/api/v1/endpoints/sync').length).toBeLessThanOrEqual(3);
  });

  it('does not publish with SATELLITE_PUBLISH=false but still reports health', async () => {
    const satellite = await launch({ SATELLITE_PUBLISH: 'false' });
    await eventually(() => expect(hub.callsTo('/api/v1/endpoints/health')).toHaveLength(1));
    expect(hub.callsTo('/api/v1/endpoints/sync')).toHaveLength(0);
    expect((await healthOf(satellite)).hub.published).toBe(false);
  });
});

describe('health reports', () => {
  it('reports every endpoint with the TTL and public URL, on a timer', async () => {
    const satellite = await launch({ SATELLITE_HEALTH_INTERVAL_SECONDS: '1' });
    await eventually(() => expect(hub.callsTo('/api/v1/endpoints/sync')).toHaveLength(1));
    await writeFiles(dir, { 'README.custom.md': '# Custom README\n\nEdited.' });
    await eventually(
      () => expect(hub.callsTo('/api/v1/endpoints/health').length).toBeGreaterThanOrEqual(2),
      4000,
    );
    // An edited README file is published on the next health tick; an unchanged catalogue is not synced again.
    await eventually(() => expect(hub.callsTo('/api/v1/endpoints/sync')).toHaveLength(2));
    const edited = hub.bodiesOf('/api/v1/endpoints/sync')[1] as { endpoints: Array<{ readme: string }> };
    expect(edited.endpoints[2]?.readme).toBe('# Custom README\n\nEdited.');
    const [report] = hub.bodiesOf('/api/v1/endpoints/health') as Array<{
      endpoints: Array<{ slug: string; status: string; checked_at: string }>;
      ttl_seconds: number;
      url: string;
    }>;
    expect(report?.ttl_seconds).toBe(180);
    expect(report?.url).toBe('http://satellite.test:8003');
    expect(report?.endpoints.map((e) => [e.slug, e.status])).toEqual([
      ['handbook', 'healthy'],
      ['members-only', 'healthy'],
      ['custom-readme', 'healthy'],
      ['assistant', 'healthy'],
    ]);
    expect(report?.endpoints[0]?.checked_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const body = await healthOf(satellite);
    expect(body.hub.last_report_at).toMatch(/Z$/);
  });

  it('sends a final report marking everything unhealthy on stop', async () => {
    const satellite = await launch();
    await eventually(() => expect(hub.callsTo('/api/v1/endpoints/health')).toHaveLength(1));
    await satellite.stop();
    const reports = hub.bodiesOf('/api/v1/endpoints/health') as Array<{
      endpoints: Array<{ status: string }>;
    }>;
    expect(reports).toHaveLength(2);
    expect(reports[1]?.endpoints.map((e) => e.status)).toEqual([
      'unhealthy',
      'unhealthy',
      'unhealthy',
      'unhealthy',
    ]);
  });

  it('reports data sources unhealthy when their folder disappears', async () => {
    const satellite = await launch({ SATELLITE_HEALTH_INTERVAL_SECONDS: '1' });
    await eventually(() => expect(hub.callsTo('/api/v1/endpoints/health')).toHaveLength(1));
    await removeDir(join(dir, 'docs'));
    for (const source of satellite.endpoints.dataSources.values()) await source.rescan();
    await eventually(() => expect(hub.callsTo('/api/v1/endpoints/health')).toHaveLength(2), 4000);
    const report = hub.bodiesOf('/api/v1/endpoints/health')[1] as { endpoints: Array<{ status: string }> };
    expect(report.endpoints.map((e) => e.status)).toEqual(['unhealthy', 'unhealthy', 'unhealthy', 'healthy']);
  });
});
