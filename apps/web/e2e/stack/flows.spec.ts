import { type APIRequestContext, expect, type Page, test } from '@playwright/test';

/**
 * The main user journeys of web.md against the real stack (hub, aggregator, reference satellite in demo mode)
 * behind nginx. The stack runs without an e-mail sender, so registration signs in directly.
 *
 * Environment: E2E_BASE_URL (stack origin), optionally E2E_MODEL (owner/slug), E2E_SOURCES (two owner/slug paths,
 * comma-separated), E2E_CHAT_QUESTION (a question the demo documents can answer).
 */

const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
const account = {
  fullName: 'E2E Tester',
  username: `e2e${suffix}`,
  email: `e2e${suffix}@example.com`,
  password: 'Correct-horse-7',
};
const DEMO_LABEL = '[Demo model: extractive answer, no language model configured]';
const QUESTION = process.env.E2E_CHAT_QUESTION ?? 'What is SyftHub and how do satellites publish endpoints?';

test.describe.configure({ mode: 'serial' });

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `test-results/stack-screens/${name}.png`, fullPage: true });
}

async function signIn(page: Page) {
  await page.getByRole('banner').getByRole('button', { name: 'Sign in' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sign in to SyftHub' });
  await dialog.getByLabel('E-mail or username').fill(account.username);
  await dialog.getByLabel('Password', { exact: true }).fill(account.password);
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: new RegExp(account.fullName) })).toBeVisible();
}

interface Listed {
  name: string;
  slug: string;
  owner_username: string;
  type: string;
  connect: { enabled: boolean; config: { url?: string } }[];
}

/** Served by a satellite: only those can answer in chat (endpoints published from the browser have no address). */
const reachable = (endpoint: Listed) => endpoint.connect.some((c) => c.enabled && !!c.config.url);

async function catalogue(request: APIRequestContext, type: string): Promise<Listed[]> {
  const response = await request.get(`/api/v1/endpoints/public?endpoint_type=${type}&limit=100`, {
    headers: { Accept: 'application/json' },
  });
  expect(response.ok()).toBe(true);
  return (await response.json()) as Listed[];
}

async function chatTargets(request: APIRequestContext): Promise<{ model: Listed; sources: Listed[] }> {
  const models = (await catalogue(request, 'model')).filter(reachable);
  const sources = (await catalogue(request, 'data_source')).filter(reachable);
  const path = (e: Listed) => `${e.owner_username}/${e.slug}`;
  const wantedModel = process.env.E2E_MODEL;
  const model = wantedModel
    ? models.find((m) => path(m) === wantedModel)
    : (models.find((m) => /assistant/i.test(m.name)) ?? models[0]);
  const wantedSources = process.env.E2E_SOURCES?.split(',').map((s) => s.trim());
  const picked = wantedSources ? sources.filter((s) => wantedSources.includes(path(s))) : sources.slice(0, 2);
  expect(model, 'a model is published (reference satellite)').toBeTruthy();
  expect(
    picked.length,
    'two data sources are published (reference satellite catalogue)',
  ).toBeGreaterThanOrEqual(2);
  return { model: model as Listed, sources: picked.slice(0, 2) };
}

test('register a new account', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('banner').getByRole('button', { name: 'Create account' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create your account' });
  await dialog.getByLabel('Full name').fill(account.fullName);
  await dialog.getByLabel('E-mail').fill(account.email);
  await expect(dialog.getByLabel('Username')).toHaveValue(account.username);
  await expect(dialog.getByText(`@${account.username} is available`)).toBeVisible();
  await dialog.getByLabel('Password', { exact: true }).fill(account.password);
  await dialog.getByLabel('Confirm password').fill(account.password);
  await dialog.getByRole('checkbox').check();
  await shot(page, 'register');
  await dialog.getByRole('button', { name: 'Create account' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: new RegExp(account.fullName) })).toBeVisible();
});

test('sign out and sign in again', async ({ page }) => {
  await page.goto('/');
  await signIn(page);
  await page.getByRole('button', { name: new RegExp(account.fullName) }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page.getByRole('banner').getByRole('button', { name: 'Sign in' })).toBeVisible();
  await signIn(page);
});

