/**
 * Optimisers, written out (not tf.train) so their state is explicit: checkpoints save it and a resumed run
 * continues bit for bit. Same update rules as PyTorch's torch.optim.Adam and torch.optim.SGD.
 *
 *   adam: m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  θ ← θ − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε)
 *   sgd:  b ← μ b + g;  θ ← θ − lr · b     (μ = 0: plain SGD)
 */
import * as tf from '@tensorflow/tfjs-core';
import { activeCompute } from '../backend/fused-kernels.js';
import { adamUpdate, readableView } from '../backend/ops.js';

export interface OptimizerState {
  kind: 'adam' | 'sgd';
  step: number;
  /** Slot values per parameter, in parameter order: adam [m, v], sgd [momentum buffer]. */
  slots: Float32Array[][];
}

export type GradScale = number | tf.Scalar;

const unscaled = (scale: GradScale): boolean => typeof scale === 'number' && scale === 1;

export interface Optimizer {
  readonly kind: 'adam' | 'sgd';
  /**
   * Apply one update with the given gradients (same order as the variables), each scaled by `gradScale` (a
   * number, or a scalar tensor where the scale stays on the device).
   */
  apply(
    variables: readonly tf.Variable[],
    gradients: readonly tf.Tensor[],
    learningRate: number,
    gradScale?: GradScale,
  ): void;
  /** The slots' values (read without blocking). */
  state(): Promise<OptimizerState>;
  load(state: OptimizerState): void;
  dispose(): void;
}

export class Adam implements Optimizer {
  readonly kind = 'adam';
  private t = 0;
  private m: tf.Variable[] = [];
  private v: tf.Variable[] = [];

  constructor(
    variables: readonly tf.Variable[],
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    for (const variable of variables) {
      this.m.push(zeroSlot(variable));
      this.v.push(zeroSlot(variable));
    }
  }

  apply(
    variables: readonly tf.Variable[],
    gradients: readonly tf.Tensor[],
    learningRate: number,
    gradScale: GradScale = 1,
  ): void {
    this.t += 1;
    if (typeof gradScale === 'number' && this.applyFused(variables, gradients, learningRate, gradScale)) return;
    const correction1 = 1 - this.beta1 ** this.t;
    const correction2 = Math.sqrt(1 - this.beta2 ** this.t);
    const stepSize = learningRate / correction1;
    tf.tidy(() => {
      variables.forEach((variable, i) => {
        const g = unscaled(gradScale) ? gradients[i]! : tf.mul(gradients[i]!, gradScale);
        const m = tf.add(tf.mul(this.m[i]!, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i]!, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        const denominator = tf.add(tf.div(tf.sqrt(v), correction2), this.epsilon);
        variable.assign(tf.sub(variable, tf.mul(tf.div(m, denominator), stepSize)));
      });
    });
  }

  /** The fused update (wasm, cpu): one kernel per parameter instead of a dozen ops. */
  private applyFused(
    variables: readonly tf.Variable[],
    gradients: readonly tf.Tensor[],
    learningRate: number,
    gradScale: number,
  ): boolean {
    const attrs = {
      learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      correction1: 1 - this.beta1 ** this.t,
      correction2: 1 - this.beta2 ** this.t,
      gradScale,
    };
    for (let i = 0; i < variables.length; i++) {
      const updated = adamUpdate(variables[i]!, gradients[i]!, this.m[i]!, this.v[i]!, attrs);
      if (updated === null) return false;
      const [param, m, v] = updated;
      variables[i]!.assign(param);
      this.m[i]!.assign(m);
      this.v[i]!.assign(v);
      param.dispose();
      m.dispose();
      v.dispose();
    }
    return true;
  }

  async state(): Promise<OptimizerState> {
    const read = (t: tf.Tensor): Promise<Float32Array> => t.data() as Promise<Float32Array>;
    return {
      kind: 'adam',
      step: this.t,
      slots: await Promise.all(this.m.map(async (m, i) => [await read(m), await read(this.v[i]!)])),
    };
  }

  load(state: OptimizerState): void {
    if (state.kind !== 'adam' || state.slots.length !== this.m.length)
      throw new Error('optimizer state does not match (adam)');
    this.t = state.step;
    state.slots.forEach(([m, v], i) => {
      assignValues(this.m[i]!, m!);
      assignValues(this.v[i]!, v!);
    });
  }

  dispose(): void {
    for (const s of [...this.m, ...this.v]) s.dispose();
  }
}

export class Sgd implements Optimizer {
  readonly kind = 'sgd';
  private t = 0;
  private buffers: tf.Variable[] = [];

  constructor(
    variables: readonly tf.Variable[],
    private readonly momentum = 0,
  ) {
    if (momentum > 0) for (const variable of variables) this.buffers.push(zeroSlot(variable));
  }

