/**
 * The run configuration: what a run trains and decodes with, as a zod schema built from the field table
 * (engine/contract/config-fields.ts), and its types inferred from the schema. `engine/config.ts` completes a partial
 * config with the defaults, checks it with this schema and words each issue from the field table; the same table
 * drives the CLI (`--config`, `--set`) and the app's form.
 */
import * as z from 'zod/mini';
import { CONFIG_FIELDS, type ConfigFieldPath } from './config-fields.js';

type Fields = typeof CONFIG_FIELDS;
type Field<P extends string> = P extends ConfigFieldPath ? Fields[P] : never;

/** The schema of one field, by its kind (its type is the field's: a number, a flag, a text, one of its values). */
type LeafSchema<F> = F extends { kind: 'int' | 'number' }
  ? z.ZodMiniType<number>
  : F extends { kind: 'bool' }
    ? z.ZodMiniType<boolean>
    : F extends { kind: 'string' }
      ? z.ZodMiniType<string>
      : F extends { kind: 'enum'; values: readonly (infer V)[] }
        ? z.ZodMiniType<V>
        : never;

function leaf(path: ConfigFieldPath): z.ZodMiniType {
  const field = CONFIG_FIELDS[path];
  switch (field.kind) {
    case 'int':
      return z.int().check(z.minimum(field.min), z.maximum(field.max));
    case 'number':
      return z.number().check('exclusiveMin' in field ? z.gt(field.min) : z.minimum(field.min), z.maximum(field.max));
    case 'bool':
      return z.boolean();
    case 'string':
      return z.string().check(z.refine((text) => text.trim() !== ''));
    case 'enum':
      return z.enum(field.values);
  }
}

/** The fields `names` under `prefix` (`section('model', ['cell'])`: `model.cell`), as an object shape. */
function section<const P extends string, const N extends readonly string[]>(
  prefix: P,
  names: N,
): { [K in N[number]]: LeafSchema<Field<`${P}.${K}`>> } {
  return Object.fromEntries(names.map((name) => [name, leaf(`${prefix}.${name}` as ConfigFieldPath)])) as never;
}

// Fields in the order of a config (DEFAULT_CONFIG), which is the order issues are reported in.
export const runConfigSchema = z.object({
  data: z.object(section('data', ['dataset', 'minFreq', 'maxVocab', 'maxLength'])),
  model: z.object(
    section('model', [
      'cell',
      'attention',
      'luongScore',
      'inputFeeding',
      'embeddingSize',
      'hiddenSize',
      'attentionSize',
      'layers',
      'bidirectional',
      'dropout',
    ]),
  ),
  train: z.object({
    ...section('train', ['optimizer', 'learningRate', 'momentum']),
    schedule: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('constant') }),
      z.object({ kind: z.literal('plateau'), ...section('train.schedule', ['factor', 'patience', 'minLearningRate']) }),
      z.object({
        kind: z.literal('warmup-decay'),
        ...section('train.schedule', ['warmupSteps', 'decay', 'minLearningRate']),
      }),
    ]),
    ...section('train', ['batchSize', 'steps', 'epochs', 'clipNorm', 'labelSmoothing', 'teacherForcing']),
    teacherForcingDecay: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('none') }),
      z.object({ kind: z.literal('linear'), ...section('train.teacherForcingDecay', ['endRatio', 'steps']) }),
      z.object({ kind: z.literal('inverse-sigmoid'), ...section('train.teacherForcingDecay', ['k']) }),
    ]),
    ...section('train', ['validateEvery', 'validationPairs']),
    earlyStopping: z.nullable(z.object(section('train.earlyStopping', ['metric', 'patience']))),
    ...section('train', ['seed']),
  }),
  decode: z.object(section('decode', ['strategy', 'beamSize', 'lengthPenalty', 'maxLengthRatio', 'maxLengthOffset'])),
  backend: leaf('backend') as LeafSchema<Field<'backend'>>,
});

export type RunConfig = z.output<typeof runConfigSchema>;
export type DataConfig = RunConfig['data'];
export type ModelConfig = RunConfig['model'];
export type TrainConfig = RunConfig['train'];
export type DecodeConfig = RunConfig['decode'];
export type LearningRateSchedule = TrainConfig['schedule'];
export type TeacherForcingDecay = TrainConfig['teacherForcingDecay'];
export type EarlyStoppingMetric = NonNullable<TrainConfig['earlyStopping']>['metric'];

// The variants' kinds are the field table's choices for `train.schedule.kind` and `train.teacherForcingDecay.kind`.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const kindsMatch: [
  Same<LearningRateSchedule['kind'], Field<'train.schedule.kind'>['values'][number]>,
  Same<TeacherForcingDecay['kind'], Field<'train.teacherForcingDecay.kind'>['values'][number]>,
] = [true, true];
void kindsMatch;