test('browse, search, open an endpoint and star it', async ({ page, request }) => {
  const [source] = (await catalogue(request, 'data_source')).filter(reachable);
  expect(source).toBeTruthy();
  await page.goto('/browse');
  await signIn(page);
  await page.getByRole('searchbox', { name: /Search data sources/ }).fill((source as Listed).name);
  await expect(page).toHaveURL(/q=/);
  const card = page.getByRole('link', { name: (source as Listed).name, exact: true }).first();
  await expect(card).toBeVisible();
  await shot(page, 'browse-search');
  await card.click();
  await expect(page).toHaveURL(
    new RegExp(`/${(source as Listed).owner_username}/${(source as Listed).slug}$`),
  );
  await expect(page.getByRole('heading', { level: 1, name: (source as Listed).name })).toBeVisible();
  const star = page.getByRole('button', { name: /^(Star|Starred)/ });
  const before = Number(
    await star
      .locator('.count')
      .textContent()
      .then((t) => (t ?? '').replace(/\D/g, '')),
  );
  if ((await star.getAttribute('aria-pressed')) !== 'true') {
    await star.click();
    await expect(page.getByRole('button', { name: /^Starred/ })).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByRole('button', { name: /^Starred/ }).locator('.count')).toContainText(
      String(before + 1),
    );
  }
  await page.reload();
  await expect(page.getByRole('button', { name: /^Starred/ })).toHaveAttribute('aria-pressed', 'true');
  await shot(page, 'endpoint-starred');
});

test('publish an endpoint, see it in browse, edit it and archive it', async ({ page }) => {
  const name = `E2E Notes ${suffix}`;
  const slug = `e2e-notes-${suffix}`;
  await page.goto('/');
  await signIn(page);
  await page.getByRole('button', { name: new RegExp(account.fullName) }).click();
  await page.getByRole('menuitem', { name: 'My endpoints' }).click();
  await expect(page.getByRole('heading', { name: 'My endpoints' })).toBeVisible();
  await page.getByRole('link', { name: 'Publish endpoint' }).click();
  await page.getByLabel('Name').fill(name);
  await expect(page.getByLabel('Slug')).toHaveValue(slug);
  await page.getByLabel('Description').fill('Published from the browser by the e2e suite.');
  await page.getByRole('textbox', { name: 'Tags' }).fill('e2e');
  await page.keyboard.press('Enter');
  await page.getByRole('textbox', { name: 'README' }).fill('# E2E notes\n\nSome **bold** text.');
  await page.getByRole('button', { name: 'Publish endpoint' }).click();
  await expect(page).toHaveURL(new RegExp(`/${account.username}/${slug}$`));
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();

  await page.goto(`/browse?q=${encodeURIComponent(name)}`);
  await expect(page.getByRole('link', { name, exact: true })).toBeVisible();
  await shot(page, 'published-in-browse');

  await page.goto(`/my/endpoints/${slug}`);
  await page.getByLabel('Description').fill('Edited by the e2e suite.');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page).toHaveURL(new RegExp(`/${account.username}/${slug}$`));
  await expect(page.getByText('Edited by the e2e suite.')).toBeVisible();

  await page.goto('/my/endpoints');
  await page.getByRole('button', { name: `Archive ${name}` }).click();
  await expect(page.getByRole('row', { name: new RegExp(name) })).toContainText('Archived');
  await page.goto(`/browse?q=${encodeURIComponent(name)}`);
  await expect(page.getByText('No endpoints found')).toBeVisible();
  await shot(page, 'archived-hidden');
});

test('a README with <script> and <img onerror> renders inert', async ({ page, request }) => {
  await page.goto('/');
  await signIn(page);
  const token = await page.evaluate(() => window.localStorage.getItem('syft_access_token'));
  const slug = `xss-${suffix}`;
  const created = await request.post('/api/v1/endpoints', {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
    data: {
      name: `XSS probe ${suffix}`,
      slug,
      type: 'data_source',
      readme:
        "# Probe\n\n<script>window.__pwned='script'</script>\n\n<img src=x onerror=\"window.__pwned='img'\">\n\n[link](javascript:window.__pwned='link')",
    },
  });
  expect(created.status()).toBe(201);
  await page.goto(`/${account.username}/${slug}`);
  const readme = page.getByRole('region', { name: 'README' });
  await expect(readme).toContainText("<script>window.__pwned='script'</script>");
  await expect(readme.locator('script, img[onerror], a[href^="javascript"]')).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
  await shot(page, 'readme-xss-inert');
});

