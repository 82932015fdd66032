import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../../../engine/store/store.js';
import { Trainer } from '../../../engine/train/trainer.js';
import { loadRunModel, translateTexts } from '../../../engine/translate.js';
import { storeWithDataset, tinyConfig } from '../../helpers/training.js';

async function train(
  store: Store,
  config: ReturnType<typeof tinyConfig>,
  options: { stopAfterStep?: number } = {},
): Promise<number> {
  const runId = store.createRun({ name: 't', config, experimentId: null, totalSteps: 0 });
  const trainer = await Trainer.open(store, runId);
  try {
    await trainer.run({}, options);
  } finally {
    trainer.dispose();
  }
  return runId;
}

function lossCurve(store: Store, runId: number): number[] {
  return [...store.metrics.points(runId, 'train/loss')].map((p) => p.value);
}

describe('training', () => {
  it('overfits a handful of pairs', async () => {
    const { store } = storeWithDataset('copy', 40);
    // Eight pairs from the training split, repeated: a model that memorises them translates them exactly.
    const pairs = store.datasetPairs('copy', 'train').slice(0, 8);
    store.addDataset({
      name: 'handful',
      kind: 'generated',
      tokenizer: 'word',
      source: { generator: 'test' },
      options: {},
      stats: store.getDataset('copy').stats,
      tokenizerState: null,
      splits: { train: pairs, valid: pairs, test: pairs },
    });
    const config = tinyConfig('handful', {
      model: { hiddenSize: 32, embeddingSize: 16 },
      train: { steps: 150, validateEvery: 150, learningRate: 0.02 },
    });
    const runId = await train(store, config);
    const curve = lossCurve(store, runId);
    assert.equal(curve.length, 150);
    assert.ok(curve.at(-1)! < 0.1, `final training loss ${curve.at(-1)}`);
    const summary = store.runSummary(runId)!;
    assert.equal(summary.metrics.sequence_accuracy, 100);
    const loaded = await loadRunModel(store, runId);
    const [translation] = translateTexts(loaded, { texts: [pairs[0]!.source] });
    assert.equal(translation!.candidates[0]!.text, pairs[0]!.target);
    const beam = translateTexts(loaded, { texts: [pairs[1]!.source], strategy: 'beam', beamSize: 3 });
    assert.equal(beam[0]!.candidates.length, 3);
    assert.equal(beam[0]!.candidates[0]!.text, pairs[1]!.target);
    assert.ok(beam[0]!.candidates[0]!.score >= beam[0]!.candidates[1]!.score);
    loaded.model.dispose();
    // The training process's memory: its peak on the run, and a series to see it stay flat.
    const peak = store.getRun(runId).peakRss;
    assert.ok(peak !== null && peak > 20 * 2 ** 20 && peak < 64 * 2 ** 30, `peak RSS ${peak}`);
    assert.ok(peak >= process.memoryUsage.rss() * 0.5, 'about what this process holds');
    const memory = [...store.metrics.points(runId, 'train/memory_mb')];
    assert.ok(memory.length >= 1, 'at least one memory point');
    assert.ok(
      memory.every((p) => p.value > 20 && p.value <= peak / 2 ** 20 + 1),
      JSON.stringify(memory),
    );
  });

  it('repeats exactly with the same seed, and differs with another', async () => {
    const { store } = storeWithDataset('reverse', 60);
    const config = tinyConfig('reverse', { model: { dropout: 0.2 }, train: { teacherForcing: 0.7 } });
    const a = lossCurve(store, await train(store, config));
    const b = lossCurve(store, await train(store, config));
    const c = lossCurve(
      store,
      await train(store, tinyConfig('reverse', { model: { dropout: 0.2 }, train: { teacherForcing: 0.7, seed: 4 } })),
    );
    assert.equal(a.length, 20);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('resumes from its checkpoint exactly as if never stopped', async () => {
    const { store } = storeWithDataset('reverse', 60);
    // Dropout and scheduled sampling use the random generator, so its state must come back too.
    const config = tinyConfig('reverse', {
      model: { dropout: 0.2, attention: 'luong', cell: 'lstm' },
      train: { steps: 24, validateEvery: 8, teacherForcing: 0.8 },
    });
    const straight = await train(store, config);
    const stopped = await train(store, config, { stopAfterStep: 13 });
    assert.equal(lossCurve(store, stopped).length, 13);
    assert.equal(store.loadCheckpoint(stopped, 'last')!.step, 8);
    const trainer = await Trainer.open(store, stopped, { resume: true });
    const outcome = await trainer.run();
    trainer.dispose();
    assert.equal(outcome.status, 'finished');
    assert.deepEqual(lossCurve(store, stopped), lossCurve(store, straight));
    assert.deepEqual(
      [...store.metrics.points(stopped, 'valid/loss')].map((p) => p.value),
      [...store.metrics.points(straight, 'valid/loss')].map((p) => p.value),
    );
  });

  it('records samples and attention at each validation', async () => {
    const { store } = storeWithDataset('copy', 60);
    const runId = await train(store, tinyConfig('copy'));
    assert.deepEqual(store.attentionSteps(runId), [10, 20]);
    const samples = store.samples(runId, 20);
    assert.ok(samples.length > 0);
    const matrix = store.attention(runId, samples[0]!.index)!;
    assert.equal(matrix.step, 20);
    assert.equal(matrix.weights.length, matrix.sourceTokens.length * matrix.targetTokens.length);
    assert.equal(matrix.sourceTokens.at(-1), '<eos>');
    for (let row = 0; row < matrix.targetTokens.length; row++) {
      const sum = matrix.weights
        .slice(row * matrix.sourceTokens.length, (row + 1) * matrix.sourceTokens.length)
        .reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-4, `row ${row} sums to ${sum}`);
    }
    const latest = store.metrics.latest(runId);
    for (const key of [
      'train/loss',
      'valid/bleu',
      'valid/chrf',
      'valid/perplexity',
      'valid/sequence_accuracy',
      'test/bleu',
    ]) {
      assert.ok(key in latest, key);
    }
  });

  it('measures attention against the gold alignment of toy-fr', async () => {
    const { store } = storeWithDataset('toy-fr', 60);
    const runId = await train(store, tinyConfig('toy-fr', { train: { steps: 10, validateEvery: 10 } }));
    const latest = store.metrics.latest(runId);
    assert.ok('valid/alignment_agreement' in latest);
    assert.ok(latest['valid/alignment_agreement']!.value >= 0 && latest['valid/alignment_agreement']!.value <= 100);
  });
});
