/**
 * The LabApi contract: every request a front end can make of the lab, and every event it can hear.
 *
 * One implementation lives in the engine (`engine/lab.ts`). Three front ends call it: the `mtlab` CLI in-process,
 * `mtlab serve` over HTTP + WebSocket, and the Electron preload over IPC. The renderer imports types from this file
 * only.
 *
 * `LAB_API` below is the contract itself: per method, the schema of its one argument (engine/contract/requests.ts)
 * and the type of its answer. `LabApi`, `LAB_METHODS` and the request types are derived from it, so a new call is
 * one entry here plus its `Lab` method; the hosts (engine/contract/dispatch.ts, used by `mtlab serve` and the
 * desktop app's engine host) and the clients (the preload's `window.lab`, the web client) need nothing of their own.
 *
 * Every method takes at most one argument, a plain JSON object, and resolves to plain JSON: that is what lets the
 * same call travel over IPC, HTTP and in-process unchanged.
 */
import {
  attentionRequest,
  byId,
  compareRequest,
  createExperimentRequest,
  createRunRequest,
  datasetPairsRequest,
  exportDataRequest,
  exportModelRequest,
  generateDatasetRequest,
  updateRunRequest,
  id,
  importDatasetRequest,
  listRunsRequest,
  metricSeriesRequest,
  name,
  translateRequest,
  validateConfigRequest,
} from './requests.js';
import type { RunConfig } from './run-config.js';
import { array, type AnySchema, type Infer, integer, none, object, optional } from './schema.js';
import type { BackendName, CellType, AttentionType, RunStatus, Split, TokenizerKind } from './vocabulary.js';

export type * from './vocabulary.js';
export type * from './run-config.js';
export type { LabErrorCode, LabErrorShape } from '../errors.js';
export type {
  AttentionRequest,
  CompareRequest,
  CorpusFile,
  CreateExperimentRequest,
  CreateRunRequest,
  DatasetPairsRequest,
  ExportDataRequest,
  ExportModelRequest,
  GenerateDatasetRequest,
  GivenSplitFiles,
  ImportDatasetRequest,
  ImportOptions,
  ListRunsRequest,
  MetricSeriesRequest,
  TranslateRequest,
  UpdateRunRequest,
} from './requests.js';

// ---------------------------------------------------------------------------------------------------------------
// Run configuration (the config itself: engine/contract/run-config.ts)

export interface ConfigIssue {
  /** Dotted path of the field, e.g. `model.cell`. */
  field: string;
  message: string;
}

export interface PresetInfo {
  name: string;
  description: string;
  config: RunConfig;
}

// ---------------------------------------------------------------------------------------------------------------
// Datasets

export interface SentencePair {
  source: string;
  target: string;
}

export interface DatasetStats {
  pairs: Record<Split, number>;
  /** Mean tokens per sentence on the training split. */
  meanSourceLength: number;
  meanTargetLength: number;
  maxSourceLength: number;
  maxTargetLength: number;
  /** Distinct tokens in the training split. */
  sourceTypes: number;
  targetTypes: number;
  /** Whether gold word alignments are stored with the pairs. */
  hasAlignments: boolean;
}

export interface DatasetSummary {
  id: number;
  name: string;
  kind: 'generated' | 'imported';
  /** Where the pairs came from: a generator and its parameters, or files with their sizes and SHA-256. */
  source: Record<string, unknown>;
  /** The options the pairs were produced with (normalisation, filters, split, tokenizer). */
  options: Record<string, unknown>;
  tokenizer: TokenizerKind;
  stats: DatasetStats;
  createdAt: string;
}

export interface DatasetDetail extends DatasetSummary {
  /** Histogram of training sentence lengths in tokens: index = length, value = pairs. */
  sourceLengthHistogram: number[];
  targetLengthHistogram: number[];
  examples: SentencePair[];
}

/** A page of one split's pairs, in their stored order. */
export interface DatasetPairsPage {
  split: Split;
  /** Pairs in the split. */
  total: number;
  offset: number;
  pairs: SentencePair[];
}

