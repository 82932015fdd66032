/**
 * The optional C++ addon (@mtlab/native, built from native/ at install where a C++ compiler exists) and the wasm
 * matMul kernel that uses it. (Its fused kernels are wrapped in addon-compute.ts. The `tensorflow` backend,
 * tfjs-node, is something else: select.ts.)
 *
 * The wasm backend keeps every tensor in its heap, a plain ArrayBuffer. The BatchMatMul and _FusedMatMul kernels
 * below pass Float32Array views of that heap to the addon, whose blocked SGEMM (AVX-512 / AVX2 / portable,
 * picked at run time) reads the inputs and writes the output in place: no copies, transposes handled by the GEMM.
 * Where the addon is missing, disabled (MTLAB_ADDON=0) or the call is unusual (other dtypes, prelu, odd
 * broadcasting), the original tfjs-backend-wasm kernel runs.
 *
 * Environment (env.ts): MTLAB_ADDON=0 disables the addon; MTLAB_ADDON_THREADS sets its threads (default 1;
 * a training worker gets the machine's cores shared among the concurrent runs); MTLAB_NATIVE_ADDON=FILE loads that
 * build of the addon instead (CI's portable build);
 * MTLAB_ADDON_ISA=avx2|generic forces a lesser instruction set; MTLAB_ADDON_BLAS=system|builtin chooses between
 * the built-in kernels and a system BLAS (default: built-in, or the system BLAS where only the portable kernels run).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { readEnv, switchedOff } from './env.js';
import type { WasmBackendLike } from './memory.js';

/** What the addon reports about itself (native/index.d.ts). */
export interface NativeInfo {
  isa: string;
  detectedIsa: string;
  isas: string[];
  hardwareThreads: number;
  /** How the generic fused kernels were compiled: 'vector extensions' or 'portable arrays' (absent: older builds). */
  genericFused?: string;
}

export interface SystemBlasInfo {
  available: boolean;
  library: string;
  detail: string;
}

/** The addon's N-API surface (native/src/addon.cc). */
export interface NativeAddon {
  gemm(a: Float32Array, b: Float32Array, c: Float32Array, bias: Float32Array | null, params: Float64Array): void;
  info(): NativeInfo;
  configure(isa: string): NativeInfo;
  systemBlas(): SystemBlasInfo;
}

/** Activations of the fused epilogue, numbered as tfjs-backend-wasm's FusableActivation (prelu is not fused). */
export const ACTIVATION_CODES = { linear: 0, relu: 1, relu6: 2, leakyrelu: 4, sigmoid: 5, elu: 6 } as const;
export type FusedActivation = keyof typeof ACTIVATION_CODES;

export type GemmImplementation = 'builtin' | 'system';

/** One batched GEMM: C[i] = act(alpha·op(A[i])·op(B[i]) + beta·C[i] + bias[i]), row-major, in place on C. */
export interface GemmSpec {
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
  m: number;
  n: number;
  k: number;
  batch?: number;
  transposeA?: boolean;
  transposeB?: boolean;
  /** Leading dimensions (elements between rows as stored); default: dense. */
  lda?: number;
  ldb?: number;
  ldc?: number;
  /** Elements between batch items; 0 broadcasts an operand. Default: dense. */
  batchStrideA?: number;
  batchStrideB?: number;
  batchStrideC?: number;
  alpha?: number;
  beta?: number;
  bias?: Float32Array | null;
  /** bias(i, r, c) = bias[i·batch + r·row + c·column]; default: one value per column, shared by all rows. */
  biasStrides?: { batch: number; row: number; column: number };
  activation?: FusedActivation;
  leakyAlpha?: number;
  threads?: number;
  implementation?: GemmImplementation;
}

interface LoadResult {
  addon: NativeAddon | null;
  /** Why the addon is unavailable, or what it runs. */
  detail: string;
}

