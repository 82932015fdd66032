/**
 * Hostile inputs: a model too big to ever train (hiddenSize 4096 × a 108k vocabulary died with "memory access out of
 * bounds"). The lab estimates the memory from the config and the dataset, and refuses the run before it exists,
 * with the numbers; the estimate's parameter count is the model's own.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunConfig } from '../../engine/contract/api.js';
import { useBackend } from '../../engine/backend/select.js';
import { requireValidConfig } from '../../engine/config.js';
import { generateDataset } from '../../engine/data/generate.js';
import { LabError } from '../../engine/errors.js';
import { Lab } from '../../engine/lab.js';
import { Seq2Seq } from '../../engine/model/seq2seq.js';
import { Store } from '../../engine/store/store.js';
import {
  checkTrainingMemory,
  countParameters,
  estimateTrainingMemory,
  WASM_HEAP_MAX_BYTES,
} from '../../engine/train/memory-estimate.js';
import { tempDir } from '../helpers/paths.js';

const config = (model: Record<string, unknown>, extra: Record<string, unknown> = {}): RunConfig =>
  requireValidConfig({ data: { dataset: 'copy' }, model, ...extra });

describe('hostile: models too big to train', () => {
  let lab: Lab;
  before(async () => {
    await useBackend('cpu');
    const store = Store.open(path.join(tempDir(), 'experiments.db'));
    generateDataset(store, { generator: 'copy', name: 'copy', pairs: 40, seed: 1 });
    lab = new Lab(store);
  });
  after(async () => {
    await lab.close();
  });

  it('counts the parameters the model really has', () => {
    const variants: Record<string, unknown>[] = [
      { cell: 'gru', attention: 'bahdanau', hiddenSize: 12, embeddingSize: 8, attentionSize: 6 },
      { cell: 'lstm', attention: 'luong', luongScore: 'general', inputFeeding: true, hiddenSize: 10, embeddingSize: 6 },
      { cell: 'rnn', attention: 'none', hiddenSize: 9, embeddingSize: 5, layers: 2, bidirectional: true },
      { cell: 'lstm', attention: 'bahdanau', hiddenSize: 8, embeddingSize: 7, layers: 2, bidirectional: true },
      { cell: 'gru', attention: 'luong', luongScore: 'dot', hiddenSize: 8, embeddingSize: 4, layers: 3 },
    ];
    for (const model of variants) {
      const c = config(model);
      const built = new Seq2Seq(c.model, 23, 31, 1);
      try {
        assert.equal(countParameters(c, 23, 31), built.params.count, JSON.stringify(model));
      } finally {
        built.dispose();
      }
    }
  });

  it('refuses hiddenSize 4096 with a 108k vocabulary, with the numbers', () => {
    const big = config({ hiddenSize: 4096, embeddingSize: 512 });
    const data = { sourceTypes: 108_000, targetTypes: 108_000, maxSourceLength: 40, maxTargetLength: 40 };
    const estimate = estimateTrainingMemory(big, data);
    assert.ok(estimate.parameters > 400e6, String(estimate.parameters));
    assert.throws(
      () => checkTrainingMemory(big, data, WASM_HEAP_MAX_BYTES),
      (error: unknown) => {
        assert.ok(error instanceof LabError);
        assert.equal(error.code, 'invalid-config');
        assert.equal(error.detail?.field, 'model.hiddenSize');
        assert.match(error.message, /model\.hiddenSize 4096/);
        assert.match(error.message, /108,004-token target vocabulary/);
        assert.match(error.message, /\d+ M parameters \(\d+\.\d GB/);
        assert.match(error.message, /over the 4\.3 GB the wasm heap can hold/);
        return true;
      },
    );
    // The default model on the same data fits.
    assert.doesNotThrow(() => checkTrainingMemory(config({}), data, WASM_HEAP_MAX_BYTES));
  });

  it('refuses such a run (and an experiment of them) before storing anything', async () => {
    const huge = config({ cell: 'lstm', hiddenSize: 4096, embeddingSize: 4096, layers: 4, bidirectional: true });
    await assert.rejects(lab.createRun({ config: huge, start: false }), /this model cannot fit/);
    assert.deepEqual(await lab.listRuns(), []);
    await assert.rejects(
      lab.createExperiment({
        dataset: 'copy',
        preset: 'rnn-gru-attention',
        overrides: { 'model.hiddenSize': 4096, 'model.embeddingSize': 4096, 'model.layers': 4 },
      }),
      /this model cannot fit/,
    );
    assert.deepEqual(await lab.listRuns(), []);
    assert.deepEqual(await lab.listExperiments(), []);
    const small = await lab.createRun({ config: config({ hiddenSize: 16, embeddingSize: 8 }), start: false });
    assert.equal(small.status, 'queued');
  });
});
