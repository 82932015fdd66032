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
import { makeBatch } from '../../../engine/data/batching.js';
import { Dropout } from '../../../engine/model/dropout.js';
import { Seq2Seq, timeMajor } from '../../../engine/model/seq2seq.js';
import { fixtureConfig } from '../../helpers/fixtures.js';

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

describe('the model loss on a padded batch', () => {
  // Seq2Seq.loss projects only the real target positions onto the vocabulary: the loss and every gradient must be
  // those of projecting all positions and masking the padded ones out.
  for (const backend of ['cpu', 'wasm'] as const) {
    for (const fused of [false, true]) {
      it(`equals the masked loss over all positions, with the same gradients (${backend}, ${fused ? 'fused' : 'composite'})`, async () => {
        await useBackend(backend);
        setFusedKernels(fused);
        try {
          const model = new Seq2Seq(
            { ...fixtureConfig('tiny').model, hiddenSize: 12, embeddingSize: 8, attentionSize: 8 },
            30,
            25,
            3,
          );
          const pairs = [
            { source: [5, 6, 7, 8], target: [9, 10, 11, 12, 13], index: 0 },
            { source: [5, 9], target: [14], index: 1 },
            { source: [7, 8, 9], target: [15, 16], index: 2 },
          ];
          const batch = makeBatch(pairs);
          const options = { dropout: Dropout.none, teacherForcing: 1, rng: null, labelSmoothing: 0.1 } as const;
          const variables = model.params.variables;
          const gathered = tf.variableGrads(() => model.loss(batch, options), variables);
          const masked = tf.variableGrads(() => {
            const targets = timeMajor(batch.targetOut, batch.size, batch.targetLength);
            const mask = timeMajor(batch.targetMask, batch.size, batch.targetLength);
            return maskedCrossEntropy(model.teacherForced(batch, Dropout.none).logits, targets, mask, 0.1);
          }, variables);
          const a = gathered.value.dataSync()[0]!;
          const b = masked.value.dataSync()[0]!;
          assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, b), `loss ${a} vs ${b}`);
          for (const v of variables) {
            const ga = gathered.grads[v.name]!.dataSync();
            const gb = masked.grads[v.name]!.dataSync();
            let scale = 0;
            for (const x of gb) scale = Math.max(scale, Math.abs(x));
            for (let i = 0; i < ga.length; i++) {
              assert.ok(
                Math.abs(ga[i]! - gb[i]!) <= 1e-5 * Math.max(1e-3, scale),
                `${v.name}[${i}]: ${ga[i]} vs ${gb[i]}`,
              );
            }
          }
          tf.dispose([gathered.value, masked.value, ...Object.values(gathered.grads), ...Object.values(masked.grads)]);
          model.dispose();
        } finally {
          setFusedKernels(true);
        }
      });
    }
  }
});
