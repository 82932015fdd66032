/**
 * The encoder-decoder: encode the source, run the decoder over the target, and score every position.
 *
 * With full teacher forcing the decoder's inputs are known in advance, so the token embeddings of all steps are
 * projected in one matMul and the vocabulary projection and loss run over all steps at once. With scheduled
 * sampling (teacher forcing < 1) each step may feed back the model's own prediction, so those run step by step.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../contract/api.js';
import type { Batch } from '../data/batch.js';
import type { Rng } from '../random.js';
import { Decoder } from './decoder.js';
import { Dropout } from './dropout.js';
import { Encoder } from './encoder.js';
import { concatRows, gatherRows, readsSynchronously, softmaxCrossEntropy, splitRows } from '../backend/ops.js';
import { Parameters } from './params.js';

export interface LossOptions {
  dropout: Dropout;
  /** Probability of feeding the reference token rather than the model's prediction. */
  teacherForcing: number;
  /** Coins for scheduled sampling (needed when teacherForcing < 1). */
  rng: Rng | null;
  labelSmoothing: number;
}

export interface TeacherForcedOutput {
  /** [targetLength · batch, vocab], time-major rows (row = t · batch + b). */
  logits: tf.Tensor;
  /** [targetLength, batch, sourceLength] attention weights, or null without attention. */
  attention: tf.Tensor | null;
}

/** Row-major [batch, time] to time-major [time, batch]. */
export function timeMajor<T extends Int32Array | Float32Array>(values: T, batch: number, time: number): T {
  const out = new (values.constructor as { new (n: number): T })(values.length);
  for (let b = 0; b < batch; b++) for (let t = 0; t < time; t++) out[t * batch + b] = values[b * time + t];
  return out;
}

export class Seq2Seq {
  readonly params: Parameters;
  readonly encoder: Encoder;
  readonly decoder: Decoder;

  constructor(
    readonly config: ModelConfig,
    readonly sourceVocabSize: number,
    readonly targetVocabSize: number,
    seed: number,
  ) {
    this.params = new Parameters(seed);
    this.encoder = new Encoder(config, sourceVocabSize, this.params);
    this.decoder = new Decoder(config, targetVocabSize, this.encoder.outputSize, this.params);
  }

  dropout(rng: Rng | null): Dropout {
    return rng === null || this.config.dropout <= 0 ? Dropout.none : new Dropout(this.config.dropout, rng);
  }

  encode(batch: Batch, dropout: Dropout, probes?: readonly tf.Tensor[]) {
    return this.encoder.encode(batch.source, batch.sourceMask, batch.size, batch.sourceLength, dropout, probes);
  }

  /**
   * Mean loss per real target token, with optional label smoothing ε (Szegedy et al. 2016):
   * loss_t = −(1 − ε) log p(y_t) − ε · mean_v log p(v). Call inside `tf.variableGrads` to train.
   */
  loss(batch: Batch, options: LossOptions): tf.Scalar {
    const targets = timeMajor(batch.targetOut, batch.size, batch.targetLength);
    const mask = timeMajor(batch.targetMask, batch.size, batch.targetLength);
    if (options.teacherForcing >= 1 || options.rng === null) {
      // Only the real (unpadded) positions go through the vocabulary projection and the loss: with a vocabulary of
      // thousands, the projection of padded positions was the largest piece of wasted work in a padded batch.
      const rows = realPositions(mask);
      if (rows.length < mask.length) {
        const logits = this.teacherForced(batch, options.dropout, rows).logits;
        const realTargets = Int32Array.from(rows, (r) => targets[r]!);
        return softmaxCrossEntropy(logits, realTargets, new Float32Array(rows.length).fill(1), options.labelSmoothing);
      }
      return softmaxCrossEntropy(
        this.teacherForced(batch, options.dropout).logits,
        targets,
        mask,
        options.labelSmoothing,
      );
    }
    return softmaxCrossEntropy(this.scheduledSampling(batch, options), targets, mask, options.labelSmoothing);
  }

  /**
   * The decoder fed the reference at every step (training, validation loss, attention on references). `rows`, if
   * given, are the time-major positions whose logits are wanted (the others are not projected onto the vocabulary).
   */
  teacherForced(
    batch: Batch,
    dropout: Dropout,
    rows?: Int32Array,
    probes?: { encoder: readonly tf.Tensor[]; decoder: readonly tf.Tensor[] },
  ): TeacherForcedOutput {
    const { size, targetLength } = batch;
    const encoded = this.encode(batch, dropout, probes?.encoder);
    const memory = this.decoder.prepareMemory(encoded);
    let state = this.decoder.initialState(encoded);
    const inputs = splitRows(
      this.decoder.projectTokens(timeMajor(batch.targetIn, size, targetLength), dropout),
      targetLength,
    );
    const outputs: tf.Tensor[] = [];
    const weights: tf.Tensor[] = [];
    for (let t = 0; t < targetLength; t++) {
      const step = this.decoder.step(inputs[t]!, state, memory, dropout, probes?.decoder[t]);
      state = step.state;
      outputs.push(step.output);
      if (step.attention !== null) weights.push(step.attention);
    }
    const stacked = dropout.apply(concatRows(outputs));
    return {
      logits: this.decoder.logits(rows === undefined ? stacked : gatherRows(stacked, rows)),
      attention: weights.length === 0 ? null : tf.stack(weights),
    };
  }

  /** Scheduled sampling (Bengio et al. 2015): each position feeds the reference with probability `teacherForcing`. */
  private scheduledSampling(batch: Batch, options: LossOptions): tf.Tensor {
    const { size, targetLength } = batch;
    const rng = options.rng!;
    const encoded = this.encode(batch, options.dropout);
    const memory = this.decoder.prepareMemory(encoded);
    let state = this.decoder.initialState(encoded);
    const reference = timeMajor(batch.targetIn, size, targetLength);
    const logits: tf.Tensor[] = [];
    // Where the backend cannot read synchronously (webgpu), the predictions stay on the device and the coins
    // (drawn in the same order) pick between them and the reference there.
    const onDevice = !readsSynchronously();
    let previous: Int32Array | tf.Tensor | null = null;
    for (let t = 0; t < targetLength; t++) {
      let tokens: Int32Array | tf.Tensor = reference.slice(t * size, (t + 1) * size);
      if (previous instanceof tf.Tensor) {
        const useReference = Uint8Array.from({ length: size }, () => (rng.chance(options.teacherForcing) ? 1 : 0));
        tokens = tf.where(tf.tensor1d(useReference, 'bool'), tf.tensor1d(tokens, 'int32'), previous);
      } else if (previous !== null) {
        for (let b = 0; b < size; b++) if (!rng.chance(options.teacherForcing)) tokens[b] = previous[b]!;
      }
      const step = this.decoder.step(
        this.decoder.projectTokens(tokens, options.dropout),
        state,
        memory,
        options.dropout,
      );
      state = step.state;
      const stepLogits = this.decoder.logits(options.dropout.apply(step.output));
      logits.push(stepLogits);
      previous = onDevice
        ? tf.argMax(stepLogits, 1)
        : (tf.tidy(() => tf.argMax(stepLogits, 1)).dataSync() as Int32Array);
    }
    return concatRows(logits);
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** The positions (time-major) where the mask is 1. */
export function realPositions(mask: Float32Array): Int32Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) n++;
  const rows = new Int32Array(n);
  for (let i = 0, j = 0; i < mask.length; i++) if (mask[i] !== 0) rows[j++] = i;
  return rows;
}
