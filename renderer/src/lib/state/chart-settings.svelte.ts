/** How curves are drawn, shared by the run and compare views and remembered between visits. */
import type { XAxis } from '../charts/series.js';

const STORAGE_KEY = 'mtlab.charts';

interface Saved {
  smoothing: number;
  xAxis: XAxis;
  logLoss: boolean;
  /** Learning rate and speed charts in the run view, and in the compare view (off there unless asked for). */
  includeTraining: boolean;
  compareTraining: boolean;
}

const clampSmoothing = (value: number): number => Math.min(0.99, Math.max(0, value));

function restore(): Saved {
  const defaults: Saved = {
    smoothing: 0.6,
    xAxis: 'step',
    logLoss: false,
    includeTraining: true,
    compareTraining: false,
  };
  try {
    const value = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Partial<Saved>;
    return {
      smoothing: typeof value.smoothing === 'number' ? clampSmoothing(value.smoothing) : defaults.smoothing,
      xAxis: value.xAxis === 'time' ? 'time' : 'step',
      logLoss: value.logLoss === true,
      includeTraining: value.includeTraining !== false,
      compareTraining: value.compareTraining === true,
    };
  } catch {
    return defaults;
  }
}

/** Each setting is read and set as a property (`bind:value` works); setting one remembers them all. */
class ChartSettings {
  readonly #saved = restore();
  #smoothing = $state(this.#saved.smoothing);
  #xAxis = $state<XAxis>(this.#saved.xAxis);
  #logLoss = $state(this.#saved.logLoss);
  #includeTraining = $state(this.#saved.includeTraining);
  #compareTraining = $state(this.#saved.compareTraining);

  /** TensorBoard's smoothing weight, 0 (raw) to 0.99. */
  get smoothing(): number {
    return this.#smoothing;
  }
  set smoothing(value: number) {
    this.#smoothing = Number.isFinite(value) ? clampSmoothing(value) : this.#smoothing;
    this.#save();
  }

  get xAxis(): XAxis {
    return this.#xAxis;
  }
  set xAxis(value: XAxis) {
    this.#xAxis = value;
    this.#save();
  }

  get logLoss(): boolean {
    return this.#logLoss;
  }
  set logLoss(value: boolean) {
    this.#logLoss = value;
    this.#save();
  }

  get includeTraining(): boolean {
    return this.#includeTraining;
  }
  set includeTraining(value: boolean) {
    this.#includeTraining = value;
    this.#save();
  }

  get compareTraining(): boolean {
    return this.#compareTraining;
  }
  set compareTraining(value: boolean) {
    this.#compareTraining = value;
    this.#save();
  }

  #save(): void {
    const saved: Saved = {
      smoothing: this.#smoothing,
      xAxis: this.#xAxis,
      logLoss: this.#logLoss,
      includeTraining: this.#includeTraining,
      compareTraining: this.#compareTraining,
    };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(saved));
  }
}

export const chartSettings = new ChartSettings();
