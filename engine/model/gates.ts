/**
 * The element-wise gate arithmetic of each cell, given x = W_ih x + b_ih and g = W_hh h + b_hh for one step.
 * These composite versions are the reference; where the active backend has mtlab's fused kernels
 * (engine/backend/fused-kernels.ts), the same maths runs as one kernel per step instead of a dozen small ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hasFusedKernels, runFused } from '../backend/fused-kernels.js';

/** h' = tanh(x + g). */
export function rnnGates(x: tf.Tensor, g: tf.Tensor): tf.Tensor {
  return tf.tanh(tf.add(x, g));
}

/** GRU: r, z, n gates (PyTorch order) and h' = n + z ⊙ (h − n). */
export function gruGates(x: tf.Tensor, g: tf.Tensor, h: tf.Tensor): tf.Tensor {
  if (hasFusedKernels()) return runFused('MtlabGruCell', { x, g, h }) as tf.Tensor;
  return gruGatesComposite(x, g, h);
}

export function gruGatesComposite(x: tf.Tensor, g: tf.Tensor, h: tf.Tensor): tf.Tensor {
  const [xr, xz, xn] = tf.split(x, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
  const [gr, gz, gn] = tf.split(g, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
  const r = tf.sigmoid(tf.add(xr, gr));
  const z = tf.sigmoid(tf.add(xz, gz));
  const n = tf.tanh(tf.add(xn, tf.mul(r, gn)));
  return tf.add(n, tf.mul(z, tf.sub(h, n)));
}

/** LSTM: i, f, g, o gates (PyTorch order); c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g), h' = σ(o) ⊙ tanh(c'). */
export function lstmGates(x: tf.Tensor, g: tf.Tensor, c: tf.Tensor): { h: tf.Tensor; c: tf.Tensor } {
  if (hasFusedKernels()) {
    const [h, cNext] = runFused('MtlabLstmCell', { x, g, c }) as [tf.Tensor, tf.Tensor];
    return { h, c: cNext };
  }
  return lstmGatesComposite(x, g, c);
}

export function lstmGatesComposite(x: tf.Tensor, g: tf.Tensor, c: tf.Tensor): { h: tf.Tensor; c: tf.Tensor } {
  const sum = tf.add(x, g);
  const [i, f, cand, o] = tf.split(sum, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const cNext = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(cand)));
  const h = tf.mul(tf.sigmoid(o), tf.tanh(cNext));
  return { h, c: cNext };
}
