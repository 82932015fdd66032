/**
 * A new user's path: generate toy-fr, launch the comparison, watch progress, open the comparison and an attention
 * heatmap, export it, translate.
 */
import type { CreateExperimentRequest } from '../../engine/contract/api.js';
import type { ServedLab } from '../../engine/serve.js';
import type { DemoLab } from '../helpers/demo-lab.js';
import { expect, openApp, startLab, test } from './fixtures.js';

/**
 * The preset's runs, shrunk so the whole path fits in a CI minute: everything the user does goes through the app
 * and the real engine; only the size of the models and the step budget are smaller than the preset's.
 */
const QUICK: Record<string, unknown> = {
  'train.steps': 120,
  'train.validateEvery': 40,
  'train.validationPairs': 16,
  'model.embeddingSize': 16,
  'model.hiddenSize': 32,
  'model.attentionSize': 32,
};

function quickExperiments(lab: DemoLab): ServedLab {
  const served = Object.create(lab) as DemoLab;
  Object.defineProperty(served, 'createExperiment', {
    value: (request: CreateExperimentRequest) =>
      lab.createExperiment({ ...request, overrides: { ...QUICK, ...request.overrides } }),
  });
  return served;
}

test('an empty store greets the user with one action', async ({ page }) => {
  const lab = await startLab({ empty: true });
  try {
    await openApp(page, lab);
    const welcome = page.getByTestId('first-run');
    await expect(welcome.getByRole('heading', { name: 'Welcome to mtlab' })).toBeVisible();
    await expect(page.getByTestId('first-run-start')).toHaveText('Generate toy-fr and compare RNN vs GRU vs attention');
  } finally {
    await lab.close();
  }
});

test('the first run says how long it takes, and offers a quick version', async ({ page }) => {
  const lab = await startLab({ empty: true });
  try {
    await openApp(page, lab);
    const welcome = page.getByTestId('first-run');
    await expect(welcome).toContainText('3,000 steps each, about 3 minutes on a 2-core machine');
    await page.getByTestId('first-run-quick').check();
    await expect(welcome).toContainText('1,000 steps each, about a minute');
    await page.getByTestId('first-run-start').click();
    await expect(page).toHaveURL(/#\/compare\?experiment=\d+/, { timeout: 60_000 });
    const made = await lab.lab.listRuns({});
    expect(made).toHaveLength(3);
    for (const run of made) expect(run.progress.totalSteps).toBe(1000);
  } finally {
    await lab.close();
  }
});

test('new user: toy-fr, the comparison, progress, attention, translation, export', async ({ page }) => {
  test.setTimeout(5 * 60_000);
  // Served as `mtlab serve` serves it: the lab owns the store's run queue and starts the runs it queues.
  const lab = await startLab({ empty: true }, quickExperiments, { concurrency: 3, startQueue: true });
  try {
    await openApp(page, lab);
    await page.getByTestId('first-run-start').click();

    // The comparison opens on the new experiment and its runs start training.
    await expect(page).toHaveURL(/#\/compare\?experiment=\d+/, { timeout: 60_000 });
    await expect(page.getByRole('heading', { name: /on toy-fr/ })).toBeVisible();
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    const running = page.getByTestId('runs-table').locator('tr:has([data-status="running"])').first();
    await expect(running).toBeVisible({ timeout: 60_000 });
    const progress = running.getByRole('progressbar');
    const before = Number(await progress.getAttribute('aria-valuenow'));
    await expect
      .poll(async () => Number(await progress.getAttribute('aria-valuenow')), { timeout: 60_000 })
      .toBeGreaterThan(before);

    // The attention run's first validation brings a heatmap.
    await page.getByRole('link', { name: 'Attention', exact: true }).click();
    await expect(page.getByTestId('attention-canvas').first()).toBeVisible({ timeout: 120_000 });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export PNG' }).first().click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^attention-run\d+-step\d+-sample\d+\.png$/);

    await page.getByRole('link', { name: 'Translate', exact: true }).click();
    await page.getByTestId('translate-text').fill('the green car');
    await page.getByRole('button', { name: 'Translate' }).click();
    await expect(page.getByTestId('translation')).toBeVisible({ timeout: 60_000 });
  } finally {
    await lab.close();
  }
});
