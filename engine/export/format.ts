/**
 * The model bundle format: a folder with `model.json` (this manifest), the weights as TensorFlow.js weight shards
 * (`group1-shard1of2.bin`, ...) and a README.md model card. The manifest says everything needed to translate
 * (model config, tokenizers, vocabularies, input normalisation, decoding) and where the model came from (run,
 * checkpoint, data, metrics, versions).
 *
 * `weightsManifest` is exactly TensorFlow.js's weights-manifest format (so `tf.io.loadWeights` reads the shards);
 * `weightFiles` adds each shard's size and SHA-256, so a truncated or modified file is refused rather than used.
 *
 * Parsing is pure (no Node, no DOM): the Node loader and the browser runtime share it.
 */
import type {
  BackendName,
  DatasetStats,
  DecodeConfig,
  LengthBucketScore,
  ModelConfig,
  RunConfig,
  TokenizerKind,
} from '../contract/api.js';
import type { TokenizerJson } from '../data/tokenizer.js';
import type { VocabJson } from '../data/vocab.js';
import type { InputNormalization } from '../decode/translate-texts.js';
import { LabError } from '../errors.js';
import { findKeyProblem, jsonTooDeep, MAX_DEPTH } from '../keys.js';
import { DECODE_LIMITS, MODEL_LIMITS, type Range } from '../contract/limits.js';

export const BUNDLE_FORMAT = 'mtlab-model';
/** Bumped when a reader of the previous version would misread a new bundle. */
export const BUNDLE_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'model.json';
export const MODEL_CARD_FILE = 'README.md';
/** TensorFlow.js's default shard size. */
export const SHARD_BYTES = 4 * 1024 * 1024;

/** One tensor in a weights group (TensorFlow.js `WeightsManifestEntry`; mtlab writes only float32). */
export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
}

/** TensorFlow.js `WeightsManifestGroupConfig`: the group's tensors, in order, over its shards concatenated. */
export interface WeightsGroup {
  paths: string[];
  weights: WeightEntry[];
}

export interface WeightFile {
  path: string;
  bytes: number;
  /** Lower-case hex. */
  sha256: string;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  createdAt: string;
  mtlabVersion: string;
  tfjsVersion: string;
  /** The backend the run trained on: loading on it gives exactly the run's numbers. */
  backend: BackendName;
  run: { id: number; name: string; experimentId: number | null; architecture: string; config: RunConfig };
  checkpoint: {
    tag: 'best' | 'last';
    step: number;
    epoch: number;
    tokensSeen: number;
    trainSeconds: number;
    /** Validation metrics when the checkpoint was saved. */
    metrics: Record<string, number>;
  };
  /** The run's test-split evaluation, when it was made with this checkpoint. */
  evaluation: { split: 'test'; metrics: Record<string, number>; bleuByLength: LengthBucketScore[] } | null;
  model: ModelConfig;
  parameterCount: number;
  decode: DecodeConfig;
  normalization: InputNormalization;
  tokenizers: { source: TokenizerJson; target: TokenizerJson };
  vocabularies: { source: VocabJson; target: VocabJson };
  data: {
    dataset: string;
    kind: 'generated' | 'imported';
    tokenizer: TokenizerKind;
    source: Record<string, unknown>;
    options: Record<string, unknown>;
    stats: DatasetStats;
    minFreq: number;
    maxVocab: number;
    maxLength: number;
  };
  weightsManifest: WeightsGroup[];
  weightFiles: WeightFile[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks of the fields a loader relies on; each failure names the file and the field. */
export class ManifestReader {
  constructor(private readonly where: string) {}

  fail(field: string, message: string): never {
    throw new LabError('bundle', `${this.where}: ${field} ${message}`, { file: this.where, field });
  }

  object(value: unknown, field: string): Json {
    if (!isObject(value)) this.fail(field, 'is missing or not an object');
    return value;
  }

  string(value: unknown, field: string): string {
    if (typeof value !== 'string') this.fail(field, 'is missing or not a string');
    return value;
  }

  integer(value: unknown, field: string, min = 0): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
      this.fail(field, `must be a whole number ≥ ${min}`);
    return value;
  }

  number(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(field, 'must be a number');
    return value;
  }

  /** A size a run could have had (the limits of run configs): refused, with the range, before anything is built. */
  within(value: unknown, field: string, range: Range, integer: boolean): number {
    const n = integer ? this.integer(value, field, range.min) : this.number(value, field);
    if (n < range.min || n > range.max) {
      this.fail(field, `is ${n}; it must be from ${range.min} to ${range.max} (the limits of a run's config)`);
    }
    return n;
  }

  boolean(value: unknown, field: string): boolean {
    if (typeof value !== 'boolean') this.fail(field, 'must be true or false');
    return value;
  }

  choice<const C extends readonly string[]>(value: unknown, field: string, choices: C): C[number] {
    if (typeof value !== 'string' || !choices.includes(value)) this.fail(field, `must be one of ${choices.join(', ')}`);
    return value;
  }

  array(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) this.fail(field, 'is missing or not a list');
    return value;
  }
}

