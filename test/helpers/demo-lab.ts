/**
 * The lab behind the demo store, for developing the app, its browser tests and its screenshots: the real `Lab` with
 * two additions. `fire()` emits an event, and `simulateTraining()` makes a queued run "train" on a timer (recording
 * demo metrics, samples and attention and emitting the lab's events), so live progress can be seen without a model.
 */
import type { LabEventArgs } from '../../engine/contract/api.js';
import { Lab } from '../../engine/lab.js';
import { CURVES, type Curve, DemoTraining, demoDatasetFromStore } from './demo-store.js';

export class DemoLab extends Lab {
  private readonly timers = new Set<NodeJS.Timeout>();

  fire(...event: LabEventArgs): void {
    this.emit(...event);
  }

  /** Train a queued run on a timer: `stepsPerTick` steps every `tickMs`. Returns a function that stops it. */
  simulateTraining(runId: number, options: { tickMs?: number; stepsPerTick?: number } = {}): () => void {
    const record = this.store.getRun(runId);
    const curve: Curve =
      record.config.model.attention !== 'none'
        ? CURVES.attention
        : record.config.model.cell === 'rnn'
          ? CURVES.rnn
          : CURVES.gru;
    const dataset = demoDatasetFromStore(this.store, record.config.data.dataset);
    const training = new DemoTraining(
      this.store,
      runId,
      record.config,
      curve,
      dataset,
      record.summary.seed,
      Date.now() / 1000,
      10,
    );
    this.store.markRunning(runId, {
      pid: process.pid,
      backend: 'wasm',
      parameters: training.parameters,
      totalSteps: training.totalSteps,
    });
    this.fire('run:status', { runId, status: 'running', error: null });
    const stepsPerTick = options.stepsPerTick ?? 20;
    const timer = setInterval(() => {
      const before = performance.now();
      const validation = training.advance(Math.min(training.totalSteps, training.step + stepsPerTick));
      const seconds = Math.max(0.001, (performance.now() - before) / 1000);
      this.fire('run:progress', {
        runId,
        step: training.step,
        totalSteps: training.totalSteps,
        epoch: training.epoch,
        loss: training.lastLoss,
        learningRate: record.config.train.learningRate,
        tokensPerSecond: Math.round((stepsPerTick * record.config.train.batchSize * 9) / seconds / 50),
        etaSeconds: ((training.totalSteps - training.step) / stepsPerTick) * ((options.tickMs ?? 250) / 1000),
      });
      // As the run queue reports them: the trainer's metric names, without the `valid/` of the stored keys.
      if (validation !== null) {
        const bestBleu = this.store.bestBleu(runId);
        this.fire('run:validation', { runId, step: training.step, metrics: validation, bestBleu });
      }
      if (training.step >= training.totalSteps) {
        stop();
        training.finish();
        this.store.setRunStatus(runId, 'finished');
        this.fire('run:status', { runId, status: 'finished', error: null });
      }
    }, options.tickMs ?? 250);
    this.timers.add(timer);
    const stop = (): void => {
      clearInterval(timer);
      this.timers.delete(timer);
    };
    return stop;
  }

  override async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
    await super.close();
  }
}
