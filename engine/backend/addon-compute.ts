/**
 * The arithmetic of mtlab's fused kernels (engine/backend/compute.ts) on the C++ addon: the same functions
 * with the same arguments, vectorised in C++ (native/src/fused_impl.h; AVX-512, AVX2 or portable, following the
 * instruction set the addon runs). Results match the JavaScript reference within float rounding: element-wise
 * values to a few ulp, sums in double as the reference's JavaScript numbers are.
 */
import type { Compute } from './compute.js';
import { loadAddon } from './addon.js';

/** The fused functions of @mtlab/native (native/src/fused_napi.cc). */
export interface NativeFused extends Compute {
  /** exp, tanh or sigmoid of every element of `x` into `out`, as the kernels compute them (accuracy tests). */
  fusedMath(fn: 'exp' | 'tanh' | 'sigmoid', x: Float32Array, out: Float32Array): void;
  /** The instruction set the fused kernels run: 'avx512' | 'avx2' | 'generic'. */
  fusedIsa(): string;
}

const FUNCTIONS = [
  'sumOfSquares',
  'columnSums',
  'adamStep',
  'gruForward',
  'gruBackward',
  'lstmForward',
  'lstmBackward',
  'logSoftmax',
  'softmaxCrossEntropyForward',
  'softmaxCrossEntropyBackward',
  'additiveAttentionForward',
  'additiveAttentionBackward',
  'dotAttentionForward',
  'dotAttentionBackward',
  'fusedMath',
  'fusedIsa',
] as const satisfies readonly (keyof NativeFused)[];

/** The addon's fused functions; null where the addon is not loaded or was built before they existed. */
export function loadAddonFused(): NativeFused | null {
  const addon = loadAddon() as unknown as Partial<NativeFused> | null;
  if (addon === null) return null;
  for (const name of FUNCTIONS) {
    if (typeof addon[name] !== 'function') return null;
  }
  return addon as NativeFused;
}

/** A `Compute` running on the addon, or null where there is none (jsCompute is then the one to use). */
export function addonCompute(): Compute | null {
  const fused = loadAddonFused();
  if (fused === null) return null;
  // The addon takes the reference's arguments in the reference's order, and its functions do not use `this`.
  const compute: Compute = {
    sumOfSquares: fused.sumOfSquares,
    columnSums: fused.columnSums,
    adamStep: fused.adamStep,
    gruForward: fused.gruForward,
    gruBackward: fused.gruBackward,
    lstmForward: fused.lstmForward,
    lstmBackward: fused.lstmBackward,
    logSoftmax: fused.logSoftmax,
    softmaxCrossEntropyForward: fused.softmaxCrossEntropyForward,
    softmaxCrossEntropyBackward: fused.softmaxCrossEntropyBackward,
    additiveAttentionForward: fused.additiveAttentionForward,
    additiveAttentionBackward: fused.additiveAttentionBackward,
    dotAttentionForward: fused.dotAttentionForward,
    dotAttentionBackward: fused.dotAttentionBackward,
  };
  return compute;
}
