// Validation metrics of a run (engine/train/evaluate.ts) on a model whose output is fixed by hand: it predicts
// `<unk>` at every step, and the validation target's words are all out of the vocabulary.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../../engine/backend/select.js';
import { prepareData } from '../../../engine/data/encode.js';
import { EOS_ID, UNK_ID } from '../../../engine/data/vocab.js';
import { exactMatch } from '../../../engine/metrics/index.js';
import { Seq2Seq } from '../../../engine/model/seq2seq.js';
import { Store } from '../../../engine/store/store.js';
import { evaluate } from '../../../engine/train/evaluate.js';
import { addTinyDataset, fixtureConfig, tinyStats } from '../../helpers/fixtures.js';
import { tempDir } from '../../helpers/paths.js';

/** Fix the output layer so the model predicts `<unk>` at every step, whatever it reads. */
function alwaysPredictUnk(model: Seq2Seq, vocab: number): void {
  model.params.get('decoder.W_out').assign(tf.zerosLike(model.params.get('decoder.W_out')));
  model.params.get('decoder.b_out').assign(
    tf
      .oneHot(tf.tensor1d([UNK_ID], 'int32'), vocab)
      .reshape([vocab])
      .mul(10),
  );
}

describe('validation accuracy', () => {
  it('counts a target <unk> as wrong, even where the model predicts <unk>', async () => {
    await useBackend('cpu');
    const store = Store.open(path.join(tempDir(), 'store.db'));
    addTinyDataset(store); // train: le chat, le chien; valid: "la voiture", two words the vocabulary lacks
    const config = fixtureConfig('tiny', { attention: 'none' });
    const data = prepareData(store, config.data);
    assert.deepEqual(data.encoded.valid[0]!.target, [UNK_ID, UNK_ID]);
    const model = new Seq2Seq(config.model, data.vocabularies.source.size, data.vocabularies.target.size, 1);
    try {
      alwaysPredictUnk(model, data.vocabularies.target.size);
      const { metrics, hypotheses } = await evaluate(model, data, 'valid', data.encoded.valid, {
        decode: config.decode,
        strategy: 'greedy',
        batchSize: 4,
      });
      assert.ok(
        hypotheses[0]!.tokens.every((t) => t === UNK_ID),
        'the model predicts <unk>',
      );
      // Positions: <unk> <unk> <eos>; the prediction is <unk> at each, right nowhere.
      assert.equal(metrics.token_accuracy, 0);
      assert.equal(metrics.sequence_accuracy, 0);
    } finally {
      model.dispose();
      store.close();
    }
  });

  it('an exact match ends with <eos> and has no <unk> in its target', () => {
    assert.equal(exactMatch({ tokens: [5, 6], finished: true }, [5, 6], UNK_ID), true);
    assert.equal(exactMatch({ tokens: [5, 6], finished: false }, [5, 6], UNK_ID), false);
    assert.equal(exactMatch({ tokens: [5, UNK_ID], finished: true }, [5, UNK_ID], UNK_ID), false);
    assert.equal(exactMatch({ tokens: [5, UNK_ID], finished: true }, [5, UNK_ID]), true, 'without unkId');
    assert.equal(exactMatch({ tokens: [5, EOS_ID], finished: true }, [5], UNK_ID), false);
  });
});

describe('unknown-word replacement in evaluation', () => {
  it('scores the text with each <unk> replaced by a source word, and counts the <unk> emitted', async () => {
    await useBackend('cpu');
    const store = Store.open(path.join(tempDir(), 'store.db'));
    // Names are copied verbatim, and the target vocabulary (train) has never seen them.
    store.addDataset({
      name: 'names',
      kind: 'generated',
      tokenizer: 'word',
      source: { generator: 'fixture' },
      options: {},
      stats: tinyStats,
      tokenizerState: null,
      splits: {
        train: [
          { source: 'the cat', target: 'le chat', alignment: null },
          { source: 'the dog', target: 'le chien', alignment: null },
        ],
        valid: [{ source: 'tom paris', target: 'tom paris', alignment: null }],
        test: [{ source: 'tom', target: 'tom', alignment: null }],
      },
    });
    for (const attention of ['bahdanau', 'none'] as const) {
      const config = fixtureConfig('names', { attention });
      const data = prepareData(store, config.data);
      const model = new Seq2Seq(config.model, data.vocabularies.source.size, data.vocabularies.target.size, 1);
      try {
        alwaysPredictUnk(model, data.vocabularies.target.size);
        const { metrics, hypotheses, texts } = await evaluate(model, data, 'valid', data.encoded.valid, {
          decode: config.decode,
          strategy: 'greedy',
          batchSize: 4,
        });
        const emitted = hypotheses[0]!.tokens.length;
        assert.ok(emitted > 0 && hypotheses[0]!.tokens.every((t) => t === UNK_ID));
        assert.equal(metrics.unknowns, emitted, 'every <unk> emitted is counted, replaced or not');
        if (attention === 'none') {
          assert.ok(
            texts[0]!.split(' ').every((w) => w === '<unk>'),
            texts[0],
          );
          assert.equal(metrics.chrf, 0);
        } else {
          // Each <unk> became "tom" or "paris", so the hypothesis now shares characters with the reference.
          assert.ok(
            texts[0]!.split(' ').every((w) => w === 'tom' || w === 'paris'),
            texts[0],
          );
          assert.ok(metrics.chrf! > 0, `chrF with replacement ${metrics.chrf}`);
        }
      } finally {
        model.dispose();
      }
    }
    store.close();
  });
});
