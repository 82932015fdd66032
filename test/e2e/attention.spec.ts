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

  test('opens on a sentence whose translation reorders words', async ({ page, demoLab }) => {
    const runId = demoLab.demo.runs['gru + bahdanau']!;
    await openApp(page, demoLab, `#/attention?runs=${runId}`);
    await expect(page.getByTestId('attention-canvas')).toBeVisible();
    const chosen = Number(await page.getByTestId('attention-sample').inputValue());
    const steps = await demoLab.lab.getAttentionSteps({ runId });
    const matrix = (await demoLab.lab.getAttention({ runId, sampleIndex: chosen, step: steps.at(-1)! }))!;
    // The output's strongest source words come out of order somewhere (green car → voiture verte).
    const cols = matrix.sourceTokens.length;
    const aligned = matrix.targetTokens.slice(0, -1).map((_, row) => {
      const weights = matrix.weights.slice(row * cols, (row + 1) * cols - 1);
      return weights.indexOf(Math.max(...weights));
    });
    expect(aligned.some((col, i) => aligned.slice(i + 1).some((later) => later < col))).toBe(true);
    expect(matrix.sourceTokens.length - 1).toBeLessThanOrEqual(10);
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
    // A screen reader hears the step, not the slider's position.
    await expect(slider).toHaveAttribute('aria-valuetext', 'step 250, validation 1 of 12');
  });

  test('the same sentence side by side across runs', async ({ page, demoLab }) => {
    const ids = [demoLab.demo.runs['gru + bahdanau']!, demoLab.demo.runs['gru']!];
    await openApp(page, demoLab, `#/attention?runs=${ids.join(',')}&sample=2`);
    await expect(page.getByTestId('attention-panel')).toHaveCount(2);
    await expect(page.getByTestId('attention-canvas')).toHaveCount(1);
    await expect(page.getByText(/its decoder reads one fixed-size summary/)).toBeVisible();
  });

  for (const width of [1024, 1440, 1920]) {
    test(`side by side at ${width} px, every map is whole within its card`, async ({ page, demoLab }) => {
      await page.setViewportSize({ width, height: 900 });
      // Three runs with attention (their maps share the row) and two without (they only say so, in a line).
      const names = ['gru + bahdanau', 'lstm + luong(general)', 'rnn + bahdanau', 'rnn', 'gru'];
      const ids = names.map((name) => demoLab.demo.runs[name]!);
      // The longest validation sentence of the demo's toy-fr runs.
      const samples = await demoLab.lab.getSamples({ runId: ids[0]! });
      const longest = samples.reduce((a, b) => (b.source.split(' ').length > a.source.split(' ').length ? b : a));
      await openApp(page, demoLab, `#/attention?runs=${ids.join(',')}&sample=${longest.index}`);
      const canvases = page.getByTestId('attention-canvas');
      await expect(canvases).toHaveCount(3);
      for (const canvas of await canvases.all()) {
        const fit = await canvas.evaluate((element) => {
          const box = element.getBoundingClientRect();
          const card = element.closest('[data-testid=attention-panel]')!.getBoundingClientRect();
          const scroller = element.parentElement!;
          return {
            inCard: box.left >= card.left && box.right <= card.right,
            inWindow: box.right <= window.innerWidth,
            scrolls: scroller.scrollWidth > scroller.clientWidth,
          };
        });
        expect(fit).toEqual({ inCard: true, inWindow: true, scrolls: false });
      }
      // The runs without attention take a line each, not a card the size of a map.
      const rnnPanel = page.locator(`[data-testid=attention-panel][data-run-id="${ids[3]}"]`);
      expect((await rnnPanel.boundingBox())!.height).toBeLessThan(120);
    });
  }

  test('a link to a sentence the runs never recorded says so, and offers one they did', async ({ page, demoLab }) => {
    const runId = demoLab.demo.runs['gru + bahdanau']!;
    await openApp(page, demoLab, `#/attention?runs=${runId}&sample=99`);
    const notice = page.getByTestId('attention-unknown-sample');
    await expect(notice).toContainText('There is no validation sentence 99');
    await expect(page.getByText('Loading the attention')).toHaveCount(0);
    await notice.getByRole('button', { name: 'Show sentence 0' }).click();
    await expect(page.getByTestId('attention-canvas')).toBeVisible();
    await expect(page).toHaveURL(/sample=0/);
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