test('create an API token, see it once, revoke it', async ({ page }) => {
  await page.goto('/');
  await signIn(page);
  await page.goto('/settings/tokens');
  await page.getByRole('button', { name: 'Create token' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create an API token' });
  await dialog.getByLabel('Name').fill('e2e token');
  await dialog.getByRole('radio', { name: /read/ }).check();
  await dialog.getByRole('button', { name: 'Create token' }).click();
  const reveal = page.getByRole('dialog', { name: 'Your new API token' });
  const secret = (await reveal.getByTestId('new-token').textContent()) ?? '';
  expect(secret).toMatch(/^syft_pat_[A-Za-z0-9_-]{43}$/);
  await shot(page, 'token-created');
  await reveal.getByRole('button', { name: 'I have copied it' }).click();
  const row = page.getByRole('row', { name: /e2e token/ });
  await expect(row).toContainText(secret.slice(0, 16));
  await expect(page.getByText(secret)).toHaveCount(0);
  await page.getByRole('button', { name: 'Revoke e2e token' }).click();
  await page
    .getByRole('dialog', { name: 'Revoke this token?' })
    .getByRole('button', { name: 'Revoke token' })
    .click();
  await expect(row).toHaveCount(0);
  await page.getByLabel('Include revoked tokens').check();
  await expect(page.getByRole('row', { name: /e2e token/ })).toContainText('Revoked');
});

test('chat with the demo model over two data sources', async ({ page, request }) => {
  const { model, sources } = await chatTargets(request);
  await page.goto('/');
  await signIn(page);
  await page.getByRole('button', { name: /^Model:/ }).click();
  await page.getByRole('combobox', { name: 'Search models' }).fill(model.slug);
  await page.getByRole('option', { name: new RegExp(`${model.owner_username}/${model.slug}`) }).click();
  await page.getByRole('button', { name: 'Add sources' }).click();
  const picker = page.getByRole('dialog', { name: 'Add data sources' });
  for (const source of sources) {
    await picker
      .getByRole('checkbox', { name: new RegExp(`${source.owner_username}/${source.slug}`) })
      .check();
  }
  await picker.getByRole('button', { name: /Done \(2 selected\)/ }).click();
  await page.getByRole('combobox', { name: 'Your question' }).fill(QUESTION);
  await page.getByRole('button', { name: 'Ask' }).click();
  await expect(page).toHaveURL(/\/chat$/);

  const answer = page.getByRole('article', { name: `Answer from ${model.name}` });
  await expect(answer).toContainText(DEMO_LABEL, { timeout: 60_000 });
  await expect(answer.getByRole('button', { name: /Searched 2 sources/ })).toBeVisible({ timeout: 60_000 });
  await expect(answer).not.toContainText('[cite:');
  if (process.env.E2E_EXPECT_CITATIONS !== 'false') {
    await expect(answer.getByRole('region', { name: 'Sources' }).getByRole('button').first()).toBeVisible();
    await expect(answer.getByRole('button', { name: /^Source 1/ }).first()).toBeVisible();
    await answer
      .getByRole('button', { name: /^Source 1/ })
      .first()
      .focus();
    await expect(page.getByRole('tooltip')).toBeVisible();
    // Escape dismisses the card (it would otherwise cover the controls above it).
    await page.keyboard.press('Escape');
    await expect(page.getByRole('tooltip')).toHaveCount(0);
  }
  await answer.getByRole('button', { name: /Searched 2 sources/ }).click();
  for (const source of sources) await expect(answer.getByText(source.name).first()).toBeVisible();
  await shot(page, 'chat-answer');
});

test('stop a running chat', async ({ page, request }) => {
  const { sources } = await chatTargets(request);
  await page.goto('/');
  await signIn(page);
  // Hold the stream request so the answer is still running when Stop is pressed; the demo model has no delay.
  await page.route('**/aggregator/api/v1/chat/stream', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await route.continue().catch(() => undefined);
  });
  await page.goto('/chat');
  await page.getByRole('button', { name: 'Add sources' }).click();
  const picker = page.getByRole('dialog', { name: 'Add data sources' });
  await picker
    .getByRole('checkbox', { name: new RegExp(`${sources[0]?.owner_username}/${sources[0]?.slug}`) })
    .check();
  await picker.getByRole('button', { name: /Done/ }).click();
  await page.getByRole('combobox', { name: 'Message' }).fill(QUESTION);
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Stop' }).click();
  const answer = page.getByRole('article').last();
  await expect(answer.getByText('Stopped')).toBeVisible();
  await expect(answer.getByText('The answer failed.')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /Send/ })).toBeVisible();
  await shot(page, 'chat-stopped');
});

test('guest chat: banner, guest satellite tokens, an answer', async ({ page }) => {
  await page.goto('/chat');
  await expect(page.getByText("You're chatting as a guest. Sign in to use more endpoints.")).toBeVisible();
  await expect(page.getByRole('button', { name: /^Model: .+/ })).not.toHaveText(/Loading|Choose/);
  await page.getByRole('button', { name: 'Add sources' }).click();
  const picker = page.getByRole('dialog', { name: 'Add data sources' });
  await picker.getByRole('checkbox').first().check();
  await picker.getByRole('button', { name: /Done/ }).click();
  const guestToken = page.waitForResponse((r) => r.url().includes('/api/v1/token/guest') && r.ok());
  await page.getByRole('combobox', { name: 'Message' }).fill(QUESTION);
  await page.keyboard.press('Enter');
  await guestToken;
  await expect(page.getByRole('article').last()).toContainText(DEMO_LABEL, { timeout: 60_000 });
  await shot(page, 'guest-chat');
});
