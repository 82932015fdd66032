/**
 * The translate view: what made a result, results that go stale, and input the model cannot read as typed. The demo
 * store's checkpoints hold no model, so the served lab translates with a stand-in that answers as the engine does
 * (normalised text, tokens, the positions of unknown ones); the engine's own marking is tested in test/cli.
 */
import type { Translation, TranslateRequest } from '../../engine/contract/api.js';
import type { ServedLab } from '../../engine/serve.js';
import type { DemoLab } from '../helpers/demo-lab.js';
import { expect, openApp, startLab, test, type LabServer } from './fixtures.js';

const VOCABULARY = new Set(['the', 'a', 'green', 'car', 'red', 'house', 'sees']);

function standIn(lab: DemoLab): ServedLab {
  const served = Object.create(lab) as DemoLab;
  Object.defineProperty(served, 'translate', {
    value: async (request: TranslateRequest): Promise<Translation[]> =>
      request.texts.map((source) => {
        const normalized = source.trim().replace(/\s+/g, ' ').toLowerCase();
        const tokens = normalized.split(/\s+|(?=[.,!?])/).filter((t) => t !== '');
        const words = tokens.map((t) => (t === 'car' ? 'voiture' : t === 'green' ? 'verte' : 'la'));
        return {
          source,
          normalized,
          sourceTokens: [...tokens, '<eos>'],
          unknownTokens: tokens.flatMap((t, at) => (VOCABULARY.has(t) ? [] : [at])),
          candidates: [{ tokens: words, text: words.join(' '), score: -0.1, logProb: -0.4, attention: [] }],
        };
      }),
  });
  return served;
}

test.describe('translate view', () => {
  let lab: LabServer;
  test.beforeAll(async () => {
    lab = await startLab({}, standIn);
  });
  test.afterAll(async () => {
    await lab.close();
  });

  test('a result says which run, checkpoint and search made it, and goes when the text or run changes', async ({
    page,
  }) => {
    const runId = lab.demo.runs['gru + bahdanau']!;
    const other = lab.demo.runs['gru']!;
    await openApp(page, lab, `#/translate?run=${runId}`);
    const text = page.getByTestId('translate-text');
    await text.fill('the green car');
    await page.getByRole('button', { name: 'Translate', exact: true }).click();
    const result = page.getByTestId('translation');
    await expect(result).toContainText('voiture');
    await expect(result.getByTestId('translation-made-by')).toHaveText(
      `#${runId} gru + bahdanau · best checkpoint (step 3,000) · beam search, 5 beams, length penalty α 0.6`,
    );

    // Another sentence: the old result no longer answers it.
    await text.fill('the red house');
    await expect(result).toHaveCount(0);
    await page.getByRole('button', { name: 'Translate', exact: true }).click();
    await expect(result).toHaveCount(1);

    // Another search, checkpoint or run: the same.
    await page.getByLabel('greedy').check();
    await expect(result).toHaveCount(0);
    await page.getByRole('button', { name: 'Translate', exact: true }).click();
    await expect(result.getByTestId('translation-made-by')).toContainText(
      'best checkpoint (step 3,000) · greedy search',
    );
    await page.getByTestId('translate-run').selectOption(String(other));
    await expect(result).toHaveCount(0);
  });

  test('words outside the vocabulary are marked, and the normalisation is said', async ({ page }) => {
    const runId = lab.demo.runs['gru + bahdanau']!;
    await openApp(page, lab, `#/translate?run=${runId}`);
    await page.getByTestId('translate-text').fill('The purple car.');
    await page.getByRole('button', { name: 'Translate', exact: true }).click();
    const result = page.getByTestId('translation');
    await expect(result.getByTestId('translation-normalized')).toContainText('the model read “the purple car.”');
    await expect(result.getByTestId('translation-unknown')).toContainText('2 tokens the model never saw in training');
    await expect(result.locator('mark')).toHaveText(['purple', '.']);

    // Text it knows, typed as its dataset is written: no note, no warning.
    await page.getByTestId('translate-text').fill('the green car');
    await page.getByRole('button', { name: 'Translate', exact: true }).click();
    await expect(result).toContainText('voiture');
    await expect(result.getByTestId('translation-normalized')).toHaveCount(0);
    await expect(result.getByTestId('translation-unknown')).toHaveCount(0);
  });
});
