/**
 * The fields of the run form, described once: each names its dotted path in RunConfig (the same path the
 * engine's ConfigIssue reports, so a message lands beside its field), how to edit it and when it applies.
 */
import type { RunConfig } from '../../../../engine/contract/api.js';

export type FieldKind = 'integer' | 'number' | 'select' | 'checkbox' | 'dataset';

export interface FieldSpec {
  path: string;
  label: string;
  kind: FieldKind;
  options?: readonly string[];
  min?: number;
  max?: number;
  step?: number;
  help?: string;
  /** Only shown when this holds (e.g. Luong's score only with Luong attention). */
  when?: (config: RunConfig) => boolean;
}

export interface FieldSection {
  title: string;
  fields: FieldSpec[];
}

const luong = (c: RunConfig): boolean => c.model.attention === 'luong';
const schedule = (kind: string) => (c: RunConfig) => c.train.schedule.kind === kind;
const decay = (kind: string) => (c: RunConfig) => c.train.teacherForcingDecay.kind === kind;

export const FIELD_SECTIONS: FieldSection[] = [
  {
    title: 'Data',
    fields: [
      { path: 'data.dataset', label: 'Dataset', kind: 'dataset' },
      {
        path: 'data.minFreq',
        label: 'Min. token frequency',
        kind: 'integer',
        min: 1,
        help: 'rarer tokens become <unk>',
      },
      { path: 'data.maxVocab', label: 'Max. vocabulary', kind: 'integer', min: 0, help: '0 = unlimited' },
      { path: 'data.maxLength', label: 'Max. sentence length', kind: 'integer', min: 0, help: 'tokens; 0 = keep all' },
    ],
  },
  {
    title: 'Model',
    fields: [
      { path: 'model.cell', label: 'Cell', kind: 'select', options: ['rnn', 'gru', 'lstm'] },
      { path: 'model.attention', label: 'Attention', kind: 'select', options: ['none', 'bahdanau', 'luong'] },
      { path: 'model.luongScore', label: 'Luong score', kind: 'select', options: ['dot', 'general'], when: luong },
      { path: 'model.inputFeeding', label: 'Input feeding', kind: 'checkbox', when: luong },
      { path: 'model.embeddingSize', label: 'Embedding size', kind: 'integer', min: 1 },
      { path: 'model.hiddenSize', label: 'Hidden size', kind: 'integer', min: 1 },
      {
        path: 'model.attentionSize',
        label: 'Attention size',
        kind: 'integer',
        min: 1,
        when: (c) => c.model.attention === 'bahdanau',
      },
      { path: 'model.layers', label: 'Layers', kind: 'integer', min: 1 },
      { path: 'model.bidirectional', label: 'Bidirectional encoder', kind: 'checkbox' },
      { path: 'model.dropout', label: 'Dropout', kind: 'number', min: 0, step: 0.05 },
    ],
  },
  {
    title: 'Training',
    fields: [
      { path: 'train.optimizer', label: 'Optimiser', kind: 'select', options: ['adam', 'sgd'] },
      { path: 'train.learningRate', label: 'Learning rate', kind: 'number', min: 0, step: 0.0001 },
      {
        path: 'train.momentum',
        label: 'Momentum',
        kind: 'number',
        min: 0,
        step: 0.05,
        when: (c) => c.train.optimizer === 'sgd',
      },
      {
        path: 'train.schedule.kind',
        label: 'LR schedule',
        kind: 'select',
        options: ['constant', 'plateau', 'warmup-decay'],
      },
      { path: 'train.schedule.factor', label: 'Plateau factor', kind: 'number', step: 0.05, when: schedule('plateau') },
      {
        path: 'train.schedule.patience',
        label: 'Plateau patience',
        kind: 'integer',
        min: 1,
        when: schedule('plateau'),
      },
      {
        path: 'train.schedule.warmupSteps',
        label: 'Warm-up steps',
        kind: 'integer',
        min: 0,
        when: schedule('warmup-decay'),
      },
      {
        path: 'train.schedule.decay',
        label: 'Decay',
        kind: 'select',
        options: ['inverse-sqrt', 'linear', 'cosine'],
        when: schedule('warmup-decay'),
      },
      {
        path: 'train.schedule.minLearningRate',
        label: 'Min. learning rate',
        kind: 'number',
        min: 0,
        step: 0.0001,
        when: (c) => c.train.schedule.kind !== 'constant',
      },
      { path: 'train.batchSize', label: 'Batch size', kind: 'integer', min: 1 },
      { path: 'train.steps', label: 'Steps', kind: 'integer', min: 0, help: '0 = use epochs' },
      { path: 'train.epochs', label: 'Epochs', kind: 'integer', min: 0, help: '0 = use steps' },
      { path: 'train.clipNorm', label: 'Gradient clip norm', kind: 'number', min: 0, step: 0.5 },
      { path: 'train.labelSmoothing', label: 'Label smoothing', kind: 'number', min: 0, step: 0.05 },
      {
        path: 'train.teacherForcing',
        label: 'Teacher forcing',
        kind: 'number',
        min: 0,
        step: 0.05,
        help: 'probability of feeding the reference token',
      },
      {
        path: 'train.teacherForcingDecay.kind',
        label: 'Teacher-forcing decay',
        kind: 'select',
        options: ['none', 'linear', 'inverse-sigmoid'],
      },
      {
        path: 'train.teacherForcingDecay.endRatio',
        label: 'Decay to',
        kind: 'number',
        step: 0.05,
        when: decay('linear'),
      },
      {
        path: 'train.teacherForcingDecay.steps',
        label: 'Decay over steps',
        kind: 'integer',
        min: 1,
        when: decay('linear'),
      },
      { path: 'train.teacherForcingDecay.k', label: 'Decay k', kind: 'number', min: 1, when: decay('inverse-sigmoid') },
      { path: 'train.validateEvery', label: 'Validate every', kind: 'integer', min: 1, help: 'steps' },
      {
        path: 'train.earlyStopping.metric',
        label: 'Early stopping on',
        kind: 'select',
        options: ['off', 'loss', 'bleu', 'chrf', 'sequenceAccuracy', 'tokenAccuracy'],
      },
      {
        path: 'train.earlyStopping.patience',
        label: 'Patience',
        kind: 'integer',
        min: 1,
        help: 'validations without improvement',
        when: (c) => c.train.earlyStopping !== null,
      },
      { path: 'train.validationPairs', label: 'Validation pairs', kind: 'integer', min: 0, help: '0 = whole split' },
      { path: 'train.seed', label: 'Seed', kind: 'integer' },
    ],
  },
  {
    title: 'Decoding and compute',
    fields: [
      { path: 'decode.strategy', label: 'Search', kind: 'select', options: ['greedy', 'beam'] },
      {
        path: 'decode.beamSize',
        label: 'Beam size',
        kind: 'integer',
        min: 1,
        when: (c) => c.decode.strategy === 'beam',
      },
      {
        path: 'decode.lengthPenalty',
        label: 'Length penalty α',
        kind: 'number',
        min: 0,
        step: 0.1,
        when: (c) => c.decode.strategy === 'beam',
      },
      { path: 'decode.maxLengthRatio', label: 'Max. length × source', kind: 'number', min: 0, step: 0.1 },
      { path: 'decode.maxLengthOffset', label: 'Max. length + offset', kind: 'integer', min: 0 },
      {
        path: 'backend',
        label: 'Compute backend',
        kind: 'select',
        options: ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'],
      },
    ],
  },
];

