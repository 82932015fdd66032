/**
 * A demo experiment store, filled through the real `Store` API: two datasets, an "RNN vs GRU vs attention"
 * experiment and a few more runs in every status, with plausible loss and BLEU curves, sample translations that
 * improve over validations, and attention matrices that sharpen into the gold alignment (green/verte, car/voiture).
 *
 * It lets the app be developed, screenshotted and tested in a browser before training exists. The numbers are
 * made up (deterministically, from a seed); nothing here trains anything.
 */
import type { DatasetStats, RunConfig, RunStatus } from '../../engine/contract/api.js';
import { Rng } from '../../engine/random.js';
import { type MetricPoint, Store, type StoredPair } from '../../engine/store/store.js';
import { type AlignedPair, TATOEBA_STYLE_PAIRS, toyCorpus, wordTokens } from './demo-sentences.js';

export interface DemoStoreOptions {
  /** Extra small runs, for the runs table at scale (e.g. 1000). */
  manyRuns?: number;
  /** An experiment with this many runs and long series, for the compare view at scale (e.g. 10). */
  compareRuns?: number;
  /** Training steps (one train/loss point each) of every run in that experiment (default 20,000). */
  compareSteps?: number;
  /** Leave the store empty (the first-run screen). */
  empty?: boolean;
}

export interface DemoStore {
  file: string;
  datasets: string[];
  experiments: { id: number; name: string; runIds: number[] }[];
  /** Run ids by run name. */
  runs: Record<string, number>;
}

export const DEMO_VALIDATION_SAMPLES = 6;

type ModelChoice = Pick<RunConfig['model'], 'cell' | 'attention'> & Partial<RunConfig['model']>;

