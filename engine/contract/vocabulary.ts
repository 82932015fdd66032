/**
 * The words the contract is written in: each a list of the values it may take (the request schemas check against
 * these lists) and the type of one value. Pure data: the renderer may import it.
 */

export const RUN_STATUSES = ['queued', 'running', 'finished', 'failed', 'cancelled', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const BACKEND_NAMES = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export const BACKEND_CHOICES = ['auto', ...BACKEND_NAMES] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export const CELL_TYPES = ['rnn', 'gru', 'lstm'] as const;
export type CellType = (typeof CELL_TYPES)[number];
export const ATTENTION_TYPES = ['none', 'bahdanau', 'luong'] as const;
export type AttentionType = (typeof ATTENTION_TYPES)[number];
export const LUONG_SCORES = ['dot', 'general'] as const;
export type LuongScore = (typeof LUONG_SCORES)[number];

export const TOKENIZER_KINDS = ['word', 'char', 'bpe'] as const;
export type TokenizerKind = (typeof TOKENIZER_KINDS)[number];
export const SPLITS = ['train', 'valid', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export const GENERATOR_NAMES = ['toy-fr', 'reverse', 'copy'] as const;
export type GeneratorName = (typeof GENERATOR_NAMES)[number];
export const CORPUS_FORMATS = ['tatoeba', 'tsv', 'parallel'] as const;
export type CorpusFormat = (typeof CORPUS_FORMATS)[number];

export const EXPERIMENT_PRESET_NAMES = ['rnn-gru-attention'] as const;
export type ExperimentPresetName = (typeof EXPERIMENT_PRESET_NAMES)[number];

/** Which checkpoint of a run translates or is exported. */
export const CHECKPOINT_TAGS = ['best', 'last'] as const;
export type CheckpointTag = (typeof CHECKPOINT_TAGS)[number];
