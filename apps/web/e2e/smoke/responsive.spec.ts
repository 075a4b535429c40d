import type { Page } from '@playwright/test';
import { expect, shot, signIn, test } from './fixtures';

async function noHorizontalScroll(page: Page, paths: string[]) {
  for (const path of paths) {
    await page.goto(path);
    await page.waitForLoadState('networkidle');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `horizontal overflow on ${path}`).toBeLessThanOrEqual(0);
  }
}

test('narrow screens: drawer navigation and no horizontal scrolling', async ({ page }, info) => {
  test.skip(info.project.name !== 'mobile', 'mobile layout only');
  await noHorizontalScroll(page, ['/', '/browse', '/alice/documents', '/chat', '/build']);
  await page.goto('/');
  const toggle = page.getByRole('button', { name: 'Open navigation' });
  await toggle.click();
  await expect(
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Browse' }),
  ).toBeVisible();
  await shot(page, 'mobile-drawer');
  await page.keyboard.press('Escape');
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('dialog', { name: 'Sign in to SyftHub' })).toBeVisible();
  await shot(page, 'mobile-login');
});

test('narrow screens: signed-in pages (settings, admin, my endpoints) fit', async ({ page }, info) => {
  test.skip(info.project.name !== 'mobile', 'mobile layout only');
  await page.goto('/');
  await signIn(page);
  await noHorizontalScroll(page, ['/settings/profile', '/settings/tokens', '/admin', '/my/endpoints']);
  await expect(page.getByRole('heading', { name: 'My endpoints' })).toBeVisible();
  await shot(page, 'mobile-my-endpoints');
});
