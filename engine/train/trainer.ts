/**
 * The training loop of one run: prepare data, build the model, then step, log, validate, checkpoint, until the step
 * budget is spent, early stopping says enough, or the host asks to stop. Everything goes through the store, so the
 * app and the CLI see a run's curves, samples and attention while it trains.
 *
 * Repeatable: the same config, seed and backend give the same loss curve, and a run resumed from its last
 * checkpoint continues exactly as if it had never stopped (batches are regenerated from (seed, epoch), and the
 * random generator, optimiser and schedules are restored).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName, EvaluationMetricName, KernelSet, MetricKey, RunConfig } from '../contract/api.js';
import { currentKernelSet } from '../backend/kernel-set.js';
import { useBackend } from '../backend/select.js';
import { activeAdapter, describeAdapter } from '../backend/webgpu.js';
import { plannedSteps } from '../config.js';
import type { Batch, EncodedPair } from '../data/batch.js';
import { batchesPerEpoch, epochBatches, paddingShare, targetTokens } from '../data/batching.js';
import { type PreparedData, prepareData } from '../data/encode.js';
import { LabError } from '../errors.js';
import { Seq2Seq } from '../model/seq2seq.js';
import { Rng } from '../random.js';
import type { MetricPoint, Store } from '../store/store.js';
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint, type TrainerState } from './checkpoint.js';
import { attentionLabels, evaluate, pickSamples } from './evaluate.js';
import { gradientFlow, pickProbePairs } from './gradient-flow.js';
import { clipScale, createOptimizer, gradientNorm, type Optimizer } from './optimizer.js';
import { LearningRate, teacherForcingRatio } from './schedule.js';

export interface ProgressReport {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  learningRate: number;
  tokensPerSecond: number;
  etaSeconds: number | null;
}

export interface TrainerHooks {
  /** After every optimiser step (hosts throttle what they forward). */
  onProgress?(report: ProgressReport): void;
  onValidation?(step: number, metrics: Record<string, number>): void;
  /** Checked between steps; true ends the run as `cancelled` after saving a checkpoint. */
  shouldStop?(): boolean;
}

export interface TrainOptions {
  /** Continue from the run's last checkpoint. */
  resume?: boolean;
  /** Recorded on the run as the process that trains it. */
  pid?: number;
  /** Stop after this step as if the process had been killed (tests of resume). */
  stopAfterStep?: number;
}

export interface TrainOutcome {
  status: 'finished' | 'cancelled' | 'stopped';
  step: number;
  backend: BackendName;
  testMetrics: Record<string, number>;
}

/** How many fixed validation sentences record their translation and attention at every validation. */
export const SAMPLE_COUNT = 8;
const METRIC_FLUSH_MS = 2000;
const PROGRESS_STORE_MS = 1000;

const EARLY_STOPPING_KEYS: Record<string, { key: EvaluationMetricName; mode: 'min' | 'max' }> = {
  loss: { key: 'loss', mode: 'min' },
  bleu: { key: 'bleu', mode: 'max' },
  chrf: { key: 'chrf', mode: 'max' },
  sequenceAccuracy: { key: 'sequence_accuracy', mode: 'max' },
  tokenAccuracy: { key: 'token_accuracy', mode: 'max' },
};

const nowSeconds = (): number => Date.now() / 1000;

export class Trainer {
  private readonly points: MetricPoint[] = [];
  private lastFlush = Date.now();
  private lastProgressStore = 0;
  private state!: TrainerState;
  /** The kernels this session trains with, and those of the run's previous session (null: none before). */
  kernelSet!: KernelSet;
  previousKernelSet: KernelSet | null = null;

  private constructor(
    private readonly store: Store,
    private readonly runId: number,
    private readonly config: RunConfig,
    private readonly data: PreparedData,
    private readonly model: Seq2Seq,
    private readonly optimizer: Optimizer,
    private readonly backend: BackendName,
    private readonly totalSteps: number,
    private readonly validation: EncodedPair[],
    private readonly samples: EncodedPair[],
    /** The fixed validation sentences of one length whose gradient flow each validation records. */
    private readonly probe: EncodedPair[] = [],
  ) {}