/** What became of a given split's lines: every line read is kept unless it could not be used. */
export interface GivenSplitCounts {
  /** Pairs read from the file(s). */
  read: number;
  kept: number;
  /** Pairs dropped, with file, line and why (empty after normalisation). */
  dropped: SkippedLine[];
}

export interface SkippedLine {
  file: string;
  line: number;
  reason: string;
}

export interface ImportResult {
  dataset: DatasetSummary;
  /** Lines that could not be read (only with `onError: 'skip'`). */
  skipped: SkippedLine[];
  /** Pairs read, and how many each filter removed. */
  counts: { read: number; filtered: number; duplicates: number; kept: number };
  /** Pairs dropped for being longer than `options.maxChars` (the first 100, with file and line). */
  tooLong?: SkippedLine[];
  /** The splits given as files (`validFiles`, `testFiles`), and what became of their lines. */
  given?: Partial<Record<'valid' | 'test', GivenSplitCounts>>;
}

// ---------------------------------------------------------------------------------------------------------------
// Experiments and runs

export interface ExperimentSummary {
  id: number;
  name: string;
  description: string;
  dataset: string | null;
  preset: string | null;
  seed: number | null;
  runIds: number[];
  createdAt: string;
}

export interface RunProgress {
  step: number;
  totalSteps: number;
  epoch: number;
}

export interface RunSummary {
  id: number;
  name: string;
  experimentId: number | null;
  dataset: string;
  status: RunStatus;
  backend: BackendName | null;
  seed: number;
  /** Short description of the architecture, e.g. `gru + bahdanau`, `lstm ×2 bi + luong(general)`. */
  architecture: string;
  cell: CellType;
  attention: AttentionType;
  progress: RunProgress;
  lastLoss: number | null;
  bestBleu: number | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Seconds spent training (excludes time queued). */
  durationSeconds: number | null;
  /** Labels the user gave the run (`baseline`, `lr-sweep`), to find and filter runs by. */
  tags: string[];
}

/** What each training step records (stored as `train/<name>`). */
export type TrainingMetricName =
  | 'loss'
  | 'learning_rate'
  | 'grad_norm'
  | 'tokens_per_second'
  | 'teacher_forcing'
  | 'skipped_update'
  /** Resident memory of the training process (MB), about once a second: flat after warm-up, or it leaks. */
  | 'memory_mb'
  /** Padded target positions of an epoch's batches, in percent (logged at its first step). */
  | 'padding';

/** What an evaluation measures: on the validation split at each validation, on the test split once at the end. */
export type EvaluationMetricName =
  | 'loss'
  | 'perplexity'
  | 'token_accuracy'
  | 'sequence_accuracy'
  | 'bleu'
  | 'chrf'
  /** `<unk>` tokens the decoder emitted (before unknown-word replacement). */
  | 'unknowns'
  | 'alignment_agreement'
  | 'aer';

/**
 * The name a metric is stored and charted under: `train/loss`, `valid/bleu`, `test/chrf`. Every place that names a
 * metric in code uses this type, so a misspelt key does not build. (Keys read back from a store are plain strings:
 * a store may hold keys this version does not know.)
 */
export type MetricKey = `train/${TrainingMetricName}` | `${'valid' | 'test'}/${EvaluationMetricName}`;

export interface MetricValue {
  step: number;
  value: number;
  min: number;
  max: number;
  wallTime: number;
}

export interface CheckpointInfo {
  tag: 'last' | 'best';
  step: number;
  createdAt: string;
  metrics: Record<string, number>;
}

/**
 * The compute kernels a run trained with. Runs reproduce their loss curve bit for bit only on the same kernel set:
 * AVX-512, AVX2 and the portable kernels sum matrix products in different orders, and so do other thread counts
 * of other backends.
 */
export interface KernelSet {
  /** The TensorFlow.js backend. */
  backend: BackendName;
  /** The native accelerator's instruction set, on the wasm backend: 'none' where the addon is not used. */
  addon: 'avx512' | 'avx2' | 'portable' | 'none';
  /** Threads of the native matrix products (1 without the addon). */
  threads: number;
}

