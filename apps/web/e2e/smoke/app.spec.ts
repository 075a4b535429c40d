import { expect, shot, signIn, test } from './fixtures';
import { SATELLITE } from './hub';

test('home shows the hero and the directory', async ({ page, problems }) => {
  await page.goto('/');
  await expect(page).toHaveTitle('SyftHub');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/Ask anything/);
  await expect(page.getByRole('heading', { name: '@alice' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Documents' })).toBeVisible();
  await expect(page.getByRole('button', { name: /Model: Assistant/ })).toBeVisible();
  await shot(page, 'home');
  expect(problems).toEqual([]);
});

test('browse, search and open an endpoint whose README tries XSS', async ({ page }) => {
  await page.goto('/browse');
  await expect(page.getByRole('tab', { name: 'Data sources', selected: true })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Handbook', exact: true })).toBeVisible();
  await page.getByRole('searchbox', { name: /Search data sources/ }).fill('handbook');
  await expect(page).toHaveURL(/q=handbook/);
  await expect(page.getByRole('link', { name: 'Documents' })).toHaveCount(0);
  await shot(page, 'browse-search');
  await page.getByRole('searchbox', { name: /Search data sources/ }).fill('');
  await page.getByRole('link', { name: 'Documents' }).click();
  await expect(page).toHaveURL(/\/alice\/documents$/);
  await expect(page).toHaveTitle('Documents · SyftHub');
  const readme = page.getByRole('region', { name: 'README' });
  await expect(readme.getByRole('heading', { level: 2, name: 'Documents' })).toBeVisible();
  await expect(readme).toContainText("<script>window.__pwned = 'script'</script>");
  await expect(readme.locator('script, img[onerror]')).toHaveCount(0);
  await expect(readme.locator('a[href^="javascript"]')).toHaveCount(0);
  await expect(readme.locator('table')).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
  await shot(page, 'endpoint-readme');
  await page.getByRole('tab', { name: 'Uptime' }).click();
  // Published from the browser, no satellite reports its health.
  await expect(page.getByText('No health reports in this window')).toBeVisible();
  await shot(page, 'endpoint-uptime');
  await page.getByRole('tab', { name: 'API' }).click();
  await expect(page.getByText('Aggregator (streaming)', { exact: true })).toBeVisible();
});

test('sign in, star, tokens: create once, revoke', async ({ page }) => {
  await page.goto('/alice/documents');
  await signIn(page);
  const star = page.getByRole('button', { name: /^Star/ });
  await star.click();
  await expect(page.getByRole('button', { name: /Starred/ })).toHaveAttribute('aria-pressed', 'true');
  await page.goto('/settings/tokens');
  await page.getByRole('button', { name: 'Create token' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create an API token' });
  await dialog.getByLabel('Name').fill('laptop');
  await dialog.getByRole('radio', { name: /write/ }).check();
  await dialog.getByRole('button', { name: 'Create token' }).click();
  const reveal = page.getByRole('dialog', { name: 'Your new API token' });
  await expect(reveal.getByTestId('new-token')).toHaveText(/^syft_pat_/);
  await shot(page, 'token-created');
  await reveal.getByRole('button', { name: 'I have copied it' }).click();
  await expect(page.getByRole('row', { name: /laptop/ })).toBeVisible();
  await page.getByRole('button', { name: 'Revoke laptop' }).click();
  await page
    .getByRole('dialog', { name: 'Revoke this token?' })
    .getByRole('button', { name: 'Revoke token' })
    .click();
  await expect(page.getByRole('row', { name: /laptop/ })).toHaveCount(0);
  await page.getByLabel('Include revoked tokens').check();
  await expect(page.getByRole('row', { name: /laptop/ })).toContainText('Revoked');
});

test('chat over two data sources: steps, streamed answer, citations, sources', async ({ page }) => {
  await page.goto('/browse');
  await signIn(page);
  await page.getByRole('button', { name: `Add to chat ${SATELLITE.guide}` }).click();
  await page.getByRole('button', { name: `Add to chat ${SATELLITE.library}` }).click();
  await page.goto('/');
  await expect(page.getByRole('list', { name: 'Selected data sources' }).getByRole('listitem')).toHaveCount(
    2,
  );
  await page
    .getByRole('combobox', { name: 'Your question' })
    .fill('How many times can I renew a library book?');
  await page.getByRole('button', { name: 'Ask' }).click();
  await expect(page).toHaveURL(/\/chat$/);
  const answer = page.getByRole('article', { name: `Answer from ${SATELLITE.model}` });
  await expect(answer).toContainText('[Demo model: extractive answer, no language model configured]');
  await expect(answer.getByRole('button', { name: /Searched 2 sources/ })).toBeVisible();
  await expect(answer).toContainText('renew an item up to five times');
  await expect(answer.locator('mark.cite-highlight').first()).toBeVisible();
  await expect(answer).not.toContainText('[cite:');
  await answer
    .getByRole('button', { name: /^Source \d/ })
    .first()
    .hover();
  await expect(page.getByRole('tooltip')).toContainText(`${SATELLITE.owner}/`);
  await shot(page, 'chat-answer');
});

test('stop a running chat', async ({ page }) => {
  // Hold the stream request so the answer is still running when Stop is pressed; the demo model has no delay.
  await page.route('**/aggregator/api/v1/chat/stream', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await route.continue().catch(() => undefined);
  });
  await page.goto('/chat');
  await expect(page.getByText("You're chatting as a guest")).toBeVisible();
  await expect(page.getByRole('button', { name: /^Model: .+/ })).not.toHaveText(/Loading|Choose/);
  await page.getByRole('combobox', { name: 'Message' }).fill('Please answer slowly');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Stop' }).click();
  const answer = page.getByRole('article').last();
  await expect(answer.getByText('Stopped')).toBeVisible();
  await expect(answer.locator('.chat-error')).toHaveCount(0);
  await shot(page, 'chat-stopped');
});

test('publish an endpoint, see it in browse, archive it', async ({ page }) => {
  await page.goto('/');
  await signIn(page);
  await page.goto('/my/endpoints/new');
  await page.getByLabel('Name').fill('Smoke Test Notes');
  await expect(page.getByLabel('Slug')).toHaveValue('smoke-test-notes');
  await page.getByLabel('Description').fill('Notes published by the smoke test.');
  await page.getByRole('textbox', { name: 'Tags' }).fill('smoke');
  await page.keyboard.press('Enter');
  await page.getByRole('tab', { name: 'Write' }).click();
  await page.getByRole('textbox', { name: 'README' }).fill('# Notes\n\nHello **world**');
  await page.getByRole('tab', { name: 'Preview' }).click();
  await expect(page.getByRole('tabpanel').getByText('world')).toBeVisible();
  await shot(page, 'publish-form');
  await page.getByRole('button', { name: 'Publish endpoint' }).click();
  await expect(page).toHaveURL(/\/alice\/smoke-test-notes$/);
  await page.goto('/browse?q=smoke');
  await expect(page.getByRole('link', { name: 'Smoke Test Notes' })).toBeVisible();
  await page.goto('/my/endpoints');
  await page.getByRole('button', { name: 'Archive Smoke Test Notes' }).click();
  await expect(page.getByRole('row', { name: /Smoke Test Notes/ })).toContainText('Archived');
  await shot(page, 'my-endpoints');
});

test('admin dashboard and settings render', async ({ page }) => {
  await page.goto('/');
  await signIn(page);
  await page.goto('/admin');
  await expect(page.getByRole('heading', { name: 'Admin dashboard' })).toBeVisible();
  await expect(page.getByRole('columnheader', { name: /Username/ })).toHaveAttribute('aria-sort', 'none');
  await shot(page, 'admin');
  await page.goto('/settings/profile');
  await expect(page.getByLabel('Full name')).toHaveValue('Alice Liddell');
  await shot(page, 'settings-profile');
  await page.goto('/build');
  await expect(page.getByRole('heading', { level: 1, name: 'Build with SyftHub' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Connect an AI assistant (MCP)' })).toBeVisible();
  await shot(page, 'build');
  await page.goto('/nope/not/here');
  await expect(page.getByText('404')).toBeVisible();
});

test('dark theme follows the toggle and persists', async ({ page }) => {
  await page.goto('/alice/documents');
  await page.getByRole('button', { name: /^Theme: system/ }).click();
  await page.getByRole('button', { name: /^Theme: light/ }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByRole('region', { name: 'README' })).toBeVisible();
  await shot(page, 'dark-endpoint');
});
