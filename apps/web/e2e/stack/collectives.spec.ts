import { readFileSync } from 'node:fs';
import { type APIRequestContext, type Browser, expect, type Page, test } from '@playwright/test';

/**
 * Collectives through the browser against the real stack (issue 16): create a collective, invite the reference
 * satellite's two data sources, accept as their owner, create a shared endpoint, then chat with
 * `collective/<slug>` and see documents of both members in the answer's sources.
 *
 * Environment: E2E_BASE_URL; E2E_SATELLITE_OWNER / E2E_SATELLITE_OWNER_PASSWORD (the stack's satellite owner,
 * `syfthub` with the password `deploy/local-stack` keeps in `.stack/satellite-owner-password` by default).
 */

const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
const founder = {
  fullName: 'Collective Founder',
  username: `founder${suffix}`,
  email: `founder${suffix}@example.com`,
  password: 'Correct-horse-7',
};
const satelliteOwner = {
  username: process.env.E2E_SATELLITE_OWNER ?? 'syfthub',
  password: () =>
    process.env.E2E_SATELLITE_OWNER_PASSWORD ??
    readFileSync(new URL('../../../../.stack/satellite-owner-password', import.meta.url), 'utf8').trim(),
};
const collectiveName = `E2E Collective ${suffix}`;
const QUESTION = 'How long can I borrow a library book, and how do SyftHub satellites publish endpoints?';
const MEMBERS = ['larchmere-library', 'syfthub-guide'];

// Each step signs in and loads several pages; on a busy two-core machine that takes longer than the default minute.
test.describe.configure({ mode: 'serial', timeout: 180_000 });

let slug = '';

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `test-results/stack-screens/collectives-${name}.png`, fullPage: true });
}