/** The addon as built in the repository, from dist/engine/backend/addon.js. */
const LOCAL_BUILD = '../../../native/build/Release/mtlab_native.node';

let loaded: LoadResult | null = null;
let threads = 1;
let implementation: GemmImplementation = 'builtin';
let matMulEnabled = true;
let addonCalls = 0;

function parseThreads(value: string | undefined): number {
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed >= 1 ? Math.min(parsed, 64) : 1;
}

function load(): LoadResult {
  const off = switchedOff('MTLAB_ADDON');
  if (off !== null) return { addon: null, detail: off };
  const require = createRequire(import.meta.url);
  let addon: NativeAddon;
  const chosen = process.env.MTLAB_NATIVE_ADDON;
  if (chosen !== undefined && chosen !== '') {
    // Another build of the addon (CI tests the portable one this way).
    try {
      addon = require(path.resolve(chosen)) as NativeAddon;
    } catch (error) {
      return { addon: null, detail: `MTLAB_NATIVE_ADDON=${chosen}: ${(error as Error).message.split('\n')[0]}` };
    }
  } else {
    try {
      addon = require('@mtlab/native') as NativeAddon;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') {
        return { addon: null, detail: `@mtlab/native did not load: ${(error as Error).message.split('\n')[0]}` };
      }
      // npm drops an optional package whose build failed; a later `node-gyp rebuild` in native/ still counts.
      try {
        addon = require(fileURLToPath(new URL(LOCAL_BUILD, import.meta.url))) as NativeAddon;
      } catch {
        return {
          addon: null,
          detail:
            '@mtlab/native is not built (it needs a C++ compiler: `npm install`, or `npx node-gyp rebuild -C native`)',
        };
      }
    }
  }
  const forcedIsa = readEnv('MTLAB_ADDON_ISA');
  if (forcedIsa !== undefined) {
    try {
      addon.configure(forcedIsa);
    } catch (error) {
      return { addon: null, detail: `MTLAB_ADDON_ISA=${forcedIsa}: ${(error as Error).message}` };
    }
  }
  const threadsSetting = readEnv('MTLAB_ADDON_THREADS');
  if (threadsSetting !== undefined) threads = parseThreads(threadsSetting);
  const blasChoice = readEnv('MTLAB_ADDON_BLAS');
  // The built-in AVX kernels beat the system BLAS measured here (OpenBLAS 0.3.21 runs its Haswell kernels on
  // this AVX-512 CPU); the portable kernels do not, so there a system BLAS is preferred when one loads.
  const preferSystem = blasChoice === 'system' || (blasChoice !== 'builtin' && addon.info().isa === 'generic');
  implementation = preferSystem && addon.systemBlas().available ? 'system' : 'builtin';
  return { addon, detail: '' };
}

/** The addon, loaded once per process; null where it is not built, not loadable or disabled. */
export function loadAddon(): NativeAddon | null {
  loaded ??= load();
  return loaded.addon;
}

/** One line for `mtlab info`: what the addon's kernels run, or why there are none. */
export function describeAddon(): { available: boolean; detail: string } {
  const addon = loadAddon();
  if (addon === null) return { available: false, detail: loaded!.detail };
  const info = addon.info();
  const kernels =
    implementation === 'system'
      ? `system BLAS ${addon.systemBlas().library}`
      : `built-in ${info.isa.toUpperCase()} kernels`;
  return {
    available: true,
    detail: `native SGEMM for wasm matMuls: ${kernels}, ${threads} thread${threads === 1 ? '' : 's'}`,
  };
}

/**
 * What the addon runs wasm's kernels with, for the run's record: its instruction set ('portable' for the generic
 * kernels; 'none' where it is not loaded or turned off) and its threads.
 */
