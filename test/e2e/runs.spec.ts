import { expect, openApp, startLab, test } from './fixtures.js';

test.describe('runs table', () => {
  test('lists the seeded runs with status, progress and scores', async ({ page, demoLab }) => {
    await openApp(page, demoLab);
    const table = page.getByTestId('runs-table');
    for (const name of ['rnn', 'gru', 'gru + bahdanau', 'lstm bi + bahdanau', 'gru ×2 + bahdanau']) {
      await expect(table.getByRole('link', { name, exact: true })).toBeVisible();
    }
    const attentionRow = table.locator(`tr[data-run-id="${demoLab.demo.runs['gru + bahdanau']}"]`);
    await expect(attentionRow.locator('[data-status]')).toHaveText('finished');
    await expect(attentionRow.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '3000');
    const failedRow = table.locator(`tr[data-run-id="${demoLab.demo.runs['gru + luong(dot), lr 0.05']}"]`);
    await expect(failedRow.locator('[data-status]')).toHaveText('failed');
  });

  test('sorts by a column and filters by text', async ({ page, demoLab }) => {
    await openApp(page, demoLab);
    const table = page.getByTestId('runs-table');
    await table.getByRole('button', { name: 'Best BLEU' }).click();
    await expect(table.locator('thead th[aria-sort="descending"]')).toHaveText(/Best BLEU/);
    await expect(table.locator('tbody tr[data-run-id]').first()).toHaveAttribute(
      'data-run-id',
      String(demoLab.demo.runs['gru + bahdanau']),
    );
    await table.getByRole('button', { name: 'Best BLEU' }).click();
    await expect(table.locator('thead th[aria-sort="ascending"]')).toHaveText(/Best BLEU/);

    await page.getByTestId('runs-filter').fill('luong(');
    await expect(table.locator('tbody tr[data-run-id]')).toHaveCount(2);
    await page.getByTestId('runs-filter').fill('no such run');
    await expect(page.getByText('No run matches these filters')).toBeVisible();
  });

  test('ticked runs open in the compare view', async ({ page, demoLab }) => {
    await openApp(page, demoLab);
    await page.getByRole('checkbox', { name: /Select run \d+ \(rnn\)/ }).check();
    await page.getByRole('checkbox', { name: /Select run \d+ \(gru \+ bahdanau\)/ }).check();
    await page.getByTestId('compare-selected').click();
    await expect(page).toHaveURL(/#\/compare\?runs=/);
    await expect(page.getByRole('heading', { name: 'Compare 2 runs' })).toBeVisible();
  });

  test('progress moves live as the lab reports it', async ({ page }) => {
    const lab = await startLab();
    try {
      await openApp(page, lab);
      const runId = lab.demo.runs['gru ×2 + bahdanau']!;
      const row = page.getByTestId('runs-table').locator(`tr[data-run-id="${runId}"]`);
      await expect(row.locator('[data-status]')).toHaveText('queued');
      lab.lab.simulateTraining(runId, { tickMs: 100, stepsPerTick: 50 });
      await expect(row.locator('[data-status]')).toHaveText('running');
      await expect
        .poll(async () => Number(await row.getByRole('progressbar').getAttribute('aria-valuenow')))
        .toBeGreaterThan(200);
      // The run view follows too: its curve appears and the speed shows.
      await row.getByRole('link', { name: 'gru ×2 + bahdanau' }).click();
      await expect(page.getByTestId('live-speed')).toContainText('tokens/s');
      await expect(page.getByRole('figure', { name: 'Loss' }).locator('canvas').first()).toBeVisible();
    } finally {
      await lab.close();
    }
  });

  test('the Time of a training run goes up as it trains, in the table and on its page', async ({ page }) => {
    const lab = await startLab();
    try {
      await openApp(page, lab);
      const runId = lab.demo.runs['gru ×2 + bahdanau']!;
      const row = page.getByTestId('runs-table').locator(`tr[data-run-id="${runId}"]`);
      await expect(row.getByTestId('run-time')).toHaveText('–');
      // Slow enough to be training for the whole test (the demo's trainer records no training time of its own).
      lab.lab.simulateTraining(runId, { tickMs: 250, stepsPerTick: 2 });
      await expect(row.locator('[data-status]')).toHaveText('running');
      const seconds = async (text: Promise<string>): Promise<number> => Number((await text).replace(/s$/, ''));
      await expect.poll(() => seconds(row.getByTestId('run-time').innerText()), { timeout: 8000 }).toBeGreaterThan(1);
      await row.getByRole('link', { name: 'gru ×2 + bahdanau' }).click();
      const time = page.getByTestId('training-time');
      const before = await seconds(time.innerText());
      await expect.poll(() => seconds(time.innerText())).toBeGreaterThan(before);
    } finally {
      await lab.close();
    }
  });

  test('stays light with a thousand runs: only the rows in view are in the page', async ({ page }) => {
    const lab = await startLab({ manyRuns: 1000 });
    try {
      await openApp(page, lab);
      const table = page.getByTestId('runs-table');
      await expect(page.getByText('1,008 runs')).toBeVisible();
      const rendered = await table.locator('tbody tr[data-run-id]').count();
      expect(rendered).toBeGreaterThan(5);
      expect(rendered).toBeLessThan(80);
      // Scrolling to the end brings the last rows in.
      await table.evaluate((element) => (element.scrollTop = element.scrollHeight));
      await expect(table.locator('tbody tr[data-run-id="1"]')).toBeVisible();
    } finally {
      await lab.close();
    }
  });
});