/** A shard name must be a plain file name inside the bundle folder. */
function isPlainFileName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) && !name.includes('..');
}

function checkModel(r: ManifestReader, value: unknown): ModelConfig {
  const m = r.object(value, 'model');
  return {
    cell: r.choice(m.cell, 'model.cell', ['rnn', 'gru', 'lstm'] as const),
    attention: r.choice(m.attention, 'model.attention', ['none', 'bahdanau', 'luong'] as const),
    luongScore: r.choice(m.luongScore, 'model.luongScore', ['dot', 'general'] as const),
    inputFeeding: r.boolean(m.inputFeeding, 'model.inputFeeding'),
    embeddingSize: r.within(m.embeddingSize, 'model.embeddingSize', MODEL_LIMITS.embeddingSize, true),
    hiddenSize: r.within(m.hiddenSize, 'model.hiddenSize', MODEL_LIMITS.hiddenSize, true),
    attentionSize: r.within(m.attentionSize, 'model.attentionSize', MODEL_LIMITS.attentionSize, true),
    layers: r.within(m.layers, 'model.layers', MODEL_LIMITS.layers, true),
    bidirectional: r.boolean(m.bidirectional, 'model.bidirectional'),
    dropout: r.within(m.dropout, 'model.dropout', MODEL_LIMITS.dropout, false),
  };
}

function checkDecode(r: ManifestReader, value: unknown): DecodeConfig {
  const d = r.object(value, 'decode');
  return {
    strategy: r.choice(d.strategy, 'decode.strategy', ['greedy', 'beam'] as const),
    beamSize: r.within(d.beamSize, 'decode.beamSize', DECODE_LIMITS.beamSize, true),
    lengthPenalty: r.within(d.lengthPenalty, 'decode.lengthPenalty', DECODE_LIMITS.lengthPenalty, false),
    maxLengthRatio: r.within(d.maxLengthRatio, 'decode.maxLengthRatio', DECODE_LIMITS.maxLengthRatio, false),
    maxLengthOffset: r.within(d.maxLengthOffset, 'decode.maxLengthOffset', DECODE_LIMITS.maxLengthOffset, true),
  };
}

function checkTokenizer(r: ManifestReader, value: unknown, field: string): TokenizerJson {
  const t = r.object(value, field);
  const kind = r.choice(t.kind, `${field}.kind`, ['word', 'char', 'bpe'] as const);
  if (kind !== 'bpe') return { kind };
  const merges = r.array(t.merges, `${field}.merges`);
  merges.forEach((merge, i) => {
    if (!Array.isArray(merge) || merge.length !== 2 || merge.some((part) => typeof part !== 'string'))
      r.fail(`${field}.merges[${i}]`, 'must be a pair of strings');
  });
  return { kind, merges: merges as [string, string][] };
}

function checkVocab(r: ManifestReader, value: unknown, field: string): VocabJson {
  const v = r.object(value, field);
  const tokens = r.array(v.tokens, `${field}.tokens`);
  if (tokens.some((t) => typeof t !== 'string')) r.fail(`${field}.tokens`, 'must be a list of strings');
  return { tokens: tokens as string[] };
}

function checkWeights(
  r: ManifestReader,
  groups: unknown,
  files: unknown,
): Pick<BundleManifest, 'weightsManifest' | 'weightFiles'> {
  const weightFiles = checkFiles(r, files, 'weightFiles');
  const listed = new Set(weightFiles.map((f) => f.path));
  const used = new Set<string>();
  const weightsManifest = r.array(groups, 'weightsManifest').map((value, g): WeightsGroup => {
    const group = r.object(value, `weightsManifest[${g}]`);
    const paths = r.array(group.paths, `weightsManifest[${g}].paths`).map((p, i) => {
      const path = r.string(p, `weightsManifest[${g}].paths[${i}]`);
      if (!listed.has(path))
        r.fail(`weightsManifest[${g}].paths[${i}]`, `"${path}" has no size and SHA-256 in weightFiles`);
      if (used.has(path)) r.fail(`weightsManifest[${g}].paths[${i}]`, `"${path}" is used twice`);
      used.add(path);
      return path;
    });
    const weights = r.array(group.weights, `weightsManifest[${g}].weights`).map((w, i): WeightEntry => {
      const field = `weightsManifest[${g}].weights[${i}]`;
      const entry = r.object(w, field);
      const shape = r.array(entry.shape, `${field}.shape`).map((d, k) => r.integer(d, `${field}.shape[${k}]`));
      if (entry.dtype !== 'float32')
        r.fail(`${field}.dtype`, `is ${JSON.stringify(entry.dtype)}; mtlab bundles hold float32 weights`);
      return { name: r.string(entry.name, `${field}.name`), shape, dtype: 'float32' };
    });
    return { paths, weights };
  });
  for (const f of weightFiles)
    if (!used.has(f.path)) r.fail('weightFiles', `lists "${f.path}", which no weights group uses`);
  return { weightsManifest, weightFiles };
}