export interface RunDetail extends RunSummary {
  config: RunConfig;
  /** The kernel set of the run's latest training session (null before it starts). */
  kernelSet: KernelSet | null;
  /** The GPU adapter it trained on, on the webgpu backend ("nvidia · hopper · NVIDIA H100"), else null. */
  adapter: string | null;
  /** Peak resident memory of its training process, in bytes (the largest over its sessions); null before it runs. */
  peakRss: number | null;
  latestMetrics: Record<string, MetricValue>;
  checkpoints: CheckpointInfo[];
  /** Parameter count of the model, once the run has started. */
  parameters: number | null;
  /** What the user wrote about the run (plain text). */
  notes: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Metric series, samples, attention

/**
 * One series, bucketed: each index is a bucket of consecutive steps, with the first, last, smallest and largest
 * value in it. Columnar, so a chart can use the arrays directly.
 */
export interface MetricSeries {
  runId: number;
  key: string;
  /** Total points stored for the series. */
  total: number;
  step: number[];
  wallTime: number[];
  first: number[];
  last: number[];
  min: number[];
  max: number[];
  count: number[];
}

export interface SampleRecord {
  step: number;
  index: number;
  source: string;
  reference: string;
  hypothesis: string;
}

export interface AttentionMatrix {
  runId: number;
  step: number;
  sampleIndex: number;
  sourceTokens: string[];
  targetTokens: string[];
  /** Row-major, `targetTokens.length` rows × `sourceTokens.length` columns; row i sums to 1. */
  weights: number[];
}

// ---------------------------------------------------------------------------------------------------------------
// Comparison

export interface LengthBucketScore {
  /** Inclusive range of source lengths in words. */
  from: number;
  to: number;
  sentences: number;
  bleu: number;
}

export interface ComparisonRun {
  run: RunSummary;
  latest: Record<string, number>;
  /** Best value of each validation metric (min for losses, max for scores) and the step it was reached. */
  best: Record<string, { value: number; step: number }>;
  bleuByLength: LengthBucketScore[];
}

export interface ConfigDifference {
  field: string;
  /** One value per run, in the order of `runs`. */
  values: unknown[];
}

export interface Comparison {
  runs: ComparisonRun[];
  /** Only the config fields whose values differ between runs. */
  configDiff: ConfigDifference[];
}

// ---------------------------------------------------------------------------------------------------------------
// Translation and export

export interface TranslationCandidate {
  tokens: string[];
  text: string;
  /** Length-normalised score used to rank beam candidates. */
  score: number;
  /** Sum of token log-probabilities. */
  logProb: number;
  /** `tokens.length` (plus one for `<eos>`) rows × `sourceTokens.length` columns, row-major; empty without attention. */
  attention: number[];
  /**
   * Positions in `tokens` where the model emitted `<unk>` and the source token it attended to most was copied
   * instead (unknown-word replacement, Luong et al. 2015). Absent when nothing was replaced.
   */
  replaced?: number[];
}

export interface Translation {
  source: string;
  /** The source as the model read it: normalised as its dataset's text was (lower-cased, say), before tokenizing. */
  normalized: string;
  sourceTokens: string[];
  /** Positions in `sourceTokens` of tokens the model's vocabulary lacks: it read each as `<unk>`. */
  unknownTokens: number[];
  candidates: TranslationCandidate[];
}

/**
 * Gradient flow at one validation step (engine/train/gradient-flow.ts): the norm of ∂L/∂h_t for each encoder
 * position and ∂L/∂s_i for each decoder position, on a fixed probe batch of validation sentences of one length.
 */
export interface GradientFlowRecord {
  step: number;
  /** ‖∂L/∂h_t‖, t = 1..sourceLength (the source tokens and `<eos>`), mean over the probe sentences. */
  encoder: number[];
  /** ‖∂L/∂s_i‖ for each decoder position, mean over the sentences whose target reaches it. */
  decoder: number[];
  /** ‖∂L/∂h_{t−1}‖ / ‖∂L/∂h_t‖, t = 2..sourceLength: an estimate of the per-step Jacobian's gain. */
  encoderRatio: number[];
  sentences: number;
  sourceLength: number;
}

/** `tfjs`: an mtlab bundle (TensorFlow.js weights, for mtlab and its web runtime); `onnx`: ONNX graphs. */
export type ModelExportFormat = 'tfjs' | 'onnx';

export interface ExportResult {
  path: string;
  files: string[];
  bytes: number;
}

export interface ExportedData {
  fileName: string;
  mimeType: string;
  content: string;
}

// ---------------------------------------------------------------------------------------------------------------
// The lab itself

/** A WebGPU adapter as it describes itself (`GPUAdapterInfo`), with the limits that matter to training. */
export interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU emulation (SwiftShader, llvmpipe, WARP): used only when asked for. */
  software: boolean;
  limits: Record<string, number>;
}

