import { expect, shot, test } from './fixtures';
import { SATELLITE } from './hub';

/** The home page's suggestions (apps/web/src/pages/HomePage.tsx), each answered by the demo catalogue. */
const SUGGESTIONS = [
  'Which data sources know about privacy-preserving AI?',
  'What are the opening hours of the central library?',
  'What is a satellite token?',
];

test('each home-page suggestion, clicked as a guest, is answered with citations from sources picked for you', async ({
  page,
}) => {
  test.setTimeout(240_000);
  for (const [index, question] of SUGGESTIONS.entries()) {
    await page.goto('/');
    await page.getByRole('button', { name: question, exact: true }).click();
    await expect(page.getByRole('combobox', { name: 'Your question' })).toHaveValue(question);
    await page.getByRole('button', { name: 'Ask' }).click();
    await expect(page).toHaveURL(/\/chat$/);
    const answer = page.getByRole('article', { name: `Answer from ${SATELLITE.model}` }).last();
    await expect(answer.getByRole('button', { name: /Searched \d sources? picked for you/ })).toBeVisible({
      timeout: 60_000,
    });
    await expect(answer).toContainText('[Demo model: extractive answer, no language model configured]');
    await expect(answer.getByRole('button', { name: /^Source \d/ }).first()).toBeVisible();
    await expect(answer).not.toContainText('[cite:');
    const picked = page.getByRole('list', { name: 'Sources: picked for you' });
    await expect(picked.getByRole('listitem').first()).toBeVisible();
    await shot(page, `suggestion-${index + 1}`);
  }
});
