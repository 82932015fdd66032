/**
 * The run configuration: what a run trains and decodes with. `engine/config.ts` completes a partial config with the
 * defaults and checks every field; the same description drives the CLI (`--config`, `--set`) and the app's form.
 */
import type { AttentionType, BackendChoice, CellType, LuongScore } from './vocabulary.js';

export interface DataConfig {
  /** Name of a dataset in the store. */
  dataset: string;
  /** Tokens seen fewer times than this in the training split map to `<unk>`. */
  minFreq: number;
  /** Largest vocabulary per side, specials included (0 = unlimited). */
  maxVocab: number;
  /** Training pairs with more tokens than this on either side are skipped (0 = keep all). */
  maxLength: number;
}

export interface ModelConfig {
  cell: CellType;
  attention: AttentionType;
  /** Luong score function; ignored unless attention is `luong`. */
  luongScore: LuongScore;
  /** Luong input feeding: the previous attentional vector is fed to the next decoder step. */
  inputFeeding: boolean;
  embeddingSize: number;
  hiddenSize: number;
  /** Attention layer size for Bahdanau (the size of W h_j + U s_{i-1}). */
  attentionSize: number;
  layers: number;
  bidirectional: boolean;
  dropout: number;
}

export type LearningRateSchedule =
  | { kind: 'constant' }
  | { kind: 'plateau'; factor: number; patience: number; minLearningRate: number }
  | { kind: 'warmup-decay'; warmupSteps: number; decay: 'inverse-sqrt' | 'linear' | 'cosine'; minLearningRate: number };

export type TeacherForcingDecay =
  { kind: 'none' } | { kind: 'linear'; endRatio: number; steps: number } | { kind: 'inverse-sigmoid'; k: number };

export type EarlyStoppingMetric = 'loss' | 'bleu' | 'chrf' | 'sequenceAccuracy' | 'tokenAccuracy';

export interface TrainConfig {
  optimizer: 'adam' | 'sgd';
  learningRate: number;
  /** SGD momentum (0 = plain SGD). */
  momentum: number;
  schedule: LearningRateSchedule;
  batchSize: number;
  /** Training stops after this many optimiser steps or `epochs` passes, whichever comes first (0 = unused). */
  steps: number;
  epochs: number;
  clipNorm: number;
  labelSmoothing: number;
  /** Probability of feeding the reference token (1 = always teacher forcing). */
  teacherForcing: number;
  teacherForcingDecay: TeacherForcingDecay;
  /** Validate (and record samples and attention) every this many steps. */
  validateEvery: number;
  /** Validation set size cap (0 = whole validation split). */
  validationPairs: number;
  earlyStopping: { metric: EarlyStoppingMetric; patience: number } | null;
  seed: number;
}

export interface DecodeConfig {
  strategy: 'greedy' | 'beam';
  beamSize: number;
  /** Length penalty α of Wu et al. (2016): lp(Y) = ((5 + |Y|) / 6)^α. */
  lengthPenalty: number;
  /** Longest output = maxLengthRatio × source length + maxLengthOffset. */
  maxLengthRatio: number;
  maxLengthOffset: number;
}

export interface RunConfig {
  data: DataConfig;
  model: ModelConfig;
  train: TrainConfig;
  decode: DecodeConfig;
  backend: BackendChoice;
}
