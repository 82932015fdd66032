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
      smoothing:
        typeof value.smoothing === 'number' ? Math.min(0.99, Math.max(0, value.smoothing)) : defaults.smoothing,
      xAxis: value.xAxis === 'time' ? 'time' : 'step',
      logLoss: value.logLoss === true,
      includeTraining: value.includeTraining !== false,
      compareTraining: value.compareTraining === true,
    };
  } catch {
    return defaults;
  }
}

class ChartSettings {
  smoothing = $state(0.6);
  xAxis = $state<XAxis>('step');
  logLoss = $state(false);
  includeTraining = $state(true);
  compareTraining = $state(false);

  constructor() {
    const saved = restore();
    this.smoothing = saved.smoothing;
    this.xAxis = saved.xAxis;
    this.logLoss = saved.logLoss;
    this.includeTraining = saved.includeTraining;
    this.compareTraining = saved.compareTraining;
  }

  save(): void {
    const saved: Saved = {
      smoothing: this.smoothing,
      xAxis: this.xAxis,
      logLoss: this.logLoss,
      includeTraining: this.includeTraining,
      compareTraining: this.compareTraining,
    };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(saved));
  }
}

export const chartSettings = new ChartSettings();
