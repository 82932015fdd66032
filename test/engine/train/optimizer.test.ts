import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { setFusedKernels } from '../../../engine/backend/fused-kernels.js';
import { useBackend } from '../../../engine/backend/select.js';
import { Rng } from '../../../engine/random.js';
import { Adam, clipScale, globalNorm, Sgd } from '../../../engine/train/optimizer.js';

function randomValues(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** Run `steps` updates from fixed starting values and gradients; returns the final parameters. */
function runUpdates(kind: 'adam' | 'sgd', fused: boolean, steps: number): Float32Array[] {
  setFusedKernels(fused);
  const rng = new Rng(11);
  const variables = [
    tf.variable(tf.tensor(randomValues(rng, 12), [3, 4])),
    tf.variable(tf.tensor(randomValues(rng, 5))),
  ];
  const optimizer = kind === 'adam' ? new Adam(variables) : new Sgd(variables, 0.9);
  for (let s = 0; s < steps; s++) {
    tf.tidy(() => {
      const grads = variables.map((v) => tf.tensor(randomValues(rng, v.size), v.shape));
      const scale = clipScale(globalNorm(grads), 2);
      optimizer.apply(variables, grads, 0.01, scale);
    });
  }
  const out = variables.map((v) => v.dataSync().slice() as Float32Array);
  optimizer.dispose();
  variables.forEach((v) => v.dispose());
  setFusedKernels(true);
  return out;
}

describe('optimisers', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`the in-place Adam on ${backend} equals the composite one`, async () => {
      await useBackend(backend);
      const fused = runUpdates('adam', true, 5);
      const composite = runUpdates('adam', false, 5);
      fused.forEach((values, i) =>
        values.forEach((v, k) => assert.ok(Math.abs(v - composite[i]![k]!) < 1e-6, `${v} vs ${composite[i]![k]}`)),
      );
    });
  }

  it('Adam follows PyTorch on a worked example', async () => {
    await useBackend('cpu');
    // torch.optim.Adam([p], lr=0.1) with p = [1.0, -2.0] and gradients [0.5, 0.5] then [-1.0, 2.0].
    const p = tf.variable(tf.tensor1d([1, -2]));
    const adam = new Adam([p]);
    adam.apply([p], [tf.tensor1d([0.5, 0.5])], 0.1);
    adam.apply([p], [tf.tensor1d([-1, 2])], 0.1);
    const [a, b] = p.dataSync();
    // Step 1 moves each by −lr·sign(g) = −0.1; step 2: m = [0.005·... ] computed by hand below.
    const m = [0.9 * 0.05 + 0.1 * -1, 0.9 * 0.05 + 0.1 * 2];
    const v = [0.999 * 0.00025 + 0.001 * 1, 0.999 * 0.00025 + 0.001 * 4];
    const step = (i: number): number =>
      ((0.1 / (1 - 0.9 ** 2)) * m[i]!) / (Math.sqrt(v[i]!) / Math.sqrt(1 - 0.999 ** 2) + 1e-8);
    assert.ok(Math.abs(a! - (0.9 - step(0))) < 1e-6);
    assert.ok(Math.abs(b! - (-2.1 - step(1))) < 1e-6);
  });

  it('SGD with momentum is the same fused or not', async () => {
    await useBackend('wasm');
    const a = runUpdates('sgd', true, 4);
    const b = runUpdates('sgd', false, 4);
    a.forEach((values, i) => values.forEach((v, k) => assert.ok(Math.abs(v - b[i]![k]!) < 1e-6)));
  });

  it('clips like clip_grad_norm_', () => {
    assert.equal(clipScale(0.5, 1), 1);
    assert.ok(Math.abs(clipScale(4, 1) - 1 / (4 + 1e-6)) < 1e-12);
    assert.equal(clipScale(10, 0), 1);
  });
});