  /** Load a run's data and model (from its checkpoint when resuming) and mark it running. */
  static async open(store: Store, runId: number, options: TrainOptions = {}): Promise<Trainer> {
    const record = store.getRun(runId);
    const config = record.config;
    const backend = await useBackend(config.backend);
    const data = prepareData(store, config.data);
    if (data.encoded.train.length === 0) {
      throw new LabError(
        'invalid-data',
        `dataset "${config.data.dataset}" has no training pairs${config.data.maxLength > 0 ? ` of at most ${config.data.maxLength} tokens (data.maxLength)` : ''}`,
      );
    }
    const model = new Seq2Seq(
      config.model,
      data.vocabularies.source.size,
      data.vocabularies.target.size,
      config.train.seed,
    );
    const optimizer = createOptimizer(config.train.optimizer, model.params.variables, config.train.momentum);
    const totalSteps = plannedSteps(config, batchesPerEpoch(data.encoded.train.length, config.train.batchSize));
    const cap = config.train.validationPairs;
    const validation = cap > 0 ? data.encoded.valid.slice(0, cap) : data.encoded.valid;
    const trainer = new Trainer(
      store,
      runId,
      config,
      data,
      model,
      optimizer,
      backend,
      totalSteps,
      validation,
      pickSamples(validation, SAMPLE_COUNT),
      pickProbePairs(validation),
    );
    trainer.state = {
      step: 0,
      epoch: 0,
      batchInEpoch: 0,
      rng: new Rng(config.train.seed).fork(1).state,
      plateau: { learningRate: config.train.learningRate, best: null, badValidations: 0 },
      best: null,
      staleValidations: 0,
      trainSeconds: 0,
      tokensSeen: 0,
    };
    if (options.resume) {
      const saved = store.loadCheckpoint(runId, 'last');
      if (saved !== null) trainer.restore(decodeCheckpoint(saved.state));
    }
    trainer.kernelSet = currentKernelSet(backend);
    trainer.previousKernelSet = record.kernelSet;
    const adapter = activeAdapter();
    store.markRunning(runId, {
      pid: options.pid ?? process.pid,
      backend,
      adapter: adapter === null ? null : describeAdapter(adapter),
      parameters: model.params.count,
      totalSteps,
      kernelSet: trainer.kernelSet,
    });
    return trainer;
  }

  private restore(checkpoint: Checkpoint): void {
    const vocab = this.data.vocabularies;
    if (
      checkpoint.vocab.source.tokens.length !== vocab.source.size ||
      checkpoint.vocab.target.tokens.length !== vocab.target.size ||
      checkpoint.vocab.target.tokens.some((t, i) => t !== vocab.target.token(i))
    ) {
      throw new LabError('conflict', `run ${this.runId}: its checkpoint's vocabulary no longer matches its dataset`);
    }
    this.model.params.load(checkpoint.parameters);
    this.optimizer.load(checkpoint.optimizer);
    this.state = { ...checkpoint.trainer };
  }

  get parameterCount(): number {
    return this.model.params.count;
  }

  private log(key: MetricKey, step: number, value: number): void {
    this.record(key, step, value);
  }

  /** An evaluation's metrics, under `valid/<name>` or `test/<name>` (the evaluation names them). */
  private logEvaluation(split: 'valid' | 'test', step: number, metrics: Record<string, number>): void {
    for (const [name, value] of Object.entries(metrics)) this.record(`${split}/${name}`, step, value);
  }

  private record(key: string, step: number, value: number): void {
    if (Number.isFinite(value)) this.points.push({ key, step, value, wallTime: nowSeconds() });
  }

  private flush(force = false): void {
    if (this.points.length === 0) return;
    if (!force && Date.now() - this.lastFlush < METRIC_FLUSH_MS) return;
    this.store.metrics.append(this.runId, this.points.splice(0));
    this.lastFlush = Date.now();
  }

  private storeProgress(force = false): void {
    if (!force && Date.now() - this.lastProgressStore < PROGRESS_STORE_MS) return;
    this.lastProgressStore = Date.now();
    const perEpoch = batchesPerEpoch(this.data.encoded.train.length, this.config.train.batchSize);
    // Resident memory now (a series, to see it stay flat) and at its peak (maxRSS is in KiB).
    if (this.state.step > 0) this.log('train/memory_mb', this.state.step, process.memoryUsage.rss() / 2 ** 20);
    this.store.updateProgress(this.runId, {
      step: this.state.step,
      epoch: this.state.epoch + this.state.batchInEpoch / perEpoch,
      trainSeconds: this.state.trainSeconds,
      peakRss: process.resourceUsage().maxRSS * 1024,
    });
  }

  private async checkpoint(tag: 'last' | 'best', metrics: Record<string, number>): Promise<void> {
    const vocab = this.data.vocabularies;
    const trainer = { ...this.state };
    const blob = encodeCheckpoint({
      model: this.config.model,
      vocab: { source: vocab.source.toJSON(), target: vocab.target.toJSON() },
      parameters: await this.model.params.serializeAsync(),
      optimizer: await this.optimizer.state(),
      trainer,
    });
    this.store.saveCheckpoint(this.runId, tag, this.state.step, metrics, blob);
  }

