/**
 * The operations the model, the search and the optimiser call: one typed function per kernel family, and in each
 * the one switch between mtlab's fused kernel (fused-kernels.ts, linear-kernels.ts: one dispatch, registered for
 * the backends that have it) and the same arithmetic in tfjs's composite ops (every other backend; also the
 * reference the fused kernels are tested against). So engine/model reads as equations and single calls, and a
 * backend that gains a kernel changes nothing outside this file.
 *
 *   linear                 y = x·W (+ b)
 *   rnnCell                h' = tanh(x + g)
 *   gruCell                r, z, n gates (PyTorch order); h' = n + z ⊙ (h − n)
 *   lstmCell               i, f, g, o gates; c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g), h' = σ(o) ⊙ tanh(c')
 *   additiveAttention      e_j = vᵀ tanh(keys_j + query); α = softmax(e + maskBias); context = Σ_j α_j values_j
 *   dotAttention           e_j = keys_j · query; α and context as above
 *   softmaxCrossEntropy    mean over real tokens of −(1 − ε) log p(y_t) − ε · mean_v log p(v)
 *   logSoftmaxRows         row-wise log-softmax (search; no gradient)
 *   embed, gatherRows      rows of a table or matrix by id
 *   splitRows, concatRows  time steps out of and back into one time-major [time·batch, size] matrix
 *   adamUpdate             one Adam step of one parameter (see train/optimizer.ts)
 *
 * In the cells x = W_ih x + b_ih and g = W_hh h + b_hh of one step, and `mask` ([batch, 1], 1 = real token) keeps
 * the old state on padded positions.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SMOOTHING_EXCLUDED } from './compute.js';
import { hasFusedKernels, runFused } from './fused-kernels.js';
import { hasLinearKernels } from './linear-kernels.js';
import { memoryView } from './memory.js';

export function linear(x: tf.Tensor, w: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  if (hasFusedKernels() && hasLinearKernels()) {
    const inputs = (bias === undefined ? { x, w } : { x, w, bias }) as unknown as tf.NamedTensorMap;
    return tf.engine().runKernel(bias === undefined ? 'MtlabMatMul' : 'MtlabLinear', inputs) as tf.Tensor;
  }
  return bias === undefined ? tf.matMul(x, w) : tf.fused.matMul({ a: x, b: w, bias });
}

/** The new state where `mask` is 1, the old one where it is 0 (padding). */
function keep(fresh: tf.Tensor, old: tf.Tensor, mask: tf.Tensor | null): tf.Tensor {
  return mask === null ? fresh : tf.add(old, tf.mul(mask, tf.sub(fresh, old)));
}

const ones = (batch: number): tf.Tensor => tf.ones([batch, 1]);

export function rnnCell(x: tf.Tensor, g: tf.Tensor, h: tf.Tensor, mask: tf.Tensor | null): tf.Tensor {
  return keep(tf.tanh(tf.add(x, g)), h, mask);
}

