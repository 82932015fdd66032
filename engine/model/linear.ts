/**
 * y = x·W + b, the one matrix product of the model: one kernel (engine/backend/linear.ts) where the backend has
 * it, tfjs's matMul elsewhere.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hasFusedKernels } from '../backend/fused-kernels.js';
import { hasLinearKernels } from '../backend/linear.js';

export function linear(x: tf.Tensor, w: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  if (hasFusedKernels() && hasLinearKernels()) {
    const inputs = (bias === undefined ? { x, w } : { x, w, bias }) as unknown as tf.NamedTensorMap;
    return tf.engine().runKernel(bias === undefined ? 'MtlabMatMul' : 'MtlabLinear', inputs) as tf.Tensor;
  }
  return bias === undefined ? tf.matMul(x, w) : tf.fused.matMul({ a: x, b: w, bias });
}
