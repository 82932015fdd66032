/**
 * The fields of the run form, described once: each names its dotted path in RunConfig (the same path the
 * engine's ConfigIssue reports, so a message lands beside its field), how to edit it and when it applies. What a
 * field may hold (its bounds, its choices) is the contract's field table (engine/contract/config-fields.ts), the one
 * the engine checks configs with; only the presentation (label, help, spin step, when it shows) is the form's.
 */
import type { RunConfig } from '../../../../engine/contract/api.js';
import { CONFIG_FIELDS, type ConfigFieldPath } from '../../../../engine/contract/config-fields.js';

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

interface Presentation {
  help?: string;
  step?: number;
  when?: (config: RunConfig) => boolean;
  /** Choices the form offers before the field's own (early stopping: "off", which makes it null). */
  extraOptions?: readonly string[];
}

/** A field of the form: its kind, bounds and choices from the contract's field table, its presentation from here. */
function field(path: ConfigFieldPath, label: string, presentation: Presentation = {}): FieldSpec {
  const { extraOptions = [], ...shown } = presentation;
  const spec = CONFIG_FIELDS[path];
  switch (spec.kind) {
    case 'int':
      return { path, label, kind: 'integer', min: spec.min, max: spec.max, ...shown };
    case 'number':
      return { path, label, kind: 'number', min: spec.min, max: spec.max, ...shown };
    case 'bool':
      return { path, label, kind: 'checkbox', ...shown };
    case 'string':
      return { path, label, kind: 'dataset', ...shown };
    case 'enum':
      return { path, label, kind: 'select', options: [...extraOptions, ...spec.values], ...shown };
  }
}

const luong = (c: RunConfig): boolean => c.model.attention === 'luong';
const schedule = (kind: string) => (c: RunConfig) => c.train.schedule.kind === kind;
const decay = (kind: string) => (c: RunConfig) => c.train.teacherForcingDecay.kind === kind;
const beam = (c: RunConfig): boolean => c.decode.strategy === 'beam';

export const FIELD_SECTIONS: FieldSection[] = [
  {
    title: 'Data',
    fields: [
      field('data.dataset', 'Dataset'),
      field('data.minFreq', 'Min. token frequency', { help: 'rarer tokens become <unk>' }),
      field('data.maxVocab', 'Max. vocabulary', { help: '0 = unlimited' }),
      field('data.maxLength', 'Max. sentence length', { help: 'tokens; 0 = keep all' }),
    ],
  },
  {
    title: 'Model',
    fields: [
      field('model.cell', 'Cell'),
      field('model.attention', 'Attention'),
      field('model.luongScore', 'Luong score', { when: luong }),
      field('model.inputFeeding', 'Input feeding', { when: luong }),
      field('model.embeddingSize', 'Embedding size'),
      field('model.hiddenSize', 'Hidden size'),
      field('model.attentionSize', 'Attention size', { when: (c) => c.model.attention === 'bahdanau' }),
      field('model.layers', 'Layers'),
      field('model.bidirectional', 'Bidirectional encoder'),
      field('model.dropout', 'Dropout', { step: 0.05 }),
    ],
  },
  {
    title: 'Training',
    fields: [
      field('train.optimizer', 'Optimiser'),
      field('train.learningRate', 'Learning rate', { step: 0.0001 }),
      field('train.momentum', 'Momentum', { step: 0.05, when: (c) => c.train.optimizer === 'sgd' }),
      field('train.schedule.kind', 'LR schedule'),
      field('train.schedule.factor', 'Plateau factor', { step: 0.05, when: schedule('plateau') }),
      field('train.schedule.patience', 'Plateau patience', { when: schedule('plateau') }),
      field('train.schedule.warmupSteps', 'Warm-up steps', { when: schedule('warmup-decay') }),
      field('train.schedule.decay', 'Decay', { when: schedule('warmup-decay') }),
      field('train.schedule.minLearningRate', 'Min. learning rate', {
        step: 0.0001,
        when: (c) => c.train.schedule.kind !== 'constant',
      }),
      field('train.batchSize', 'Batch size'),
      field('train.steps', 'Steps', { help: '0 = use epochs' }),
      field('train.epochs', 'Epochs', { help: '0 = use steps' }),
      field('train.clipNorm', 'Gradient clip norm', { step: 0.5 }),
      field('train.labelSmoothing', 'Label smoothing', { step: 0.05 }),
      field('train.teacherForcing', 'Teacher forcing', {
        step: 0.05,
        help: 'probability of feeding the reference token',
      }),
      field('train.teacherForcingDecay.kind', 'Teacher-forcing decay'),
      field('train.teacherForcingDecay.endRatio', 'Decay to', { step: 0.05, when: decay('linear') }),
      field('train.teacherForcingDecay.steps', 'Decay over steps', { when: decay('linear') }),
      field('train.teacherForcingDecay.k', 'Decay k', { when: decay('inverse-sigmoid') }),
      field('train.validateEvery', 'Validate every', { help: 'steps' }),
      field('train.earlyStopping.metric', 'Early stopping on', { extraOptions: ['off'] }),
      field('train.earlyStopping.patience', 'Patience', {
        help: 'validations without improvement',
        when: (c) => c.train.earlyStopping !== null,
      }),
      field('train.validationPairs', 'Validation pairs', { help: '0 = whole split' }),
      field('train.seed', 'Seed'),
    ],
  },
  {
    title: 'Decoding and compute',
    fields: [
      field('decode.strategy', 'Search'),
      field('decode.beamSize', 'Beam size', { when: beam }),
      field('decode.lengthPenalty', 'Length penalty α', { step: 0.1, when: beam }),
      field('decode.maxLengthRatio', 'Max. length × source', { step: 0.1 }),
      field('decode.maxLengthOffset', 'Max. length + offset'),
      field('backend', 'Compute backend'),
    ],
  },
];

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
