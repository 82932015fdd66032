import { expect, test } from './fixtures.js';

test.describe('access token', () => {
  test('the app refuses a browser without the token, or with a wrong one', async ({ page, demoLab }) => {
    const missing = await page.goto(demoLab.server.url);
    expect(missing?.status()).toBe(401);
    await expect(page.getByRole('heading', { name: 'This lab needs its access token' })).toBeVisible();
    await expect(page.locator('body')).not.toContainText(demoLab.server.token);

    const wrong = await page.goto(`${demoLab.server.url}?token=not-the-token`);
    expect(wrong?.status()).toBe(401);
    const asset = await page.request.get(`${demoLab.server.url}favicon.svg`);
    expect(asset.status()).toBe(401);
    const api = await page.request.post(`${demoLab.server.url}api/listRuns`, { data: {} });
    expect(api.status()).toBe(401);
  });

  test('the printed URL opens the app, drops the token from the address bar and keeps the session', async ({
    page,
    context,
    demoLab,
  }) => {
    await page.goto(demoLab.server.tokenUrl);
    await expect(page.getByRole('heading', { name: 'Runs' })).toBeVisible();
    expect(page.url()).not.toContain('token=');
    const cookie = (await context.cookies()).find((c) => c.name.startsWith('mtlab_token_'));
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');
    await expect(page.getByTestId('connection')).toHaveText(/live/);
    // A reload needs no token: the cookie carries it.
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Runs' })).toBeVisible();
  });
});
