import { LabError } from '../../engine/errors.js';
import { expect, openApp, startLab, test } from './fixtures.js';

test.describe('compare view', () => {
  test('overlays the curves of the selected runs', async ({ page, demoLab }) => {
    const ids = ['rnn', 'gru', 'gru + bahdanau'].map((name) => demoLab.demo.runs[name]!);
    await openApp(page, demoLab, `#/compare?runs=${ids.join(',')}`);
    const view = page.getByTestId('compare-view');
    await expect(view).toHaveAttribute('data-drawn-ms', /\d+/);
    const bleu = page.getByRole('figure', { name: 'BLEU' });
    for (const name of ['rnn', 'gru', 'gru + bahdanau'])
      await expect(bleu.getByText(name, { exact: true })).toBeVisible();
    const loss = page.getByRole('figure', { name: 'Loss' });
    await expect(loss.getByText('gru + bahdanau · valid loss')).toBeVisible();
    // Removing a run from the comparison redraws without it.
    await page.getByRole('button', { name: 'Remove rnn from the comparison' }).click();
    await expect(page.getByRole('heading', { name: 'Compare 2 runs' })).toBeVisible();
    await expect(bleu.getByText('rnn', { exact: true })).toHaveCount(0);
  });

  test('metrics table, config differences and BLEU by length', async ({ page, demoLab }) => {
    const ids = ['rnn', 'gru', 'gru + bahdanau'].map((name) => demoLab.demo.runs[name]!);
    await openApp(page, demoLab, `#/compare?runs=${ids.join(',')}`);
    const metrics = page.getByTestId('compare-metrics');
    await expect(metrics.locator('tbody tr')).toHaveCount(3);
    const diff = page.getByTestId('config-diff');
    await expect(diff.getByText('model.cell')).toBeVisible();
    await expect(diff.getByText('model.attention')).toBeVisible();
    await expect(diff.getByText('data.dataset')).toHaveCount(0);
    await expect(page.getByRole('img', { name: /BLEU by source sentence length/ })).toBeVisible();
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(csv.suggestedFilename()).toMatch(/\.csv$/);
  });

  test('shows the curves of runs that had not started as they train, before their first validation', async ({
    page,
  }) => {
    const lab = await startLab();
    try {
      const training = lab.demo.runs['gru ×2 + bahdanau']!;
      await openApp(page, lab, `#/compare?runs=${training}`);
      await expect(page.getByText('No metrics recorded yet')).toBeVisible();
      // 10 steps a second (the demo logs every 10 steps): its first validation (step 250) comes after 25 s, beyond
      // every wait below.
      lab.lab.simulateTraining(training, { tickMs: 1000, stepsPerTick: 10 });
      await expect(page.getByRole('figure', { name: 'Loss' }).getByText('train loss')).toBeVisible();
      await expect(page.getByRole('figure', { name: 'BLEU' })).toHaveCount(0);
    } finally {
      await lab.close();
    }
  });

  test('reloads the curves of a training run at most every 1.5 s, however often it reports progress', async ({
    page,
  }) => {
    const lab = await startLab();
    try {
      const training = lab.demo.runs['gru ×2 + bahdanau']!;
      await openApp(page, lab, `#/compare?runs=${lab.demo.runs['gru']!},${training}`);
      const loss = page.getByRole('figure', { name: 'Loss' });
      await expect(loss.getByText('gru · train loss', { exact: true })).toBeVisible();
      let reloads = 0;
      page.on('request', (request) => {
        if (new URL(request.url()).pathname === '/api/getMetricSeries') reloads++;
      });
      // Progress ten times a second, a validation every 2.5 s, for 5 s: two validations and a few progress
      // refreshes (each view used to reload at every progress event: some fifty times).
      lab.lab.simulateTraining(training, { tickMs: 100, stepsPerTick: 10 });
      await expect(loss.getByText('gru ×2 + bahdanau · train loss')).toBeVisible();
      await page.waitForTimeout(5000);
      expect(reloads).toBeGreaterThan(0);
      expect(reloads).toBeLessThanOrEqual(12);
    } finally {
      await lab.close();
    }
  });

  test('a method that fails shows its message beside working curves', async ({ page }) => {
    // The same lab whose `compare` fails: the curves still draw, the table says what went wrong.
    const lab = await startLab({}, (real) => {
      const served = Object.create(real) as typeof real;
      const refused = new LabError('conflict', 'cannot compare yet: the runs are still being written');
      Object.defineProperty(served, 'compare', { value: () => Promise.reject(refused) });
      return served;
    });
    try {
      const ids = ['rnn', 'gru'].map((name) => lab.demo.runs[name]!);
      await openApp(page, lab, `#/compare?runs=${ids.join(',')}`);
      await expect(page.getByRole('figure', { name: 'BLEU' }).locator('canvas').first()).toBeVisible();
      await expect(page.getByRole('alert')).toContainText('cannot compare yet');
    } finally {
      await lab.close();
    }
  });

  test('draws ten long runs (timing recorded in the report)', async ({ page }, testInfo) => {
    const lab = await startLab({ compareRuns: 10, compareSteps: 20_000 });
    try {
      await openApp(page, lab);
      const experiment = lab.demo.experiments.find((e) => e.runIds.length === 10)!;
      await page.evaluate((id) => (window.location.hash = `#/compare?runs=${id}`), experiment.runIds.join(','));
      const view = page.getByTestId('compare-view');
      await expect(view).toHaveAttribute('data-drawn-ms', /\d+/, { timeout: 30_000 });
      const drawnMs = Number(await view.getAttribute('data-drawn-ms'));
      testInfo.annotations.push({
        type: 'compare view, 10 runs × 20,000 steps',
        description: `drawn in ${drawnMs} ms`,
      });
      await expect(page.getByRole('figure', { name: 'Loss' }).locator('li')).toHaveCount(20);
    } finally {
      await lab.close();
    }
  });
});
