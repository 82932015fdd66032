/**
 * Kernels the wasm backend lacks or runs slowly, registered before the backend starts.
 *
 * - BatchMatMul with transposeA/transposeB (every matMul gradient) takes a scalar path in tfjs-wasm 4.22 that is
 *   about 10× slower than the plain XNNPACK path. We transpose the operand with the wasm Transpose kernel first and
 *   then take the fast path (measured: 3.9× faster training steps).
 * - UnsortedSegmentSum is missing, and the gradient of `gather` (embedding lookups) needs it.
 * - Identity copies its input; autodiff clones every tensor a gradient saves with it (~300 copies, ~9 ms of a
 *   ~100 ms reference step). Tensors are immutable and no wasm kernel writes into an existing tensor's memory
 *   (Variable.assign swaps data, mtlab's Adam kernel makes new tensors), so Identity can share the data and count
 *   a reference, as tfjs's cpu backend and the wasm Reshape kernel do.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { addonMatMulKernel } from './addon.js';
import type { WasmBackendLike } from './memory.js';

let registered = false;

function wrapKernel(name: string, wrap: (original: KernelFunc) => KernelFunc): void {
  const original = tf.getKernel(name, 'wasm');
  if (original === undefined) throw new Error(`tfjs-backend-wasm has no ${name} kernel to wrap`);
  const config: KernelConfig = { ...original, kernelFunc: wrap(original.kernelFunc) };
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel(config);
}

function sharedIdentity(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === 'string') return original(args);
    (args.backend as unknown as WasmBackendLike).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

function fastTransposedMatMul(original: KernelFunc): KernelFunc {
  return (args) => {
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return original(args);
    const backend = args.backend as unknown as WasmBackendLike;
    const transpose = tf.getKernel('Transpose', 'wasm')!.kernelFunc;
    const swapLast = (x: TensorInfo): TensorInfo => {
      const rank = x.shape.length;
      const perm = [...Array(rank).keys()];
      perm[rank - 2] = rank - 1;
      perm[rank - 1] = rank - 2;
      return transpose({ inputs: { x }, backend: args.backend, attrs: { perm } }) as TensorInfo;
    };
    const inputs = args.inputs as { a: TensorInfo; b: TensorInfo };
    const a = transposeA ? swapLast(inputs.a) : inputs.a;
    const b = transposeB ? swapLast(inputs.b) : inputs.b;
    const out = original({
      ...args,
      inputs: { ...inputs, a, b },
      attrs: { ...args.attrs, transposeA: false, transposeB: false },
    });
    if (transposeA) backend.disposeData(a.dataId);
    if (transposeB) backend.disposeData(b.dataId);
    return out;
  };
}

const unsortedSegmentSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as unknown as WasmBackendLike;
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as { numSegments: number };
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`UnsortedSegmentSum: unsupported dtype ${x.dtype}`);
  const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const out = wasm.makeOutput(outShape, x.dtype);
  // Read inputs after allocating the output: allocation may grow (and move) the wasm heap.
  const values = wasm.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = wasm.typedArrayFromHeap(segmentIds) as Int32Array;
  const result = wasm.typedArrayFromHeap(out) as Float32Array | Int32Array;
  result.fill(0);
  for (let r = 0; r < rows; r++) {
    const segment = ids[r];
    if (segment < 0 || segment >= numSegments) continue;
    const src = r * inner;
    const dst = segment * inner;
    for (let i = 0; i < inner; i++) result[dst + i] += values[src + i];
  }
  return out;
};

/** Register mtlab's wasm kernels. Safe to call more than once; call before `tf.setBackend('wasm')`. */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  // float32 matMuls run on the addon's SGEMM when it is built (addon.ts); the rest as before.
  wrapKernel('BatchMatMul', (original) => addonMatMulKernel(fastTransposedMatMul(original)));
  wrapKernel('_FusedMatMul', addonMatMulKernel);
  wrapKernel('Identity', sharedIdentity);
  if (tf.getKernel('UnsortedSegmentSum', 'wasm') === undefined) {
    tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum });
  }
}
