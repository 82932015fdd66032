/**
 * The decoder: one step at a time, s_i = cell(s_{i−1}, input_i), then the output layer and the vocabulary
 * projection.
 *
 *   none      (Sutskever et al. 2014, Cho et al. 2014): input_i = E y_{i−1}; the decoder starts from the encoder's
 *             final state; o_i = s_i.
 *   bahdanau  (Bahdanau et al. 2014): α_i, c_i = attend(s_{i−1}); input_i = [E y_{i−1}; c_i];
 *             o_i = tanh(W_o [s_i; c_i] + b_o).
 *   luong     (Luong et al. 2015): input_i = E y_{i−1} (plus õ_{i−1} with input feeding); α_i, c_i = attend(s_i);
 *             o_i = tanh(W_o [c_i; s_i] + b_o) (the "attentional vector" õ_i).
 *
 * logits_i = W_out o_i + b_out. Every variant hands back α_i so the lab can draw alignments.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../contract/api.js';
import { type Attention, type AttentionMemory, BahdanauAttention, LuongAttention } from './attention.js';
import { type CellState, RecurrentCell } from './cells.js';
import type { Dropout } from './dropout.js';
import type { EncodedBatch } from './encoder.js';
import { embed, gatherRows, linear } from '../backend/ops.js';
import type { Parameters } from './params.js';

export interface DecoderState {
  layers: CellState[];
  /** õ_{i−1}, fed back with Luong input feeding. */
  feed: tf.Tensor | null;
}

export interface DecoderStep {
  state: DecoderState;
  /** o_i, [batch, hidden]: the input of the vocabulary projection. */
  output: tf.Tensor;
  /** α_i, [batch, source]; null without attention. */
  attention: tf.Tensor | null;
}

export class Decoder {
  readonly embedding: tf.Variable;
  readonly attention: Attention | null;
  private readonly layers: RecurrentCell[] = [];
  private readonly bridge: { h: tf.Variable; hb: tf.Variable; c: tf.Variable | null; cb: tf.Variable | null }[] = [];
  private readonly outputWeights: tf.Variable | null = null;
  private readonly outputBias: tf.Variable | null = null;
  private readonly vocabWeights: tf.Variable;
  private readonly vocabBias: tf.Variable;

  constructor(
    private readonly config: ModelConfig,
    vocabSize: number,
    encoderOutputSize: number,
    params: Parameters,
  ) {
    const { hiddenSize: hidden, embeddingSize, attention } = config;
    this.embedding = params.normal('decoder.embedding', [vocabSize, embeddingSize], 1);
    if (attention === 'bahdanau') {
      this.attention = new BahdanauAttention(encoderOutputSize, hidden, config.attentionSize, params);
    } else if (attention === 'luong') {
      this.attention = new LuongAttention(config.luongScore, encoderOutputSize, hidden, params);
    } else {
      this.attention = null;
    }
    for (let l = 0; l < config.layers; l++) {
      const parts: Record<string, number> = l === 0 ? { emb: embeddingSize } : { x: hidden };
      if (l === 0 && attention === 'bahdanau') parts.ctx = encoderOutputSize;
      if (l === 0 && attention === 'luong' && config.inputFeeding) parts.feed = hidden;
      this.layers.push(new RecurrentCell(config.cell, `decoder.l${l}`, parts, hidden, params));
    }
    // The encoder's final state reaches the decoder directly when sizes match, through a learned bridge otherwise.
    if (encoderOutputSize !== hidden) {
      const limit = 1 / Math.sqrt(encoderOutputSize);
      for (let l = 0; l < config.layers; l++) {
        const lstm = config.cell === 'lstm';
        this.bridge.push({
          h: params.uniform(`bridge.l${l}.W_h`, [encoderOutputSize, hidden], limit),
          hb: params.uniform(`bridge.l${l}.b_h`, [hidden], limit),
          c: lstm ? params.uniform(`bridge.l${l}.W_c`, [encoderOutputSize, hidden], limit) : null,
          cb: lstm ? params.uniform(`bridge.l${l}.b_c`, [hidden], limit) : null,
        });
      }
    }
    if (attention !== 'none') {
      const inputs = hidden + encoderOutputSize;
      this.outputWeights = params.uniform('decoder.W_o', [inputs, hidden], 1 / Math.sqrt(inputs));
      this.outputBias = params.uniform('decoder.b_o', [hidden], 1 / Math.sqrt(inputs));
    }
    this.vocabWeights = params.uniform('decoder.W_out', [hidden, vocabSize], 1 / Math.sqrt(hidden));
    this.vocabBias = params.uniform('decoder.b_out', [vocabSize], 1 / Math.sqrt(hidden));
  }

