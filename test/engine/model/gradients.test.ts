import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../../engine/contract/api.js';
import { hasFusedKernels, setFusedKernels } from '../../../engine/backend/fused-kernels.js';
import { useBackend } from '../../../engine/backend/select.js';
import type { Batch } from '../../../engine/data/batch.js';
import { Dropout } from '../../../engine/model/dropout.js';
import { Seq2Seq } from '../../../engine/model/seq2seq.js';
import { Rng } from '../../../engine/random.js';

/** Two sentences of different lengths, so padding and masks are exercised. */
const batch: Batch = {
  size: 2,
  sourceLength: 4,
  targetLength: 4,
  source: Int32Array.from([4, 5, 6, 3, 7, 3, 0, 0]),
  sourceMask: Float32Array.from([1, 1, 1, 1, 1, 1, 0, 0]),
  sourceLengths: Int32Array.from([4, 2]),
  targetIn: Int32Array.from([2, 5, 4, 6, 2, 7, 0, 0]),
  targetOut: Int32Array.from([5, 4, 6, 3, 7, 3, 0, 0]),
  targetMask: Float32Array.from([1, 1, 1, 1, 1, 1, 0, 0]),
  indices: [0, 1],
};

function config(overrides: Partial<ModelConfig>): ModelConfig {
  return {
    cell: 'gru',
    attention: 'none',
    luongScore: 'general',
    inputFeeding: false,
    embeddingSize: 3,
    hiddenSize: 4,
    attentionSize: 3,
    layers: 1,
    bidirectional: false,
    dropout: 0,
    ...overrides,
  };
}

/**
 * Compare the analytic gradient of every parameter with a central finite difference along a random direction:
 * (L(θ + εu) − L(θ − εu)) / 2ε ≈ ∇L · u.
 */
function checkGradients(model: Seq2Seq, labelSmoothing = 0): void {
  const lossValue = (): number =>
    tf.tidy(
      () => model.loss(batch, { dropout: Dropout.none, teacherForcing: 1, rng: null, labelSmoothing }).dataSync()[0]!,
    );
  const variables = model.params.variables;
  const { grads } = tf.variableGrads(
    () => model.loss(batch, { dropout: Dropout.none, teacherForcing: 1, rng: null, labelSmoothing }),
    variables,
  );
  const rng = new Rng(7);
  model.params.names.forEach((name, i) => {
    const variable = variables[i]!;
    const grad = grads[variable.name]!.dataSync() as Float32Array;
    const direction = Float32Array.from({ length: variable.size }, () => rng.normal());
    const norm = Math.hypot(...direction);
    direction.forEach((d, k) => (direction[k] = d / norm));
    const analytic = grad.reduce((sum, g, k) => sum + g * direction[k]!, 0);
    const original = variable.dataSync().slice() as Float32Array;
    const epsilon = 1e-2;
    const shifted = (sign: number): number => {
      variable.assign(
        tf.tensor(
          original.map((v, k) => v + sign * epsilon * direction[k]!),
          variable.shape,
        ),
      );
      return lossValue();
    };
    const numeric = (shifted(1) - shifted(-1)) / (2 * epsilon);
    variable.assign(tf.tensor(original, variable.shape));
    const tolerance = 2e-3 + 3e-2 * Math.abs(analytic);
    assert.ok(
      Math.abs(numeric - analytic) <= tolerance,
      `${name}: analytic ${analytic.toExponential(4)} vs numeric ${numeric.toExponential(4)}`,
    );
  });
  Object.values(grads).forEach((g) => g.dispose());
}

describe('gradients match finite differences', () => {
  before(async () => {
    await useBackend('cpu');
  });

  const cases: [string, Partial<ModelConfig>, number?][] = [
    ['rnn, no attention', { cell: 'rnn' }],
    ['gru, no attention', { cell: 'gru' }],
    ['lstm, no attention', { cell: 'lstm' }],
    ['rnn + bahdanau', { cell: 'rnn', attention: 'bahdanau' }],
    ['gru + bahdanau', { cell: 'gru', attention: 'bahdanau' }],
    ['lstm + bahdanau', { cell: 'lstm', attention: 'bahdanau' }],
    ['gru + luong dot', { cell: 'gru', attention: 'luong', luongScore: 'dot' }],
    ['lstm + luong general with input feeding', { cell: 'lstm', attention: 'luong', inputFeeding: true }],
    ['rnn + luong general', { cell: 'rnn', attention: 'luong' }],
    [
      'gru ×2, bidirectional (bridge), bahdanau',
      { cell: 'gru', attention: 'bahdanau', layers: 2, bidirectional: true },
    ],
    [
      'lstm ×2, bidirectional (bridge), luong',
      { cell: 'lstm', attention: 'luong', layers: 2, bidirectional: true, inputFeeding: true },
    ],
    ['gru with label smoothing', { cell: 'gru', attention: 'bahdanau' }, 0.1],
  ];
  for (const [label, overrides, smoothing] of cases) {
    it(label, () => {
      const model = new Seq2Seq(config(overrides), 8, 8, 3);
      try {
        checkGradients(model, smoothing ?? 0);
      } finally {
        model.dispose();
      }
    });
  }
});

describe('fused kernels compute what the composite ops compute', () => {
  const paddedBatch = batch;
  for (const backend of ['cpu', 'wasm'] as const) {
    for (const [label, overrides, smoothing] of [
      ['gru + bahdanau', { cell: 'gru', attention: 'bahdanau' }, 0],
      [
        'lstm ×2 bi + luong general, input feeding',
        { cell: 'lstm', attention: 'luong', layers: 2, bidirectional: true, inputFeeding: true },
        0.1,
      ],
      ['gru + luong dot', { cell: 'gru', attention: 'luong', luongScore: 'dot' }, 0],
      ['rnn, no attention', { cell: 'rnn' }, 0],
    ] as [string, Partial<ModelConfig>, number][]) {
      it(`${label} on ${backend}`, async () => {
        await useBackend(backend);
        const model = new Seq2Seq(config(overrides), 8, 8, 5);
        const run = (): { loss: number; grads: Float32Array[] } => {
          const { value, grads } = tf.variableGrads(
            () =>
              model.loss(paddedBatch, {
                dropout: Dropout.none,
                teacherForcing: 1,
                rng: null,
                labelSmoothing: smoothing,
              }),
            model.params.variables,
          );
          const out = {
            loss: value.dataSync()[0]!,
            grads: model.params.variables.map((v) => grads[v.name]!.dataSync() as Float32Array),
          };
          value.dispose();
          Object.values(grads).forEach((g) => g.dispose());
          return out;
        };
        try {
          setFusedKernels(true);
          assert.equal(hasFusedKernels(), true);
          const fused = run();
          setFusedKernels(false);
          const composite = run();
          assert.ok(Math.abs(fused.loss - composite.loss) < 1e-5, `loss ${fused.loss} vs ${composite.loss}`);
          fused.grads.forEach((g, i) => {
            const c = composite.grads[i]!;
            g.forEach((v, k) =>
              assert.ok(
                Math.abs(v - c[k]!) <= 1e-5 + 1e-4 * Math.abs(c[k]!),
                `${model.params.names[i]}[${k}]: ${v} vs ${c[k]}`,
              ),
            );
          });
        } finally {
          setFusedKernels(true);
          model.dispose();
        }
      });
    }
  }
});
