/**
 * `MtlabLinear`: y = x·W (+ b) for 2-D x, as one kernel with a one-kernel gradient (dx = dy·Wᵀ, dW = xᵀ·dy,
 * db = Σ_rows dy). tfjs's own `matMul`/`fused.matMul` ops wrap their kernel in reshapes, clones and a custom
 * gradient, half a dozen dispatches per call; in a recurrent loop those dispatches cost more than the arithmetic.
 * The kernel calls the backend's own matrix kernels (XNNPACK on wasm, or the native GEMM where it is wired in).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { activeCompute } from './fused-kernels.js';
import type { CpuBackendLike, WasmBackendLike } from './memory.js';

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

/**
 * db = Σ_rows dy with the fused kernels' arithmetic (native where loaded) on the backend's memory: tfjs's `Sum` over
 * axis 0 transposes first, and took 4.5 ms of a reference step for the [640, 2000] output projection alone.
 */
function columnSums(backendName: string, backend: unknown, dy: TensorInfo): TensorInfo {
  const [rows, cols] = dy.shape as [number, number];
  if (backendName === 'wasm') {
    const wasm = backend as WasmBackendLike;
    const out = wasm.makeOutput([cols], 'float32');
    // Views only after the output exists: allocating may grow the wasm memory and detach older views.
    const values = wasm.typedArrayFromHeap(dy) as Float32Array;
    activeCompute().columnSums(values, rows, cols, wasm.typedArrayFromHeap(out) as Float32Array);
    return out;
  }
  const cpu = backend as CpuBackendLike;
  const out = new Float32Array(cols);
  activeCompute().columnSums(cpu.data.get(dy.dataId).values as Float32Array, rows, cols, out);
  return cpu.makeTensorInfo([cols], 'float32', out);
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
    const db =
      dy.dtype === 'float32' && dy.shape.length === 2
        ? columnSums(backendName, backend, dy)
        : callKernel(backendName, 'Sum', backend, { x: dy }, { axis: [0], keepDims: false });
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
