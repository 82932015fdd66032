/**
 * What the LabApi's methods accept: one schema per request, and the request's type inferred from it. The method
 * table in `api.ts` names, for each method, the schema of its one argument; the dispatcher checks every call from
 * outside the process against it before the lab sees it (engine/contract/dispatch.ts).
 *
 * These checks are about shape (types, required fields, sane sizes); the lab still validates meaning (a run config,
 * a dataset name that exists) and reports it with its own errors.
 */
import { MAX_BEAM_SIZE, MAX_NOTES_LENGTH, MAX_TAG_LENGTH, MAX_TAGS } from './limits.js';
import type { RunConfig } from './run-config.js';
import {
  array,
  boolean,
  checkedByLab,
  type Infer,
  integer,
  number,
  object,
  oneOf,
  optional,
  record,
  string,
  union,
  unknownValue,
} from './schema.js';
import {
  CHECKPOINT_TAGS,
  CORPUS_FORMATS,
  EXPERIMENT_PRESET_NAMES,
  GENERATOR_NAMES,
  RUN_STATUSES,
  SPLITS,
  TOKENIZER_KINDS,
} from './vocabulary.js';

/** A run, experiment or dataset id. */
export const id = () => integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
/** A name to look up or give (a dataset, a run, an experiment). */
export const name = () => string({ minLength: 1, maxLength: 200 });
const runIds = () => array(id(), { maxLength: 10_000 });
const filePath = () => string({ minLength: 1, maxLength: 4096 });

// ---------------------------------------------------------------------------------------------------------------
// Datasets

export const generateDatasetRequest = object({
  generator: oneOf(GENERATOR_NAMES),
  name: name(),
  pairs: optional(integer({ min: 1 })),
  seed: optional(integer()),
});
export type GenerateDatasetRequest = Infer<typeof generateDatasetRequest>;

/** A corpus file: a path on the machine running the engine, or content uploaded from the app. */
export const corpusFile = union(
  object({ path: filePath() }),
  'path',
  object({ fileName: filePath(), content: string() }),
  'content',
);
export type CorpusFile = Infer<typeof corpusFile>;

/**
 * How an import reads and filters its pairs. `maxWords`: pairs with more words than this on either side are dropped
 * (0 = no limit). `maxChars`: pairs with more characters than this on either side (after normalisation) are dropped
 * and listed in `ImportResult.tooLong` (default 1,000; 0 = no limit): one 190,000-word line made training run for
 * ever. `sourceColumn`, `targetColumn` (for `tsv`): header names (or 1-based indexes) of the columns. `reverse`:
 * translate from the second column to the first.
 */
export const importOptions = object({
  lowercase: optional(boolean()),
  asciiFold: optional(boolean()),
  maxWords: optional(integer({ min: 0 })),
  maxChars: optional(integer({ min: 0, max: 100_000_000 })),
  dedupe: optional(boolean()),
  preset: optional(oneOf(['none', 'pytorch-tutorial'])),
  sourceColumn: optional(string({ minLength: 1, maxLength: 200 })),
  targetColumn: optional(string({ minLength: 1, maxLength: 200 })),
  reverse: optional(boolean()),
  validFraction: optional(number({ min: 0, max: 1 })),
  testFraction: optional(number({ min: 0, max: 1 })),
  seed: optional(integer()),
  onError: optional(oneOf(['fail', 'skip'])),
  tokenizer: optional(oneOf(TOKENIZER_KINDS)),
  bpeMerges: optional(integer({ min: 0 })),
});
export type ImportOptions = Infer<typeof importOptions>;

/** A split given as its own file(s) in the dataset's format: one file, or two for `parallel` (source and target). */
export const givenSplitFiles = object({ source: corpusFile, target: optional(corpusFile) });
export type GivenSplitFiles = Infer<typeof givenSplitFiles>;

/**
 * `target`: the target-side file for `parallel`. `validFiles` / `testFiles`: an official dev / test split, kept as
 * given (in its order, not shuffled, deduplicated or length-filtered; only lines that cannot be used are dropped, and
 * listed); without one, that split is a fraction of `source`.
 */
export const importDatasetRequest = object({
  name: name(),
  format: oneOf(CORPUS_FORMATS),
  source: corpusFile,
  target: optional(corpusFile),
  validFiles: optional(givenSplitFiles),
  testFiles: optional(givenSplitFiles),
  options: optional(importOptions),
});
export type ImportDatasetRequest = Infer<typeof importDatasetRequest>;

/** A page of one split's pairs (at most 10,000 per request; default all up to that). */
export const datasetPairsRequest = object({
  name: name(),
  split: oneOf(SPLITS),
  offset: optional(integer({ min: 0 })),
  limit: optional(integer({ min: 0, max: 10_000 })),
});
export type DatasetPairsRequest = Infer<typeof datasetPairsRequest>;