export function gruCell(x: tf.Tensor, g: tf.Tensor, h: tf.Tensor, mask: tf.Tensor | null): tf.Tensor {
  if (hasFusedKernels()) return runFused('MtlabGruCell', { x, g, h, mask: mask ?? ones(h.shape[0]!) })[0]!;
  const [xr, xz, xn] = tf.split(x, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
  const [gr, gz, gn] = tf.split(g, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
  const r = tf.sigmoid(tf.add(xr, gr));
  const z = tf.sigmoid(tf.add(xz, gz));
  const n = tf.tanh(tf.add(xn, tf.mul(r, gn)));
  return keep(tf.add(n, tf.mul(z, tf.sub(h, n))), h, mask);
}

export function lstmCell(
  x: tf.Tensor,
  g: tf.Tensor,
  h: tf.Tensor,
  c: tf.Tensor,
  mask: tf.Tensor | null,
): { h: tf.Tensor; c: tf.Tensor } {
  if (hasFusedKernels()) {
    const [hNext, cNext] = runFused('MtlabLstmCell', { x, g, h, c, mask: mask ?? ones(h.shape[0]!) });
    return { h: hNext!, c: cNext! };
  }
  const [i, f, cand, o] = tf.split(tf.add(x, g), 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const cNext = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(cand)));
  const hNext = tf.mul(tf.sigmoid(o), tf.tanh(cNext));
  return { h: keep(hNext, h, mask), c: keep(cNext, c, mask) };
}

export interface Attended {
  /** [batch, valueSize]. */
  context: tf.Tensor;
  /** [batch, source]; each row sums to 1. */
  weights: tf.Tensor;
}

/** α = softmax(scores + maskBias) over the source, and the context Σ_j α_j values_j. */
function weightedContext(scores: tf.Tensor, maskBias: tf.Tensor, values: tf.Tensor): Attended {
  const weights = tf.softmax(tf.add(scores, maskBias));
  const [batch, source] = weights.shape as [number, number];
  const context = tf.reshape(tf.matMul(tf.reshape(weights, [batch, 1, source]), values), [batch, -1]);
  return { context, weights };
}

/**
 * keys [batch, source, size] (the encoder side, bias included), query [batch, size] (the decoder side), energy
 * [size, 1] (v), maskBias [batch, source], values [batch, source, valueSize].
 */
export function additiveAttention(
  keys: tf.Tensor,
  query: tf.Tensor,
  energy: tf.Tensor,
  maskBias: tf.Tensor,
  values: tf.Tensor,
): Attended {
  if (hasFusedKernels()) {
    const [context, weights] = runFused('MtlabAdditiveAttention', { keys, query, energy, maskBias, values });
    return { context: context!, weights: weights! };
  }
  const [batch, source, size] = keys.shape as [number, number, number];
  const hidden = tf.reshape(tf.tanh(tf.add(keys, tf.reshape(query, [batch, 1, size]))), [batch * source, size]);
  return weightedContext(tf.reshape(tf.matMul(hidden, energy), [batch, source]), maskBias, values);
}

/** keys [batch, source, size], query [batch, size], maskBias [batch, source], values [batch, source, valueSize]. */
export function dotAttention(keys: tf.Tensor, query: tf.Tensor, maskBias: tf.Tensor, values: tf.Tensor): Attended {
  if (hasFusedKernels()) {
    const [context, weights] = runFused('MtlabDotAttention', { keys, query, maskBias, values });
    return { context: context!, weights: weights! };
  }
  const [batch, source, size] = keys.shape as [number, number, number];
  const scores = tf.reshape(tf.matMul(keys, tf.reshape(query, [batch, size, 1])), [batch, source]);
  return weightedContext(scores, maskBias, values);
}

/**
 * The mean over real target tokens of −(1 − ε) log p(y_t) − ε · mean_{v ∈ R} log p(v), R the tokens a target can
 * be (all but `<pad>` and `<sos>`; see SMOOTHING_EXCLUDED): logits [rows, vocab], one target id and one mask value
 * (1 = real token) per row, ε = `labelSmoothing`. A scalar (Szegedy et al. 2016).
 */
export function softmaxCrossEntropy(
  logits: tf.Tensor,
  targets: Int32Array,
  mask: Float32Array,
  labelSmoothing: number,
): tf.Scalar {
  let realTokens = 0;
  for (let i = 0; i < mask.length; i++) realTokens += mask[i]!;
  const targetIds = tf.tensor1d(targets, 'int32');
  if (hasFusedKernels()) {
    const weights = Float32Array.from(mask, (m) => m / Math.max(1, realTokens));
    const [loss] = runFused(
      'MtlabSoftmaxCrossEntropy',
      { logits, targets: targetIds, weights: tf.tensor1d(weights) },
      { labelSmoothing },
    );
    return loss as tf.Scalar;
  }
  const logProbs = tf.logSoftmax(logits);
  let perToken = tf.neg(tf.sum(tf.mul(logProbs, tf.oneHot(targetIds, logits.shape[1]!)), 1));
  if (labelSmoothing > 0) {
    // ε goes to the tokens a target can be: not `<pad>` or `<sos>` (fairseq's and OpenNMT's rule).
    const vocab = logits.shape[1]!;
    const real = new Float32Array(vocab).fill(1 / (vocab - SMOOTHING_EXCLUDED.length));
    for (const id of SMOOTHING_EXCLUDED) real[id] = 0;
    const realMean = tf.sum(tf.mul(logProbs, tf.tensor1d(real)), 1);
    perToken = tf.add(tf.mul(perToken, 1 - labelSmoothing), tf.mul(tf.neg(realMean), labelSmoothing));
  }
  return tf.div(tf.sum(tf.mul(perToken, tf.tensor1d(mask))), Math.max(1, realTokens)) as tf.Scalar;
}

/** Row-wise log-softmax of [rows, vocab] logits for decoding (no gradient: search does not train). */
export function logSoftmaxRows(logits: tf.Tensor): tf.Tensor {
  if (!hasFusedKernels()) return tf.logSoftmax(logits);
  return runFused('MtlabLogSoftmax', { logits })[0]!;
}

/** Rows of an embedding table: `table[ids]` ([ids, width]); ids from JavaScript or already on the device. */
export function embed(table: tf.Tensor, ids: Int32Array | tf.Tensor): tf.Tensor {
  const idTensor = ids instanceof tf.Tensor ? ids : tf.tensor1d(ids, 'int32');
  if (!hasFusedKernels()) return tf.gather(table, idTensor);
  return runFused('MtlabEmbedding', { table, ids: idTensor })[0]!;
}

/** Rows of a tensor by index along its first axis (beam search reorders states with it): `x[rows]`. */
export function gatherRows(x: tf.Tensor, rows: Int32Array): tf.Tensor {
  if (x.shape.length === 2) return embed(x, rows);
  const [first, ...rest] = x.shape;
  const width = rest.reduce((a, b) => a * b, 1);
  return tf.reshape(embed(tf.reshape(x, [first!, width]), rows), [rows.length, ...rest]);
}

/** Split a time-major [time·batch, size] matrix into its `parts` time steps. */
export function splitRows(x: tf.Tensor, parts: number): tf.Tensor[] {
  if (hasFusedKernels()) return runFused('MtlabSplitRows', { x }, { parts });
  return tf.split(x, parts, 0);
}

/** Stack time steps [batch, size] back into one [time·batch, size] matrix. */
export function concatRows(parts: tf.Tensor[]): tf.Tensor {
  if (parts.length === 1) return parts[0]!;
  if (hasFusedKernels()) {
    const inputs: Record<string, tf.Tensor> = {};
    parts.forEach((p, i) => (inputs[String(i)] = p));
    return runFused('MtlabConcatRows', inputs, { parts: parts.length })[0]!;
  }
  return tf.concat(parts, 0);
}

export interface AdamAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 − β1ᵗ and 1 − β2ᵗ. */
  correction1: number;
  correction2: number;
  gradScale: number;
}

/**
 * One Adam update as a kernel: new parameter, m and v tensors (never in place: the wasm backend caches packed
 * matMul weights by tensor, so a parameter must get new memory when it changes). Null where there is no kernel
 * (the optimiser then runs the update in composite ops).
 */
export function adamUpdate(
  param: tf.Tensor,
  grad: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  attrs: AdamAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] | null {
  if (!hasFusedKernels()) return null;
  return runFused('MtlabAdam', { param, grad, m, v }, { ...attrs }) as [tf.Tensor, tf.Tensor, tf.Tensor];
}

/** Whether the active backend can read a tensor synchronously (`dataSync`); webgpu in Node cannot. */
export function readsSynchronously(): boolean {
  return tf.getBackend() !== 'webgpu';
}

/** Read-only view of a float32 tensor's memory where the fused kernels run on it (wasm, cpu); null elsewhere. */
export function readableView(tensor: tf.Tensor): Float32Array | null {
  return hasFusedKernels() ? memoryView(tensor) : null;
}
