/**
 * A walk through every view, as a new user takes it, in both themes and at three window widths: no console error
 * (the fixture fails the test on one), something shown in each view, and no view wider than the window.
 */
import { expect, openApp, test } from './fixtures.js';

test.describe('a walk through every view', () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const width of [1024, 1440, 1920]) {
      test(`${colorScheme} theme at ${width} px`, async ({ page, demoLab }) => {
        test.setTimeout(120_000);
        await page.setViewportSize({ width, height: 900 });
        await page.emulateMedia({ colorScheme });
        const runs = demoLab.demo.runs;
        const experiment = demoLab.demo.experiments[0]!;
        const attention = runs['gru + bahdanau']!;
        const views: [hash: string, ready: string][] = [
          ['#/runs', '[data-testid=runs-table]'],
          [`#/runs/${attention}`, '[data-testid=metric-charts] canvas'],
          [`#/runs/${attention}?tab=samples`, '[data-testid=samples-table]'],
          [`#/runs/${attention}?tab=config`, 'text=hiddenSize'],
          [`#/runs/${attention}?tab=checkpoints`, 'text=best'],
          [`#/runs/${runs['rnn + bahdanau']}`, '[data-testid=ended-label]'],
          [`#/compare?experiment=${experiment.id}`, '[data-testid=compare-view][data-drawn-ms]'],
          [`#/attention?runs=${experiment.runIds.join(',')}`, '[data-testid=attention-canvas]'],
          [`#/translate?run=${attention}`, '[data-testid=translate-text]'],
          ['#/new', '[data-testid=config-form]'],
          ['#/datasets/toy-fr', '[data-testid=dataset-detail]'],
          ['#/datasets?action=import', '[data-testid=import-form]'],
          ['#/datasets?action=generate', '[data-testid=generate-form]'],
        ];
        await openApp(page, demoLab);
        for (const [hash, ready] of views) {
          await page.evaluate((h) => (window.location.hash = h), hash);
          await expect(page.locator(ready).first(), hash).toBeVisible();
          const overflow = await page.evaluate(() => {
            const main = document.querySelector('main')!;
            return main.scrollWidth - main.clientWidth;
          });
          expect(overflow, `${hash} is wider than the window`).toBeLessThanOrEqual(0);
        }
      });
    }
  }
});