  initialState(encoded: EncodedBatch): DecoderState {
    const layers = encoded.finalStates.map((state, l): CellState => {
      const bridge = this.bridge[l];
      if (bridge === undefined) return state;
      const h = tf.tanh(linear(state.h, bridge.h, bridge.hb));
      if (bridge.c === null || state.c === undefined) return { h };
      return { h, c: linear(state.c, bridge.c, bridge.cb!) };
    });
    const batch = encoded.outputs.shape[0];
    const feed =
      this.config.attention === 'luong' && this.config.inputFeeding ? tf.zeros([batch, this.config.hiddenSize]) : null;
    return { layers, feed };
  }

  prepareMemory(encoded: EncodedBatch): AttentionMemory | null {
    return this.attention === null ? null : this.attention.prepare(encoded.outputs, encoded.mask);
  }

  /** E y W_ih[emb] + b_ih for many tokens at once (all time steps of a batch): [tokens, gates·hidden]. */
  projectTokens(tokens: Int32Array | tf.Tensor, dropout: Dropout): tf.Tensor {
    const embedded = dropout.apply(embed(this.embedding, tokens));
    return this.layers[0]!.projectInput('emb', embedded, true);
  }

  /** One decoder step from the projected previous token (a row block of `projectTokens`). */
  /** One step. `probe` (gradient flow) is added to the top layer's new state s_i before anything reads it. */
  step(
    projectedToken: tf.Tensor,
    state: DecoderState,
    memory: AttentionMemory | null,
    dropout: Dropout,
    probe?: tf.Tensor,
  ): DecoderStep {
    const first = this.layers[0]!;
    let input = projectedToken;
    let attended: { context: tf.Tensor; weights: tf.Tensor } | null = null;
    if (this.config.attention === 'bahdanau') {
      attended = this.attention!.attend(state.layers[state.layers.length - 1]!.h, memory!);
      input = tf.add(input, first.projectInput('ctx', attended.context, false));
    } else if (state.feed !== null) {
      input = tf.add(input, first.projectInput('feed', state.feed, false));
    }
    const layers: CellState[] = [];
    let below: tf.Tensor | null = null;
    this.layers.forEach((cell, l) => {
      const projected = l === 0 ? input : cell.projectInput('x', dropout.apply(below!), true);
      let next = cell.step(projected, state.layers[l]!);
      if (probe !== undefined && l === this.layers.length - 1) next = { ...next, h: tf.add(next.h, probe) };
      layers.push(next);
      below = next.h;
    });
    const top = layers[layers.length - 1]!.h;
    if (this.config.attention === 'none') return { state: { layers, feed: null }, output: top, attention: null };
    let combined: tf.Tensor;
    if (this.config.attention === 'luong') {
      attended = this.attention!.attend(top, memory!);
      combined = tf.concat([attended.context, top], 1);
    } else {
      combined = tf.concat([top, attended!.context], 1);
    }
    const output = tf.tanh(linear(combined, this.outputWeights!, this.outputBias!));
    return { state: { layers, feed: state.feed === null ? null : output }, output, attention: attended!.weights };
  }

  /** Vocabulary logits for any number of output vectors: [rows, vocab]. */
  logits(outputs: tf.Tensor): tf.Tensor {
    return linear(outputs, this.vocabWeights, this.vocabBias);
  }
}

/** Pick rows of a decoder state (beam search). */
export function selectStateRows(state: DecoderState, rows: Int32Array): DecoderState {
  return {
    layers: state.layers.map((s) =>
      s.c === undefined ? { h: gatherRows(s.h, rows) } : { h: gatherRows(s.h, rows), c: gatherRows(s.c, rows) },
    ),
    feed: state.feed === null ? null : gatherRows(state.feed, rows),
  };
}