export function demoConfig(dataset: string, model: ModelChoice, train: Partial<RunConfig['train']> = {}): RunConfig {
  return {
    data: { dataset, minFreq: 1, maxVocab: 8000, maxLength: 20 },
    model: {
      luongScore: 'general',
      inputFeeding: false,
      embeddingSize: 64,
      hiddenSize: 128,
      attentionSize: 128,
      layers: 1,
      bidirectional: false,
      dropout: 0.1,
      ...model,
    },
    train: {
      optimizer: 'adam',
      learningRate: 0.001,
      momentum: 0,
      schedule: { kind: 'constant' },
      batchSize: 64,
      steps: 3000,
      epochs: 0,
      clipNorm: 1,
      labelSmoothing: 0,
      teacherForcing: 1,
      teacherForcingDecay: { kind: 'none' },
      validateEvery: 250,
      validationPairs: 200,
      earlyStopping: null,
      seed: 7,
      ...train,
    },
    decode: { strategy: 'greedy', beamSize: 5, lengthPenalty: 0.6, maxLengthRatio: 1.5, maxLengthOffset: 5 },
    backend: 'auto',
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Datasets

function statsOf(splits: Record<'train' | 'valid' | 'test', StoredPair[]>, hasAlignments: boolean): DatasetStats {
  const train = splits.train;
  const sourceLengths = train.map((p) => p.source.split(' ').length);
  const targetLengths = train.map((p) => p.target.split(' ').length);
  const types = (side: 'source' | 'target'): number => new Set(train.flatMap((p) => p[side].split(' '))).size;
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    pairs: { train: train.length, valid: splits.valid.length, test: splits.test.length },
    meanSourceLength: mean(sourceLengths),
    meanTargetLength: mean(targetLengths),
    maxSourceLength: Math.max(0, ...sourceLengths),
    maxTargetLength: Math.max(0, ...targetLengths),
    sourceTypes: types('source'),
    targetTypes: types('target'),
    hasAlignments,
  };
}

function split<T>(items: T[], valid: number, test: number): { train: T[]; valid: T[]; test: T[] } {
  return {
    valid: items.slice(0, valid),
    test: items.slice(valid, valid + test),
    train: items.slice(valid + test),
  };
}

export interface DemoDataset {
  name: string;
  /** Validation pairs as token lists, with a gold or approximate alignment. */
  valid: AlignedPair[];
}

function addToyDataset(store: Store): DemoDataset {
  const corpus = toyCorpus(2000, 11);
  const pairs = corpus.map((p): StoredPair => ({
    source: p.source.join(' '),
    target: p.target.join(' '),
    alignment: p.alignment.map(([s, t]) => `${s}-${t}`).join(' '),
  }));
  const splits = split(pairs, 200, 200);
  store.addDataset({
    name: 'toy-fr',
    kind: 'generated',
    tokenizer: 'word',
    source: { generator: 'toy-fr', pairs: 2000, seed: 11 },
    options: { split: { valid: 200, test: 200 }, tokenizer: 'word' },
    stats: statsOf(splits, true),
    tokenizerState: null,
    splits,
  });
  return { name: 'toy-fr', valid: corpus.slice(0, 200) };
}

/** A monotone alignment, for pairs without gold alignments. */
function diagonal(source: string[], target: string[]): [number, number][] {
  return target.map((_, t): [number, number] => [
    Math.min(source.length - 1, Math.round((t * source.length) / Math.max(1, target.length))),
    t,
  ]);
}

function addImportedDataset(store: Store): DemoDataset {
  const rng = new Rng(5);
  const rows = rng.shuffle([...TATOEBA_STYLE_PAIRS]);
  const pairs = rows.map(([en, fr]): StoredPair => ({
    source: wordTokens(en).join(' '),
    target: wordTokens(fr).join(' '),
    alignment: null,
  }));
  const splits = split(pairs, 8, 4);
  store.addDataset({
    name: 'eng-fra-sample',
    kind: 'imported',
    tokenizer: 'word',
    source: { format: 'tatoeba', files: [{ path: 'fra-sample.txt', bytes: 1432, sha256: 'demo' }] },
    options: { lowercase: true, asciiFold: false, maxWords: 0, dedupe: true, validFraction: 0.25, testFraction: 0.125 },
    stats: statsOf(splits, false),
    tokenizerState: null,
    splits,
  });
  const valid = splits.valid.map((p) => {
    const source = p.source.split(' ');
    const target = p.target.split(' ');
    return { source, target, alignment: diagonal(source, target) };
  });
  return { name: 'eng-fra-sample', valid };
}

// ---------------------------------------------------------------------------------------------------------------
// Training curves, samples and attention

export interface Curve {
  /** Loss reached at the end of training, and how fast (steps for 1/e of the way). */
  finalLoss: number;
  tau: number;
  finalBleu: number;
  /** Tokens per second the demo pretends it trained at. */
  speed: number;
  /** How much quality drops per word beyond 5 (models without attention forget long sentences). */
  lengthPenalty: number;
}

interface DemoRunSpec {
  name: string;
  dataset: DemoDataset;
  config: RunConfig;
  curve: Curve;
  status: RunStatus;
  /** Where training stopped (default: the step budget). */
  stoppedAt?: number;
  error?: string;
  experimentId: number | null;
  seed: number;
  /** Log train metrics every this many steps (default 10). */
  logEvery?: number;
}

const noisy = (rng: Rng, value: number, amount: number): number => value + amount * rng.normal();

function softmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** Training quality in [0, 1] at `step` for a sentence of `length` words. */
function quality(curve: Curve, step: number, length: number): number {
  const learned = 1 - Math.exp(-step / (curve.tau * 1.3));
  const ceiling = curve.finalBleu / 100;
  const forgetting = Math.max(0, 1 - curve.lengthPenalty * Math.max(0, length - 5));
  return Math.max(0, Math.min(1, learned * (0.35 + 0.65 * ceiling) * forgetting + 0.05));
}

/** A hypothesis that gets closer to the reference as quality rises. */
function hypothesis(rng: Rng, reference: string[], q: number, vocabulary: string[]): string[] {
  const out: string[] = [];
  for (const token of reference) {
    const roll = rng.next();
    if (roll < q) out.push(token);
    else if (roll < q + (1 - q) * 0.6) out.push(rng.pick(vocabulary));
    else if (roll < q + (1 - q) * 0.8) continue;
    else out.push(token, rng.pick(vocabulary));
  }
  return out.length === 0 ? [rng.pick(vocabulary)] : out;
}

/** Attention of each output token over the source: diffuse early, close to the gold alignment late. */
function attentionWeights(rng: Rng, pair: AlignedPair, targetLength: number, step: number, tau: number): number[] {
  const sourceLength = pair.source.length + 1; // + <eos>
  const goldSource = new Map<number, number>(pair.alignment.map(([s, t]) => [t, s]));
  const sharpness = 0.15 + 2.3 * (1 - Math.exp(-step / (tau * 0.8)));
  const weights: number[] = [];
  for (let t = 0; t < targetLength; t++) {
    const isEos = t === targetLength - 1;
    const gold = isEos
      ? sourceLength - 1
      : (goldSource.get(Math.min(t, pair.target.length - 1)) ??
        Math.round((t * pair.source.length) / Math.max(1, pair.target.length)));
    const logits = Array.from({ length: sourceLength }, (_, s) => {
      const distance = Math.abs(s - gold);
      return -sharpness * distance + 0.3 * rng.normal();
    });
    weights.push(...softmax(logits));
  }
  return weights;
}

/**
 * Writes what a training run would record, step by step: train metrics every `logEvery` steps, and at each
 * validation the validation metrics, samples, attention (with attention models) and checkpoints. Used at once by
 * the seeder and on a timer by the demo lab's simulated live run.
 */
/**
 * Gradient flow as the lectures draw it (no randomness, so the demo's other figures stay as they were): per step
 * back from the end the gradient keeps a share of itself, small for a vanilla RNN, larger for gated cells; attention
 * gives every position a direct path, so its curve stays up. Positions 1..12, decoder 1..10.
 */
export function demoGradientFlow(model: RunConfig['model'], step: number) {
  const keep = model.cell === 'rnn' ? 0.62 : model.cell === 'gru' ? 0.86 : 0.9;
  const direct = model.attention === 'none' ? 0 : 0.35;
  const scale = 0.05 * (1 + 2000 / (step + 200));
  const encoder = Array.from({ length: 12 }, (_, t) => scale * (Math.pow(keep, 11 - t) + direct));
  const decoder = Array.from({ length: 10 }, (_, i) => scale * (0.6 + 0.4 * Math.pow(0.9, i)));
  return {
    encoder,
    decoder,
    encoderRatio: encoder.slice(1).map((g, i) => encoder[i]! / g),
    sentences: 16,
    sourceLength: 12,
  };
}

/** The peak resident memory every demo run reports: 412 MB. */
export const DEMO_PEAK_RSS = 412 * 2 ** 20;

export class DemoTraining {
  readonly totalSteps: number;
  step = 0;
  private readonly rng: Rng;
  private readonly secondsPerStep: number;
  private readonly vocabulary: string[];
  private readonly hasAttention: boolean;
  private bestBleu = -1;
  lastLoss = 0;

  constructor(
    private readonly store: Store,
    readonly runId: number,
    private readonly config: RunConfig,
    private readonly curve: Curve,
    private readonly dataset: DemoDataset,
    seed: number,
    private readonly wallStart: number,
    private readonly logEvery = 10,
  ) {
    this.rng = new Rng(seed);
    this.totalSteps = config.train.steps;
    this.secondsPerStep = (config.train.batchSize * 9) / curve.speed;
    this.vocabulary = [...new Set(dataset.valid.flatMap((p) => p.target))];
    this.hasAttention = config.model.attention !== 'none';
  }

  get parameters(): number {
    const m = this.config.model;
    const gates = m.cell === 'lstm' ? 8 : m.cell === 'gru' ? 6 : 2;
    return Math.round(
      (m.hiddenSize * m.hiddenSize * gates + m.embeddingSize * 2000 * 2) * m.layers * (this.hasAttention ? 1.25 : 1),
    );
  }

  get trainSeconds(): number {
    return this.step * this.secondsPerStep;
  }

  get epoch(): number {
    return (this.step * this.config.train.batchSize) / 1600;
  }

  /** Train up to `target`; returns the validation metrics recorded on the way (the last one), if any. */
  advance(target: number, failing = false): Record<string, number> | null {
    const { rng, curve } = this;
    const initialLoss = Math.log(2000);
    const validateEvery = this.config.train.validateEvery;
    const points: MetricPoint[] = [];
    let validation: Record<string, number> | null = null;
    let step = this.step;
    while (step + this.logEvery <= target) {
      step += this.logEvery;
      const wallTime = this.wallStart + step * this.secondsPerStep * (1 + 0.05 * rng.normal());
      const decay = Math.exp(-step / curve.tau);
      const loss = curve.finalLoss + (initialLoss - curve.finalLoss) * decay;
      const lossValue =
        failing && step > target - 60 ? loss * (1 + (step - target + 60) / 8) : noisy(rng, loss, 0.04 + 0.25 * decay);
      this.lastLoss = Math.max(0.01, lossValue);
      points.push({ key: 'train/loss', step, value: this.lastLoss, wallTime });
      points.push({ key: 'train/learning_rate', step, value: learningRateAt(this.config, step), wallTime });
      points.push({ key: 'train/grad_norm', step, value: Math.abs(noisy(rng, 0.4 + 2.5 * decay, 0.15)), wallTime });
      points.push({
        key: 'train/tokens_per_second',
        step,
        value: noisy(rng, curve.speed, curve.speed * 0.04),
        wallTime,
      });
      if (step % validateEvery === 0) {
        validation = this.validate(step, wallTime, loss, points);
      }
      if (points.length >= 3000) this.store.metrics.append(this.runId, points.splice(0));
    }
    this.store.metrics.append(this.runId, points);
    this.step = step;
    // A training process's peak resident memory, as a worker reports it (a figure of the size the reference model
    // takes on two cores).
    this.store.updateProgress(this.runId, {
      step,
      epoch: this.epoch,
      trainSeconds: this.trainSeconds,
      peakRss: DEMO_PEAK_RSS,
    });
    return validation;
  }

  /**
   * What a finished run records about its test evaluation: its scores and BLEU by source length in the metrics
   * module's buckets (1–5, 6–10, 11–15, 16–20, 21+ words), where models without attention fall behind as sentences
   * grow.
   */
  finish(): void {
    const edges = [1, 6, 11, 16, 21];
    const lengths = this.dataset.valid.map((p) => p.source.length);
    const bleuByLength = edges
      .map((from, i) => {
        const to = i === edges.length - 1 ? Math.max(from, ...lengths) : edges[i + 1]! - 1;
        const inBucket = lengths.filter((n) => n >= from && n <= to);
        const middle = inBucket.reduce((a, b) => a + b, 0) / Math.max(1, inBucket.length);
        const forgetting = Math.max(0, 1 - this.curve.lengthPenalty * Math.max(0, middle - 3));
        const bleu = Math.max(0, Math.min(100, this.curve.finalBleu * forgetting * 1.08 + this.rng.normal()));
        return { from, to, sentences: inBucket.length, bleu };
      })
      .filter((b) => b.sentences > 0);
    const bleu = this.curve.finalBleu + this.rng.normal();
    this.store.setRunSummary(this.runId, {
      checkpoint: 'best',
      step: this.step,
      metrics: { bleu, chrf: Math.min(100, 18 + bleu * 0.78) },
      bleuByLength,
    });
  }

  private validate(step: number, wallTime: number, loss: number, points: MetricPoint[]): Record<string, number> {
    const { rng, curve } = this;
    const overfit = curve.lengthPenalty > 0.05 ? 0.00005 * step : 0;
    const validLoss = noisy(rng, loss * 1.12 + 0.08 + overfit, 0.02);
    const bleu = Math.max(0, noisy(rng, curve.finalBleu * Math.pow(1 - Math.exp(-step / (curve.tau * 1.3)), 1.4), 0.8));
    // The trainer's names and units (engine/train/evaluate.ts): accuracies and alignment scores in percent.
    const metrics: Record<string, number> = {
      loss: validLoss,
      perplexity: Math.exp(validLoss),
      token_accuracy: Math.min(100, 20 + 75 * (bleu / 100)),
      sequence_accuracy: 100 * Math.pow(bleu / 100, 2.2),
      bleu,
      chrf: Math.min(100, 18 + bleu * 0.78 + rng.normal()),
    };
    if (this.hasAttention && this.dataset.name === 'toy-fr') {
      const learned = 1 - Math.exp(-step / (curve.tau * 0.8));
      metrics.alignment_agreement = Math.min(100, 30 + 68 * learned + rng.normal());
      metrics.aer = Math.max(0, 70 - 64 * learned + rng.normal());
    }
    for (const [key, value] of Object.entries(metrics)) points.push({ key: `valid/${key}`, step, value, wallTime });
    const samples = this.dataset.valid.slice(0, DEMO_VALIDATION_SAMPLES).map((pair, index) => {
      const q = quality(curve, step, pair.source.length);
      return { index, pair, tokens: hypothesis(rng, pair.target, q, this.vocabulary) };
    });
    this.store.saveSamples(
      this.runId,
      step,
      samples.map(({ index, pair, tokens }) => ({
        index,
        source: pair.source.join(' '),
        reference: pair.target.join(' '),
        hypothesis: tokens.join(' '),
      })),
    );
    if (this.hasAttention) {
      this.store.saveAttention(
        this.runId,
        step,
        samples.map(({ index, pair, tokens }) => ({
          sampleIndex: index,
          sourceTokens: [...pair.source, '<eos>'],
          targetTokens: [...tokens, '<eos>'],
          weights: attentionWeights(rng, pair, tokens.length + 1, step, curve.tau),
        })),
      );
    }
    this.store.saveGradientFlow(this.runId, step, demoGradientFlow(this.config.model, step));
    const checkpointMetrics = { 'valid/loss': validLoss, 'valid/bleu': bleu };
    this.store.saveCheckpoint(this.runId, 'last', step, checkpointMetrics, Buffer.alloc(8));
    if (bleu > this.bestBleu) {
      this.bestBleu = bleu;
      this.store.saveCheckpoint(this.runId, 'best', step, checkpointMetrics, Buffer.alloc(8));
    }
    return metrics;
  }
}

function recordRun(store: Store, spec: DemoRunSpec, wallStart: number): number {
  const total = spec.config.train.steps;
  const runId = store.createRun({
    name: spec.name,
    config: spec.config,
    experimentId: spec.experimentId,
    totalSteps: total,
  });
  if (spec.status === 'queued') return runId;
  const training = new DemoTraining(
    store,
    runId,
    spec.config,
    spec.curve,
    spec.dataset,
    spec.seed,
    wallStart,
    spec.logEvery,
  );
  store.markRunning(runId, { pid: process.pid, backend: 'wasm', parameters: training.parameters, totalSteps: total });
  training.advance(spec.stoppedAt ?? total, spec.status === 'failed');
  if (spec.status === 'finished') training.finish();
  if (spec.status !== 'running') store.setRunStatus(runId, spec.status, spec.error ?? null);
  return runId;
}

function learningRateAt(config: RunConfig, step: number): number {
  const schedule = config.train.schedule;
  const base = config.train.learningRate;
  if (schedule.kind === 'warmup-decay') {
    if (step < schedule.warmupSteps) return (base * step) / schedule.warmupSteps;
    return Math.max(schedule.minLearningRate, base * Math.sqrt(schedule.warmupSteps / step));
  }
  return base;
}

export const CURVES = {
  rnn: { finalLoss: 1.55, tau: 700, finalBleu: 27, speed: 9200, lengthPenalty: 0.09 },
  gru: { finalLoss: 0.85, tau: 520, finalBleu: 54, speed: 6100, lengthPenalty: 0.06 },
  attention: { finalLoss: 0.22, tau: 430, finalBleu: 91, speed: 3900, lengthPenalty: 0 },
} satisfies Record<string, Curve>;

// ---------------------------------------------------------------------------------------------------------------

/** Fill a new store at `file` (which must not hold a store yet) with the demo. */
export function seedDemoStore(file: string, options: DemoStoreOptions = {}): DemoStore {
  const store = Store.open(file);
  try {
    const result: DemoStore = { file, datasets: [], experiments: [], runs: {} };
    if (options.empty) return result;
    const toy = addToyDataset(store);
    const tatoeba = addImportedDataset(store);
    result.datasets.push(toy.name, tatoeba.name);
    const hoursAgo = (h: number): number => Date.now() / 1000 - h * 3600;

    const addExperiment = (name: string, description: string, dataset: string, preset: string | null): number => {
      const id = store.createExperiment({ name, description, datasetName: dataset, preset, seed: 7 });
      result.experiments.push({ id, name, runIds: [] });
      return id;
    };
    const addRun = (spec: DemoRunSpec, start: number): void => {
      const id = recordRun(store, spec, start);
      result.runs[spec.name] = id;
      result.experiments.find((e) => e.id === spec.experimentId)?.runIds.push(id);
    };

    const comparison = addExperiment(
      'RNN vs GRU vs attention on toy-fr',
      'Vanilla RNN, GRU and GRU with Bahdanau attention, equal sizes, same data and seed.',
      toy.name,
      'rnn-gru-attention',
    );
    const base = { dataset: toy, experimentId: comparison, status: 'finished' as const, seed: 7 };
    addRun(
      { ...base, name: 'rnn', config: demoConfig('toy-fr', { cell: 'rnn', attention: 'none' }), curve: CURVES.rnn },
      hoursAgo(5),
    );
    addRun(
      { ...base, name: 'gru', config: demoConfig('toy-fr', { cell: 'gru', attention: 'none' }), curve: CURVES.gru },
      hoursAgo(4),
    );
    addRun(
      {
        ...base,
        name: 'gru + bahdanau',
        config: demoConfig('toy-fr', { cell: 'gru', attention: 'bahdanau' }),
        curve: CURVES.attention,
      },
      hoursAgo(3),
    );

    const luong = addExperiment(
      'Luong variants on eng-fra-sample',
      'LSTM encoder-decoders with Luong and Bahdanau attention.',
      tatoeba.name,
      null,
    );
    const realData = { dataset: tatoeba, experimentId: luong, seed: 3 };
    const longer = { steps: 6000, validateEvery: 500 };
    addRun(
      {
        ...realData,
        name: 'lstm + luong(general)',
        status: 'finished',
        config: demoConfig(
          'eng-fra-sample',
          { cell: 'lstm', attention: 'luong', luongScore: 'general' },
          {
            ...longer,
            schedule: { kind: 'warmup-decay', warmupSteps: 400, decay: 'inverse-sqrt', minLearningRate: 0.00005 },
          },
        ),
        curve: { finalLoss: 0.6, tau: 900, finalBleu: 38, speed: 3100, lengthPenalty: 0.01 },
      },
      hoursAgo(2.5),
    );
    addRun(
      {
        ...realData,
        name: 'lstm bi + bahdanau',
        status: 'interrupted',
        stoppedAt: 2500,
        error: 'the process training this run stopped unexpectedly',
        config: demoConfig('eng-fra-sample', { cell: 'lstm', attention: 'bahdanau', bidirectional: true }, longer),
        curve: { finalLoss: 0.55, tau: 950, finalBleu: 40, speed: 2600, lengthPenalty: 0 },
      },
      hoursAgo(1.5),
    );
    addRun(
      {
        ...realData,
        name: 'gru + luong(dot), lr 0.05',
        status: 'failed',
        stoppedAt: 420,
        error: 'the loss became NaN at step 421 (learning rate 0.05): try a lower learning rate or clipNorm',
        config: demoConfig(
          'eng-fra-sample',
          { cell: 'gru', attention: 'luong', luongScore: 'dot' },
          { ...longer, learningRate: 0.05 },
        ),
        curve: { finalLoss: 2.2, tau: 300, finalBleu: 5, speed: 4800, lengthPenalty: 0.02 },
      },
      hoursAgo(1),
    );
    addRun(
      {
        ...realData,
        name: 'rnn + bahdanau',
        status: 'cancelled',
        stoppedAt: 1500,
        config: demoConfig('eng-fra-sample', { cell: 'rnn', attention: 'bahdanau' }, longer),
        curve: { finalLoss: 1.1, tau: 800, finalBleu: 22, speed: 6400, lengthPenalty: 0.01 },
      },
      hoursAgo(0.8),
    );
    addRun(
      {
        ...realData,
        name: 'gru ×2 + bahdanau',
        status: 'queued',
        config: demoConfig('eng-fra-sample', { cell: 'gru', attention: 'bahdanau', layers: 2 }, longer),
        curve: CURVES.attention,
      },
      hoursAgo(0.1),
    );

    if (options.compareRuns !== undefined && options.compareRuns > 0) {
      const steps = options.compareSteps ?? 20_000;
      const scale = addExperiment(
        `${options.compareRuns}-run sweep on toy-fr`,
        'Hidden size × cell, long runs.',
        toy.name,
        null,
      );
      const cells = ['rnn', 'gru', 'lstm'] as const;
      for (let i = 0; i < options.compareRuns; i++) {
        const cell = cells[i % 3]!;
        const attention = i % 2 === 0 ? 'bahdanau' : 'none';
        const hiddenSize = [64, 128, 256][i % 3]!;
        const curve = attention === 'none' ? (cell === 'rnn' ? CURVES.rnn : CURVES.gru) : CURVES.attention;
        addRun(
          {
            dataset: toy,
            experimentId: scale,
            seed: 100 + i,
            name: `sweep ${String(i + 1).padStart(2, '0')}: ${cell} h${hiddenSize}${attention === 'none' ? '' : ' + bahdanau'}`,
            status: 'finished',
            logEvery: 1,
            config: demoConfig(
              'toy-fr',
              { cell, attention, hiddenSize },
              { steps, validateEvery: Math.max(100, steps / 40), seed: 100 + i },
            ),
            curve: { ...curve, tau: curve.tau * (steps / 3000), finalBleu: curve.finalBleu * (0.9 + 0.02 * (i % 5)) },
          },
          hoursAgo(48 - i),
        );
      }
    }

    if (options.manyRuns !== undefined && options.manyRuns > 0) {
      const sweep = addExperiment(
        'Learning-rate sweep (scale test)',
        `${options.manyRuns} short runs.`,
        toy.name,
        null,
      );
      const rng = new Rng(99);
      const statuses: RunStatus[] = ['finished', 'finished', 'finished', 'finished', 'failed', 'cancelled'];
      store.db.transaction(() => {
        for (let i = 0; i < options.manyRuns!; i++) {
          const cell = rng.pick(['rnn', 'gru', 'lstm'] as const);
          const attention = rng.pick(['none', 'bahdanau', 'luong'] as const);
          const learningRate = rng.pick([0.0003, 0.001, 0.003, 0.01]);
          const curve = attention === 'none' ? (cell === 'rnn' ? CURVES.rnn : CURVES.gru) : CURVES.attention;
          const status = rng.pick(statuses);
          addRun(
            {
              dataset: toy,
              experimentId: sweep,
              seed: 1000 + i,
              name: `lr ${learningRate} ${cell}${attention === 'none' ? '' : ` + ${attention}`} #${i + 1}`,
              status,
              stoppedAt: status === 'finished' ? undefined : 300 + rng.int(600),
              error: status === 'failed' ? 'the loss became NaN' : undefined,
              logEvery: 50,
              config: demoConfig(
                'toy-fr',
                { cell, attention },
                { steps: 1000, validateEvery: 500, learningRate, seed: 1000 + i },
              ),
              curve: { ...curve, finalBleu: curve.finalBleu * (0.6 + 0.4 * rng.next()) },
            },
            hoursAgo(200 - i * 0.1),
          );
        }
      })();
    }
    return result;
  } finally {
    store.close();
  }
}

/** The validation pairs of a stored dataset, as the demo training needs them. */
export function demoDatasetFromStore(store: Store, name: string): DemoDataset {
  const valid = store.datasetPairs(name, 'valid').map((pair) => {
    const source = pair.source.split(' ');
    const target = pair.target.split(' ');
    const alignment =
      pair.alignment === null
        ? diagonal(source, target)
        : pair.alignment.split(' ').map((link): [number, number] => {
            const [s, t] = link.split('-').map(Number);
            return [s!, t!];
          });
    return { source, target, alignment };
  });
  return { name, valid };
}
