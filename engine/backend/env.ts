/**
 * The environment variables of the compute backends: one per thing, switches off with `=0`.
 *
 *   MTLAB_TENSORFLOW=0       do not try the `tensorflow` backend (tfjs-node-gpu / tfjs-node)
 *   MTLAB_ADDON=0            do not load the C++ addon (@mtlab/native) that speeds up the wasm backend
 *   MTLAB_ADDON_THREADS=N    the addon's threads (default: the cores a training worker is given)
 *   MTLAB_ADDON_ISA=avx2|generic   a lesser instruction set for the addon than the CPU has
 *   MTLAB_ADDON_BLAS=system|builtin  the addon's matrix products from a system BLAS or its own kernels
 *   MTLAB_FUSED=0            tfjs's composite ops instead of mtlab's fused kernels (read in fused-kernels.ts)
 *   MTLAB_WEBGPU=0           do not look for a WebGPU adapter; =software lets `auto` take a software one
 *
 * The names before these (MTLAB_NO_NATIVE=1, MTLAB_NATIVE=0, MTLAB_NATIVE_THREADS, MTLAB_NATIVE_ISA,
 * MTLAB_NATIVE_BLAS) still work, with a deprecation warning once per process.
 */

interface Former {
  name: string;
  /** The new variable's value for the old one's, or undefined where the old value meant nothing. */
  value: (old: string) => string | undefined;
}

const same = (old: string): string => old;

const FORMER: Record<string, Former> = {
  MTLAB_TENSORFLOW: { name: 'MTLAB_NO_NATIVE', value: (old) => (old === '1' ? '0' : undefined) },
  MTLAB_ADDON: { name: 'MTLAB_NATIVE', value: same },
  MTLAB_ADDON_THREADS: { name: 'MTLAB_NATIVE_THREADS', value: same },
  MTLAB_ADDON_ISA: { name: 'MTLAB_NATIVE_ISA', value: same },
  MTLAB_ADDON_BLAS: { name: 'MTLAB_NATIVE_BLAS', value: same },
};

const warned = new Set<string>();

/** The variable's value (unset or empty: undefined), taken from its former name where only that is set. */
export function readEnv(name: string): string | undefined {
  const value = process.env[name];
  if (value !== undefined && value !== '') return value;
  const former = FORMER[name];
  const old = former === undefined ? undefined : process.env[former.name];
  if (former === undefined || old === undefined || old === '') return undefined;
  if (!warned.has(former.name)) {
    warned.add(former.name);
    process.emitWarning(`${former.name} is deprecated: use ${name} (see README, "Compute backends")`, {
      type: 'DeprecationWarning',
      code: 'MTLAB_ENV',
    });
  }
  return former.value(old);
}

/** Whether a switch is turned off (`NAME=0`), and the words that say so. */
export function switchedOff(name: string): string | null {
  return readEnv(name) === '0' ? `turned off by ${name}=0` : null;
}
