import { readFileSync } from 'node:fs';
import { expect, openApp, test } from './fixtures.js';

test.describe('attention heatmap', () => {
  test('shows the weight under the pointer and follows the arrow keys', async ({ page, demoLab }) => {
    const runId = demoLab.demo.runs['gru + bahdanau']!;
    await openApp(page, demoLab, `#/attention?runs=${runId}&sample=1`);
    const canvas = page.getByTestId('attention-canvas');
    await expect(canvas).toBeVisible();
    const readout = page.getByTestId('attention-readout');
    await expect(readout).toContainText('Point at a cell');

    // The cell in the middle of the grid (labels take the top-left margin, the colour bar the right).
    const box = (await canvas.boundingBox())!;
    await canvas.hover({ position: { x: box.width * 0.45, y: box.height * 0.6 } });
    await expect(readout).toContainText(/←/);
    await expect(readout).toContainText(/\d\.\d{3}/);

    await canvas.focus();
    await page.keyboard.press('ArrowDown');
    await expect(readout).toContainText(/\d\.\d{3}/);
  });

  test('a slider moves through the validation steps', async ({ page, demoLab }) => {
    const runId = demoLab.demo.runs['gru + bahdanau']!;
    await openApp(page, demoLab, `#/attention?runs=${runId}`);
    const panel = page.getByTestId('attention-panel');
    await expect(panel.getByText('step 3,000')).toBeVisible();
    const slider = page.getByTestId('attention-step');
    await slider.focus();
    await page.keyboard.press('Home');
    await expect(panel.getByText('step 250', { exact: true })).toBeVisible();
    await expect(page).toHaveURL(/step=250/);
  });

  test('the same sentence side by side across runs', async ({ page, demoLab }) => {
    const ids = [demoLab.demo.runs['gru + bahdanau']!, demoLab.demo.runs['gru']!];
    await openApp(page, demoLab, `#/attention?runs=${ids.join(',')}&sample=2`);
    await expect(page.getByTestId('attention-panel')).toHaveCount(2);
    await expect(page.getByTestId('attention-canvas')).toHaveCount(1);
    await expect(page.getByText(/its decoder has no attention/)).toBeVisible();
  });

  test('exports the heatmap as PNG and SVG', async ({ page, demoLab }) => {
    const runId = demoLab.demo.runs['gru + bahdanau']!;
    await openApp(page, demoLab, `#/attention?runs=${runId}&sample=0&step=3000`);
    await expect(page.getByTestId('attention-canvas')).toBeVisible();

    const [png] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export PNG' }).click(),
    ]);
    expect(png.suggestedFilename()).toBe(`attention-run${runId}-step3000-sample0.png`);
    const pngBytes = readFileSync((await png.path())!);
    expect(pngBytes.subarray(1, 4).toString('latin1')).toBe('PNG');

    const [svg] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export SVG' }).click(),
    ]);
    expect(svg.suggestedFilename()).toBe(`attention-run${runId}-step3000-sample0.svg`);
    const svgText = readFileSync((await svg.path())!, 'utf8');
    expect(svgText).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svgText).toContain('&lt;eos&gt;');
    expect(svgText).toContain('<rect');
  });
});
