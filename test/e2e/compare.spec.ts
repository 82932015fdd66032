import { LabError } from '../../engine/errors.js';
import { backgroundOf, expect, openApp, startLab, test } from './fixtures.js';

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

  test('draws the gradient flow of RNN, GRU and GRU + attention side by side', async ({ page, demoLab }) => {
    const ids = ['rnn', 'gru', 'gru + bahdanau'].map((name) => demoLab.demo.runs[name]!);
    await openApp(page, demoLab, `#/compare?runs=${ids.join(',')}`);
    const card = page.getByTestId('gradient-flow-compare');
    await expect(card.getByRole('img', { name: 'Relative gradient norm by position, 3 runs' })).toBeVisible();
    const ratio = async (id: number): Promise<number> =>
      Number((await card.locator(`[data-testid=gradient-flow-run][data-run-id="${id}"] .mono`).textContent())!.trim());
    // The vanilla RNN loses the most gradient on the way back, the GRU less, attention keeps it up.
    const [rnn, gru, attention] = [await ratio(ids[0]!), await ratio(ids[1]!), await ratio(ids[2]!)];
    expect(rnn).toBeLessThan(gru);
    expect(gru).toBeLessThan(attention);
    // Each line is drawn in its run's colour.
    for (const id of ids) await expect(card.locator(`path[data-run-id="${id}"]`)).toHaveCount(1);
  });

  test('a run has one colour on its page, in its experiment, in any comparison and in the attention view', async ({
    page,
    demoLab,
  }) => {
    const experiment = demoLab.demo.experiments[0]!;
    const [rnn, gru, attention] = ['rnn', 'gru', 'gru + bahdanau'].map((name) => demoLab.demo.runs[name]!);
    const chipSwatch = (name: string) =>
      page
        .getByTestId('compare-view')
        .locator('.run-chip', { has: page.getByRole('link', { name, exact: true }) })
        .locator('.swatch');
    const seen: Record<string, string[]> = { rnn: [], gru: [], 'gru + bahdanau': [] };

    for (const [name, id] of [
      ['rnn', rnn],
      ['gru', gru],
      ['gru + bahdanau', attention],
    ] as const) {
      await openApp(page, demoLab, `#/runs/${id}`);
      await expect(page.getByRole('heading', { name: new RegExp(`^${name.replace('+', '\\+')}`) })).toBeVisible();
      seen[name]!.push(await backgroundOf(page.locator('h1 .swatch')));
      // The run's own charts draw it in that colour too.
      seen[name]!.push(await backgroundOf(page.getByRole('figure', { name: 'BLEU' }).locator('.swatch')));
    }
    // The experiment lists them one way, a link another: the colours stay.
    for (const hash of [
      `#/compare?experiment=${experiment.id}`,
      `#/compare?runs=${attention},${rnn}`,
      `#/compare?runs=${gru},${rnn}`,
    ]) {
      await page.evaluate((h) => (window.location.hash = h), hash);
      await expect(page.getByTestId('compare-metrics')).toBeVisible();
      for (const name of Object.keys(seen)) {
        if ((await chipSwatch(name).count()) === 0) continue;
        seen[name]!.push(await backgroundOf(chipSwatch(name)));
        const legend = page
          .getByRole('figure', { name: 'BLEU' })
          .locator('li', { has: page.getByText(name, { exact: true }) });
        seen[name]!.push(await backgroundOf(legend.locator('.swatch')));
      }
    }
    await page.evaluate((h) => (window.location.hash = h), `#/attention?runs=${gru},${attention}`);
    await expect(page.getByTestId('attention-panel')).toHaveCount(2);
    for (const [name, id] of [
      ['gru', gru],
      ['gru + bahdanau', attention],
    ] as const)
      seen[name]!.push(await backgroundOf(page.locator(`[data-testid=attention-panel][data-run-id="${id}"] .swatch`)));
    // And the runs table shows each run's colour beside its name.
    await page.evaluate(() => (window.location.hash = '#/runs'));
    for (const [name, id] of [
      ['rnn', rnn],
      ['gru', gru],
      ['gru + bahdanau', attention],
    ] as const)
      seen[name]!.push(await backgroundOf(page.locator(`tr[data-run-id="${id}"] .swatch`)));

    for (const colours of Object.values(seen)) expect(new Set(colours).size).toBe(1);
    expect(seen.rnn!.length).toBe(9);
    expect(new Set(Object.values(seen).map((colours) => colours[0])).size).toBe(3);
  });

  test('one run is "1 run", and a link to an experiment that is not there says so', async ({ page, demoLab }) => {
    await openApp(page, demoLab, `#/compare?runs=${demoLab.demo.runs['gru']!}`);
    await expect(page.getByRole('heading', { name: 'Compare 1 run', exact: true })).toBeVisible();
    await expect(page.locator('.subtitle')).toHaveText('1 run');
    await page.evaluate(() => (window.location.hash = '#/compare?experiment=999'));
    await expect(page.getByText('There is no experiment 999')).toBeVisible();
  });

  test('charts share one step axis: the hover line names the same step in each, and no value goes blank', async ({
    page,
    demoLab,
  }) => {
    const experiment = demoLab.demo.experiments[0]!;
    await openApp(page, demoLab, `#/compare?experiment=${experiment.id}`);
    await expect(page.getByTestId('compare-view')).toHaveAttribute('data-drawn-ms', /\d+/);
    const loss = page.getByRole('figure', { name: 'Loss' });
    const bleu = page.getByRole('figure', { name: 'BLEU' });
    const box = (await loss.getByTestId('chart-plot').boundingBox())!;
    // Between two validations (every 250 steps): the valid loss still reads its latest value.
    await page.mouse.move(box.x + box.width * 0.53, box.y + box.height * 0.4);
    await expect(loss.locator('.at')).toHaveText(/^step [\d,]+$/);
    // The hover line sits at the same step in every chart (the BLEU chart names its nearest validation).
    const offset = async (figure: typeof loss): Promise<number> => {
      const plot = (await figure.locator('.u-over').boundingBox())!;
      const line = (await figure.locator('.u-cursor-x').boundingBox())!;
      return (line.x - plot.x) / plot.width;
    };
    await expect(bleu.locator('.at')).toHaveText(/^step [\d,]+$/);
    expect(Math.abs((await offset(loss)) - (await offset(bleu)))).toBeLessThan(0.01);
    const values = await loss.locator('.legend .value').allInnerTexts();
    expect(values.length).toBe(6);
    for (const value of values) expect(value).toMatch(/^\d+\.\d+$/);

    // BLEU by length: 0 to 100, a legend of the runs.
    const bars = page.getByRole('img', { name: /BLEU by source sentence length/ });
    await expect(bars.locator('text', { hasText: /^100$/ })).toHaveCount(1);
    await expect(bars.locator('text', { hasText: /^120$/ })).toHaveCount(0);
    await expect(page.getByRole('list', { name: 'Runs' }).locator('li')).toHaveText(['rnn', 'gru', 'gru + bahdanau']);
  });

  test('metrics table, config differences and BLEU by length', async ({ page, demoLab }) => {
    const ids = ['rnn', 'gru', 'gru + bahdanau'].map((name) => demoLab.demo.runs[name]!);
    await openApp(page, demoLab, `#/compare?runs=${ids.join(',')}`);
    const metrics = page.getByTestId('compare-metrics');
    // One column per run, one row per metric; the best value of a row stands out.
    await expect(metrics.locator('thead th[data-run-id]')).toHaveCount(3);
    const bleu = metrics.locator('tbody tr', { has: page.getByRole('rowheader', { name: 'best BLEU', exact: true }) });
    await expect(bleu.locator('td')).toHaveCount(3);
    await expect(bleu.locator('td.winner')).toHaveCount(1);
    await expect(bleu.locator('td').nth(2)).toHaveClass(/winner/);
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

  for (const width of [1440, 1920]) {
    test(`the metrics table fits at ${width} px, with every metric the runs recorded`, async ({ page, demoLab }) => {
      await page.setViewportSize({ width, height: 900 });
      for (const experiment of demoLab.demo.experiments) {
        await openApp(page, demoLab, `#/compare?experiment=${experiment.id}`);
        const metrics = page.getByTestId('compare-metrics');
        await expect(metrics.locator('thead th[data-run-id]')).toHaveCount(experiment.runIds.length);
        await expect(metrics.getByRole('rowheader', { name: 'best BLEU' })).toBeVisible();
        if (experiment.id === demoLab.demo.experiments[0]!.id)
          await expect(metrics.getByRole('rowheader', { name: 'best alignment error rate' })).toBeVisible();
        const fit = await metrics.evaluate((table) => ({
          table: table.scrollWidth,
          card: table.parentElement!.clientWidth,
          page: document.querySelector('main')!.scrollWidth - document.querySelector('main')!.clientWidth,
        }));
        expect(fit.table).toBeLessThanOrEqual(fit.card);
        expect(fit.page).toBe(0);
      }
    });
  }

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
