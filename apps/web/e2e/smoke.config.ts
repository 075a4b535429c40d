import { defineConfig } from '@playwright/test';
import { chromiumLaunch } from './chromium';
import { hubEnv, SMOKE_PORT, SMOKE_URL } from './smoke/hub';

/**
 * The built SPA against the real hub: the all-in-one (backend, aggregator, MCP, reference satellite, routed and
 * served with the CSP as `pnpm start` does) on a fresh embedded database, seeded through the API by smoke/seed.ts.
 * No other service is needed.
 */
export default defineConfig({
  testDir: './smoke',
  outputDir: '../test-results/smoke',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
  reporter: [['list']],
  globalSetup: './smoke/seed.ts',
  use: {
    baseURL: SMOKE_URL,
    launchOptions: chromiumLaunch,
    screenshot: 'on',
    trace: 'retain-on-failure',
  },
  webServer: {
    command: `env -u DATABASE_URL -u REDIS_URL pnpm --filter @syfthub/all-in-one exec tsx src/main.ts --reset --port ${SMOKE_PORT}`,
    cwd: '..',
    url: `${SMOKE_URL}/ready`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    env: hubEnv,
  },
  projects: [
    { name: 'desktop', use: { browserName: 'chromium', viewport: { width: 1280, height: 860 } } },
    {
      name: 'mobile',
      use: { browserName: 'chromium', viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true },
      testMatch: /responsive/,
    },
  ],
});