/** What a union field becomes when its kind changes (its other fields get these starting values). */
/** Fields that choose a variant (its other fields depend on it). */
export const VARIANT_KINDS: readonly string[] = ['train.schedule.kind', 'train.teacherForcingDecay.kind'];

export function getPath(object: unknown, path: string): unknown {
  if (path === 'train.earlyStopping.metric' && getPath(object, 'train.earlyStopping') === null) return 'off';
  let value: unknown = object;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function setPath(object: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  if (path === 'train.earlyStopping.metric') {
    const train = object.train as Record<string, unknown>;
    const current = train.earlyStopping as { patience?: number } | null;
    train.earlyStopping = value === 'off' ? null : { metric: value, patience: current?.patience ?? 5 };
    return;
  }
  if (VARIANT_KINDS.includes(path)) {
    // Changing a union's kind replaces the whole object; the engine fills in that kind's defaults (ConfigForm).
    let holder: Record<string, unknown> = object;
    for (const part of parts.slice(0, -2)) holder = holder[part] as Record<string, unknown>;
    holder[parts[parts.length - 2]!] = { kind: value };
    return;
  }
  let holder: Record<string, unknown> = object;
  for (const part of parts.slice(0, -1)) {
    if (typeof holder[part] !== 'object' || holder[part] === null) holder[part] = {};
    holder = holder[part] as Record<string, unknown>;
  }
  holder[parts[parts.length - 1]!] = value;
}
