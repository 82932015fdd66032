import { readFile } from 'node:fs/promises';
import { expect, openApp, startLab, test } from './fixtures.js';

test.describe('datasets', () => {
  test('browse a dataset: statistics, length histogram, every pair of each split', async ({ page, demoLab }) => {
    await openApp(page, demoLab, '#/datasets/toy-fr');
    const detail = page.getByTestId('dataset-detail');
    await expect(detail.getByRole('heading', { name: 'toy-fr' })).toBeVisible();
    await expect(detail.getByText('1,600').first()).toBeVisible();
    await expect(detail.getByRole('img', { name: /Source sentence lengths/ })).toBeVisible();

    const pairs = page.getByTestId('pair-browser');
    const rows = pairs.locator('table tbody tr');
    await expect(pairs.getByTestId('pair-range')).toHaveText(/1–25 of\s+1,600/);
    await expect(rows).toHaveCount(25);
    await expect(rows.first()).toContainText(/the|a|some/);
    const firstPair = await rows.first().textContent();
    await pairs.getByRole('button', { name: 'Next page' }).click();
    await expect(pairs.getByTestId('pair-range')).toHaveText(/26–50 of\s+1,600/);
    await expect(rows.first().locator('td').first()).toHaveText('26');
    await pairs.getByRole('button', { name: 'Last page' }).click();
    await expect(pairs.getByTestId('pair-range')).toHaveText(/1,576–1,600 of\s+1,600/);

    await pairs.getByRole('radio', { name: /^test/ }).check();
    await expect(pairs.getByTestId('pair-range')).toHaveText(/^1–\d+ of\s+\d+$/);
    await expect(rows.first()).not.toHaveText(firstPair ?? '');

    const download = page.waitForEvent('download');
    await pairs.getByRole('button', { name: 'Download test as TSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('toy-fr.test.tsv');
    const text = await readFile((await file.path())!, 'utf8');
    expect(text.split('\n').filter((line) => line.includes('\t')).length).toBeGreaterThan(0);
  });

  test('import a corpus file, and see the engine’s message for a bad one', async ({ page }) => {
    const lab = await startLab();
    try {
      await openApp(page, lab, '#/datasets?action=import');
      const form = page.getByTestId('import-form');
      await form.getByLabel('Name').fill('tiny-upload');
      const lines = Array.from(
        { length: 40 },
        (_, i) => `I see ${i} cats.\tJe vois ${i} chats.\tCC-BY 2.0 (France) Attribution: tatoeba.org`,
      );
      await form.getByTestId('import-file').setInputFiles({
        name: 'fra.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from(lines.join('\n') + '\n'),
      });
      await form.getByRole('button', { name: 'Import' }).click();
      await expect(page.getByTestId('import-result')).toContainText('Imported tiny-upload');

      // A line without a tab: the engine names the file and the line.
      await form.getByLabel('Name').fill('broken-upload');
      await form.getByTestId('import-file').setInputFiles({
        name: 'broken.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from('Hello.\tBonjour.\tCC\nthis line has no tab\n'),
      });
      await form.getByRole('button', { name: 'Import' }).click();
      await expect(form.getByRole('alert')).toContainText('broken.txt');
      await expect(form.getByRole('alert')).toContainText(/line 2/);
      // The way out is the form's checkbox, not a command-line flag.
      await expect(form.getByRole('alert')).not.toContainText('--on-error');
      await expect(form.getByTestId('import-skip-hint')).toContainText('Tick skip unreadable lines');
      await form.getByLabel('skip unreadable lines').check();
      await form.getByRole('button', { name: 'Import' }).click();
      const skipped = page.getByTestId('import-result');
      await expect(skipped).toContainText('Imported broken-upload');
      await expect(skipped).toContainText('1 pair kept of 1 read');
      // One pair is all training: the form says what that leaves out.
      await expect(skipped.getByTestId('split-warning')).toContainText('No validation and no test pairs.');
      await expect(skipped.getByText('1 line skipped', { exact: true })).toBeVisible();
      await form.getByLabel('skip unreadable lines').uncheck();

      // Not UTF-8: refused before upload, naming the file and line.
      await form.getByTestId('import-file').setInputFiles({
        name: 'latin1.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from([
          0x48, 0x69, 0x09, 0x53, 0x61, 0x6c, 0x75, 0x74, 0x0a, 0x43, 0x61, 0x66, 0xe9, 0x09, 0x43, 0x0a,
        ]),
      });
      await form.getByRole('button', { name: 'Import' }).click();
      await expect(form.getByRole('alert')).toContainText('latin1.txt, line 2: not UTF-8');
    } finally {
      await lab.close();
    }
  });

  test('generate a built-in dataset', async ({ page }) => {
    const lab = await startLab();
    try {
      await openApp(page, lab, '#/datasets?action=generate');
      const form = page.getByTestId('generate-form');
      await form.getByLabel('reverse').check();
      await form.getByRole('button', { name: 'Generate' }).click();
      await expect(form.getByRole('status')).toContainText('Made reverse');
      await expect(page.getByTestId('dataset-list')).toContainText('reverse');
    } finally {
      await lab.close();
    }
  });
});