export interface BackendInfo {
  name: BackendName;
  available: boolean;
  /** Why it is not available, or what it is (e.g. `wasm SIMD`). */
  detail: string;
  /** Whether `auto` picks it on this machine when the backends before it are not available. */
  chosenByAuto?: boolean;
  /** webgpu: the adapter found, if any. */
  adapter?: GpuAdapterInfo | null;
}

export interface LabInfo {
  version: string;
  storePath: string;
  schemaVersion: number;
  backends: BackendInfo[];
  concurrency: number;
  tfjsVersion: string;
}

export interface DbCheckResult {
  path: string;
  ok: boolean;
  schemaVersion: number;
  latestSchemaVersion: number;
  problems: string[];
  counts: Record<string, number>;
}

// ---------------------------------------------------------------------------------------------------------------
// The methods

declare const RESULT: unique symbol;
/** The type a method resolves to, carried by the table at no cost (the value is an empty object). */
export interface Returns<T> {
  readonly [RESULT]?: T;
}
const returns = <T>(): Returns<T> => ({});

/** One method of the contract. */
export interface MethodSpec {
  /** The schema of its one argument: what the dispatcher checks before the lab sees a call. */
  readonly request: AnySchema;
  readonly result: Returns<unknown>;
  /** The largest JSON body `mtlab serve` reads for it (default DEFAULT_BODY_LIMIT). */
  readonly bodyLimit?: number;
}

const MiB = 1024 * 1024;
/** Body size limit: generous for JSON requests; methods that take a corpus upload say more. */
export const DEFAULT_BODY_LIMIT = 1 * MiB;

/** The requests. Each takes at most one JSON argument and resolves to JSON. */
export const LAB_API = {
  info: { request: none(), result: returns<LabInfo>() },
  checkStore: { request: none(), result: returns<DbCheckResult>() },

  listPresets: { request: none(), result: returns<PresetInfo[]>() },
  /** Validate a (possibly partial) config against the schema; returns the completed config or the issues. */
  validateConfig: {
    request: validateConfigRequest,
    result: returns<{ config: RunConfig | null; issues: ConfigIssue[] }>(),
  },

  listDatasets: { request: none(), result: returns<DatasetSummary[]>() },
  getDataset: {
    request: object({ name: name(), examples: optional(integer({ min: 0, max: 10_000 })) }),
    result: returns<DatasetDetail>(),
  },
  /** One split's pairs, a page at a time (at most 10,000 per request; default all up to that). */
  getDatasetPairs: { request: datasetPairsRequest, result: returns<DatasetPairsPage>() },
  generateDataset: { request: generateDatasetRequest, result: returns<DatasetSummary>() },
  /** A corpus by path, or uploaded from the app (up to 64 MiB of JSON). */
  importDataset: { request: importDatasetRequest, result: returns<ImportResult>(), bodyLimit: 64 * MiB },
  deleteDataset: { request: object({ name: name() }), result: returns<void>() },

  listExperiments: { request: none(), result: returns<ExperimentSummary[]>() },
  createExperiment: { request: createExperimentRequest, result: returns<ExperimentSummary>() },
  startExperiment: { request: byId, result: returns<RunSummary[]>() },
  compare: { request: compareRequest, result: returns<Comparison>() },

  listRuns: { request: optional(listRunsRequest), result: returns<RunSummary[]>() },
  getRun: { request: byId, result: returns<RunDetail>() },
  /** The kernels a run trained with: its latest training session's kernel set (null before it first starts). */
  getRunKernelSet: { request: object({ runId: id() }), result: returns<KernelSet | null>() },
  createRun: { request: createRunRequest, result: returns<RunSummary>() },
  startRun: { request: byId, result: returns<RunSummary>() },
  cancelRun: { request: byId, result: returns<RunSummary>() },
  resumeRun: { request: byId, result: returns<RunSummary>() },
  deleteRun: { request: byId, result: returns<void>() },
  /** Change what the user says about a run (tags, notes); fields left out stay as they are. */
  updateRun: { request: updateRunRequest, result: returns<RunSummary>() },

  getMetricKeys: { request: object({ runIds: array(id(), { maxLength: 10_000 }) }), result: returns<string[]>() },
  getMetricSeries: { request: metricSeriesRequest, result: returns<MetricSeries[]>() },
  getSamples: {
    request: object({ runId: id(), step: optional(integer({ min: 0 })) }),
    result: returns<SampleRecord[]>(),
  },
  getAttentionSteps: { request: object({ runId: id() }), result: returns<number[]>() },
  getAttention: { request: attentionRequest, result: returns<AttentionMatrix | null>() },
  /** The run's gradient flow at each validation, oldest first (empty for runs trained before it was recorded). */
  getGradientFlow: { request: object({ runId: id() }), result: returns<GradientFlowRecord[]>() },

  translate: { request: translateRequest, result: returns<Translation[]>() },
  exportModel: { request: exportModelRequest, result: returns<ExportResult>() },
  exportData: { request: exportDataRequest, result: returns<ExportedData>() },
} satisfies Record<string, MethodSpec>;

