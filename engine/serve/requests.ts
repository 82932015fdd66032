/**
 * What each LabApi method accepts from outside the process: one schema per method, keyed by method name. The table's
 * type makes the compiler check it against the contract in both directions (every method present, every request
 * field described with its type), so a change to `engine/api.ts` that is not reflected here does not build.
 *
 * These checks are about shape (types, required fields, sane sizes); the lab still validates meaning (a run config,
 * a dataset name that exists) and reports it with its own errors.
 */
import { RUN_STATUSES, type CreateExperimentRequest, type LabMethod, type LabRequest, type RunConfig } from '../api.js';
import { MAX_BEAM_SIZE } from '../decode/limits.js';
import { MAX_NOTES_LENGTH, MAX_TAG_LENGTH, MAX_TAGS } from '../store/labels.js';
import {
  array,
  boolean,
  checkedByLab,
  integer,
  none,
  number,
  object,
  oneOf,
  optional,
  record,
  string,
  union,
  unknownValue,
  type Schema,
} from './schema.js';

const MiB = 1024 * 1024;

/** Body size limits: generous for JSON requests, large enough for a corpus uploaded from the app. */
export const DEFAULT_BODY_LIMIT = 1 * MiB;
export const BODY_LIMITS: Partial<Record<LabMethod, number>> = { importDataset: 64 * MiB };

const id = (): Schema<number> => integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const name = (): Schema<string> => string({ minLength: 1, maxLength: 200 });
const runIds = (): Schema<number[]> => array(id(), { maxLength: 10_000 });

const corpusFile = union(
  object({ path: string({ minLength: 1, maxLength: 4096 }) }),
  'path',
  object({ fileName: string({ minLength: 1, maxLength: 4096 }), content: string() }),
  'content',
);

const importOptions = object({
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
  tokenizer: optional(oneOf(['word', 'char', 'bpe'])),
  bpeMerges: optional(integer({ min: 0 })),
});

const experimentPreset: Schema<NonNullable<CreateExperimentRequest['preset']>> = oneOf(['rnn-gru-attention']);