// ---------------------------------------------------------------------------------------------------------------
// Experiments and runs

/**
 * `preset`: create the preset's runs (e.g. RNN vs GRU vs GRU + Bahdanau); `overrides`: applied to every run's
 * config, as `path=value` pairs; `start`: queue the runs right away.
 */
export const createExperimentRequest = object({
  name: optional(name()),
  description: optional(string({ maxLength: 10_000 })),
  preset: optional(oneOf(EXPERIMENT_PRESET_NAMES)),
  dataset: name(),
  seed: optional(integer()),
  overrides: optional(record()),
  start: optional(boolean()),
});
export type CreateExperimentRequest = Infer<typeof createExperimentRequest>;

export const compareRequest = object({ runIds: optional(runIds()), experimentId: optional(id()) });
export type CompareRequest = Infer<typeof compareRequest>;

/** `tag`: runs with this tag; `config`: runs whose config has these values, by dotted path (`model.cell`). */
export const listRunsRequest = object({
  experimentId: optional(id()),
  status: optional(array(oneOf(RUN_STATUSES))),
  tag: optional(string({ minLength: 1, maxLength: MAX_TAG_LENGTH })),
  config: optional(checkedByLab<Record<string, string | number | boolean>>('config values by dotted path')),
});
export type ListRunsRequest = Infer<typeof listRunsRequest>;

/** The config is checked by the lab (engine/config.ts), which reports every field with its own messages. */
export const createRunRequest = object({
  config: checkedByLab<RunConfig>('a run config'),
  name: optional(name()),
  experimentId: optional(id()),
  start: optional(boolean()),
});
export type CreateRunRequest = Infer<typeof createRunRequest>;

/** A run, experiment or dataset by its id. */
export const byId = object({ id: id() });

/** Tags (replacing the run's) and notes; the lab tidies tags (engine/store/labels.ts). */
export const updateRunRequest = object({
  id: id(),
  tags: optional(array(string({ maxLength: MAX_TAG_LENGTH }), { maxLength: MAX_TAGS })),
  notes: optional(string({ maxLength: MAX_NOTES_LENGTH })),
});
export type UpdateRunRequest = Infer<typeof updateRunRequest>;

// ---------------------------------------------------------------------------------------------------------------
// Metric series, samples, attention

/** `maxPoints`: at most this many points per series (bucketed in SQL; default 1,000). */
export const metricSeriesRequest = object({
  runIds: runIds(),
  keys: array(string({ minLength: 1, maxLength: 200 }), { maxLength: 1000 }),
  maxPoints: optional(integer({ min: 1 })),
});
export type MetricSeriesRequest = Infer<typeof metricSeriesRequest>;

/** `step`: the validation step; the latest when omitted. */
export const attentionRequest = object({
  runId: id(),
  sampleIndex: integer({ min: 0 }),
  step: optional(integer({ min: 0 })),
});
export type AttentionRequest = Infer<typeof attentionRequest>;

// ---------------------------------------------------------------------------------------------------------------
// Translation and export

/**
 * Translate with a run's checkpoint (`runId`, `checkpoint`) or with an exported model bundle (`bundlePath`, a
 * folder on the engine's machine). `nBest`: how many beam candidates to return (default: all of them for beam, 1
 * for greedy).
 */
export const translateRequest = object({
  runId: optional(id()),
  checkpoint: optional(oneOf(CHECKPOINT_TAGS)),
  bundlePath: optional(filePath()),
  texts: array(string({ maxLength: 10_000 }), { minLength: 1, maxLength: 1000 }),
  strategy: optional(oneOf(['greedy', 'beam'])),
  beamSize: optional(integer({ min: 1, max: MAX_BEAM_SIZE })),
  lengthPenalty: optional(number({ min: 0 })),
  nBest: optional(integer({ min: 1, max: MAX_BEAM_SIZE })),
});
export type TranslateRequest = Infer<typeof translateRequest>;

/**
 * `format`: `tfjs` (default), an mtlab bundle (TensorFlow.js weights, for mtlab and its web runtime), or `onnx`, ONNX
 * graphs; `force`: write into a folder that already has files (else a `conflict` error).
 */
export const exportModelRequest = object({
  runId: id(),
  outDir: filePath(),
  format: optional(oneOf(['tfjs', 'onnx'])),
  checkpoint: optional(oneOf(CHECKPOINT_TAGS)),
  force: optional(boolean()),
});
export type ExportModelRequest = Infer<typeof exportModelRequest>;

export const exportDataRequest = object({
  what: oneOf(['metrics', 'attention', 'comparison']),
  format: oneOf(['csv', 'json']),
  runIds: optional(runIds()),
  experimentId: optional(id()),
});
export type ExportDataRequest = Infer<typeof exportDataRequest>;

/** `config`: a (possibly partial) run config, checked by the lab field by field. */
export const validateConfigRequest = object({ config: unknownValue() });
