import type { ExportModelRequest, ExportResult } from '../../engine/contract/api.js';
import type { DemoLab } from '../helpers/demo-lab.js';
import { backgroundOf, expect, openApp, pixelsOfColour, startLab, test } from './fixtures.js';

test.describe('run view', () => {
  test('shows the curves, the latest validation metrics and the status', async ({ page, demoLab }) => {
    const runId = demoLab.demo.runs['gru + bahdanau']!;
    await openApp(page, demoLab, `#/runs/${runId}`);
    await expect(page.getByRole('heading', { name: /gru \+ bahdanau/ })).toBeVisible();
    await expect(page.locator('[data-status]').first()).toHaveText('finished');
    // The training process's peak resident memory (the demo store records 412 MB).
    await expect(page.getByTestId('peak-memory')).toHaveText('412 MB');
    const loss = page.getByRole('figure', { name: 'Loss' });
    await expect(loss.locator('canvas').first()).toBeVisible();
    await expect(loss.getByText('train loss')).toBeVisible();
    await expect(loss.getByText('valid loss')).toBeVisible();
    await expect(page.getByRole('figure', { name: 'BLEU' })).toBeVisible();
    // The value under the pointer: hovering the chart names the step.
    const plot = loss.getByTestId('chart-plot');
    const box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.4);
    await expect(loss.locator('figcaption')).toContainText(/step [\d,]+/);
  });

  test('log-scale loss draws the lines, with no error (issue 18)', async ({ page, demoLab }) => {
    const runId = demoLab.demo.runs['gru + bahdanau']!;
    await openApp(page, demoLab, `#/runs/${runId}`);
    const loss = page.getByRole('figure', { name: 'Loss' });
    await expect(loss.getByText('train loss')).toBeVisible();
    const colour = await backgroundOf(loss.locator('.swatch').first());
    const canvas = loss.locator('canvas').first();
    await expect.poll(() => pixelsOfColour(canvas, colour)).toBeGreaterThan(200);
    await page.getByLabel('Log-scale loss').check();
    await expect(canvas).toBeVisible();
    await expect.poll(() => pixelsOfColour(canvas, colour)).toBeGreaterThan(200);

    // The setting is shared with the compare view, whose chart draws every run's line on the log scale too.
    const experiment = demoLab.demo.experiments[0]!;
    await page.evaluate((id) => (window.location.hash = `#/compare?experiment=${id}`), experiment.id);
    const compared = page.getByRole('figure', { name: 'Loss' });
    await expect(compared.getByText('rnn · train loss')).toBeVisible();
    const compareCanvas = compared.locator('canvas').first();
    for (const swatch of await compared.locator('.swatch:not(.dashed)').all()) {
      const lineColour = await backgroundOf(swatch);
      await expect.poll(() => pixelsOfColour(compareCanvas, lineColour)).toBeGreaterThan(100);
    }
  });

  test('smoothing and the time axis redraw the curves', async ({ page, demoLab }) => {
    const runId = demoLab.demo.runs['gru']!;
    await openApp(page, demoLab, `#/runs/${runId}`);
    const loss = page.getByRole('figure', { name: 'Loss' });
    await expect(loss.getByText('train loss')).toBeVisible();
    await page.getByTestId('smoothing').fill('0');
    await page.getByText('Time', { exact: true }).click();
    await expect(loss.locator('canvas').first()).toBeVisible();
    const plot = loss.getByTestId('chart-plot');
    const box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.4);
    await expect(loss.locator('figcaption')).toContainText(/\d+m\d\ds|\d+s/);
  });

  test('shows sample translations per validation step, and the config', async ({ page, demoLab }) => {
    const runId = demoLab.demo.runs['gru + bahdanau']!;
    await openApp(page, demoLab, `#/runs/${runId}?tab=samples`);
    const samples = page.getByTestId('samples-table');
    await expect(samples.locator('tbody tr')).toHaveCount(6);
    await expect(page.getByTestId('samples-step')).toHaveValue('3000');
    await page.getByTestId('samples-step').selectOption('250');
    await expect(samples.locator('.miss').first()).toBeVisible();
    await page.getByRole('link', { name: 'Config' }).click();
    await expect(page.getByText('hiddenSize')).toBeVisible();
    await expect(page.getByText('bahdanau', { exact: true })).toBeVisible();
  });

  test('exports the model as a bundle from its page, and says where it went', async ({ page }) => {
    // The demo's checkpoints hold no model: the lab's exportModel is a stand-in that records what it was asked.
    const asked: ExportModelRequest[] = [];
    const lab = await startLab({}, (demo) => {
      const served = Object.create(demo) as DemoLab;
      Object.defineProperty(served, 'exportModel', {
        value: async (request: ExportModelRequest): Promise<ExportResult> => {
          asked.push(request);
          return { path: request.outDir, files: ['model.json', 'group1-shard1of1.bin', 'README.md'], bytes: 1_250_000 };
        },
      });
      return served;
    });
    try {
      const runId = lab.demo.runs['gru + bahdanau']!;
      await openApp(page, lab, `#/runs/${runId}`);
      await page.getByRole('button', { name: 'Export model…' }).click();
      const form = page.getByTestId('export-model');
      // Beside the experiment store, named after the run.
      const folder = form.getByTestId('export-folder');
      await expect(folder).toHaveValue(/[\\/]exports[\\/]run-\d+-gru-bahdanau$/);
      const storeDir = lab.demo.file.slice(0, lab.demo.file.lastIndexOf('/'));
      expect(await folder.inputValue()).toBe(`${storeDir}/exports/run-${runId}-gru-bahdanau`);
      await form.getByLabel('Checkpoint').selectOption('last');
      await form.getByRole('button', { name: 'Export bundle' }).click();
      await expect(form.getByTestId('export-result')).toContainText(
        `Wrote 3 files (1.2 MiB) to ${storeDir}/exports/run-${runId}-gru-bahdanau`,
      );
      await expect(form.getByTestId('export-result')).toContainText('mtlab translate --model');
      // ONNX, the other format, from the same form.
      await form.getByTestId('export-format').selectOption('onnx');
      await form.getByTestId('export-folder').fill(`${storeDir}/exports/onnx`);
      await form.getByRole('button', { name: 'Export ONNX' }).click();
      await expect(form.getByTestId('export-result')).toContainText(`to ${storeDir}/exports/onnx`);
      expect(asked).toEqual([
        {
          runId,
          outDir: `${storeDir}/exports/run-${runId}-gru-bahdanau`,
          format: 'tfjs',
          checkpoint: 'last',
          force: false,
        },
        { runId, outDir: `${storeDir}/exports/onnx`, format: 'onnx', checkpoint: 'last', force: false },
      ]);
    } finally {
      await lab.close();
    }
  });

  test('the Gradients tab draws the gradient flow by position, and its slider steps through the validations', async ({
    page,
    demoLab,
  }) => {
    const runId = demoLab.demo.runs['rnn']!;
    await openApp(page, demoLab, `#/runs/${runId}?tab=gradients`);
    const panel = page.getByTestId('gradient-flow');
    await expect(panel.getByRole('img', { name: /Gradient norm by position at step/ })).toBeVisible();
    // The demo's vanilla RNN keeps 0.62 of its gradient per step back: 0.62^11 ≈ 0.005 from the last to the first.
    await expect(panel.getByTestId('gradient-decay')).toHaveText('first / last encoder position: 0.00520');
    const slider = panel.getByRole('slider');
    await slider.focus();
    await page.keyboard.press('Home');
    await expect(panel.getByText(/^Validation step /)).not.toHaveText(/Validation step 0$/);
    await expect(slider).toHaveAttribute('aria-valuetext', /^step \d+/);
    // Attention gives each position a direct path: the GRU + Bahdanau curve stays up.
    await openApp(page, demoLab, `#/runs/${demoLab.demo.runs['gru + bahdanau']!}?tab=gradients`);
    const attended = Number((await page.getByTestId('gradient-decay').textContent())!.replace(/^.*: /, ''));
    expect(attended).toBeGreaterThan(0.25);
  });

  test('a failed run says why', async ({ page, demoLab }) => {
    const runId = demoLab.demo.runs['gru + luong(dot), lr 0.05']!;
    await openApp(page, demoLab, `#/runs/${runId}`);
    await expect(page.getByRole('note')).toContainText('the loss became NaN at step 421');
    await expect(page.getByRole('button', { name: 'Resume' })).toBeVisible();
  });

  test('follows a training run: its validation charts appear at its first validation, not at its end', async ({
    page,
  }) => {
    const lab = await startLab();
    try {
      const runId = lab.demo.runs['gru ×2 + bahdanau']!;
      await openApp(page, lab, `#/runs/${runId}`);
      await expect(page.locator('[data-status]').first()).toHaveText('queued');
      // 3,000 steps at 100 a second: the first validation (step 250) after 2.5 s, the end after 30 s.
      lab.lab.simulateTraining(runId, { tickMs: 100, stepsPerTick: 10 });
      await expect(page.getByRole('figure', { name: 'Loss' }).getByText('train loss')).toBeVisible();
      await expect(page.getByRole('figure', { name: 'BLEU' }).locator('canvas').first()).toBeVisible();
      await expect(page.getByRole('figure', { name: 'Loss' }).getByText('valid loss')).toBeVisible();
      await expect(page.locator('[data-status]').first()).toHaveText('running');
    } finally {
      await lab.close();
    }
  });

  test('a run says how it ended: a cancelled one is not "Finished"', async ({ page, demoLab }) => {
    const cases = [
      ['rnn + bahdanau', 'Cancelled'],
      ['gru + luong(dot), lr 0.05', 'Failed'],
      ['lstm bi + bahdanau', 'Interrupted'],
      ['gru', 'Finished'],
    ] as const;
    for (const [name, label] of cases) {
      await openApp(page, demoLab, `#/runs/${demoLab.demo.runs[name]!}`);
      await expect(page.getByTestId('ended-label')).toHaveText(label);
    }
    // A queued run has not ended: it says when it started (not yet).
    await openApp(page, demoLab, `#/runs/${demoLab.demo.runs['gru ×2 + bahdanau']!}`);
    await expect(page.getByTestId('ended-label')).toHaveCount(0);
    await expect(page.getByText('Started', { exact: true })).toBeVisible();
  });

  test('a link to a run that is not there says so, with no "Try again"', async ({ page, demoLab }) => {
    await openApp(page, demoLab, '#/runs/9999');
    await expect(page.getByRole('heading', { name: 'No run 9999' })).toBeVisible();
    await expect(page.getByRole('alert')).toContainText('This store has no run 9999');
    await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0);
    await page.getByRole('link', { name: 'See the runs it has' }).click();
    await expect(page.getByTestId('runs-table')).toBeVisible();

    // Not a number at all: no call to the lab, no "NaN".
    await page.evaluate(() => (window.location.hash = '#/runs/abc'));
    await expect(page.getByRole('alert')).toContainText('“abc” is not a run: runs are numbered');
    await expect(page.getByText(/NaN/)).toHaveCount(0);
  });
});
