/**
 * `MtlabLinear`: y = x·W (+ b) for 2-D x, as one kernel with a one-kernel gradient (dx = dy·Wᵀ, dW = xᵀ·dy,
 * db = Σ_rows dy). tfjs's own `matMul`/`fused.matMul` ops wrap their kernel in reshapes, clones and a custom
 * gradient, half a dozen dispatches per call; in a recurrent loop those dispatches cost more than the arithmetic.
 * The kernel calls the backend's own matrix kernels (XNNPACK on wasm, or the native GEMM where it is wired in).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

const as3d = (info: TensorInfo): TensorInfo => ({ dataId: info.dataId, dtype: info.dtype, shape: [1, ...info.shape] });

function callKernel(
  backendName: string,
  name: string,
  backend: unknown,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown>,
): TensorInfo {
  const kernel = tf.getKernel(name, backendName);
  if (kernel === undefined) throw new Error(`${backendName} has no ${name} kernel`);
  return kernel.kernelFunc({
    inputs: inputs as tf.NamedTensorInfoMap,
    backend: backend as tf.KernelBackend,
    attrs: attrs as tf.NamedAttrMap,
  }) as TensorInfo;
}

function linear(backendName: string): KernelFunc {
  return ({ inputs, backend }) => {
    const { x, w, bias } = inputs as { x: TensorInfo; w: TensorInfo; bias?: TensorInfo };
    const [rows] = x.shape as [number, number];
    const columns = w.shape[1]!;
    const attrs = { transposeA: false, transposeB: false, activation: 'linear', leakyreluAlpha: 0 };
    const out =
      bias === undefined
        ? callKernel(backendName, 'BatchMatMul', backend, { a: as3d(x), b: as3d(w) }, attrs)
        : callKernel(backendName, '_FusedMatMul', backend, { a: as3d(x), b: as3d(w), bias }, attrs);
    out.shape = [rows, columns];
    return out;
  };
}

function linearGrad(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, x, w } = inputs as { dy: TensorInfo; x: TensorInfo; w: TensorInfo };
    const hasBias = (attrs as { hasBias: boolean }).hasBias;
    const dx = callKernel(
      backendName,
      'BatchMatMul',
      backend,
      { a: as3d(dy), b: as3d(w) },
      { transposeA: false, transposeB: true },
    );
    dx.shape = x.shape.slice();
    const dw = callKernel(
      backendName,
      'BatchMatMul',
      backend,
      { a: as3d(x), b: as3d(dy) },
      { transposeA: true, transposeB: false },
    );
    dw.shape = w.shape.slice();
    if (!hasBias) return [dx, dw];
    const db = callKernel(backendName, 'Sum', backend, { x: dy }, { axis: [0], keepDims: false });
    return [dx, dw, db];
  };
}

let registered = false;

export function registerLinearKernels(): void {
  if (registered) return;
  registered = true;
  for (const backendName of ['wasm', 'cpu']) {
    tf.registerKernel({ kernelName: 'MtlabLinear', backendName, kernelFunc: linear(backendName) });
    tf.registerKernel({ kernelName: 'MtlabMatMul', backendName, kernelFunc: linear(backendName) });
    tf.registerKernel({ kernelName: 'MtlabLinearGrad', backendName, kernelFunc: linearGrad(backendName) });
  }
  for (const [kernelName, hasBias] of [
    ['MtlabLinear', true],
    ['MtlabMatMul', false],
  ] as const) {
    tf.registerGradient({
      kernelName,
      inputsToSave: ['x', 'w'],
      gradFunc: (dy, saved) => {
        const [x, w] = saved as [tf.Tensor, tf.Tensor];
        const grads = tf
          .engine()
          .runKernel('MtlabLinearGrad', { dy: dy as tf.Tensor, x, w } as unknown as tf.NamedTensorMap, {
            hasBias,
          }) as tf.Tensor[];
        const out: Record<string, () => tf.Tensor> = { x: () => grads[0]!, w: () => grads[1]! };
        if (hasBias) out.bias = () => grads[2]!;
        return out;
      },
    });
  }
}

/** Whether the active backend has the linear kernels. */
export function hasLinearKernels(): boolean {
  return tf.getKernel('MtlabLinear', tf.getBackend()) !== undefined;
}
