/**
 * Masked token-level cross-entropy, with optional label smoothing (Szegedy et al. 2016):
 *   loss_t = −(1 − ε) log p(y_t) − ε · mean_{v ∈ R} log p(v)
 * averaged over real (unpadded) target tokens. R is the set of tokens a target can be: the whole vocabulary but
 * `<pad>` and `<sos>`, which get no smoothing mass (as fairseq and OpenNMT do; see SMOOTHING_EXCLUDED).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SMOOTHING_EXCLUDED } from '../backend/compute.js';
import { hasFusedKernels, runFused } from '../backend/fused-kernels.js';

export function maskedCrossEntropy(
  logits: tf.Tensor,
  targets: Int32Array,
  mask: Float32Array,
  labelSmoothing: number,
): tf.Scalar {
  if (hasFusedKernels()) {
    let realTokens = 0;
    for (let i = 0; i < mask.length; i++) realTokens += mask[i]!;
    const weights = Float32Array.from(mask, (m) => m / Math.max(1, realTokens));
    const [loss] = runFused(
      'MtlabSoftmaxCrossEntropy',
      { logits, targets: tf.tensor1d(targets, 'int32'), weights: tf.tensor1d(weights) },
      { labelSmoothing },
    ) as tf.Tensor[];
    return loss as tf.Scalar;
  }
  const vocab = logits.shape[1]!;
  const logProbs = tf.logSoftmax(logits);
  const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.tensor1d(targets, 'int32'), vocab)), 1);
  let perToken = tf.neg(picked);
  if (labelSmoothing > 0) {
    const real = new Float32Array(vocab).fill(1 / (vocab - SMOOTHING_EXCLUDED.length));
    for (const id of SMOOTHING_EXCLUDED) real[id] = 0;
    const realMean = tf.sum(tf.mul(logProbs, tf.tensor1d(real)), 1);
    perToken = tf.add(tf.mul(perToken, 1 - labelSmoothing), tf.mul(tf.neg(realMean), labelSmoothing));
  }
  let realTokens = 0;
  for (let i = 0; i < mask.length; i++) realTokens += mask[i];
  return tf.div(tf.sum(tf.mul(perToken, tf.tensor1d(mask))), Math.max(1, realTokens)) as tf.Scalar;
}
