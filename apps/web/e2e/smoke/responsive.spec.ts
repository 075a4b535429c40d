import { expect, shot, test } from './fixtures';

test('narrow screens: drawer navigation and no horizontal scrolling', async ({ page }, info) => {
  test.skip(info.project.name !== 'mobile', 'mobile layout only');
  for (const path of ['/', '/browse', '/alice/docs', '/chat']) {
    await page.goto(path);
    await page.waitForLoadState('networkidle');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `horizontal overflow on ${path}`).toBeLessThanOrEqual(0);
  }
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
