/**
 * Raw tensor memory of the backends whose tensors live in JavaScript-visible memory: the wasm heap (one
 * ArrayBuffer) and the cpu backend's typed arrays. mtlab's kernels for these backends (fused-kernels.ts,
 * linear-kernels.ts, wasm-kernels.ts, addon.ts) read and write it directly. A leaf module: it imports no other
 * part of the engine.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';

export type Values = Float32Array | Int32Array;

/** The parts of tfjs-backend-wasm's BackendWasm we use (it does not export the class type from its index). */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
}

/** The parts of tfjs-backend-cpu's MathBackendCPU we use. */
export interface CpuBackendLike {
  data: { get(dataId: object): { values: Values } };
  makeTensorInfo(shape: number[], dtype: DataType, values?: Values): TensorInfo;
}

export interface OutputSpec {
  shape: number[];
  dtype: DataType;
}

/**
 * Run `compute` on the raw memory of `inputs`, producing `outputs`. On wasm the outputs are allocated first (an
 * allocation may grow the heap and invalidate earlier views), then every view is taken.
 */
export function withMemory(
  backendName: string,
  backend: unknown,
  inputs: TensorInfo[],
  outputs: OutputSpec[],
  compute: (ins: Values[], outs: Values[]) => void,
): TensorInfo[] {
  if (backendName === 'wasm') {
    const wasm = backend as WasmBackendLike;
    const infos: TensorInfo[] = [];
    try {
      for (const o of outputs) infos.push(wasm.makeOutput(o.shape, o.dtype));
    } catch (error) {
      // An output that does not fit (engine/backend/wasm-kernels.ts, guardWasmHeap): free the ones made so far.
      for (const info of infos) wasm.disposeData(info.dataId);
      throw error;
    }
    const ins = inputs.map((i) => wasm.typedArrayFromHeap(i) as Values);
    const outs = infos.map((i) => wasm.typedArrayFromHeap(i) as Values);
    compute(ins, outs);
    return infos;
  }
  const cpu = backend as CpuBackendLike;
  const ins = inputs.map((i) => cpu.data.get(i.dataId).values);
  const outs = outputs.map((o) => {
    const size = o.shape.reduce((a, b) => a * b, 1);
    return o.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  });
  compute(ins, outs);
  return outputs.map((o, k) => cpu.makeTensorInfo(o.shape, o.dtype, outs[k]));
}

/** Read-only view of a float32 tensor's memory on the active backend, wasm or cpu (null elsewhere). */
export function memoryView(tensor: tf.Tensor): Float32Array | null {
  if (tensor.dtype !== 'float32') return null;
  const name = tf.getBackend();
  if (name === 'wasm') return (tf.backend() as unknown as WasmBackendLike).typedArrayFromHeap(tensor) as Float32Array;
  if (name === 'cpu') return (tf.backend() as unknown as CpuBackendLike).data.get(tensor.dataId).values as Float32Array;
  return null;
}
