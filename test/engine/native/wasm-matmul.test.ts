import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  type FusedActivation,
  describeAddon,
  loadAddon,
  addonMatMulCalls,
  setAddonMatMul,
} from '../../../engine/backend/addon.js';
import { useBackend } from '../../../engine/backend/select.js';
import { Rng } from '../../../engine/random.js';

const addon = loadAddon();
const skipReason = addon === null ? `native addon unavailable: ${describeAddon().detail}` : false;

function random(rng: Rng, shape: number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng.range(-1, 1);
  return tf.tensor(values, shape);
}

/** Values of `compute()` with the addon and with tfjs-backend-wasm's own kernels. */
function bothWays(compute: () => tf.Tensor | tf.Tensor[]): {
  native: Float32Array[];
  wasm: Float32Array[];
  calls: number;
} {
  const run = (): Float32Array[] =>
    tf.tidy(() => {
      const out = compute();
      return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
    });
  const before = addonMatMulCalls();
  setAddonMatMul(true);
  const native = run();
  const calls = addonMatMulCalls() - before;
  setAddonMatMul(false);
  try {
    return { native, wasm: run(), calls };
  } finally {
    setAddonMatMul(true);
  }
}

/**
 * Two float32 products of length k, each within γ_k·Σ|a·b| ≈ k·2⁻²⁴·(|A|·|B|) of the exact one (any summation
 * order), so within twice that of each other; `magnitude` is |A|·|B| element by element. A product that drops or
 * repeats one term is off by about |A|·|B| / k.
 */
function assertWithinRounding(
  actual: Float32Array,
  expected: Float32Array,
  magnitude: Float32Array,
  k: number,
  label: string,
): void {
  assert.equal(actual.length, expected.length, label);
  for (let i = 0; i < actual.length; i++) {
    const error = Math.abs(actual[i]! - expected[i]!);
    if (!(error <= 2 * (k + 2) * 2 ** -24 * magnitude[i]! + 1e-38)) {
      assert.fail(`${label}: [${i}] = ${actual[i]}, wasm gives ${expected[i]} (|A|·|B| = ${magnitude[i]})`);
    }
  }
}

function assertClose(actual: Float32Array[], expected: Float32Array[], label: string): void {
  assert.equal(actual.length, expected.length, label);
  for (let t = 0; t < actual.length; t++) {
    assert.equal(actual[t].length, expected[t].length, `${label}: output ${t} size`);
    for (let i = 0; i < actual[t].length; i++) {
      const error = Math.abs(actual[t][i] - expected[t][i]);
      if (!(error <= 1e-4 * Math.max(1, Math.abs(expected[t][i])))) {
        assert.fail(`${label}: output ${t}[${i}] = ${actual[t][i]}, wasm gives ${expected[t][i]}`);
      }
    }
  }
}

