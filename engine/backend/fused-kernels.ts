/**
 * Fused kernels for the recurrent inner loop (filled in by the performance work). Until a backend registers them,
 * `hasFusedKernels()` is false and the model uses the composite ops of engine/model/gates.ts.
 */
import * as tf from '@tensorflow/tfjs-core';

let enabled = process.env.MTLAB_FUSED !== '0';

export function registerFusedKernels(): void {}

/** Whether the active backend runs mtlab's fused cell kernels. */
export function hasFusedKernels(): boolean {
  return enabled && tf.getKernel('MtlabGruCell', tf.getBackend()) !== undefined;
}

/** Turn the fused kernels off or on (tests compare both paths). */
export function setFusedKernels(on: boolean): void {
  enabled = on;
}

export function runFused(kernel: string, inputs: Record<string, tf.Tensor>): tf.Tensor | tf.Tensor[] {
  return tf.engine().runKernel(kernel, inputs as unknown as tf.NamedTensorMap) as tf.Tensor | tf.Tensor[];
}
