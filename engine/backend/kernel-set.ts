/**
 * The kernel set a run trains with (recorded on the run): the same config, seed and kernel set give the same loss
 * curve bit for bit; another backend or instruction set (AVX-512 and the portable GEMM sum in different orders)
 * gives a curve that is as good but no longer identical. The thread count is recorded too, but the native kernels
 * give the same bits on any number of threads (test/engine/native/gemm.test.ts checks it), so it does not count.
 */
import type { BackendName, KernelSet } from '../contract/api.js';
import { nativeKernels } from './addon.js';

/** The kernels in use now, on `backend` (the native accelerator only serves the wasm backend). */
export function currentKernelSet(backend: BackendName): KernelSet {
  if (backend !== 'wasm') return { backend, addon: 'none', threads: 1 };
  return { backend, ...nativeKernels() };
}

/** Whether two kernel sets compute the same bits: the same backend and instruction set. */
export function sameKernels(a: KernelSet, b: KernelSet): boolean {
  return a.backend === b.backend && a.addon === b.addon;
}

/** e.g. `wasm + native avx512, 2 threads`, `cpu`. */
export function describeKernelSet(k: KernelSet): string {
  if (k.addon === 'none') return k.backend === 'wasm' ? 'wasm (no native accelerator)' : k.backend;
  return `${k.backend} + native ${k.addon}, ${k.threads} thread${k.threads === 1 ? '' : 's'}`;
}

/** The warning for a run resumed on other kernels than it trained with, or null when they are the same. */
export function kernelSetWarning(runId: number, before: KernelSet | null, now: KernelSet): string | null {
  if (before === null || sameKernels(before, now)) return null;
  return (
    `Warning: run ${runId} trained on ${describeKernelSet(before)} and resumes on ${describeKernelSet(now)}: ` +
    'its loss curve will no longer be bit-identical to an uninterrupted run (matrix products sum in another order).'
  );
}
