import { expect, openApp, test } from './fixtures.js';

test('light and dark themes, remembered across reloads', async ({ page, demoLab }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await openApp(page, demoLab);
  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'light');
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await background();

  await page.getByTestId('theme-toggle').click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  expect(await background()).not.toBe(light);

  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.getByTestId('theme-toggle').click();
  await expect(html).toHaveAttribute('data-theme', 'light');
});

test('follows the system preference until the user chooses', async ({ page, demoLab }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await openApp(page, demoLab);
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});

test('every control on the runs page is reachable with the keyboard', async ({ page, demoLab }) => {
  await openApp(page, demoLab);
  const reached = new Set<string>();
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    reached.add(
      await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return el === null
          ? ''
          : `${el.tagName}:${el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? ''}`;
      }),
    );
  }
  const text = [...reached].join('\n');
  expect(text).toContain('A:Compare');
  expect(text).toMatch(/INPUT:Select run \d+/);
  expect(text).toMatch(/BUTTON:.*theme/);
  expect(text).toMatch(/BUTTON:Best BLEU/);
});
