import { expect, test } from '@playwright/test';

/**
 * An agent session in the browser (agent-sessions.md, issue 15): the stack's tunnel-mode satellite (`tunnelnode`)
 * runs the reference agent `library-agent`; a signed-in user asks it a question on /agent/tunnelnode/library-agent,
 * sees it search, confirms the read it asks permission for, and gets the streamed answer. Through nginx, the
 * aggregator's WebSocket and the hub's NATS tunnel.
 */

const PATH = 'tunnelnode/library-agent';
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
const account = {
  fullName: 'Agent Tester',
  username: `agent${suffix}`,
  email: `agent${suffix}@example.com`,
  password: 'Correct-horse-7',
};

test('an agent session with a confirmation', async ({ page, request }) => {
  test.setTimeout(180_000);
  await expect
    .poll(async () => (await request.get(`/api/v1/endpoints/by-path/${PATH}`)).status(), { timeout: 90_000 })
    .toBe(200);

  await page.goto('/');
  await page.getByRole('banner').getByRole('button', { name: 'Create account' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create your account' });
  await dialog.getByLabel('Full name').fill(account.fullName);
  await dialog.getByLabel('E-mail').fill(account.email);
  await expect(dialog.getByLabel('Username')).toHaveValue(account.username);
  await dialog.getByLabel('Password', { exact: true }).fill(account.password);
  await dialog.getByLabel('Confirm password').fill(account.password);
  await dialog.getByRole('checkbox').check();
  await dialog.getByRole('button', { name: 'Create account' }).click();
  await expect(dialog).toBeHidden();

  await page.goto(`/agent/${PATH}`);
  await page.getByLabel('Your question').fill('How long can I borrow a book?');
  await page.getByRole('button', { name: 'Start' }).click();
  const log = page.getByRole('log', { name: 'Session events' });
  await expect(log.getByRole('article', { name: 'Tool call search_documents' })).toBeVisible({
    timeout: 60_000,
  });
  const allow = log.getByRole('group', { name: 'Allow read_document?' });
  await expect(allow).toBeVisible({ timeout: 60_000 });
  await allow.getByRole('button', { name: 'Confirm' }).click();
  const answer = log.getByRole('article', { name: 'Agent', exact: true });
  await expect(answer).toContainText('[Demo model', { timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Start over' })).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/stack-screens/agent-session.png', fullPage: true });
});
