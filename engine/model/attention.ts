/**
 * Attention over the encoder outputs h_1..h_S (the annotations) for decoder step i.
 *
 *   bahdanau (additive; Bahdanau et al. 2014, appendix A.1.2, as the lectures write it):
 *                    e_ij = vᵀ tanh(W s_{i−1} + U h_j + b)
 *                    W s_{i−1}, the query, is computed at every decoder step from the previous decoder state;
 *                    U h_j + b, the key, once per sentence in `prepare`. The paper writes no bias; this layer has
 *                    one, b, on the key side (the key layer of bench/pytorch/model.py has it too). A second on the
 *                    query side would add nothing: the two terms are summed. The saved parameter names predate
 *                    the paper's letters and are kept so older checkpoints and bundles load: U is `attention.W`,
 *                    b `attention.b`, W `attention.U`, v `attention.v`.
 *   luong dot (Luong et al. 2015):              e_ij = s_iᵀ h_j
 *   luong general:                              e_ij = s_iᵀ W_a h_j     (W_a h_j is the key, once per sentence)
 *
 * α_i = softmax(e_i) over the real (unpadded) source positions; the context is c_i = Σ_j α_ij h_j. Each `attend`
 * is one call of backend/ops.ts (one fused kernel where the backend has it).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LuongScore } from '../contract/api.js';
import { type Attended, additiveAttention, dotAttention, linear } from '../backend/ops.js';
import type { Parameters } from './params.js';

/** Encoder-side tensors an attention layer reads at every decoder step. */
export interface AttentionMemory {
  /** [batch, source, keySize]: the precomputed key of each source position. */
  keys: tf.Tensor;
  /** [batch, source, valueSize]: the encoder outputs. */
  values: tf.Tensor;
  /** [batch, source]: 0 on real tokens, a large negative number on padding. */
  maskBias: tf.Tensor;
}

export type AttentionResult = Attended;

export interface Attention {
  prepare(values: tf.Tensor, mask: tf.Tensor): AttentionMemory;
  attend(query: tf.Tensor, memory: AttentionMemory): AttentionResult;
}

const MASKED = -1e9;

function maskBias(mask: tf.Tensor): tf.Tensor {
  return tf.mul(tf.sub(1, mask), MASKED);
}

export class BahdanauAttention implements Attention {
  /** U and b: the key side. */
  private readonly U: tf.Variable;
  private readonly b: tf.Variable;
  /** W: the query side. */
  private readonly W: tf.Variable;
  private readonly v: tf.Variable;

  constructor(valueSize: number, querySize: number, size: number, params: Parameters) {
    // Created in this order (the seeded initial values depend on it), under the names saved checkpoints use.
    this.U = params.uniform('attention.W', [valueSize, size], 1 / Math.sqrt(valueSize));
    this.b = params.uniform('attention.b', [size], 1 / Math.sqrt(valueSize));
    this.W = params.uniform('attention.U', [querySize, size], 1 / Math.sqrt(querySize));
    this.v = params.uniform('attention.v', [size, 1], 1 / Math.sqrt(size));
  }

  /** keys_j = U h_j + b for every source position. */
  prepare(values: tf.Tensor, mask: tf.Tensor): AttentionMemory {
    const [batch, source, valueSize] = values.shape;
    const flat = tf.reshape(values, [batch * source, valueSize]);
    const keys = tf.reshape(linear(flat, this.U, this.b), [batch, source, -1]);
    return { keys, values, maskBias: maskBias(mask) };
  }

  /** e_ij = vᵀ tanh(W s_{i−1} + keys_j), α_i = softmax(e_i), c_i = Σ_j α_ij h_j; `query` is s_{i−1}. */
  attend(query: tf.Tensor, memory: AttentionMemory): AttentionResult {
    return additiveAttention(memory.keys, linear(query, this.W), this.v, memory.maskBias, memory.values);
  }
}

export class LuongAttention implements Attention {
  private readonly weights: tf.Variable | null;

  constructor(
    readonly score: LuongScore,
    valueSize: number,
    querySize: number,
    params: Parameters,
  ) {
    if (score === 'dot' && valueSize !== querySize) {
      throw new Error(`luong dot attention needs equal sizes (encoder output ${valueSize}, decoder ${querySize})`);
    }
    this.weights =
      score === 'general' ? params.uniform('attention.W_a', [valueSize, querySize], 1 / Math.sqrt(valueSize)) : null;
  }

  prepare(values: tf.Tensor, mask: tf.Tensor): AttentionMemory {
    const [batch, source, valueSize] = values.shape;
    const keys =
      this.weights === null
        ? values
        : tf.reshape(linear(tf.reshape(values, [batch * source, valueSize]), this.weights), [batch, source, -1]);
    return { keys, values, maskBias: maskBias(mask) };
  }

  /** e_ij = s_iᵀ keys_j, α_i = softmax(e_i), c_i = Σ_j α_ij h_j; `query` is s_i. */
  attend(query: tf.Tensor, memory: AttentionMemory): AttentionResult {
    return dotAttention(memory.keys, query, memory.maskBias, memory.values);
  }
}
