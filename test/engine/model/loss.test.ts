// The masked cross-entropy with label smoothing, on every path that computes it (tfjs's composite ops, the fused
// kernel's JavaScript reference on cpu, the native kernel on wasm), against the definition computed here in double:
// the smoothed target puts 1 − ε on the reference token and spreads ε evenly over the tokens a target can be, which
// excludes <pad> and <sos> (fairseq's and OpenNMT's rule), so those two get no mass and their gradient is w·p.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { hasFusedKernels, setFusedKernels } from '../../../engine/backend/fused-kernels.js';
import { useBackend } from '../../../engine/backend/select.js';
import { PAD_ID, SOS_ID } from '../../../engine/data/vocab.js';
import { softmaxCrossEntropy as maskedCrossEntropy } from '../../../engine/backend/ops.js';
import { Rng } from '../../../engine/random.js';

const ROWS = 5;
const VOCAB = 7;
const rng = new Rng(11);
const logits = Float32Array.from({ length: ROWS * VOCAB }, () => 3 * rng.normal());
const targets = Int32Array.from([4, 3, 1, 6, 0]);
const mask = Float32Array.from([1, 1, 1, 1, 0]); // the last row is padding

/** loss and d loss / d logits by the definition, in double. */
function definition(epsilon: number): { loss: number; grad: Float64Array } {
  const grad = new Float64Array(ROWS * VOCAB);
  const real = mask.reduce((a, b) => a + b, 0);
  let loss = 0;
  for (let r = 0; r < ROWS; r++) {
    const row = Array.from(logits.subarray(r * VOCAB, (r + 1) * VOCAB), Number);
    const max = Math.max(...row);
    const logZ = max + Math.log(row.reduce((s, l) => s + Math.exp(l - max), 0));
    const q = row.map((_, v) => (v === PAD_ID || v === SOS_ID ? 0 : epsilon / (VOCAB - 2)));
    q[targets[r]!] += 1 - epsilon;
    const w = mask[r]! / real;
    loss += w * q.reduce((s, qv, v) => s - qv * (row[v]! - logZ), 0);
    row.forEach((l, v) => (grad[r * VOCAB + v] = w * (Math.exp(l - logZ) - q[v]!)));
  }
  return { loss, grad };
}

function computed(epsilon: number): { loss: number; grad: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor2d(logits, [ROWS, VOCAB]);
    const { value, grad } = tf.valueAndGrad((l: tf.Tensor) => maskedCrossEntropy(l, targets, mask, epsilon))(x);
    return { loss: value.dataSync()[0]!, grad: grad.dataSync() as Float32Array };
  });
}

describe('label-smoothed cross-entropy', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    for (const fused of [false, true]) {
      it(`spreads ε over real target tokens only (${backend}, ${fused ? 'fused kernel' : 'composite ops'})`, async () => {
        await useBackend(backend);
        setFusedKernels(fused);
        try {
          assert.equal(hasFusedKernels(), fused);
          for (const epsilon of [0, 0.1, 0.3]) {
            const want = definition(epsilon);
            const got = computed(epsilon);
            assert.ok(
              Math.abs(got.loss - want.loss) <= 1e-5 * Math.max(1, want.loss),
              `ε=${epsilon}: loss ${got.loss}, want ${want.loss}`,
            );
            want.grad.forEach((g, i) =>
              assert.ok(Math.abs(got.grad[i]! - g) <= 1e-6, `ε=${epsilon}: d/dlogits[${i}] ${got.grad[i]}, want ${g}`),
            );
          }
          // <pad> and <sos> are never pushed up: their gradient is w·p, positive, for every smoothing.
          const smoothed = computed(0.3).grad;
          for (let r = 0; r < 4; r++) {
            for (const id of [PAD_ID, SOS_ID]) {
              if (targets[r] !== id) assert.ok(smoothed[r * VOCAB + id]! > 0, `row ${r}, id ${id}`);
            }
          }
        } finally {
          setFusedKernels(true);
        }
      });
    }
  }
});
