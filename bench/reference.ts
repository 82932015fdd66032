/**
 * The reference training step of the benchmark, shared with the PyTorch peer (bench/pytorch): GRU encoder and GRU
 * decoder with Bahdanau attention, embedding 128, hidden 256, vocabularies 2,000, batch 64, source and target
 * length 10, Adam, gradient clipping 1.0, no dropout, on fixed random data.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../engine/contract/api.js';
import type { Batch } from '../engine/data/batch.js';
import { EOS_ID, SOS_ID } from '../engine/data/vocab.js';
import { Dropout } from '../engine/model/dropout.js';
import { Seq2Seq } from '../engine/model/seq2seq.js';
import { Rng } from '../engine/random.js';
import { clipScale, clipScaleTensor, createOptimizer, globalNorm, gradientNorm } from '../engine/train/optimizer.js';

export const REFERENCE = { vocab: 2000, batch: 64, length: 10, embedding: 128, hidden: 256 } as const;

/** The large model of the GPU benchmark (issue 16): where a GPU should be at least 10× the CPU path. */
export const LARGE = { vocab: 16_000, batch: 128, length: 30, embedding: 256, hidden: 1024 } as const;

export type BenchModel = 'reference' | 'large';

export const BENCH_SIZES: Record<
  BenchModel,
  { vocab: number; batch: number; length: number; embedding: number; hidden: number }
> = { reference: REFERENCE, large: LARGE };

/** The GRU + Bahdanau model of a benchmark size. */
export function benchModel(name: BenchModel): ModelConfig {
  const size = BENCH_SIZES[name];
  return { ...REFERENCE_MODEL, embeddingSize: size.embedding, hiddenSize: size.hidden, attentionSize: size.hidden };
}

export const REFERENCE_MODEL: ModelConfig = {
  cell: 'gru',
  attention: 'bahdanau',
  luongScore: 'general',
  inputFeeding: false,
  embeddingSize: REFERENCE.embedding,
  hiddenSize: REFERENCE.hidden,
  attentionSize: REFERENCE.hidden,
  layers: 1,
  bidirectional: false,
  dropout: 0,
};

/** A full batch of random ids (4..vocab-1), no padding. */
export function randomBatch(
  seed: number,
  size: number = REFERENCE.batch,
  length: number = REFERENCE.length,
  vocab: number = REFERENCE.vocab,
): Batch {
  const rng = new Rng(seed);
  const token = (): number => 4 + rng.int(vocab - 4);
  const source = Int32Array.from({ length: size * length }, token);
  const target = Int32Array.from({ length: size * (length - 1) }, token);
  const targetIn = new Int32Array(size * length);
  const targetOut = new Int32Array(size * length);
  for (let b = 0; b < size; b++) {
    targetIn[b * length] = SOS_ID;
    for (let t = 0; t < length - 1; t++) {
      targetIn[b * length + t + 1] = target[b * (length - 1) + t]!;
      targetOut[b * length + t] = target[b * (length - 1) + t]!;
    }
    targetOut[b * length + length - 1] = EOS_ID;
  }
  return {
    size,
    sourceLength: length,
    targetLength: length,
    source,
    sourceMask: new Float32Array(size * length).fill(1),
    sourceLengths: new Int32Array(size).fill(length),
    targetIn,
    targetOut,
    targetMask: new Float32Array(size * length).fill(1),
    indices: Array.from({ length: size }, (_, i) => i),
  };
}

export interface ReferenceTrainer {
  model: Seq2Seq;
  step(batch: Batch): number;
  /** The same step on any backend (webgpu included): norm and clipping on the device, one read of the loss. */
  stepAsync(batch: Batch): Promise<number>;
  dispose(): void;
}

/** The training step as the trainer does it (engine/train/trainer.ts), without logging. */
export function referenceTrainer(
  seed = 1,
  model: ModelConfig = REFERENCE_MODEL,
  vocab: number = REFERENCE.vocab,
  targetVocab: number = vocab,
): ReferenceTrainer {
  const seq2seq = new Seq2Seq(model, vocab, targetVocab, seed);
  const variables = seq2seq.params.variables;
  const optimizer = createOptimizer('adam', variables, 0);
  return {
    model: seq2seq,
    step(batch: Batch): number {
      return tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => seq2seq.loss(batch, { dropout: Dropout.none, teacherForcing: 1, rng: null, labelSmoothing: 0 }),
          variables,
        );
        const ordered = variables.map((v) => grads[v.name]!);
        optimizer.apply(variables, ordered, 1e-3, clipScale(globalNorm(ordered), 1));
        return value.dataSync()[0]!;
      });
    },
    async stepAsync(batch: Batch): Promise<number> {
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => seq2seq.loss(batch, { dropout: Dropout.none, teacherForcing: 1, rng: null, labelSmoothing: 0 }),
          variables,
        );
        const ordered = variables.map((v) => grads[v.name]!);
        const norm = gradientNorm(ordered);
        optimizer.apply(
          variables,
          ordered,
          1e-3,
          typeof norm === 'number' ? clipScale(norm, 1) : clipScaleTensor(norm, 1),
        );
        return value;
      });
      const value = (await loss.data())[0]!;
      loss.dispose();
      return value;
    },
    dispose(): void {
      optimizer.dispose();
      seq2seq.dispose();
    },
  };
}