  apply(
    variables: readonly tf.Variable[],
    gradients: readonly tf.Tensor[],
    learningRate: number,
    gradScale: GradScale = 1,
  ): void {
    this.t += 1;
    tf.tidy(() => {
      variables.forEach((variable, i) => {
        let direction = unscaled(gradScale) ? gradients[i]! : tf.mul(gradients[i]!, gradScale);
        if (this.momentum > 0) {
          const buffer = this.t === 1 ? direction : tf.add(tf.mul(this.buffers[i]!, this.momentum), direction);
          this.buffers[i]!.assign(buffer);
          direction = buffer;
        }
        variable.assign(tf.sub(variable, tf.mul(direction, learningRate)));
      });
    });
  }

  async state(): Promise<OptimizerState> {
    const slots = await Promise.all(this.buffers.map(async (b) => [(await b.data()) as Float32Array]));
    return { kind: 'sgd', step: this.t, slots };
  }

  load(state: OptimizerState): void {
    if (state.kind !== 'sgd' || state.slots.length !== this.buffers.length)
      throw new Error('optimizer state does not match (sgd)');
    this.t = state.step;
    state.slots.forEach(([b], i) => assignValues(this.buffers[i]!, b!));
  }

  dispose(): void {
    for (const b of this.buffers) b.dispose();
  }
}

/** A zero-filled, non-trainable variable shaped like `like`, owning its memory alone. */
function zeroSlot(like: tf.Variable): tf.Variable {
  const zeros = tf.zerosLike(like);
  const slot = tf.variable(zeros, false);
  zeros.dispose();
  return slot;
}

function assignValues(variable: tf.Variable, values: Float32Array): void {
  if (values.length !== variable.size) throw new Error('optimizer state has the wrong size');
  const t = tf.tensor(values, variable.shape, 'float32');
  variable.assign(t);
  t.dispose();
}

export function createOptimizer(kind: 'adam' | 'sgd', variables: readonly tf.Variable[], momentum: number): Optimizer {
  return kind === 'adam' ? new Adam(variables) : new Sgd(variables, momentum);
}

/** The global L2 norm of the gradients (read from backend memory where possible). */
export function globalNorm(gradients: readonly tf.Tensor[]): number {
  const norm = gradientNorm(gradients);
  if (typeof norm === 'number') return norm;
  const value = norm.dataSync()[0]!;
  norm.dispose();
  return value;
}

/**
 * The global L2 norm of the gradients: a number where the backend's memory can be read in place (wasm, cpu), else
 * a scalar tensor computed on the device (webgpu, tensorflow), so the step needs no read-back.
 */
export function gradientNorm(gradients: readonly tf.Tensor[]): number | tf.Scalar {
  const views = gradients.map(readableView);
  if (views.every((v) => v !== null)) {
    const compute = activeCompute();
    let sum = 0;
    for (const v of views) sum += compute.sumOfSquares(v!, v!.length);
    return Math.sqrt(sum);
  }
  return tf.tidy(() => tf.sqrt(tf.addN(gradients.map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
}

/** `clipScale` on the device: 1, or maxNorm / (norm + 1e-6) where the norm is finite and above maxNorm. */
export function clipScaleTensor(norm: tf.Scalar, maxNorm: number): tf.Scalar {
  if (maxNorm <= 0) return tf.scalar(1);
  const clip = tf.logicalAnd(tf.greater(norm, maxNorm), tf.isFinite(norm));
  return tf.where(clip, tf.div(maxNorm, tf.add(norm, 1e-6)), tf.scalar(1)) as tf.Scalar;
}

/**
 * One training update: the global norm of the gradients, clipped to `clipNorm` (0: no clipping), then the
 * optimiser's step. A non-finite norm (an overflow or NaN somewhere in the gradients) skips the update, leaving the
 * parameters and the optimiser's state (its step count included) as they were: `applied` says which happened.
 */
export function clippedUpdate(
  optimizer: Optimizer,
  variables: readonly tf.Variable[],
  gradients: readonly tf.Tensor[],
  learningRate: number,
  clipNorm: number,
): { gradNorm: number; applied: boolean } {
  const gradNorm = globalNorm(gradients);
  if (!Number.isFinite(gradNorm)) return { gradNorm, applied: false };
  optimizer.apply(variables, gradients, learningRate, clipScale(gradNorm, clipNorm));
  return { gradNorm, applied: true };
}

/** The factor that brings the global norm down to `maxNorm` (PyTorch's clip_grad_norm_), 1 when it is below. */
export function clipScale(norm: number, maxNorm: number): number {
  if (maxNorm <= 0 || !Number.isFinite(norm) || norm <= maxNorm) return 1;
  return maxNorm / (norm + 1e-6);
}
