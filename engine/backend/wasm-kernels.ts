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
 *
 * And one guard (`guardWasmHeap`): tfjs-backend-wasm takes whatever `malloc` returns as a tensor's address, and
 * `malloc` returns 0 once the heap cannot grow (4 GiB at most). Each output allocated after that lived at address
 * 0, over the heap's static data and the tensors already there: the native fused kernels saw "an output overlaps
 * an input", the other kernels silently wrote over live memory. The guard turns that into an out-of-memory error.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { LabError } from '../errors.js';
import { WASM_HEAP_MAX_BYTES } from '../train/memory-estimate.js';
import { addonMatMulKernel } from './addon.js';
import type { WasmBackendLike } from './memory.js';

/** The emscripten module behind the wasm backend (the parts the heap guard uses). */
interface WasmModuleLike {
  _malloc(bytes: number): number;
  HEAPU8: Uint8Array;
}

const GUARDED = Symbol('mtlab.guardedMalloc');

/** Bytes for a person: 1.2 GB, 340 MB, 12 KB. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/**
 * Make `malloc` on the wasm heap throw an 'out-of-memory' LabError where it would return 0 (or an allocation
 * would not fit in 32 bits) instead of handing tfjs address 0. Idempotent; call after the wasm backend starts.
 */
export function guardWasmHeap(backend: unknown): void {
  const module = (backend as { wasm?: WasmModuleLike | null }).wasm;
  if (module === undefined || module === null) return;
  const current = module._malloc as ((bytes: number) => number) & { [GUARDED]?: true };
  if (current[GUARDED] === true) return;
  let original = current.bind(module);
  const guarded = ((bytes: number): number => {
    // malloc takes a 32-bit size: a larger request would wrap around to a small one.
    const address = bytes < WASM_HEAP_MAX_BYTES ? original(bytes) >>> 0 : 0;
    // emscripten's first `_malloc` replaces itself on the module with the wasm export: keep the guard in front.
    if (module._malloc !== guarded) {
      original = module._malloc.bind(module);
      module._malloc = guarded;
    }
    if (address === 0 && bytes > 0) {
      const heap = module.HEAPU8.length;
      throw new LabError(
        'out-of-memory',
        `out of memory: the wasm heap cannot hold ${formatBytes(bytes)} more (it has grown to ${formatBytes(heap)} ` +
          `of at most ${formatBytes(WASM_HEAP_MAX_BYTES)}); use a smaller batch, beam, input or model`,
        { requestedBytes: bytes, heapBytes: heap, heapMaxBytes: WASM_HEAP_MAX_BYTES },
      );
    }
    return address;
  }) as ((bytes: number) => number) & { [GUARDED]?: true };
  guarded[GUARDED] = true;
  module._malloc = guarded;
}

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