export function nativeKernels(): { addon: 'avx512' | 'avx2' | 'portable' | 'none'; threads: number } {
  const addon = loadAddon();
  if (addon === null || !matMulEnabled) return { addon: 'none', threads: 1 };
  const isa = addon.info().isa;
  return { addon: isa === 'avx512' || isa === 'avx2' ? isa : 'portable', threads };
}

/** Threads the wasm matMul kernels give the addon (the calling thread included). */
export function setAddonThreads(count: number): void {
  threads = Math.max(1, Math.floor(count));
}

/** `setAddonThreads(count)` unless MTLAB_ADDON_THREADS says how many. */
export function defaultAddonThreads(count: number): void {
  if (readEnv('MTLAB_ADDON_THREADS') === undefined) setAddonThreads(count);
}

export function setAddonImplementation(choice: GemmImplementation): void {
  implementation = choice;
}

/** Route wasm matMuls through the addon (default) or leave them to tfjs-backend-wasm (tests compare both). */
export function setAddonMatMul(on: boolean): void {
  matMulEnabled = on;
}

/** How many wasm matMul calls the addon has run in this process (tests and benchmarks check the routing). */
export function addonMatMulCalls(): number {
  return addonCalls;
}

// Layout of the params array (native/src/addon.cc, GemmParam).
const PARAM = {
  batch: 0,
  m: 1,
  n: 2,
  k: 3,
  transposeA: 4,
  transposeB: 5,
  lda: 6,
  ldb: 7,
  ldc: 8,
  batchStrideA: 9,
  batchStrideB: 10,
  batchStrideC: 11,
  alpha: 12,
  beta: 13,
  biasBatchStride: 14,
  biasRowStride: 15,
  biasColumnStride: 16,
  activation: 17,
  leakyAlpha: 18,
  threads: 19,
  implementation: 20,
  count: 21,
} as const;

const params = new Float64Array(PARAM.count);

/** Run one GEMM on the addon. Sizes and strides are checked by the addon against the arrays' lengths. */
export function gemm(addon: NativeAddon, spec: GemmSpec): void {
  const transposeA = spec.transposeA ?? false;
  const transposeB = spec.transposeB ?? false;
  const lda = spec.lda ?? (transposeA ? spec.m : spec.k);
  const ldb = spec.ldb ?? (transposeB ? spec.k : spec.n);
  const ldc = spec.ldc ?? spec.n;
  params[PARAM.batch] = spec.batch ?? 1;
  params[PARAM.m] = spec.m;
  params[PARAM.n] = spec.n;
  params[PARAM.k] = spec.k;
  params[PARAM.transposeA] = transposeA ? 1 : 0;
  params[PARAM.transposeB] = transposeB ? 1 : 0;
  params[PARAM.lda] = lda;
  params[PARAM.ldb] = ldb;
  params[PARAM.ldc] = ldc;
  params[PARAM.batchStrideA] = spec.batchStrideA ?? spec.m * spec.k;
  params[PARAM.batchStrideB] = spec.batchStrideB ?? spec.k * spec.n;
  params[PARAM.batchStrideC] = spec.batchStrideC ?? spec.m * ldc;
  params[PARAM.alpha] = spec.alpha ?? 1;
  params[PARAM.beta] = spec.beta ?? 0;
  params[PARAM.biasBatchStride] = spec.biasStrides?.batch ?? 0;
  params[PARAM.biasRowStride] = spec.biasStrides?.row ?? 0;
  params[PARAM.biasColumnStride] = spec.biasStrides?.column ?? 1;
  params[PARAM.activation] = ACTIVATION_CODES[spec.activation ?? 'linear'];
  params[PARAM.leakyAlpha] = spec.leakyAlpha ?? 0.2;
  params[PARAM.threads] = spec.threads ?? threads;
  params[PARAM.implementation] = (spec.implementation ?? implementation) === 'system' ? 1 : 0;
  addon.gemm(spec.a, spec.b, spec.c, spec.bias ?? null, params);
}

// ---- The wasm kernels ----

