import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../../engine/backend/select.js';
import { Seq2Seq } from '../../../engine/model/seq2seq.js';
import { Dropout } from '../../../engine/model/dropout.js';
import type { Batch } from '../../../engine/data/batch.js';

it('runs forward and backward', async () => {
  await useBackend('wasm');
  const batch: Batch = {
    size: 2,
    sourceLength: 3,
    targetLength: 3,
    source: Int32Array.from([4, 5, 3, 6, 3, 0]),
    sourceMask: Float32Array.from([1, 1, 1, 1, 1, 0]),
    sourceLengths: Int32Array.from([3, 2]),
    targetIn: Int32Array.from([2, 4, 5, 2, 6, 0]),
    targetOut: Int32Array.from([4, 5, 3, 6, 3, 0]),
    targetMask: Float32Array.from([1, 1, 1, 1, 1, 0]),
    indices: [0, 1],
  };
  for (const cell of ['rnn', 'gru', 'lstm'] as const)
    for (const attention of ['none', 'bahdanau', 'luong'] as const) {
      const model = new Seq2Seq(
        {
          cell,
          attention,
          luongScore: 'general',
          inputFeeding: true,
          embeddingSize: 4,
          hiddenSize: 5,
          attentionSize: 3,
          layers: 2,
          bidirectional: true,
          dropout: 0,
        },
        8,
        8,
        1,
      );
      const { value, grads } = tf.variableGrads(() =>
        model.loss(batch, { dropout: Dropout.none, teacherForcing: 1, rng: null, labelSmoothing: 0 }),
      );
      const loss = value.dataSync()[0]!;
      assert.ok(Number.isFinite(loss), `${cell} ${attention} ${loss}`);
      assert.equal(Object.keys(grads).length, model.params.names.length);
      console.log(cell, attention, loss.toFixed(4), model.params.count);
    }
});
