/**
 * The element-wise gate arithmetic of each cell, given x = W_ih x + b_ih and g = W_hh h + b_hh for one step, and
 * the padding mask ([batch, 1], 1 = real token: a padded step keeps the old state). The composite versions are the
 * reference; where the active backend has mtlab's fused kernels (engine/backend/fused-kernels.ts) the same maths
 * runs as one kernel per step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hasFusedKernels, runFused } from '../backend/fused-kernels.js';

function keep(fresh: tf.Tensor, old: tf.Tensor, mask: tf.Tensor | null): tf.Tensor {
  return mask === null ? fresh : tf.add(old, tf.mul(mask, tf.sub(fresh, old)));
}

function ones(batch: number): tf.Tensor {
  return tf.ones([batch, 1]);
}

/** h' = tanh(x + g). */
export function rnnGates(x: tf.Tensor, g: tf.Tensor, h: tf.Tensor, mask: tf.Tensor | null): tf.Tensor {
  return keep(tf.tanh(tf.add(x, g)), h, mask);
}

/** GRU: r, z, n gates (PyTorch order) and h' = n + z ⊙ (h − n). */
export function gruGates(x: tf.Tensor, g: tf.Tensor, h: tf.Tensor, mask: tf.Tensor | null): tf.Tensor {
  if (hasFusedKernels()) {
    return (runFused('MtlabGruCell', { x, g, h, mask: mask ?? ones(h.shape[0]!) }) as tf.Tensor[])[0]!;
  }
  return keep(gruGatesComposite(x, g, h), h, mask);
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
export function lstmGates(
  x: tf.Tensor,
  g: tf.Tensor,
  h: tf.Tensor,
  c: tf.Tensor,
  mask: tf.Tensor | null,
): { h: tf.Tensor; c: tf.Tensor } {
  if (hasFusedKernels()) {
    const [hNext, cNext] = runFused('MtlabLstmCell', { x, g, h, c, mask: mask ?? ones(h.shape[0]!) }) as tf.Tensor[];
    return { h: hNext!, c: cNext! };
  }
  const next = lstmGatesComposite(x, g, c);
  return { h: keep(next.h, h, mask), c: keep(next.c, c, mask) };
}

export function lstmGatesComposite(x: tf.Tensor, g: tf.Tensor, c: tf.Tensor): { h: tf.Tensor; c: tf.Tensor } {
  const sum = tf.add(x, g);
  const [i, f, cand, o] = tf.split(sum, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const cNext = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(cand)));
  const h = tf.mul(tf.sigmoid(o), tf.tanh(cNext));
  return { h, c: cNext };
}

/** Split a time-major [time·batch, size] matrix into its `parts` time steps. */
export function splitRows(x: tf.Tensor, parts: number): tf.Tensor[] {
  if (hasFusedKernels()) {
    const out = runFused('MtlabSplitRows', { x }, { parts });
    return Array.isArray(out) ? out : [out];
  }
  return tf.split(x, parts, 0);
}

/** Stack time steps [batch, size] back into one [time·batch, size] matrix. */
export function concatRows(parts: tf.Tensor[]): tf.Tensor {
  if (parts.length === 1) return parts[0]!;
  if (hasFusedKernels()) {
    const inputs: Record<string, tf.Tensor> = {};
    parts.forEach((p, i) => (inputs[String(i)] = p));
    const out = runFused('MtlabConcatRows', inputs, { parts: parts.length });
    return Array.isArray(out) ? out[0]! : out;
  }
  return tf.concat(parts, 0);
}