export const REQUEST_SCHEMAS = {
  info: none(),
  checkStore: none(),

  listPresets: none(),
  validateConfig: object({ config: unknownValue() }),

  listDatasets: none(),
  getDataset: object({ name: name(), examples: optional(integer({ min: 0, max: 10_000 })) }),
  getDatasetPairs: object({
    name: name(),
    split: oneOf(['train', 'valid', 'test']),
    offset: optional(integer({ min: 0 })),
    limit: optional(integer({ min: 0, max: 10_000 })),
  }),
  generateDataset: object({
    generator: oneOf(['toy-fr', 'reverse', 'copy']),
    name: name(),
    pairs: optional(integer({ min: 1 })),
    seed: optional(integer()),
  }),
  importDataset: object({
    name: name(),
    format: oneOf(['tatoeba', 'tsv', 'parallel']),
    source: corpusFile,
    target: optional(corpusFile),
    validFiles: optional(object({ source: corpusFile, target: optional(corpusFile) })),
    testFiles: optional(object({ source: corpusFile, target: optional(corpusFile) })),
    options: optional(importOptions),
  }),
  deleteDataset: object({ name: name() }),

  listExperiments: none(),
  createExperiment: object({
    name: optional(name()),
    description: optional(string({ maxLength: 10_000 })),
    preset: optional(experimentPreset),
    dataset: name(),
    seed: optional(integer()),
    overrides: optional(record()),
    start: optional(boolean()),
  }),
  startExperiment: object({ id: id() }),
  compare: object({ runIds: optional(runIds()), experimentId: optional(id()) }),

  listRuns: optional(
    object({
      experimentId: optional(id()),
      status: optional(array(oneOf(RUN_STATUSES))),
      tag: optional(string({ minLength: 1, maxLength: MAX_TAG_LENGTH })),
      config: optional(checkedByLab<Record<string, string | number | boolean>>('config values by dotted path')),
    }),
  ),
  getRun: object({ id: id() }),
  createRun: object({
    config: checkedByLab<RunConfig>('a run config'),
    name: optional(name()),
    experimentId: optional(id()),
    start: optional(boolean()),
  }),
  startRun: object({ id: id() }),
  cancelRun: object({ id: id() }),
  resumeRun: object({ id: id() }),
  deleteRun: object({ id: id() }),
  updateRun: object({
    id: id(),
    tags: optional(array(string({ maxLength: MAX_TAG_LENGTH }), { maxLength: MAX_TAGS })),
    notes: optional(string({ maxLength: MAX_NOTES_LENGTH })),
  }),

  getMetricKeys: object({ runIds: runIds() }),
  getMetricSeries: object({
    runIds: runIds(),
    keys: array(string({ minLength: 1, maxLength: 200 }), { maxLength: 1000 }),
    maxPoints: optional(integer({ min: 1 })),
  }),
  getSamples: object({ runId: id(), step: optional(integer({ min: 0 })) }),
  getAttentionSteps: object({ runId: id() }),
  getGradientFlow: object({ runId: id() }),
  getAttention: object({ runId: id(), sampleIndex: integer({ min: 0 }), step: optional(integer({ min: 0 })) }),

  translate: object({
    runId: optional(id()),
    checkpoint: optional(oneOf(['best', 'last'])),
    bundlePath: optional(string({ minLength: 1, maxLength: 4096 })),
    texts: array(string({ maxLength: 10_000 }), { minLength: 1, maxLength: 1000 }),
    strategy: optional(oneOf(['greedy', 'beam'])),
    beamSize: optional(integer({ min: 1, max: MAX_BEAM_SIZE })),
    lengthPenalty: optional(number({ min: 0 })),
    nBest: optional(integer({ min: 1, max: MAX_BEAM_SIZE })),
  }),
  exportModel: object({
    runId: id(),
    outDir: string({ minLength: 1, maxLength: 4096 }),
    format: optional(oneOf(['tfjs', 'onnx'])),
    checkpoint: optional(oneOf(['best', 'last'])),
    force: optional(boolean()),
  }),
  exportData: object({
    what: oneOf(['metrics', 'attention', 'comparison']),
    format: oneOf(['csv', 'json']),
    runIds: optional(runIds()),
    experimentId: optional(id()),
  }),
} satisfies { [M in LabMethod]: Schema<LabRequest<M>> };

// Assignability lets a schema leave out an optional field of the contract; this check does not. A compile error
// here means a field differs; hover `Mismatches` in an editor to see which (e.g. `getDataset: examples`).
type Keys<T> = [T] extends [object] ? Extract<keyof T, string> : never;
type FieldMismatch<A, B, Path extends string> = [A] extends [never]
  ? never
  : [A] extends [readonly (infer ItemA)[]]
    ? [B] extends [readonly (infer ItemB)[]]
      ? FieldMismatch<NonNullable<ItemA>, NonNullable<ItemB>, `${Path}[]`>
      : never
    : | `${Path}${Exclude<Keys<A>, Keys<B>> | Exclude<Keys<B>, Keys<A>>}`
      | {
          [K in Keys<A> & Keys<B>]: FieldMismatch<
            NonNullable<A[K & keyof A]>,
            NonNullable<B[K & keyof B]>,
            `${Path}${K}.`
          >;
        }[Keys<A> & Keys<B>];
type SchemaOutput<M extends LabMethod> = ReturnType<(typeof REQUEST_SCHEMAS)[M]['parse']>;
type Mismatches = {
  [M in LabMethod]: FieldMismatch<NonNullable<SchemaOutput<M>>, NonNullable<LabRequest<M>>, `${M}: `>;
}[LabMethod];
const schemasMatchContract: [Mismatches] extends [never] ? true : Mismatches = true;
void schemasMatchContract;

/** Check the argument of `method`; throws LabError('invalid-request') naming the field at fault. */
export function parseRequest<M extends LabMethod>(method: M, body: unknown): LabRequest<M> {
  return REQUEST_SCHEMAS[method].parse(body, '');
}
