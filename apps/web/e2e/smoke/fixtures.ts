import { test as base, expect, type Page } from '@playwright/test';

/** Fails a test on any uncaught page error or CSP violation, which a broken build or an inline script would cause. */
export const test = base.extend<{ problems: string[] }>({
  problems: async ({ page }, use) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
        problems.push(`csp: ${message.text()}`);
      }
    });
    await use(problems);
    expect(problems).toEqual([]);
  },
});

export { expect };

export async function signIn(page: Page, identifier = 'alice', password = 'Password123') {
  await page.getByRole('banner').getByRole('button', { name: 'Sign in' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sign in to SyftHub' });
  await dialog.getByLabel('E-mail or username').fill(identifier);
  await dialog.getByLabel('Password', { exact: true }).fill(password);
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: /Alice Liddell/ })).toBeVisible();
}

export async function shot(page: Page, name: string) {
  await page.screenshot({ path: `test-results/screens/${name}.png`, fullPage: true });
}