type Methods = typeof LAB_API;
export type LabMethod = keyof Methods;
export type LabRequest<M extends LabMethod> = Infer<Methods[M]['request']>;
export type LabResponse<M extends LabMethod> = Methods[M]['result'] extends Returns<infer T> ? T : never;

/** The requests as methods: what `Lab` implements and every client offers. */
export type LabApi = {
  [M in keyof Methods]: undefined extends LabRequest<M>
    ? (request?: LabRequest<M>) => Promise<LabResponse<M>>
    : (request: LabRequest<M>) => Promise<LabResponse<M>>;
};

/** Every method of the contract, in the table's order, for transports that must enumerate them. */
export const LAB_METHODS = Object.keys(LAB_API) as readonly LabMethod[];

// ---------------------------------------------------------------------------------------------------------------
// Events

export interface RunProgressEvent {
  runId: number;
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  learningRate: number;
  tokensPerSecond: number;
  /** Seconds until the step budget is spent, at the current speed. */
  etaSeconds: number | null;
}

export interface RunValidationEvent {
  runId: number;
  step: number;
  /** What the validation measured, by evaluation metric name (`bleu`, `loss`: without the `valid/` of the keys). */
  metrics: Record<string, number>;
  /** The run's best validation BLEU so far (`valid/bleu`, as the store keeps it: `RunSummary.bestBleu`). */
  bestBleu: number | null;
}

export interface RunStatusEvent {
  runId: number;
  status: RunStatus;
  error: string | null;
}

export interface StoreChangedEvent {
  what: 'datasets' | 'experiments' | 'runs';
}

export interface LabEvents {
  'run:status': RunStatusEvent;
  'run:progress': RunProgressEvent;
  'run:validation': RunValidationEvent;
  'store:changed': StoreChangedEvent;
}

export type LabEventName = keyof LabEvents;
export const LAB_EVENTS = [
  'run:status',
  'run:progress',
  'run:validation',
  'store:changed',
] as const satisfies readonly LabEventName[];

/** One event with its payload, discriminated by `event`: `switch (e.event)` narrows `e.payload`. */
export type LabEvent = { [E in LabEventName]: { event: E; payload: LabEvents[E] } }[LabEventName];

/** A listener's arguments, `(event, payload)`, as a union of pairs: `switch (event)` narrows `payload` too. */
export type LabEventArgs = { [E in LabEventName]: [event: E, payload: LabEvents[E]] }[LabEventName];

export type LabEventListener = (...args: LabEventArgs) => void;

/** What a front end holds: the requests, plus a subscription to events. */
export interface LabClient extends LabApi {
  /** Listen to every event; returns the function that stops listening. */
  subscribe(listener: LabEventListener): () => void;
}
