import { expect, test } from '@playwright/test';

/**
 * A tunnelled data source (tunnelling.md §1) in the browser, signed out: `pnpm test:e2e` starts a second satellite
 * in tunnel mode as `tunnelnode`, reachable only through the hub's NATS tunnel. Its page says so, and a guest chat
 * over it answers from its documents.
 */

const PATH = 'tunnelnode/tunnelled-library';
const QUESTION = 'How long can I borrow a book from the library?';

test('chat as a guest with a tunnelled data source', async ({ page, request }) => {
  // The node publishes shortly after the stack starts.
  await expect
    .poll(async () => (await request.get(`/api/v1/endpoints/by-path/${PATH}`)).status(), { timeout: 90_000 })
    .toBe(200);
  await page.goto(`/${PATH}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Larchmere Library (tunnelled)' })).toBeVisible();
  await expect(page.getByText('Via hub tunnel')).toBeVisible();
  await expect(page.getByText(/its node runs behind NAT and dials out to the hub/)).toBeVisible();
  await page.getByRole('button', { name: 'Use in chat' }).click();
  await expect(page).toHaveURL(/\/chat$/);
  await page.getByRole('button', { name: /^Model:/ }).click();
  await page.getByRole('combobox', { name: 'Search models' }).fill('assistant');
  await page.getByRole('option', { name: /syfthub\/assistant/ }).click();
  await page.getByRole('combobox', { name: 'Message' }).fill(QUESTION);
  await page.keyboard.press('Enter');
  const answer = page.getByRole('article', { name: 'Answer from Assistant' });
  await expect(answer.getByRole('button', { name: /Searched 1 source/ })).toBeVisible({ timeout: 60_000 });
  await answer.getByRole('button', { name: /Searched 1 source/ }).click();
  await expect(answer.getByText('Larchmere Library (tunnelled)').first()).toBeVisible();
  await expect(answer).not.toContainText('not connected to the tunnel');
  await page.screenshot({ path: 'test-results/stack-screens/tunnel-chat.png', fullPage: true });
});
