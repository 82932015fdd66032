/**
 * The encoder: embeddings, then 1-4 recurrent layers, each unidirectional or bidirectional.
 *
 * Time-major inside ([time, batch, ...]) so that one time step is a contiguous slice; the outputs handed to
 * attention are batch-major [batch, time, size]. Padded positions keep the previous state (see `RecurrentCell.step`),
 * so the forward state after the loop is the state at each sentence's last real token, and the backward direction
 * starts its sentence from zeros at the sentence's true end.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../contract/api.js';
import { concatRows, embed, splitRows } from '../backend/ops.js';
import { type CellState, RecurrentCell } from './cells.js';
import type { Dropout } from './dropout.js';
import type { Parameters } from './params.js';

export interface EncodedBatch {
  /** [batch, time, outputSize]. */
  outputs: tf.Tensor;
  /** [batch, time]: 1 for real tokens. */
  mask: tf.Tensor;
  /** Final state of every layer; bidirectional layers concatenate forward and backward ([batch, 2·hidden]). */
  finalStates: CellState[];
}

export class Encoder {
  readonly embedding: tf.Variable;
  readonly outputSize: number;
  private readonly layers: { forward: RecurrentCell; backward: RecurrentCell | null }[] = [];

  constructor(
    private readonly config: ModelConfig,
    vocabSize: number,
    params: Parameters,
  ) {
    this.embedding = params.normal('encoder.embedding', [vocabSize, config.embeddingSize], 1);
    const directions = config.bidirectional ? 2 : 1;
    for (let l = 0; l < config.layers; l++) {
      const inputSize = l === 0 ? config.embeddingSize : config.hiddenSize * directions;
      const cell = (dir: string): RecurrentCell =>
        new RecurrentCell(config.cell, `encoder.l${l}.${dir}`, { x: inputSize }, config.hiddenSize, params);
      this.layers.push({ forward: cell('fwd'), backward: config.bidirectional ? cell('bwd') : null });
    }
    this.outputSize = config.hiddenSize * directions;
  }

  /**
   * Encode a batch. `source` is [batch, time] ids (row-major), `mask` [batch, time] (1 = real token).
   *
   * `probes` (gradient flow, engine/train/gradient-flow.ts): one [batch, hidden] tensor per step, added to the top
   * layer's forward state h_t where it feeds both the outputs and the next step, so that the gradient with respect
   * to the probe is the total ∂L/∂h_t, through the recurrence and attention alike. Zeros leave the result as is.
   */
  encode(
    source: Int32Array,
    mask: Float32Array,
    batch: number,
    time: number,
    dropout: Dropout,
    probes?: readonly tf.Tensor[],
  ): EncodedBatch {
    // Time-major ids and masks, so each step is one contiguous slice.
    const idsT = new Int32Array(batch * time);
    const maskT = new Float32Array(batch * time);
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < time; t++) {
        idsT[t * batch + b] = source[b * time + t];
        maskT[t * batch + b] = mask[b * time + t];
      }
    }
    // One [batch, 1] mask per step; null where the step has no padding (nothing to keep).
    const stepMasks = Array.from({ length: time }, (_, t) => {
      const slice = maskT.subarray(t * batch, (t + 1) * batch);
      return slice.every((m) => m === 1) ? undefined : tf.tensor2d(slice, [batch, 1]);
    });
    let input: tf.Tensor = dropout.apply(embed(this.embedding, idsT)); // [time·batch, E]
    const finalStates: CellState[] = [];
    let outputs: tf.Tensor = input;
    this.layers.forEach((layer, l) => {
      if (l > 0) input = dropout.apply(outputs);
      const probed = probes !== undefined && l === this.layers.length - 1;
      const run = (cell: RecurrentCell, reverse: boolean): { outs: tf.Tensor; state: CellState } => {
        const steps = splitRows(cell.projectInput('x', input, true), time);
        const outs: tf.Tensor[] = new Array<tf.Tensor>(time);
        let state = cell.initialState(batch);
        for (let k = 0; k < time; k++) {
          const t = reverse ? time - 1 - k : k;
          state = cell.step(steps[t]!, state, stepMasks[t]);
          if (probed && !reverse) state = { ...state, h: tf.add(state.h, probes[t]!) };
          outs[t] = state.h;
        }
        return { outs: concatRows(outs), state };
      };
      const fwd = run(layer.forward, false);
      if (layer.backward === null) {
        outputs = fwd.outs;
        finalStates.push(fwd.state);
      } else {
        const bwd = run(layer.backward, true);
        outputs = tf.concat([fwd.outs, bwd.outs], 1);
        const h = tf.concat([fwd.state.h, bwd.state.h], 1);
        finalStates.push(fwd.state.c === undefined ? { h } : { h, c: tf.concat([fwd.state.c, bwd.state.c!], 1) });
      }
    });
    const batchMajor = tf.transpose(tf.reshape(outputs, [time, batch, this.outputSize]), [1, 0, 2]);
    return { outputs: batchMajor, mask: tf.tensor2d(mask, [batch, time]), finalStates };
  }

  get hiddenSize(): number {
    return this.config.hiddenSize;
  }
}