async function signIn(page: Page, username: string, password: string) {
  await page.goto('/');
  await page.getByRole('banner').getByRole('button', { name: 'Sign in' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sign in to SyftHub' });
  await dialog.getByLabel('E-mail or username').fill(username);
  await dialog.getByLabel('Password', { exact: true }).fill(password);
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  await expect(dialog).toBeHidden();
}

async function endpointId(request: APIRequestContext, path: string): Promise<number> {
  const response = await request.get(`/api/v1/endpoints/by-path/${path}`, {
    headers: { Accept: 'application/json' },
  });
  expect(response.ok(), `${path} is published by the reference satellite`).toBe(true);
  return ((await response.json()) as { id: number }).id;
}

async function asSatelliteOwner(browser: Browser, action: (page: Page) => Promise<void>) {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await signIn(page, satelliteOwner.username, satelliteOwner.password());
    await action(page);
  } finally {
    await context.close();
  }
}

test('create a collective', async ({ page, request }) => {
  const registered = await request.post('/api/v1/auth/register', {
    data: {
      username: founder.username,
      email: founder.email,
      full_name: founder.fullName,
      password: founder.password,
    },
  });
  expect(registered.status()).toBe(201);
  await signIn(page, founder.username, founder.password);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Collectives' }).click();
  await expect(page.getByRole('heading', { name: 'Collectives', level: 1 })).toBeVisible();
  await page.getByRole('link', { name: 'Create collective' }).last().click();
  await page.getByLabel('Name').fill(collectiveName);
  await page.getByLabel('Description').fill('Library and guide, asked together');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('radio', { name: /Request to join/ }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await shot(page, 'create-review');
  await page.getByRole('button', { name: 'Create collective' }).click();
  await expect(page).toHaveURL(/\/c\/[a-z0-9-]+\/admin$/);
  slug = new URL(page.url()).pathname.split('/')[2] ?? '';
  await expect(page.getByRole('heading', { name: `Manage ${collectiveName}` })).toBeVisible();
});

test('invite the satellite owner’s data sources', async ({ page }) => {
  await signIn(page, founder.username, founder.password);
  await page.goto(`/c/${slug}/admin`);
  await page.getByRole('button', { name: 'Invite endpoint' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Invite endpoints' });
  await dialog.getByLabel('Owner username').fill(satelliteOwner.username);
  await dialog.getByRole('button', { name: `All data sources from @${satelliteOwner.username}` }).click();
  for (const member of MEMBERS) {
    await expect(dialog.getByRole('list', { name: 'Endpoints to invite' })).toContainText(member);
  }
  await dialog.getByRole('button', { name: /^Send \d+ invitations?$/ }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('tab', { name: /Pending/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByText('Pending their reply').first()).toBeVisible();
  await shot(page, 'invited');
});

test('accept the invitations as the endpoints’ owner', async ({ browser, request }) => {
  const ids = await Promise.all(
    MEMBERS.map((member) => endpointId(request, `${satelliteOwner.username}/${member}`)),
  );
  await asSatelliteOwner(browser, async (page) => {
    for (const id of ids) {
      await page.goto(`/collectives/${slug}/invitations/${id}`);
      await expect(
        page.getByRole('heading', { name: new RegExp(`invited to ${collectiveName}`) }),
      ).toBeVisible();
      await page.getByRole('button', { name: 'Accept' }).click();
      await expect(page.getByText('This endpoint is a member.')).toBeVisible();
    }
    await shot(page, 'accepted');
  });
  const paths = await request.get(`/api/v1/collectives/by-slug/${slug}/endpoint-paths`, {
    headers: { Accept: 'application/json' },
  });
  expect(((await paths.json()) as string[]).sort()).toEqual(
    MEMBERS.map((m) => `${satelliteOwner.username}/${m}`).sort(),
  );
});

test('create a shared endpoint', async ({ page }) => {
  await signIn(page, founder.username, founder.password);
  await page.goto(`/c/${slug}/admin`);
  await page.getByRole('tab', { name: 'Collective APIs' }).click();
  await page.getByRole('button', { name: 'New Collective API' }).click();
  const dialog = page.getByRole('dialog', { name: 'New Collective API' });
  await dialog.getByLabel('Name').fill('Library only');
  await dialog.getByRole('checkbox', { name: /Larchmere/ }).check();
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(`collective/${slug}/library-only`).first()).toBeVisible();
  await page.goto(`/c/${slug}`);
  await expect(page.getByRole('heading', { name: collectiveName })).toBeVisible();
  await expect(page.getByText(`collective/${slug}`, { exact: true })).toBeVisible();
  await shot(page, 'detail');
});

test('chat with collective/<slug> and see documents of both members', async ({ page }) => {
  await signIn(page, founder.username, founder.password);
  await page.getByRole('button', { name: /^Model:/ }).click();
  await page.getByRole('combobox', { name: 'Search models' }).fill('assistant');
  await page
    .getByRole('option', { name: /\/assistant/ })
    .first()
    .click();
  await page.getByRole('button', { name: 'Add sources' }).click();
  const picker = page.getByRole('dialog', { name: 'Add data sources' });
  await picker.getByRole('tab', { name: 'Collectives' }).click();
  const group = picker.locator('details', { hasText: collectiveName });
  await group.getByRole('checkbox', { name: /Entire collective/ }).check();
  await picker.getByRole('button', { name: /Done \(1 selected\)/ }).click();

  const stream = page.waitForResponse((r) => r.url().includes('/aggregator/api/v1/chat/stream'));
  await page.getByRole('combobox', { name: 'Your question' }).fill(QUESTION);
  await page.getByRole('button', { name: 'Ask' }).click();
  const response = await stream;
  const sent = response.request().postDataJSON() as {
    data_sources: { slug: string; owner_username: string }[];
  };
  expect(sent.data_sources.map((s) => s.slug).sort()).toEqual([...MEMBERS].sort());

  const answer = page.getByRole('article').last();
  await expect(answer.getByRole('button', { name: /Searched 2 sources/ })).toBeVisible({ timeout: 60_000 });
  await expect(answer.getByRole('region', { name: 'Sources' })).toBeVisible();
  // The `done` event names the document each citation refers to, with the member it came from.
  const body = await response.text();
  const done = body.split('\n\n').find((frame) => frame.includes('event: done')) ?? '';
  const data = JSON.parse(done.slice(done.indexOf('data:') + 5)) as {
    sources: Record<string, { slug: string }>;
  };
  const cited = new Set(Object.values(data.sources).map((s) => s.slug));
  for (const member of MEMBERS) expect(cited).toContain(`${satelliteOwner.username}/${member}`);
  await shot(page, 'chat');
});
