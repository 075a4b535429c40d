import { defineConfig } from '@playwright/test';
import { chromiumLaunch } from './chromium';

const port = Number(process.env.SMOKE_PORT ?? 4173);

/** The built SPA against the canned fake API (e2e/fake-api): rendering checks in real Chromium, no stack needed. */
export default defineConfig({
  testDir: './smoke',
  outputDir: '../test-results/smoke',
  timeout: 45_000,
  expect: { timeout: 10_000 },
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${port}`,
    launchOptions: chromiumLaunch,
    screenshot: 'on',
    trace: 'retain-on-failure',
  },
  webServer: {
    command: 'node e2e/fake-api/server.mjs',
    cwd: '..',
    url: `http://localhost:${port}/api/v1/auth/config`,
    reuseExistingServer: false,
    env: { SMOKE_PORT: String(port) },
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