/** What a model's manifest says that every loader reads: tfjs bundles (here) and ONNX exports (onnx/format.ts). */
export type DescriptionFields = Pick<
  BundleManifest,
  'formatVersion' | 'model' | 'decode' | 'normalization' | 'tokenizers' | 'vocabularies'
>;

export interface ManifestKind {
  format: string;
  version: number;
  /** "bundle format", "ONNX export format": for the message about a newer version. */
  label: string;
  /** What the file is, for the message about a different format: "an mtlab model manifest". */
  what: string;
}

/**
 * Parse a manifest's text and check the fields every loader needs (model config, decoding, normalisation,
 * tokenizers, vocabularies), each failure naming the file and the field. Returns them with the parsed object (for
 * the format's own fields) and the reader (for their checks).
 */
export function parseDescription(
  text: string,
  where: string,
  kind: ManifestKind,
): { value: Record<string, unknown>; reader: ManifestReader; fields: DescriptionFields } {
  const r: ManifestReader = new ManifestReader(where);
  const deep = jsonTooDeep(text, MAX_DEPTH);
  if (deep !== null) r.fail('the manifest', `is nested more than ${MAX_DEPTH} levels deep`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new LabError('bundle', `${where} is not valid JSON (${(error as Error).message})`, { file: where });
  }
  // Its objects become the model's config, the model card and store records: no reserved keys anywhere.
  const problem = findKeyProblem(value);
  if (problem !== null) r.fail(problem.path || 'the manifest', problem.message);
  if (!isObject(value)) r.fail('the manifest', 'must be a JSON object');
  if (value.format !== kind.format) {
    throw new LabError(
      'bundle',
      `${where} is not ${kind.what} (format is ${JSON.stringify(value.format)}, expected "${kind.format}")`,
      { file: where, field: 'format' },
    );
  }
  const version = r.integer(value.formatVersion, 'formatVersion', 1);
  if (version > kind.version) {
    const by = typeof value.mtlabVersion === 'string' ? ` by mtlab ${value.mtlabVersion}` : '';
    throw new LabError(
      'bundle',
      `${where} was written${by} in ${kind.label} version ${version}; this mtlab reads up to version ` +
        `${kind.version}: update mtlab to load it`,
      { file: where, field: 'formatVersion' },
    );
  }
  const tokenizers = r.object(value.tokenizers, 'tokenizers');
  const vocabularies = r.object(value.vocabularies, 'vocabularies');
  const normalization = r.object(value.normalization, 'normalization');
  return {
    value,
    reader: r,
    fields: {
      formatVersion: version,
      model: checkModel(r, value.model),
      decode: checkDecode(r, value.decode),
      normalization: {
        preset: r.choice(normalization.preset, 'normalization.preset', ['none', 'pytorch-tutorial'] as const),
        lowercase: r.boolean(normalization.lowercase, 'normalization.lowercase'),
        asciiFold: r.boolean(normalization.asciiFold, 'normalization.asciiFold'),
      },
      tokenizers: {
        source: checkTokenizer(r, tokenizers.source, 'tokenizers.source'),
        target: checkTokenizer(r, tokenizers.target, 'tokenizers.target'),
      },
      vocabularies: {
        source: checkVocab(r, vocabularies.source, 'vocabularies.source'),
        target: checkVocab(r, vocabularies.target, 'vocabularies.target'),
      },
    },
  };
}

/** A file the manifest lists with its size and SHA-256, checked before it is used (weight shards, ONNX graphs). */
export function checkFiles(r: ManifestReader, files: unknown, field: string): WeightFile[] {
  const checked = r.array(files, field).map((value, i): WeightFile => {
    const f = r.object(value, `${field}[${i}]`);
    const path = r.string(f.path, `${field}[${i}].path`);
    if (!isPlainFileName(path)) r.fail(`${field}[${i}].path`, `"${path}" is not a file name inside the bundle`);
    const sha256 = r.string(f.sha256, `${field}[${i}].sha256`);
    if (!/^[0-9a-f]{64}$/.test(sha256)) r.fail(`${field}[${i}].sha256`, 'must be 64 lower-case hex digits');
    return { path, bytes: r.integer(f.bytes, `${field}[${i}].bytes`), sha256 };
  });
  if (new Set(checked.map((f) => f.path)).size !== checked.length) r.fail(field, 'lists a file twice');
  return checked;
}

/**
 * Parse and check a manifest's text. The fields a loader needs are checked strictly; descriptive ones (run, data,
 * metrics) are passed through for the model card and `mtlab` front ends.
 */
export function parseManifest(text: string, where: string): BundleManifest {
  const {
    value,
    reader: r,
    fields,
  } = parseDescription(text, where, {
    format: BUNDLE_FORMAT,
    version: BUNDLE_FORMAT_VERSION,
    label: 'bundle format',
    what: 'an mtlab model manifest',
  });
  return {
    ...(value as unknown as BundleManifest),
    ...fields,
    backend: r.choice(value.backend, 'backend', ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const),
    ...checkWeights(r, value.weightsManifest, value.weightFiles),
  };
}