  /**
   * One optimiser step on `batch`: the loss, the gradients' global norm, and whether the update was applied (not
   * where the norm is not finite: parameters and optimiser state stay untouched). On backends whose memory the step
   * cannot read in place (webgpu) the norm is read from the device before the update, to know whether to apply it.
   */
  private async trainStep(
    batch: Batch,
    learningRate: number,
    rng: Rng,
  ): Promise<{ loss: number; gradNorm: number; applied: boolean }> {
    const train = this.config.train;
    const ratio = teacherForcingRatio(train.teacherForcing, train.teacherForcingDecay, this.state.step);
    const variables = this.model.params.variables;
    const { loss, ordered, norm } = tf.tidy(() => {
      const dropout = this.model.dropout(rng);
      const { value, grads } = tf.variableGrads(
        () =>
          this.model.loss(batch, {
            dropout,
            teacherForcing: ratio,
            rng: ratio < 1 ? rng : null,
            labelSmoothing: train.labelSmoothing,
          }),
        variables,
      );
      const ordered = variables.map((v) => grads[v.name]!);
      return { loss: value, ordered, norm: gradientNorm(ordered) };
    });
    const gradNorm = typeof norm === 'number' ? norm : (await norm.data())[0]!;
    const applied = Number.isFinite(gradNorm);
    if (applied)
      tf.tidy(() => this.optimizer.apply(variables, ordered, learningRate, clipScale(gradNorm, train.clipNorm)));
    tf.dispose(typeof norm === 'number' ? ordered : [...ordered, norm]);
    const lossValue = (await loss.data())[0]!;
    loss.dispose();
    return { loss: lossValue, gradNorm, applied };
  }

  private async validate(): Promise<Record<string, number>> {
    const evaluation = await evaluate(this.model, this.data, 'valid', this.validation, {
      decode: this.config.decode,
      strategy: 'greedy',
      batchSize: Math.max(this.config.train.batchSize, 64),
    });
    const step = this.state.step;
    this.logEvaluation('valid', step, evaluation.metrics);
    // The fixed sample sentences: their translation and attention at this step.
    const bySample = new Map(evaluation.pairs.map((p, i) => [p.index, i]));
    const text = this.data.text.valid;
    const samples = this.samples.map((pair, index) => {
      const at = bySample.get(pair.index)!;
      return { pair, index, hypothesis: evaluation.hypotheses[at]!, hypothesisText: evaluation.texts[at]! };
    });
    this.store.saveSamples(
      this.runId,
      step,
      samples.map(({ pair, index, hypothesisText }) => ({
        index,
        source: text[pair.index]!.source,
        reference: text[pair.index]!.target,
        hypothesis: hypothesisText,
      })),
    );
    // Gradient flow on the probe batch (engine/train/gradient-flow.ts): one forward and backward pass of 16 sentences.
    const flow = await gradientFlow(this.model, this.probe);
    if (flow !== null) this.store.saveGradientFlow(this.runId, step, flow);
    if (this.model.config.attention !== 'none') {
      this.store.saveAttention(
        this.runId,
        step,
        samples.map(({ pair, index, hypothesis }) => {
          const labels = attentionLabels(this.data, 'valid', pair, hypothesis);
          const weights: number[] = [];
          for (const row of hypothesis.attention) weights.push(...row);
          return { sampleIndex: index, sourceTokens: labels.source, targetTokens: labels.target, weights };
        }),
      );
    }
    return evaluation.metrics;
  }

