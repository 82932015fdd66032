/**
 * Recurrent cells: vanilla RNN (tanh), GRU and LSTM, with PyTorch's equations and parameter layout, so results can
 * be compared with PyTorch models of the same size.
 *
 *   rnn:  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
 *   gru:  r = σ(W_ir x + b_ir + W_hr h + b_hr)       z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *         n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))                   h' = (1 − z) ⊙ n + z ⊙ h
 *   lstm: i, f, g, o = W_i x + b_i + W_h h + b_h  (four gates)
 *         c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)                                   h' = σ(o) ⊙ tanh(c')
 *
 * Speed: the input part W_ih x is computed for all time steps in one matMul by the caller (`projectInput`); only
 * W_hh h and the gate arithmetic run inside the time loop (`step`): one call of backend/ops.ts, one fused kernel
 * per step where the backend has it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CellType } from '../contract/api.js';
import { gruCell, linear, lstmCell, rnnCell } from '../backend/ops.js';
import type { Parameters } from './params.js';

export interface CellState {
  h: tf.Tensor;
  /** LSTM memory cell; absent for RNN and GRU. */
  c?: tf.Tensor;
}

export const GATES: Record<CellType, number> = { rnn: 1, gru: 3, lstm: 4 };

/** One recurrent layer (one direction). Its input may come in named parts, each with its own weight matrix. */
export class RecurrentCell {
  readonly gateCount: number;
  private readonly inputWeights = new Map<string, tf.Variable>();
  private readonly inputBias: tf.Variable;
  private readonly hiddenWeights: tf.Variable;
  private readonly hiddenBias: tf.Variable;

  constructor(
    readonly kind: CellType,
    readonly name: string,
    inputParts: Record<string, number>,
    readonly hiddenSize: number,
    params: Parameters,
  ) {
    this.gateCount = GATES[kind];
    const width = this.gateCount * hiddenSize;
    const limit = 1 / Math.sqrt(hiddenSize);
    for (const [part, size] of Object.entries(inputParts)) {
      this.inputWeights.set(part, params.uniform(`${name}.W_ih.${part}`, [size, width], limit));
    }
    this.hiddenWeights = params.uniform(`${name}.W_hh`, [hiddenSize, width], limit);
    this.inputBias = params.uniform(`${name}.b_ih`, [width], limit);
    this.hiddenBias = params.uniform(`${name}.b_hh`, [width], limit);
  }

  /** x @ W_ih[part] for any number of rows (e.g. all time steps at once); `withBias` adds b_ih once. */
  projectInput(part: string, x: tf.Tensor, withBias: boolean): tf.Tensor {
    const weights = this.inputWeights.get(part);
    if (weights === undefined) throw new Error(`${this.name} has no input part ${part}`);
    return withBias ? linear(x, weights, this.inputBias) : linear(x, weights);
  }

  initialState(batch: number): CellState {
    const h = tf.zeros([batch, this.hiddenSize]);
    return this.kind === 'lstm' ? { h, c: tf.zeros([batch, this.hiddenSize]) } : { h };
  }

  /**
   * One time step from the projected input (W_ih x + b_ih, summed over parts). `mask` ([batch, 1], 1 = real token)
   * keeps the previous state on padded positions, so a padded sequence ends in the state of its last real token.
   */
  step(projectedInput: tf.Tensor, state: CellState, mask?: tf.Tensor): CellState {
    const hidden = linear(state.h, this.hiddenWeights, this.hiddenBias);
    const m = mask ?? null;
    if (this.kind === 'gru') return { h: gruCell(projectedInput, hidden, state.h, m) };
    if (this.kind === 'lstm') return lstmCell(projectedInput, hidden, state.h, state.c!, m);
    return { h: rnnCell(projectedInput, hidden, state.h, m) };
  }
}
