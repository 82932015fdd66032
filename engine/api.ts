/**
 * The LabApi contract: every request a front end can make of the lab, and every event it can hear.
 *
 * One implementation lives in the engine (`engine/lab.ts`). Three front ends call it: the `mtlab` CLI in-process,
 * `mtlab serve` over HTTP + WebSocket, and the Electron preload over IPC. The renderer imports types from this file
 * only; the one runtime export, `LAB_METHODS`, lets the transports be generated from the contract, so a new call is
 * one method on `LabApi` plus its entry in `LAB_METHODS` (the compiler insists on the second).
 *
 * Every method takes at most one argument, a plain JSON object, and resolves to plain JSON: that is what lets the
 * same call travel over IPC, HTTP and in-process unchanged.
 */

// ---------------------------------------------------------------------------------------------------------------
// Shared vocabulary

export type RunStatus = 'queued' | 'running' | 'finished' | 'failed' | 'cancelled' | 'interrupted';
export const RUN_STATUSES: readonly RunStatus[] = [
  'queued',
  'running',
  'finished',
  'failed',
  'cancelled',
  'interrupted',
];

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;

export type CellType = 'rnn' | 'gru' | 'lstm';
export type AttentionType = 'none' | 'bahdanau' | 'luong';
export type LuongScore = 'dot' | 'general';
export type TokenizerKind = 'word' | 'char' | 'bpe';
export type Split = 'train' | 'valid' | 'test';

// ---------------------------------------------------------------------------------------------------------------
// Run configuration (validated by `engine/config.ts`; the same schema drives the CLI and the app's form)

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

export type GeneratorName = 'toy-fr' | 'reverse' | 'copy';

export interface GenerateDatasetRequest {
  generator: GeneratorName;
  name: string;
  pairs?: number;
  seed?: number;
}

export type CorpusFormat = 'tatoeba' | 'tsv' | 'parallel';

/** A corpus file: a path on the machine running the engine, or content uploaded from the app. */
export type CorpusFile = { path: string } | { fileName: string; content: string };

export interface ImportOptions {
  lowercase?: boolean;
  asciiFold?: boolean;
  /** Pairs with more words than this on either side are dropped (0 = no limit). */
  maxWords?: number;
  /**
   * Pairs with more characters than this on either side (after normalisation) are dropped and listed in
   * `ImportResult.tooLong` (default 1,000; 0 = no limit): one 190,000-word line made training run for ever.
   */
  maxChars?: number;
  dedupe?: boolean;
  preset?: 'none' | 'pytorch-tutorial';
  /** For `tsv`: header names (or 1-based indexes) of the source and target columns. */
  sourceColumn?: string;
  targetColumn?: string;
  /** Translate from the second column to the first. */
  reverse?: boolean;
  validFraction?: number;
  testFraction?: number;
  seed?: number;
  onError?: 'fail' | 'skip';
  tokenizer?: TokenizerKind;
  bpeMerges?: number;
}

/** A split given as its own file(s) in the dataset's format: one file, or two for `parallel` (source and target). */
export interface GivenSplitFiles {
  source: CorpusFile;
  target?: CorpusFile;
}

export interface ImportDatasetRequest {
  name: string;
  format: CorpusFormat;
  source: CorpusFile;
  /** The target-side file for `parallel`. */
  target?: CorpusFile;
  /**
   * An official validation (dev) split, kept as given: in its order, not shuffled, deduplicated or length-filtered
   * (only lines that cannot be used are dropped, and listed). Without it, valid is a fraction of `source`.
   */
  validFiles?: GivenSplitFiles;
  /** An official test split, kept as given (as `validFiles`). Without it, test is a fraction of `source`. */
  testFiles?: GivenSplitFiles;
  options?: ImportOptions;
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

export type ExperimentPresetName = 'rnn-gru-attention';

export interface CreateExperimentRequest {
  name?: string;
  description?: string;
  /** Create the preset's runs (e.g. RNN vs GRU vs GRU + Bahdanau). */
  preset?: ExperimentPresetName;
  dataset: string;
  seed?: number;
  /** Overrides applied to every run's config, as `path=value` pairs. */
  overrides?: Record<string, unknown>;
  /** Queue the runs right away. */
  start?: boolean;
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

/** Change what the user says about a run; fields left out stay as they are. */
export interface UpdateRunRequest {
  id: number;
  /** The run's tags, all of them (trimmed; empty ones and repeats dropped). */
  tags?: string[];
  notes?: string;
}

export interface CreateRunRequest {
  config: RunConfig;
  name?: string;
  experimentId?: number;
  start?: boolean;
}

export interface ListRunsRequest {
  experimentId?: number;
  status?: RunStatus[];
  /** Only runs with this tag. */
  tag?: string;
  /** Only runs whose config has these values, by dotted path: `{ "model.hiddenSize": 128 }`. */
  config?: Record<string, string | number | boolean>;
}

// ---------------------------------------------------------------------------------------------------------------
// Metric series, samples, attention

export interface MetricSeriesRequest {
  runIds: number[];
  keys: string[];
  /** At most this many points per series (bucketed in SQL; default 1,000). */
  maxPoints?: number;
}

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

export interface AttentionRequest {
  runId: number;
  sampleIndex: number;
  /** Validation step; the latest when omitted. */
  step?: number;
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

export interface CompareRequest {
  runIds?: number[];
  experimentId?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Translation and export

export interface TranslateRequest {
  /** Translate with a run's checkpoint ... */
  runId?: number;
  checkpoint?: 'best' | 'last';
  /** ... or with an exported model bundle (a folder on the engine's machine). */
  bundlePath?: string;
  texts: string[];
  strategy?: 'greedy' | 'beam';
  beamSize?: number;
  lengthPenalty?: number;
  /** How many beam candidates to return (default: all of them for beam, 1 for greedy). */
  nBest?: number;
}

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

export interface ExportModelRequest {
  runId: number;
  outDir: string;
  /** `tfjs` unless given. */
  format?: ModelExportFormat;
  checkpoint?: 'best' | 'last';
  /** Write into a folder that already has files (else a `conflict` error). */
  force?: boolean;
}

export interface ExportResult {
  path: string;
  files: string[];
  bytes: number;
}

export interface ExportDataRequest {
  what: 'metrics' | 'attention' | 'comparison';
  format: 'csv' | 'json';
  runIds?: number[];
  experimentId?: number;
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

/** The requests. Each takes at most one JSON argument and resolves to JSON. */
export interface LabApi {
  info(): Promise<LabInfo>;
  checkStore(): Promise<DbCheckResult>;

