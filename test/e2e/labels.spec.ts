/** Tags and notes on runs, as trackers have them: given on a run's page, shown and filtered by in the runs table. */
import { expect, openApp, startLab, test, type LabServer } from './fixtures.js';

test.describe('tags, notes and filters', () => {
  let lab: LabServer;
  test.beforeEach(async () => {
    lab = await startLab();
  });
  test.afterEach(async () => {
    await lab.close();
  });

  test('tags and notes are given on a run’s page and kept in the store', async ({ page }) => {
    const runId = lab.demo.runs['gru + bahdanau']!;
    await openApp(page, lab, `#/runs/${runId}`);
    const labels = page.getByTestId('run-labels');
    const input = labels.getByTestId('tag-input');
    await input.fill('baseline');
    await input.press('Enter');
    await expect(labels.getByRole('link', { name: 'baseline' })).toBeVisible();
    await input.fill('lr sweep, attention');
    await labels.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(labels.locator('.tag a')).toHaveText(['baseline', 'lr sweep', 'attention']);
    await labels.getByRole('button', { name: 'Remove the tag lr sweep' }).click();
    await expect(labels.locator('.tag a')).toHaveText(['baseline', 'attention']);

    await labels.getByTestId('notes').fill('The reference run: attention aligns green/verte by step 1,000.');
    await labels.getByRole('button', { name: 'Save notes' }).click();
    await expect(labels.getByRole('button', { name: 'Save notes' })).toHaveCount(0);

    const stored = await lab.lab.getRun({ id: runId });
    expect(stored.tags).toEqual(['baseline', 'attention']);
    expect(stored.notes).toBe('The reference run: attention aligns green/verte by step 1,000.');
    await page.reload();
    await expect(page.getByTestId('notes')).toHaveValue(/^The reference run/);
    // A tag links to the runs it labels.
    await page.getByTestId('run-labels').getByRole('link', { name: 'baseline' }).click();
    await expect(page).toHaveURL(/#\/runs\?tag=baseline/);
    await expect(page.getByTestId('runs-table').locator('tbody tr[data-run-id]')).toHaveCount(1);
  });

  test('the runs table shows tags and filters by tag and by any config field', async ({ page }) => {
    const ids = lab.demo.runs;
    await lab.lab.updateRun({ id: ids['rnn']!, tags: ['baseline'] });
    await lab.lab.updateRun({ id: ids['gru']!, tags: ['baseline', 'lr sweep'] });
    await openApp(page, lab, '#/runs');
    const table = page.getByTestId('runs-table');
    const rows = table.locator('tbody tr[data-run-id]');
    await expect(table.locator(`tr[data-run-id="${ids['gru']}"] .tag`)).toHaveText(['baseline', 'lr sweep']);
    // With tags in it, the table still fits a 1440 px window.
    await page.setViewportSize({ width: 1440, height: 900 });
    await expect
      .poll(() => table.evaluate((element) => element.scrollWidth - element.clientWidth))
      .toBeLessThanOrEqual(0);

    await page.getByTestId('tag-filter').selectOption('baseline');
    await expect(rows).toHaveCount(2);
    await page.getByTestId('tag-filter').selectOption('');
    await expect(rows).toHaveCount(8);

    const filter = page.getByTestId('runs-filter');
    await filter.fill('tag:"lr sweep"');
    await expect(rows).toHaveCount(1);
    // Config fields, by dotted path: the lab reads the stored configs.
    await filter.fill('model.cell=lstm');
    await expect(rows).toHaveCount(2);
    await filter.fill('model.cell=lstm model.bidirectional=true');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toHaveAttribute('data-run-id', String(ids['lstm bi + bahdanau']));
    await filter.fill('train.learningRate=0.05 gru');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toHaveAttribute('data-run-id', String(ids['gru + luong(dot), lr 0.05']));
    // A field that cannot be one is named in the lab's message.
    await filter.fill('model..cell=gru');
    await expect(page.getByRole('alert')).toContainText('"model..cell" is not a config field');
  });
});