describe('wasm matMul on the native addon', { skip: skipReason }, () => {
  before(async () => {
    await useBackend('wasm');
  });
  after(() => setAddonMatMul(true));

  it('matches the wasm kernels on random shapes, all transposes, batched and broadcast', () => {
    const rng = new Rng(11);
    // [shape of a as stored, shape of b as stored] for op(A) m×k and op(B) k×n.
    const cases: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [];
    for (const [m, n, k] of [
      [1, 1, 1],
      [7, 33, 5],
      [33, 7, 9],
      [64, 100, 30],
      [3, 257, 16],
      [40, 2, 70],
    ]) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const a = ta ? [k, m] : [m, k];
          const b = tb ? [n, k] : [k, n];
          cases.push({ a, b, ta, tb });
          cases.push({ a: [3, ...a], b: [3, ...b], ta, tb });
          cases.push({ a: [1, ...a], b: [4, ...b], ta, tb });
          cases.push({ a: [2, 3, ...a], b, ta, tb });
        }
      }
    }
    for (const { a, b, ta, tb } of cases) {
      const x = random(rng, a);
      const y = random(rng, b);
      const label = `matMul([${a}], [${b}], ${ta}, ${tb})`;
      const { native, wasm, calls } = bothWays(() => tf.matMul(x, y, ta, tb));
      assert.equal(calls, 1, `${label} ran on the addon`);
      const k = ta ? a[a.length - 2]! : a[a.length - 1]!;
      setAddonMatMul(false);
      const magnitude = tf.tidy(() => tf.matMul(tf.abs(x), tf.abs(y), ta, tb).dataSync() as Float32Array);
      setAddonMatMul(true);
      assertWithinRounding(native[0]!, wasm[0]!, magnitude, k, label);
      tf.dispose([x, y]);
    }
  });

  it('fuses bias and activation like the unfused ops', () => {
    const rng = new Rng(12);
    const activations: FusedActivation[] = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu'];
    for (const [m, n, k] of [
      [9, 17, 12],
      [64, 40, 33],
    ]) {
      for (const activation of activations) {
        for (const [ta, tb] of [
          [false, false],
          [true, true],
        ] as const) {
          const a = random(rng, ta ? [k, m] : [m, k]);
          const b = random(rng, tb ? [n, k] : [k, n]);
          for (const bias of [random(rng, [n]), random(rng, [1, n]), random(rng, [m, n])]) {
            const label = `fused ${m}×${n}×${k} ${activation} ta=${ta} bias [${bias.shape}]`;
            setAddonMatMul(true);
            const before = addonMatMulCalls();
            const fused = tf.tidy(() =>
              tf.fused
                .matMul({ a, b, bias, activation, transposeA: ta, transposeB: tb, leakyreluAlpha: 0.1 })
                .dataSync(),
            ) as Float32Array;
            assert.equal(addonMatMulCalls() - before, 1, `${label} ran on the addon`);
            // The reference: tfjs's own matMul, bias add and activation as separate wasm ops.
            setAddonMatMul(false);
            const unfused = tf.tidy(() => {
              const sum = tf.add(tf.matMul(a, b, ta, tb), bias);
              const activated = {
                linear: () => sum,
                relu: () => tf.relu(sum),
                relu6: () => tf.relu6(sum),
                elu: () => tf.elu(sum),
                sigmoid: () => tf.sigmoid(sum),
                leakyrelu: () => tf.leakyRelu(sum, 0.1),
              }[activation]();
              return activated.dataSync();
            }) as Float32Array;
            setAddonMatMul(true);
            assertClose([fused], [unfused], label);
            bias.dispose();
          }
          tf.dispose([a, b]);
        }
      }
    }
  });

  it('gives the same gradients through tf.variableGrads', () => {
    const rng = new Rng(13);
    const x = random(rng, [12, 10, 24]);
    const w = tf.variable(random(rng, [24, 40]), true, 'w');
    const bias = tf.variable(random(rng, [40]), true, 'bias');
    const v = tf.variable(random(rng, [12, 40, 7]), true, 'v');
    const weights = random(rng, [12, 1, 10]);
    const loss = (): tf.Scalar =>
      tf.tidy(() => {
        const hidden = tf.fused.matMul({ a: tf.reshape(x, [120, 24]), b: w, bias });
        const projected = tf.matMul(tf.reshape(tf.tanh(hidden), [12, 10, 40]), v); // [12, 10, 7], batched
        const attended = tf.matMul(weights, projected); // [12, 1, 7], attention-like
        const scores = tf.matMul(tf.reshape(projected, [120, 7]), tf.reshape(projected, [120, 7]), true, false);
        return tf.add(tf.sum(tf.square(attended)), tf.mul(0.01, tf.sum(scores)));
      });
    const before = addonMatMulCalls();
    const { native, wasm } = bothWays(() => {
      const { value, grads } = tf.variableGrads(loss);
      return [value, grads.w, grads.bias, grads.v];
    });
    assert.ok(addonMatMulCalls() - before >= 8, 'forward and gradient matMuls ran on the addon');
    assertClose(native, wasm, 'loss and gradients');
    tf.dispose([x, w, bias, v, weights]);
  });

  it('leaves no tensors behind and leaves other dtypes to the wasm kernels', () => {
    const rng = new Rng(14);
    const a = random(rng, [16, 8]);
    const b = random(rng, [8, 4]);
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) tf.tidy(() => tf.matMul(a, b, false, false).dataSync());
    assert.equal(tf.memory().numTensors, tensors);
    const ints = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
    // tfjs-backend-wasm has no int32 matMul; the error must be its own, not the addon's.
    assert.throws(() => tf.matMul(ints, ints), /float32/);
    tf.dispose([a, b, ints]);
  });
});
