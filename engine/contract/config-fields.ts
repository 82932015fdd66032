/**
 * Every leaf field of a run config, with its kind and its bounds or choices: the one description that the config's
 * schema is built from (engine/contract/run-config.ts), that `engine/config.ts` words its messages with, and that the
 * app's run form takes its limits and choices from (renderer/src/lib/config/fields.ts). Pure data, no zod: the
 * renderer imports it.
 */
import { DECODE_LIMITS, MODEL_LIMITS } from './limits.js';
import { ATTENTION_TYPES, BACKEND_CHOICES, CELL_TYPES, LUONG_SCORES } from './vocabulary.js';

export type ConfigField =
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  | { readonly kind: 'number'; readonly min: number; readonly max: number; readonly exclusiveMin?: boolean }
  | { readonly kind: 'bool' }
  | { readonly kind: 'string' }
  | { readonly kind: 'enum'; readonly values: readonly [string, ...string[]] };

const int = (min: number, max: number) => ({ kind: 'int', min, max }) as const;
const num = (min: number, max: number, exclusiveMin = false) =>
  ({ kind: 'number', min, max, ...(exclusiveMin ? { exclusiveMin } : {}) }) as const;
const oneOf = <const V extends readonly [string, ...string[]]>(values: V) => ({ kind: 'enum', values }) as const;
const BOOL = { kind: 'bool' } as const;

export const SCHEDULE_KINDS = ['constant', 'plateau', 'warmup-decay'] as const;
export const DECAY_KINDS = ['none', 'linear', 'inverse-sigmoid'] as const;
export const EARLY_STOPPING_METRICS = ['loss', 'bleu', 'chrf', 'sequenceAccuracy', 'tokenAccuracy'] as const;

/** The fields by dotted path, in the order of a config (the order issues are reported in). */
export const CONFIG_FIELDS = {
  'data.dataset': { kind: 'string' },
  'data.minFreq': int(1, 1_000_000),
  'data.maxVocab': int(0, 1_000_000),
  'data.maxLength': int(0, 10_000),
  'model.cell': oneOf(CELL_TYPES),
  'model.attention': oneOf(ATTENTION_TYPES),
  'model.luongScore': oneOf(LUONG_SCORES),
  'model.inputFeeding': BOOL,
  'model.embeddingSize': int(MODEL_LIMITS.embeddingSize.min, MODEL_LIMITS.embeddingSize.max),
  'model.hiddenSize': int(MODEL_LIMITS.hiddenSize.min, MODEL_LIMITS.hiddenSize.max),
  'model.attentionSize': int(MODEL_LIMITS.attentionSize.min, MODEL_LIMITS.attentionSize.max),
  'model.layers': int(MODEL_LIMITS.layers.min, MODEL_LIMITS.layers.max),
  'model.bidirectional': BOOL,
  'model.dropout': num(MODEL_LIMITS.dropout.min, MODEL_LIMITS.dropout.max),
  'train.optimizer': oneOf(['adam', 'sgd']),
  'train.learningRate': num(0, 10, true),
  'train.momentum': num(0, 0.999),
  'train.schedule.kind': oneOf(SCHEDULE_KINDS),
  'train.schedule.factor': num(0, 1, true),
  'train.schedule.patience': int(0, 1000),
  'train.schedule.minLearningRate': num(0, 10),
  'train.schedule.warmupSteps': int(0, 10_000_000),
  'train.schedule.decay': oneOf(['inverse-sqrt', 'linear', 'cosine']),
  'train.batchSize': int(1, 4096),
  'train.steps': int(0, 100_000_000),
  'train.epochs': int(0, 100_000),
  'train.clipNorm': num(0, 1e6),
  'train.labelSmoothing': num(0, 0.5),
  'train.teacherForcing': num(0, 1),
  'train.teacherForcingDecay.kind': oneOf(DECAY_KINDS),
  'train.teacherForcingDecay.endRatio': num(0, 1),
  'train.teacherForcingDecay.steps': int(1, 100_000_000),
  'train.teacherForcingDecay.k': num(1, 1e9),
  'train.validateEvery': int(1, 100_000_000),
  'train.validationPairs': int(0, 10_000_000),
  'train.earlyStopping.metric': oneOf(EARLY_STOPPING_METRICS),
  'train.earlyStopping.patience': int(1, 10_000),
  'train.seed': int(0, 2 ** 31 - 1),
  'decode.strategy': oneOf(['greedy', 'beam']),
  'decode.beamSize': int(DECODE_LIMITS.beamSize.min, DECODE_LIMITS.beamSize.max),
  'decode.lengthPenalty': num(DECODE_LIMITS.lengthPenalty.min, DECODE_LIMITS.lengthPenalty.max),
  'decode.maxLengthRatio': num(DECODE_LIMITS.maxLengthRatio.min, DECODE_LIMITS.maxLengthRatio.max),
  'decode.maxLengthOffset': int(DECODE_LIMITS.maxLengthOffset.min, DECODE_LIMITS.maxLengthOffset.max),
  backend: oneOf(BACKEND_CHOICES),
} as const satisfies Record<string, ConfigField>;

export type ConfigFieldPath = keyof typeof CONFIG_FIELDS;

/** The field at `path`, if `path` names one (an own entry only: `toString` is no field). */
export function configField(path: string): ConfigField | undefined {
  return Object.hasOwn(CONFIG_FIELDS, path) ? CONFIG_FIELDS[path as ConfigFieldPath] : undefined;
}

/** What a field's value must be, in words: "a whole number from 1 to 4096", "one of "rnn", "gru", "lstm"". */
export function describeConfigField(field: ConfigField): string {
  switch (field.kind) {
    case 'int':
      return `a whole number from ${field.min} to ${field.max}`;
    case 'number':
      return field.exclusiveMin
        ? `a number above ${field.min} and up to ${field.max}`
        : `a number from ${field.min} to ${field.max}`;
    case 'bool':
      return 'true or false';
    case 'string':
      return 'a non-empty text';
    case 'enum':
      return `one of ${field.values.map((v) => `"${v}"`).join(', ')}`;
  }
}