interface MatMulInputs {
  a: TensorInfo;
  b: TensorInfo;
  bias?: TensorInfo | null;
  preluActivationWeights?: TensorInfo | null;
}

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
  leakyreluAlpha?: number;
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((product, d) => product * d, 1);

/** Bias strides over the [batch, M, N] output for the bias shapes we fuse (rank 1 or 2); null otherwise. */
function biasStrides(
  shape: readonly number[],
  m: number,
  n: number,
): { batch: number; row: number; column: number } | null {
  if (shape.length === 1) {
    if (shape[0] === n) return { batch: 0, row: 0, column: 1 };
    if (shape[0] === 1) return { batch: 0, row: 0, column: 0 };
    return null;
  }
  if (shape.length === 2) {
    const [rows, columns] = shape;
    if ((rows !== 1 && rows !== m) || (columns !== 1 && columns !== n)) return null;
    return { batch: 0, row: rows === 1 ? 0 : columns, column: columns === 1 ? 0 : 1 };
  }
  return null;
}

/**
 * The native version of a wasm BatchMatMul or _FusedMatMul call, or null when the call should go to the original
 * kernel (which then also reports any error in tfjs's own words).
 */
function addonMatMul(
  addon: NativeAddon,
  backend: WasmBackendLike,
  inputs: MatMulInputs,
  attrs: MatMulAttrs,
): TensorInfo | null {
  const { a, b } = inputs;
  const bias = inputs.bias ?? null;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || (bias !== null && bias.dtype !== 'float32')) return null;
  if ((inputs.preluActivationWeights ?? null) !== null) return null;
  const activationName = attrs.activation ?? 'linear';
  if (!Object.hasOwn(ACTIVATION_CODES, activationName)) return null;
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  if (aRank < 2 || bRank < 2) return null;
  const transposeA = attrs.transposeA;
  const transposeB = attrs.transposeB;
  const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  if (k !== (transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2])) return null;
  const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
  const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  let batchShape: number[];
  try {
    batchShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  } catch {
    return null;
  }
  // Fused batches are both full or one of them a single matrix broadcast to the other.
  const batch = sizeOf(batchShape);
  if (batch !== Math.max(batchA, batchB) || (batchA !== batchB && batchA !== 1 && batchB !== 1)) return null;
  if (m * n * batch === 0 || k === 0) return null;
  const strides = bias === null ? null : biasStrides(bias.shape, m, n);
  if (bias !== null && strides === null) return null;

  const out = backend.makeOutput([...batchShape, m, n], 'float32');
  // Views only after the output exists: allocating may grow the wasm memory and detach older views.
  gemm(addon, {
    a: backend.typedArrayFromHeap(a) as Float32Array,
    b: backend.typedArrayFromHeap(b) as Float32Array,
    c: backend.typedArrayFromHeap(out) as Float32Array,
    bias: bias === null ? null : (backend.typedArrayFromHeap(bias) as Float32Array),
    biasStrides: strides ?? undefined,
    batch,
    m,
    n,
    k,
    transposeA,
    transposeB,
    batchStrideA: batchA === 1 ? 0 : m * k,
    batchStrideB: batchB === 1 ? 0 : k * n,
    activation: activationName as FusedActivation,
    leakyAlpha: attrs.leakyreluAlpha ?? 0.2,
  });
  addonCalls++;
  return out;
}

/** Wrap a wasm BatchMatMul or _FusedMatMul kernel so float32 calls run on the addon when it is loaded. */
export function addonMatMulKernel(original: KernelFunc): KernelFunc {
  return (args) => {
    const addon = matMulEnabled ? loadAddon() : null;
    if (addon === null) return original(args);
    const out = addonMatMul(
      addon,
      args.backend as unknown as WasmBackendLike,
      args.inputs as unknown as MatMulInputs,
      args.attrs as unknown as MatMulAttrs,
    );
    return out ?? original(args);
  };
}
