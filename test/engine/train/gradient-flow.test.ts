// Gradient flow (engine/train/gradient-flow.ts): ‖∂L/∂h_t‖ per position on a probe batch, from zero probes added
// to the states. Checked against finite differences of the loss, and recorded at each validation of a run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { softmaxCrossEntropy } from '../../../engine/backend/ops.js';
import { useBackend } from '../../../engine/backend/select.js';
import type { EncodedPair } from '../../../engine/data/batch.js';
import { makeBatch } from '../../../engine/data/batching.js';
import { Dropout } from '../../../engine/model/dropout.js';
import { Seq2Seq, timeMajor } from '../../../engine/model/seq2seq.js';
import { Rng } from '../../../engine/random.js';
import { Lab } from '../../../engine/lab.js';
import { gradientFlow, pickProbePairs } from '../../../engine/train/gradient-flow.js';
import { Trainer } from '../../../engine/train/trainer.js';
import { fixtureConfig } from '../../helpers/fixtures.js';
import { storeWithDataset, tinyConfig } from '../../helpers/training.js';

const rng = new Rng(3);
const pair = (sourceLength: number, targetLength: number, index: number): EncodedPair => ({
  source: Array.from({ length: sourceLength }, () => 4 + rng.int(20)),
  target: Array.from({ length: targetLength }, () => 4 + rng.int(20)),
  index,
});

describe('gradient flow', () => {
  it('picks up to 16 validation pairs of one source length, the most common at or above the median', () => {
    const pairs = [
      ...Array.from({ length: 30 }, (_, i) => pair(3, 3, i)),
      ...Array.from({ length: 20 }, (_, i) => pair(8, 6, 30 + i)),
      ...Array.from({ length: 10 }, (_, i) => pair(9, 6, 50 + i)),
    ];
    const probe = pickProbePairs(pairs);
    assert.equal(probe.length, 16);
    assert.ok(probe.every((p) => p.source.length === 8));
    assert.deepEqual(pickProbePairs([]), []);
  });

  for (const [cell, attention] of [
    ['rnn', 'none'],
    ['gru', 'bahdanau'],
    ['lstm', 'luong'],
  ] as const) {
    it(`is the derivative of the loss along each state (finite differences, ${cell} + ${attention})`, async () => {
      await useBackend('cpu');
      const config = {
        ...fixtureConfig('x').model,
        cell,
        attention,
        hiddenSize: 6,
        embeddingSize: 5,
        attentionSize: 5,
      };
      const model = new Seq2Seq(config, 30, 30, 7);
      try {
        const pairs = Array.from({ length: 3 }, (_, i) => pair(5, 3 + i, i));
        const flow = (await gradientFlow(model, pairs))!;
        assert.equal(flow.encoder.length, 6, '5 words and <eos>');
        assert.equal(flow.decoder.length, 6, 'the longest target and <eos>');
        assert.equal(flow.encoderRatio.length, 5);
        assert.ok([...flow.encoder, ...flow.decoder].every((g) => Number.isFinite(g) && g > 0));

        // The directional derivative of L along a random direction u at encoder position t, by central
        // differences, equals <∂L/∂h_t, u>: check it for the gradient the probes give.
        const batch = makeBatch(pairs);
        const targets = timeMajor(batch.targetOut, batch.size, batch.targetLength);
        const mask = timeMajor(batch.targetMask, batch.size, batch.targetLength);
        const zeros = (n: number) => Array.from({ length: n }, () => tf.zeros([batch.size, 6]));
        const loss = (encoder: tf.Tensor[], decoder: tf.Tensor[]): tf.Scalar =>
          softmaxCrossEntropy(
            model.teacherForced(batch, Dropout.none, undefined, { encoder, decoder }).logits,
            targets,
            mask,
            0,
          );
        for (const t of [0, 2, 5]) {
          const encoder = zeros(batch.sourceLength);
          const decoder = zeros(batch.targetLength);
          const grads = tf.grads((...p: tf.Tensor[]) => loss(p.slice(0, encoder.length), p.slice(encoder.length)))([
            ...encoder,
            ...decoder,
          ]);
          const u = tf.randomNormal([batch.size, 6], 0, 1, 'float32', 11 + t);
          const analytic = tf.sum(tf.mul(grads[t]!, u)).dataSync()[0]!;
          const delta = 1e-2;
          const at = (sign: number): number => {
            const probes = zeros(batch.sourceLength);
            probes[t] = tf.mul(u, sign * delta);
            return loss(probes, zeros(batch.targetLength)).dataSync()[0]!;
          };
          const numeric = (at(1) - at(-1)) / (2 * delta);
          assert.ok(
            Math.abs(numeric - analytic) <= 2e-3 * Math.max(1e-2, Math.abs(analytic)) + 1e-4,
            `position ${t}: ${numeric} vs ${analytic}`,
          );
          // And its norm is what gradientFlow reports (mean over sentences of the per-sentence norm).
          const g = grads[t]!.arraySync() as number[][];
          const mean = g.map((row) => Math.hypot(...row)).reduce((a, b) => a + b, 0) / g.length;
          assert.ok(Math.abs(mean - flow.encoder[t]!) <= 1e-5 * Math.max(1, mean), `norm at ${t}`);
        }
      } finally {
        model.dispose();
      }
    });
  }

  it('is recorded at each validation of a run, and read back through the lab', async () => {
    const { store, file } = storeWithDataset('copy', 60);
    const config = tinyConfig('copy', { train: { steps: 20, validateEvery: 10 } });
    const runId = store.createRun({ name: 'flow', config, experimentId: null, totalSteps: 0 });
    const trainer = await Trainer.open(store, runId);
    try {
      await trainer.run();
    } finally {
      trainer.dispose();
    }
    const records = store.gradientFlow(runId);
    assert.deepEqual(
      records.map((r) => r.step),
      [10, 20],
    );
    for (const r of records) {
      assert.equal(r.encoder.length, r.sourceLength);
      assert.ok(r.sentences >= 1 && r.sentences <= 16);
    }
    store.close();
    const lab = Lab.open(file, { startQueue: false });
    try {
      assert.deepEqual(await lab.getGradientFlow({ runId }), records);
      await assert.rejects(lab.getGradientFlow({ runId: 999 }), /run 999/);
    } finally {
      await lab.close();
    }
  });
});
