/**
 * Dropout with masks drawn from the run's seeded generator, so a run (and a resumed run) repeats exactly.
 * At inference, `Dropout.none` passes everything through.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../random.js';

export class Dropout {
  static readonly none = new Dropout(0, null);

  constructor(
    readonly rate: number,
    private readonly rng: Rng | null,
  ) {}

  apply<T extends tf.Tensor>(x: T): T {
    if (this.rate <= 0 || this.rng === null) return x;
    return tf.dropout(x, this.rate, undefined, this.rng.nextUint32()) as T;
  }
}