  listPresets(): Promise<PresetInfo[]>;
  /** Validate a (possibly partial) config against the schema; returns the completed config or the issues. */
  validateConfig(request: { config: unknown }): Promise<{ config: RunConfig | null; issues: ConfigIssue[] }>;

  listDatasets(): Promise<DatasetSummary[]>;
  getDataset(request: { name: string; examples?: number }): Promise<DatasetDetail>;
  /** One split's pairs, a page at a time (at most 10,000 per request; default all up to that). */
  getDatasetPairs(request: { name: string; split: Split; offset?: number; limit?: number }): Promise<DatasetPairsPage>;
  generateDataset(request: GenerateDatasetRequest): Promise<DatasetSummary>;
  importDataset(request: ImportDatasetRequest): Promise<ImportResult>;
  deleteDataset(request: { name: string }): Promise<void>;

  listExperiments(): Promise<ExperimentSummary[]>;
  createExperiment(request: CreateExperimentRequest): Promise<ExperimentSummary>;
  startExperiment(request: { id: number }): Promise<RunSummary[]>;
  compare(request: CompareRequest): Promise<Comparison>;

  listRuns(request?: ListRunsRequest): Promise<RunSummary[]>;
  getRun(request: { id: number }): Promise<RunDetail>;
  createRun(request: CreateRunRequest): Promise<RunSummary>;
  startRun(request: { id: number }): Promise<RunSummary>;
  cancelRun(request: { id: number }): Promise<RunSummary>;
  resumeRun(request: { id: number }): Promise<RunSummary>;
  deleteRun(request: { id: number }): Promise<void>;
  updateRun(request: UpdateRunRequest): Promise<RunSummary>;

  getMetricKeys(request: { runIds: number[] }): Promise<string[]>;
  getMetricSeries(request: MetricSeriesRequest): Promise<MetricSeries[]>;
  getSamples(request: { runId: number; step?: number }): Promise<SampleRecord[]>;
  getAttentionSteps(request: { runId: number }): Promise<number[]>;
  getAttention(request: AttentionRequest): Promise<AttentionMatrix | null>;
  /** The run's gradient flow at each validation, oldest first (empty for runs trained before it was recorded). */
  getGradientFlow(request: { runId: number }): Promise<GradientFlowRecord[]>;

  translate(request: TranslateRequest): Promise<Translation[]>;
  exportModel(request: ExportModelRequest): Promise<ExportResult>;
  exportData(request: ExportDataRequest): Promise<ExportedData>;
}

export type LabMethod = keyof LabApi;
export type LabRequest<M extends LabMethod> = Parameters<LabApi[M]>[0];
export type LabResponse<M extends LabMethod> = Awaited<ReturnType<LabApi[M]>>;

/** Every method of the contract, for transports that must enumerate them (IPC bridge, HTTP router). */
export const LAB_METHODS = [
  'info',
  'checkStore',
  'listPresets',
  'validateConfig',
  'listDatasets',
  'getDataset',
  'getDatasetPairs',
  'generateDataset',
  'importDataset',
  'deleteDataset',
  'listExperiments',
  'createExperiment',
  'startExperiment',
  'compare',
  'listRuns',
  'getRun',
  'createRun',
  'startRun',
  'cancelRun',
  'resumeRun',
  'deleteRun',
  'updateRun',
  'getMetricKeys',
  'getMetricSeries',
  'getSamples',
  'getAttentionSteps',
  'getGradientFlow',
  'getAttention',
  'translate',
  'exportModel',
  'exportData',
] as const satisfies readonly LabMethod[];

// A compile error here means a method of LabApi is missing from LAB_METHODS.
type MissingMethods = Exclude<LabMethod, (typeof LAB_METHODS)[number]>;
const allMethodsListed: [MissingMethods] extends [never] ? true : MissingMethods = true;
void allMethodsListed;

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

/**
 * The error every transport carries back to the caller. `code` is stable for programs; `message` is for people and
 * names the file, line or field at fault.
 */
export interface LabErrorShape {
  code: LabErrorCode;
  message: string;
  /** The field, file or line the error is about, when there is one. */
  detail?: Record<string, unknown>;
}

export type LabErrorCode =
  | 'not-found'
  | 'invalid-request'
  | 'invalid-config'
  | 'invalid-data'
  | 'conflict'
  | 'store'
  | 'bundle'
  /** The work does not fit in memory (the message gives the sizes). */
  | 'out-of-memory'
  | 'internal';
