/**
 * Attention over the encoder outputs h_1..h_S for a decoder query s.
 *
 *   bahdanau (additive, Bahdanau et al. 2014):  e_j = vᵀ tanh(W h_j + U s_{i−1})
 *   luong dot (Luong et al. 2015):              e_j = sᵢᵀ h_j
 *   luong general:                              e_j = sᵢᵀ W_a h_j
 *
 * α = softmax(e) over the real (unpadded) source positions; the context is Σ_j α_j h_j. The parts of each score
 * that depend only on the encoder (W h_j, W_a h_j) are computed once per sentence in `prepare`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LuongScore } from '../api.js';
import { hasFusedKernels, runFused } from '../backend/fused-kernels.js';
import { linear } from './linear.js';
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

export interface AttentionResult {
  /** [batch, valueSize]. */
  context: tf.Tensor;
  /** [batch, source]; each row sums to 1. */
  weights: tf.Tensor;
}

export interface Attention {
  prepare(values: tf.Tensor, mask: tf.Tensor): AttentionMemory;
  attend(query: tf.Tensor, memory: AttentionMemory): AttentionResult;
}

const MASKED = -1e9;

function maskBias(mask: tf.Tensor): tf.Tensor {
  return tf.mul(tf.sub(1, mask), MASKED);
}

function weightedContext(scores: tf.Tensor, memory: AttentionMemory): AttentionResult {
  const weights = tf.softmax(tf.add(scores, memory.maskBias));
  const [batch, source] = weights.shape;
  const context = tf.reshape(tf.matMul(tf.reshape(weights, [batch, 1, source]), memory.values), [batch, -1]);
  return { context, weights };
}

export class BahdanauAttention implements Attention {
  private readonly keyWeights: tf.Variable;
  private readonly keyBias: tf.Variable;
  private readonly queryWeights: tf.Variable;
  private readonly energy: tf.Variable;

  constructor(valueSize: number, querySize: number, size: number, params: Parameters) {
    this.keyWeights = params.uniform('attention.W', [valueSize, size], 1 / Math.sqrt(valueSize));
    this.keyBias = params.uniform('attention.b', [size], 1 / Math.sqrt(valueSize));
    this.queryWeights = params.uniform('attention.U', [querySize, size], 1 / Math.sqrt(querySize));
    this.energy = params.uniform('attention.v', [size, 1], 1 / Math.sqrt(size));
  }

  prepare(values: tf.Tensor, mask: tf.Tensor): AttentionMemory {
    const [batch, source, valueSize] = values.shape;
    const flat = tf.reshape(values, [batch * source, valueSize]);
    const keys = tf.reshape(linear(flat, this.keyWeights, this.keyBias), [batch, source, -1]);
    return { keys, values, maskBias: maskBias(mask) };
  }

  attend(query: tf.Tensor, memory: AttentionMemory): AttentionResult {
    const [batch, source, size] = memory.keys.shape;
    if (hasFusedKernels()) {
      const [context, weights] = runFused('MtlabAdditiveAttention', {
        keys: memory.keys,
        query: linear(query, this.queryWeights),
        energy: this.energy,
        maskBias: memory.maskBias,
        values: memory.values,
      }) as tf.Tensor[];
      return { context: context!, weights: weights! };
    }
    const projectedQuery = tf.reshape(tf.matMul(query, this.queryWeights), [batch!, 1, size!]);
    const hidden = tf.reshape(tf.tanh(tf.add(memory.keys, projectedQuery)), [batch * source, size]);
    const scores = tf.reshape(tf.matMul(hidden, this.energy), [batch, source]);
    return weightedContext(scores, memory);
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

  attend(query: tf.Tensor, memory: AttentionMemory): AttentionResult {
    const [batch, source, size] = memory.keys.shape;
    if (hasFusedKernels()) {
      const [context, weights] = runFused('MtlabDotAttention', {
        keys: memory.keys,
        query,
        maskBias: memory.maskBias,
        values: memory.values,
      }) as tf.Tensor[];
      return { context: context!, weights: weights! };
    }
    const scores = tf.reshape(tf.matMul(memory.keys, tf.reshape(query, [batch, size, 1])), [batch, source]);
    return weightedContext(scores, memory);
  }
}

/** Pick rows of a memory (beam search expands and reorders hypotheses). */
export function selectMemoryRows(memory: AttentionMemory, rows: tf.Tensor): AttentionMemory {
  return {
    keys: tf.gather(memory.keys, rows),
    values: tf.gather(memory.values, rows),
    maskBias: tf.gather(memory.maskBias, rows),
  };
}
