import { expect, openApp, startLab, test } from './fixtures.js';

test.describe('new experiment form', () => {
  test('checks every field with the engine as it is edited, then creates the run', async ({ page }) => {
    const lab = await startLab();
    try {
      await openApp(page, lab, '#/new');
      const form = page.getByTestId('config-form');
      await expect(form.getByLabel('Cell')).toHaveValue(/rnn|gru|lstm/);
      await expect(form.getByText('config is valid')).toBeVisible();

      // A bad value gets the CLI's own message beside the field, and the form cannot be sent.
      await form.getByLabel('Hidden size').fill('0');
      await form.getByLabel('Hidden size').press('Tab');
      await expect(form.locator('.field.invalid')).toContainText(/model\.hiddenSize must be/);
      await expect(form.getByRole('button', { name: /Create/ })).toBeDisabled();
      await form.getByLabel('Hidden size').fill('32');
      await form.getByLabel('Hidden size').press('Tab');
      await expect(form.getByText('config is valid')).toBeVisible();

      // Another learning-rate schedule: its fields appear with the engine's defaults.
      await form.getByLabel('LR schedule').selectOption('plateau');
      await expect(form.getByLabel('Plateau patience')).toHaveValue('2');
      await expect(form.getByLabel('Min. learning rate')).toHaveValue('0.00001');
      await expect(form.getByLabel('Warm-up steps')).toHaveCount(0);
      await form.getByLabel('LR schedule').selectOption('warmup-decay');
      // (Back to the lab's default schedule.)
      await expect(form.getByLabel('Warm-up steps')).toHaveValue('100');
      await expect(form.getByLabel('Decay', { exact: true })).toHaveValue('cosine');
      await form.getByLabel('Decay', { exact: true }).selectOption('linear');
      await expect(form.getByText('config is valid')).toBeVisible();

      // Checked as it is typed, without leaving the field.
      await form.getByLabel('Hidden size').press('Control+a');
      await form.getByLabel('Hidden size').press('0');
      await expect(form.locator('.field.invalid')).toContainText(/model\.hiddenSize must be/);
      await form.getByLabel('Hidden size').fill('32');
      await expect(form.getByText('config is valid')).toBeVisible();

      // A warm-up longer than the run is valid, but the form says what it means.
      await form.getByLabel('Steps', { exact: true }).fill('300');
      await form.getByLabel('Warm-up steps').fill('99999');
      await expect(form.getByTestId('warmup-warning')).toContainText('longer than the run (300 steps)');
      await expect(form.getByRole('button', { name: /Create/ })).toBeEnabled();
      await form.getByLabel('Warm-up steps').fill('100');
      await expect(form.getByTestId('warmup-warning')).toHaveCount(0);

      await form.getByLabel('queue it right away').uncheck();
      await form.getByLabel('Run name').fill('form-made');
      await form.getByRole('button', { name: 'Create run' }).click();
      await expect(page).toHaveURL(/#\/runs\/\d+$/);
      await expect(page.getByRole('heading', { name: 'form-made' })).toBeVisible();
      const runs = await lab.lab.listRuns({});
      const made = runs.find((r) => r.name === 'form-made')!;
      const detail = await lab.lab.getRun({ id: made.id });
      expect(detail.config.model.hiddenSize).toBe(32);
      expect(detail.config.train.schedule).toEqual({
        kind: 'warmup-decay',
        warmupSteps: 100,
        decay: 'linear',
        minLearningRate: 0.0001,
      });
    } finally {
      await lab.close();
    }
  });
});
