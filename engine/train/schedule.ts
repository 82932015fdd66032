/**
 * Learning-rate schedules and the teacher-forcing schedule. Both are pure functions of the step (plus, for
 * decay-on-plateau, a small state that checkpoints keep), so a resumed run follows the same curve.
 */
import type { LearningRateSchedule, TeacherForcingDecay } from '../contract/api.js';

export interface PlateauState {
  learningRate: number;
  best: number | null;
  badValidations: number;
}

/** ReduceLROnPlateau's default `threshold`, relative (threshold_mode 'rel'). */
export const PLATEAU_THRESHOLD = 1e-4;

export class LearningRate {
  private plateau: PlateauState;

  constructor(
    private readonly base: number,
    private readonly schedule: LearningRateSchedule,
    private readonly totalSteps: number,
  ) {
    this.plateau = { learningRate: base, best: null, badValidations: 0 };
  }

  /** Learning rate for optimiser step `step` (1-based). */
  at(step: number): number {
    const s = this.schedule;
    switch (s.kind) {
      case 'constant':
        return this.base;
      case 'plateau':
        return this.plateau.learningRate;
      case 'warmup-decay': {
        const warm = Math.max(1, s.warmupSteps);
        if (step <= warm && s.warmupSteps > 0) return (this.base * step) / warm;
        // The floor never lifts the rate above the base rate (a small learningRate with the default floor).
        const floor = Math.min(s.minLearningRate, this.base);
        if (s.decay === 'inverse-sqrt') return Math.max(floor, this.base * Math.sqrt(warm / step));
        // Linear and cosine go from the base rate down to the floor at the last step (as PyTorch's eta_min).
        const progress = Math.min(1, (step - warm) / Math.max(1, this.totalSteps - warm));
        const fraction = s.decay === 'linear' ? 1 - progress : (1 + Math.cos(Math.PI * progress)) / 2;
        return floor + (this.base - floor) * fraction;
      }
    }
  }

  /**
   * Decay on plateau: called with the validation loss after each validation. As PyTorch's ReduceLROnPlateau at its
   * defaults (mode 'min', threshold 1e-4, threshold_mode 'rel'): a loss improves on the best only when it is below
   * best · (1 − 1e-4), so the threshold scales with the loss.
   */
  observe(validationLoss: number): void {
    const s = this.schedule;
    if (s.kind !== 'plateau') return;
    const p = this.plateau;
    if (p.best === null || validationLoss < p.best * (1 - PLATEAU_THRESHOLD)) {
      p.best = validationLoss;
      p.badValidations = 0;
    } else if (++p.badValidations > s.patience) {
      p.learningRate = Math.max(s.minLearningRate, p.learningRate * s.factor);
      p.badValidations = 0;
    }
  }

  get state(): PlateauState {
    return { ...this.plateau };
  }

  set state(value: PlateauState) {
    this.plateau = { ...value };
  }
}

/** Probability of feeding the reference token at step `step`. */
export function teacherForcingRatio(start: number, decay: TeacherForcingDecay, step: number): number {
  switch (decay.kind) {
    case 'none':
      return start;
    case 'linear':
      return start + (decay.endRatio - start) * Math.min(1, step / decay.steps);
    case 'inverse-sigmoid':
      // Bengio et al. (2015): ε_i = k / (k + exp(i / k)).
      return start * (decay.k / (decay.k + Math.exp(step / decay.k)));
  }
}