  /** Train until the budget is spent, early stopping triggers, or `shouldStop` says so. */
  async run(hooks: TrainerHooks = {}, options: TrainOptions = {}): Promise<TrainOutcome> {
    const train = this.config.train;
    const rng = new Rng(this.state.rng);
    const schedule = new LearningRate(train.learningRate, train.schedule, this.totalSteps);
    schedule.state = this.state.plateau;
    const perEpoch = batchesPerEpoch(this.data.encoded.train.length, train.batchSize);
    let batches = epochBatches(this.data.encoded.train, train.batchSize, train.seed, this.state.epoch);
    let smoothedTokensPerSecond = 0;
    let smoothedStepSeconds = 0;
    let status: TrainOutcome['status'] = 'finished';
    let sessionStart = performance.now();
    const baseSeconds = this.state.trainSeconds;
    const elapsed = (): number => baseSeconds + (performance.now() - sessionStart) / 1000;

    while (this.state.step < this.totalSteps) {
      if (hooks.shouldStop?.()) {
        status = 'cancelled';
        break;
      }
      if (this.state.batchInEpoch >= perEpoch) {
        this.state.epoch += 1;
        this.state.batchInEpoch = 0;
        batches = epochBatches(this.data.encoded.train, train.batchSize, train.seed, this.state.epoch);
      }
      const batch = batches[this.state.batchInEpoch]!;
      // Each epoch's share of padded target positions (its batches are length-pooled), at its first step.
      if (this.state.batchInEpoch === 0) this.log('train/padding', this.state.step + 1, 100 * paddingShare(batches));
      const learningRate = schedule.at(this.state.step + 1);
      const started = performance.now();
      const { loss, gradNorm, applied } = await this.trainStep(batch, learningRate, rng);
      if (!Number.isFinite(loss)) {
        throw new LabError(
          'internal',
          `training diverged at step ${this.state.step + 1}: the loss is ${loss} (try a lower train.learningRate)`,
        );
      }
      const seconds = (performance.now() - started) / 1000;
      const tokens = targetTokens(batch);
      this.state.step += 1;
      this.state.batchInEpoch += 1;
      this.state.tokensSeen += tokens;
      this.state.rng = rng.state;
      this.state.trainSeconds = elapsed();
      smoothedTokensPerSecond =
        smoothedTokensPerSecond === 0 ? tokens / seconds : 0.9 * smoothedTokensPerSecond + (0.1 * tokens) / seconds;
      smoothedStepSeconds = smoothedStepSeconds === 0 ? seconds : 0.9 * smoothedStepSeconds + 0.1 * seconds;
      const step = this.state.step;
      this.log('train/loss', step, loss);
      this.log('train/learning_rate', step, learningRate);
      this.log('train/grad_norm', step, gradNorm);
      if (!applied) {
        // A gradient norm that is NaN or ±∞: reported (a point per skipped update; train/grad_norm keeps only finite
        // values), not applied.
        this.log('train/skipped_update', step, 1);
      }
      this.log('train/tokens_per_second', step, tokens / seconds);
      if (train.teacherForcing < 1 || train.teacherForcingDecay.kind !== 'none') {
        this.log(
          'train/teacher_forcing',
          step,
          teacherForcingRatio(train.teacherForcing, train.teacherForcingDecay, step),
        );
      }
      hooks.onProgress?.({
        step,
        totalSteps: this.totalSteps,
        epoch: this.state.epoch + this.state.batchInEpoch / perEpoch,
        loss,
        learningRate,
        tokensPerSecond: smoothedTokensPerSecond,
        etaSeconds: smoothedStepSeconds * (this.totalSteps - step),
      });

      if (step % train.validateEvery === 0 || step === this.totalSteps) {
        const metrics = await this.validate();
        schedule.observe(metrics.loss!);
        this.state.plateau = schedule.state;
        const stop = await this.trackBest(metrics);
        this.state.trainSeconds = elapsed();
        await this.checkpoint('last', metrics);
        this.flush(true);
        hooks.onValidation?.(step, metrics);
        if (stop) break;
      }
      this.flush();
      this.storeProgress();
      if (options.stopAfterStep !== undefined && step >= options.stopAfterStep) {
        status = 'stopped';
        break;
      }
      // Let the host's messages (cancel) in between steps.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }

    this.state.trainSeconds = elapsed();
    if (status === 'cancelled') await this.checkpoint('last', {});
    this.flush(true);
    this.storeProgress(true);
    let testMetrics: Record<string, number> = {};
    if (status === 'finished') testMetrics = await this.finalEvaluation();
    sessionStart = performance.now();
    return { status, step: this.state.step, backend: this.backend, testMetrics };
  }

  /** Update the best checkpoint; returns true when early stopping says to stop. */
  private async trackBest(metrics: Record<string, number>): Promise<boolean> {
    const stopping = this.config.train.earlyStopping;
    const target = EARLY_STOPPING_KEYS[stopping?.metric ?? 'bleu']!;
    const value = metrics[target.key];
    if (value === undefined) return false;
    const best = this.state.best;
    const improved = best === null || (target.mode === 'min' ? value < best.value : value > best.value);
    if (improved) {
      this.state.best = { metric: target.key, value, step: this.state.step };
      this.state.staleValidations = 0;
      await this.checkpoint('best', metrics);
      return false;
    }
    this.state.staleValidations += 1;
    return stopping !== null && this.state.staleValidations >= stopping.patience;
  }

  /** Test-split evaluation with the best checkpoint, recorded as `test/*` metrics and the run's summary. */
  private async finalEvaluation(): Promise<Record<string, number>> {
    const best = this.store.loadCheckpoint(this.runId, 'best');
    let tag: 'best' | 'last' = 'last';
    let step = this.state.step;
    if (best !== null) {
      this.model.params.load(decodeCheckpoint(best.state).parameters);
      tag = 'best';
      step = best.step;
    }
    const evaluation = await evaluate(this.model, this.data, 'test', this.data.encoded.test, {
      decode: this.config.decode,
      strategy: 'configured',
      batchSize: Math.max(this.config.train.batchSize, 64),
    });
    this.logEvaluation('test', this.state.step, evaluation.metrics);
    this.flush(true);
    this.store.setRunSummary(this.runId, {
      checkpoint: tag,
      step,
      metrics: evaluation.metrics,
      bleuByLength: evaluation.bleuByLength,
    });
    return evaluation.metrics;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }
}
